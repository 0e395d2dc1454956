"""OCR JSON → typed receipt values, and item categories from the keyword table."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.data.category_keywords import DEFAULT_KEYWORDS
from app.services.categorize import Categorizer, normalize
from app.services.ocr_result import parse_ocr_result, to_decimal


def test_full_result_is_mapped() -> None:
    parsed = parse_ocr_result(
        {
            "shop": "  LIDL  sp. z o.o. ", "company": "Lidl", "nip": "781-18-97-358",
            "date": "2026-03-29", "time": "02:30", "currency": "pln",
            "items": [
                {"name": "Masło Ext 200g", "quantity": "0.456", "unit_price": "9,99",
                 "price": "4.56", "discount": "-0.50", "vat": "b"},
                {"name": "", "price": "1.00"},
                "garbage",
                {"name": "Woda", "quantity": "two", "price": "1.999", "vat": "12"},
            ],
            "total": "6,55", "amount_due": "7.05",
        },
        "Europe/Warsaw",
    )
    assert parsed.shop == "LIDL sp. z o.o."
    assert parsed.currency == "PLN"
    assert parsed.purchase_date == date(2026, 3, 29)
    # 02:30 on the night the clocks go forward: a real local time with its own offset
    assert parsed.purchased_at == datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Warsaw"))
    assert parsed.total == Decimal("6.55") and parsed.amount_due == Decimal("7.05")
    assert [i.name for i in parsed.items] == ["Masło Ext 200g", "Woda"]
    first, second = parsed.items
    assert (first.quantity, first.unit_price, first.discount, first.vat) == (
        Decimal("0.456"), Decimal("9.99"), Decimal("-0.50"), "B",
    )
    assert second.position == 2 and second.quantity is None and second.vat is None
    assert second.price == Decimal("2.00")
    assert parsed.spent == Decimal("7.05")  # what was paid, deposits included


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6.98", Decimal("6.98")), ("6,98", Decimal("6.98")), ("1 234,50", Decimal("1234.50")),
        (6.98, Decimal("6.98")), ("-1.5", Decimal("-1.50")), ("", None), ("abc", None),
        (None, None), (True, None), ("NaN", None), ("Infinity", None), ("1e30", None),
    ],
)
def test_amounts(raw: object, expected: Decimal | None) -> None:
    assert to_decimal(raw) == expected


def test_missing_and_malformed_fields_become_unknown() -> None:
    parsed = parse_ocr_result(
        {"date": "2026-02-30", "time": "25:99", "items": {"not": "a list"}, "total": "x",
         "currency": "złoty", "shop": {"nested": True}},
        "Europe/Warsaw",
    )
    assert parsed.purchase_date is None and parsed.purchased_at is None
    assert parsed.items == [] and parsed.total is None and parsed.shop is None
    assert parsed.currency == "PLN"
    assert parsed.spent is None


def test_spent_is_the_amount_due_else_the_total_never_the_item_sum() -> None:
    items = [{"name": "A", "price": "1.10"}, {"name": "B", "price": "2.20"}, {"name": "C"}]
    assert parse_ocr_result({"total": "9.99", "items": items}, "UTC").spent == Decimal("9.99")
    both = {"total": "9.99", "amount_due": "10.49", "items": items}
    assert parse_ocr_result(both, "UTC").spent == Decimal("10.49")
    without_total = parse_ocr_result({"items": items}, "UTC")
    assert without_total.spent is None and without_total.shows_money
    assert not parse_ocr_result({"items": [{"name": "C"}]}, "UTC").shows_money


def test_result_must_be_an_object() -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_ocr_result(["a", "list"], "UTC")


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("MasłoOsełMIDol300g", "dairy"),
        ("SER ŻÓŁTY GOUDA", "dairy"),
        ("Serwetki 100szt", "household"),
        ("Chleb żytni 500g", "bread"),
        ("Sok pomarańczowy 1L", "drinks"),
        ("Woda Żywiec 1,5", "drinks"),
        ("Piwo Żywiec 0,5", "alcohol"),
        ("Winogrona jasne", "fruit"),
        ("Pomidory malinowe", "vegetables"),
        ("Sokołów parówki", "meat"),
        ("Szampon Nivea", "cosmetics"),
        ("Czekolada Milka", "sweets"),
        ("KAUCJA BUTELKA", "deposit"),
        ("CADEN 307 W34 L32", "other"),
        ("Deser czekoladowy", "sweets"),
        ("Ryż basmati", "grocery"),
        ("Sos pomidorowy", "grocery"),
        ("Rumianek herbata", "drinks"),  # "rum" must be a whole word
    ],
)
def test_default_keywords_categorize_polish_names(name: str, category: str) -> None:
    assert Categorizer(DEFAULT_KEYWORDS).categorize(name) == category


def test_keywords_are_stored_normalized() -> None:
    assert all(normalize(k) == k for k in DEFAULT_KEYWORDS), "write keywords as normalize() does"
    assert normalize("Masło Ext. 82%") == "masloext82"


def test_categorizer_reads_the_table(clean_db) -> None:
    from sqlalchemy import text

    with clean_db() as session:
        session.execute(text("INSERT INTO category_keywords (keyword, category) "
                             "VALUES ('kombucha', 'drinks_test')"))
        try:
            assert Categorizer.from_db(session).categorize("Kombucha imbir") == "drinks_test"
        finally:
            session.rollback()


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("CHOCOLATE BAR 100G", "sweets"),  # "cola" is inside the word, not at its start
        ("Coca Cola 1,5L", "drinks"),
        ("Milk semi skimmed 2L", "dairy"),
        ("Free range eggs x6", "dairy"),
        ("Toilet paper 8 rolls", "household"),
        ("Tomatoes vine 500g", "vegetables"),
        ("Orange juice", "drinks"),
        ("Bananas loose", "fruit"),
        ("Vollmilch 3,5%", "other"),  # a keyword must begin a word ("milch" ends this one)
        ("Milch 3,5% 1L", "dairy"),
        ("Käse Gouda", "dairy"),
        ("Äpfel Braeburn", "fruit"),
        ("Milchschokolade", "sweets"),
        ("Bier Pils 0,5", "alcohol"),
        ("Kaffee gemahlen", "drinks"),
        ("Halfvolle melk", "dairy"),
        ("Jonge kaas plakken", "dairy"),
        ("Koffie bonen", "drinks"),
        ("2xMLEKO 3,2%", "dairy"),  # a count glued to the name
        ("Mleko UHT", "dairy"),
    ],
)
def test_keywords_match_at_word_starts_in_several_languages(name: str, category: str) -> None:
    assert Categorizer(DEFAULT_KEYWORDS).categorize(name) == category


def test_migration_0004_adds_the_foreign_keywords(core_db_url, clean_db) -> None:
    from alembic import command
    from sqlalchemy import text

    from app.cli import alembic_config
    from app.data.category_keywords import FOREIGN_KEYWORDS

    def stored() -> dict[str, str]:
        with clean_db() as session:
            rows = session.execute(text("SELECT keyword, category FROM category_keywords")).all()
        return {keyword: category for keyword, category in rows}

    config = alembic_config(core_db_url)
    config.attributes["configure_logger"] = False
    command.downgrade(config, "0003_grafana_reader")
    try:
        assert not FOREIGN_KEYWORDS.keys() & stored().keys()
        with clean_db() as session:  # a keyword the user set before upgrading is kept
            session.execute(text("INSERT INTO category_keywords (keyword, category) "
                                 "VALUES ('milk', 'drinks')"))
            session.commit()
    finally:
        command.upgrade(config, "head")
    after = stored()
    assert after["milk"] == "drinks"
    assert {k: c for k, c in FOREIGN_KEYWORDS.items() if k != "milk"}.items() <= after.items()
    with clean_db() as session:
        session.execute(text("UPDATE category_keywords SET category = 'dairy' "
                             "WHERE keyword = 'milk'"))
        session.commit()
