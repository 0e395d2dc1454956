"""Receipts the plain layouts do not print: German shop slips with their many total words, and
Polish retailer app e-receipts (the content; `screens.py` draws them).

Like `layouts.py`, every amount is derived from the ground truth: Σ items = total, qty × unit =
value, tax = gross × rate / (100 + rate).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from .catalog import GERMAN, GERMAN_VAT_RATES, POLISH_GROCERY, POLISH_VAT_RATES, Product
from .layouts import (
    PrintLine,
    _draw_items,
    _payment,
    _pl,
    _qty_pl,
    _random_date,
    _vat_block,
)
from .truth import ReceiptTruth, TruthItem

GERMAN_ELECTRONICS: list[Product] = [
    ("USB-C Kabel 1m", "7.99", "19.99", "A", False),
    ("HDMI Kabel 2m", "9.99", "24.99", "A", False),
    ("Batterien AA 8er", "4.99", "9.99", "A", False),
    ("In-Ear Kopfhörer", "14.99", "49.99", "A", False),
    ("microSD 64GB", "9.99", "19.99", "A", False),
    ("Mehrfachsteckdose 5f", "12.99", "29.99", "A", False),
    ("Ladegerät 20W", "14.99", "29.99", "A", False),
    ("Displayschutzfolie", "9.99", "19.99", "A", False),
]


@dataclass(frozen=True)
class GermanShop:
    shop: str  # what the parser should answer
    brand_line: str  # printed big on top
    company: str  # legal name
    products: list[Product]


GERMAN_SHOPS = (
    GermanShop("REWE", "REWE", "REWE Markt GmbH", GERMAN),
    GermanShop("real", "real", "real GmbH", GERMAN),
    GermanShop("Media Markt", "MEDIA MARKT", "MEDIA MARKT TV-Hifi-Elektro GmbH",
               GERMAN_ELECTRONICS),
)
#: How German tills word the total, and the words after it.
GERMAN_TOTAL_LABELS = ("SUMME", "Summe EUR", "Total EUR", "Zu zahlen", "Gesamtbetrag")


def german_shop_receipt(rng: random.Random, width: int) -> tuple[ReceiptTruth, list[PrintLine]]:
    """REWE / real / Media Markt: legal name, total in one of five wordings, Bar / Rückgeld
    after it, a MwSt block with Netto / Brutto / Summe MwSt, date with register and receipt
    number at the bottom."""
    chain = rng.choice(GERMAN_SHOPS)
    items = _draw_items(rng, chain.products, rng.randint(2, 10), 0.0)
    day, time = _random_date(rng)
    total = sum((i.price for i in items), Decimal("0.00"))
    method, paid, change = _payment(rng, total, card_share=0.5)
    vat = _vat_block(items, GERMAN_VAT_RATES)
    number = str(rng.randint(100, 9999))
    truth = ReceiptTruth(
        "de_shop", chain.shop, chain.company, None, day, time, "EUR", items, total, total,
        vat=vat, payment_method=method, paid=paid, change=change, receipt_number=number,
    )
    lines = [
        PrintLine(chain.brand_line, center=True, big=True),
        PrintLine(chain.company, center=True),
        PrintLine(rng.choice(["Hauptstraße 12", "Bahnhofstr. 3", "Marktplatz 7",
                              "Industriestr. 40"]), center=True),
        PrintLine(rng.choice(["10115 Berlin", "80331 München", "50667 Köln", "04109 Leipzig"]),
                  center=True),
        PrintLine(f"UID Nr.: DE{rng.randint(10**8, 10**9 - 1)}", center=True),
        PrintLine("", "EUR"),
    ]
    for item in items:
        tail = f"{_pl(item.price)} {item.vat}"
        if item.weighed:
            lines.append(PrintLine(item.name, tail))
            lines.append(PrintLine(f"  {_qty_pl(item)} kg x {_pl(item.unit_price)} EUR/kg"))
        elif item.quantity > 1:
            lines.append(PrintLine(f"  {int(item.quantity)} Stk x {_pl(item.unit_price)}"))
            lines.append(PrintLine(item.name, tail))
        else:
            lines.append(PrintLine(item.name, tail))
    label = rng.choice(GERMAN_TOTAL_LABELS)
    amount = _pl(total) if rng.random() < 0.6 else f"EUR {_pl(total)}"
    lines += [PrintLine(rule="-"), PrintLine(label, amount, big=True), PrintLine(rule="=")]
    if method == "card":
        lines.append(PrintLine(rng.choice(["EC-Karte", "Girocard", "Kartenzahlung"]), _pl(paid)))
    else:
        lines.append(PrintLine(rng.choice(["Bar", "Gegeben Bar"]), _pl(paid)))
        lines.append(PrintLine("Rückgeld", _pl(change)))
    lines.append(PrintLine(rule="-"))
    tax_sum = sum((v.tax for v in vat), Decimal("0.00"))
    if rng.random() < 0.5:  # a table: rate, net, tax, gross per letter, and a Summe row
        lines.append(PrintLine("MwSt%      Netto    MwSt", "Brutto"))
        for v in vat:
            lines.append(PrintLine(f"{v.letter} {_pl(v.rate)}%  {_pl(v.base - v.tax)}  "
                                   f"{_pl(v.tax)}", _pl(v.base)))
        lines.append(PrintLine("Summe MwSt", _pl(tax_sum)))
    else:  # one block per rate
        for v in vat:
            lines.append(PrintLine(f"MwSt {v.letter} {_pl(v.rate)} %", _pl(v.tax)))
            lines.append(PrintLine("  Netto", _pl(v.base - v.tax)))
            lines.append(PrintLine("  Brutto", _pl(v.base)))
        lines.append(PrintLine("Summe MwSt", _pl(tax_sum)))
    date_text = day.strftime(rng.choice(["%d.%m.%y", "%d.%m.%Y"]))
    lines.append(PrintLine(f"{date_text} {time.strftime('%H:%M')}  Bon-Nr. {number}  "
                           f"Kasse {rng.randint(1, 12)}"))
    if rng.random() < 0.5:
        lines.append(PrintLine(f"Bed.: {rng.randint(1, 99)}  Markt {rng.randint(1000, 9999)}"))
    lines.append(PrintLine(rng.choice(["Vielen Dank für Ihren Einkauf!",
                                       "Danke für Ihren Einkauf"]), center=True))
    return truth, lines


# --------------------------------------------------------------------------- app e-receipts

@dataclass(frozen=True)
class AppChain:
    shop: str  # brand the parser should answer
    app_title: str  # the app's top bar
    company: str
    nip: str  # printed as XXX-XX-XX-XXX or XXX-XXX-XX-XX; checksum valid
    address: str
    color: tuple[int, int, int]  # brand colour of the top bar
    discount_label: str


APP_CHAINS: dict[str, AppChain] = {
    "biedronka": AppChain("Biedronka", "Moja Biedronka", "Jeronimo Martins Polska S.A.",
                          "7791011327", "ul. Żniwna 5, 62-025 Kostrzyn", (227, 6, 19),
                          "Rabat Moja Biedronka"),
    "lidl": AppChain("Lidl", "Lidl Plus", "Lidl sp. z o.o. sp.k.", "7811897358",
                     "ul. Poznańska 48, 62-080 Jankowice", (0, 80, 170), "Lidl Plus rabat"),
    "kaufland": AppChain("Kaufland", "Kaufland", "Kaufland Polska Markety sp. z o.o. sp.j.",
                         "8992273773", "ul. Wróblewskiego 18, 93-578 Łódź", (227, 0, 11),
                         "Rabat"),
    "auchan": AppChain("Auchan", "Auchan", "Auchan Polska sp. z o.o.", "5260309174",
                       "ul. Puławska 46, 05-500 Piaseczno", (225, 0, 30), "Promocja"),
}
#: How the apps word the total; the PTU block's own "Suma" is the tax sum, not this.
APP_TOTAL_LABELS = ("Razem", "RAZEM PLN", "Ogółem", "SUMA PLN")


@dataclass
class ScreenRow:
    """One row of an app receipt. kind: title, text, center, header, item, pair, rule, gap."""

    kind: str
    cells: tuple[str, ...] = ()
    strong: bool = False
    muted: bool = False


def format_nip(nip: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{nip[:3]}-{nip[3:5]}-{nip[5:7]}-{nip[7:]}"
    return f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"


def _item_rows(item: TruthItem, chain: AppChain) -> list[ScreenRow]:
    rows = [ScreenRow("item", (item.name, item.vat or "", f"{_qty_pl(item)} x",
                               _pl(item.unit_price), _pl(item.price)))]
    if item.discount:
        rows.append(ScreenRow("item", (chain.discount_label, "", "", "", f"-{_pl(item.discount)}"),
                              muted=True))
    return rows


def app_receipt(
    rng: random.Random, key: str, count: int
) -> tuple[ReceiptTruth, list[ScreenRow]]:
    chain = APP_CHAINS[key]
    items = _draw_items(rng, POLISH_GROCERY, count, 0.25)
    day, time = _random_date(rng)
    vat = _vat_block(items, POLISH_VAT_RATES)
    total = sum((i.value for i in items), Decimal("0.00"))
    method, paid, change = _payment(rng, total, card_share=0.75)
    number = f"{rng.randint(1000, 9999)}/{rng.randint(10000, 99999)}"
    truth = ReceiptTruth(
        f"app_{key}", chain.shop, chain.company, chain.nip, day, time, "PLN", items, total,
        total, vat=vat, payment_method=method, paid=paid, change=change, receipt_number=number,
    )
    date_text = day.strftime("%d.%m.%Y")
    rows = [
        ScreenRow("title", (chain.app_title,)),
        ScreenRow("center", (rng.choice(["Paragon", "e-Paragon", "Szczegóły zakupu"]),),
                  strong=True),
        ScreenRow("gap"),
        ScreenRow("center", (chain.company,)),
        ScreenRow("center", (chain.address,), muted=True),
        ScreenRow("center", (f"NIP {format_nip(chain.nip, rng)}",), muted=True),
        ScreenRow("gap"),
    ]
    if rng.random() < 0.5:
        rows.append(ScreenRow("pair", (f"Data: {date_text}", f"godz. {time:%H:%M}")))
    else:
        rows += [ScreenRow("text", (f"Data: {date_text}",)),
                 ScreenRow("text", (f"Godzina: {time:%H:%M}",), muted=True)]
    rows += [
        ScreenRow("text", (f"Nr paragonu: {number}",), muted=True),
        ScreenRow("rule"),
        ScreenRow("header", ("Nazwa", "PTU", "Ilość", "Cena", "Wartość"), muted=True),
        ScreenRow("rule"),
    ]
    for item in items:
        rows += _item_rows(item, chain)
    rows.append(ScreenRow("rule"))
    total_row = ScreenRow("pair", (rng.choice(APP_TOTAL_LABELS),
                                   rng.choice([_pl(total), f"{_pl(total)} zł"])), strong=True)
    tax_sum = sum((v.tax for v in vat), Decimal("0.00"))
    ptu = [ScreenRow("pair", (f"PTU {v.letter} {_pl(v.rate)}%", _pl(v.tax)), muted=True)
           for v in vat]
    ptu.append(ScreenRow("pair", (rng.choice(["Suma", "Suma PTU"]), _pl(tax_sum)), muted=True))
    if rng.random() < 0.5:
        rows += [total_row, ScreenRow("gap"), *ptu]
    else:
        rows += [*ptu, ScreenRow("rule"), total_row]
    rows.append(ScreenRow("gap"))
    if method == "card":
        rows.append(ScreenRow("pair", (rng.choice(["Karta płatnicza", "Płatność kartą"]),
                                       _pl(paid))))
    else:
        rows += [ScreenRow("pair", ("Gotówka", _pl(paid))),
                 ScreenRow("pair", ("Reszta", _pl(change)))]
    rows += [ScreenRow("gap"), ScreenRow("center", ("Dziękujemy za zakupy!",), muted=True)]
    return truth, rows
