"""English, German and Dutch category keywords (written out below, as they were when this
migration was made) added to the seeded table; keywords already there, e.g. set by the user,
are kept. A downgrade deletes these keywords where they still have these categories: none of
them is among 0001's Polish keywords, so the table is left as 0001 and the user made it.
`corrected_at` on receipts and receipt_items: when the user last corrected them
(recategorizing keeps corrected items; a forced reprocess asks first).
v_receipts (Grafana) gains `needs_review`: the parser left warnings or a check failed, the same
rule as app.services.receipt_review (its grants stay: CREATE OR REPLACE only appends a column).

Revision ID: 0004_keywords_corrections
Revises: 0003_grafana_reader
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import insert

revision: str = "0004_keywords_corrections"
down_revision: str | Sequence[str] | None = "0003_grafana_reader"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_keywords = sa.table(
    "category_keywords", sa.column("keyword", sa.Text), sa.column("category", sa.Text)
)

# The keywords this migration adds, frozen: app/data/category_keywords.py may change later.
_FOREIGN: dict[str, tuple[str, ...]] = {
    "dairy": (
        "milk", "butter", "egg", "eggs", "cheese", "cheddar", "yoghurt", "yogurt", "cream",
        "milch", "eier", "kase", "joghurt", "sahne", "quark", "melk", "boter", "kaas", "eieren",
    ),
    "bread": ("bread", "baguette", "toast", "brot", "brotchen", "brood", "broodje"),
    "meat": (
        "chicken", "beef", "pork", "ham", "bacon", "sausage", "turkey", "mince", "hahnchen",
        "rind", "schwein", "schinken", "wurst", "hackfleisch", "kip", "rundvlees", "varkensvlees",
        "gehakt", "worst",
    ),
    "fish": ("fish", "salmon", "tuna", "cod", "fisch", "lachs", "thunfisch", "vis", "zalm"),
    "vegetables": (
        "tomato", "potato", "onion", "carrot", "cucumber", "lettuce", "broccoli", "garlic",
        "tomate", "kartoffel", "zwiebel", "gurke", "karotte", "mohre", "tomaat", "aardappel",
        "komkommer", "wortel",
    ),
    "fruit": (
        "apple", "banana", "lemon", "grape", "strawberr", "apfel", "zitrone", "erdbeer",
        "appel", "citroen", "aardbei",
    ),
    "drinks": (
        "coffee", "tea", "water", "juice", "lemonade", "orangejuice", "applejuice", "kaffee",
        "tee", "wasser", "saft", "apfelsaft", "orangensaft", "koffie", "thee", "sap", "appelsap",
        "sinaasappelsap",
    ),
    "alcohol": ("beer", "wine", "cider", "vodka", "bier", "wein", "wijn"),
    "sweets": (
        "chocolat", "candy", "cookie", "biscuit", "schokolad", "milchschokolad", "keks",
        "snoep", "koek",
    ),
    "snacks": ("crisps", "chips", "peanut", "pretzel", "nuts", "brezel", "erdnuss", "pinda"),
    "household": (
        "detergent", "toiletpaper", "toiletroll", "papertowel", "kitchenroll", "dishwasher",
        "washingup", "waschmittel", "spulmittel", "toilettenpapier", "klopapier", "kuchenrolle",
        "wasmiddel", "afwasmiddel", "wcpapier", "toiletpapier", "keukenrol",
    ),
    "cosmetics": (
        "shampoo", "toothpaste", "toothbrush", "soap", "deodorant", "zahnpasta", "zahncreme",
        "seife", "duschgel", "tandpasta", "zeep", "douchegel",
    ),
}

_RECEIPTS_VIEW = """
    CREATE OR REPLACE VIEW public.v_receipts AS
    SELECT id, status, shop, company, purchase_date, purchased_at, total, amount_due,
           currency, error, filename, created_at, updated_at,
           (SELECT count(*) FROM receipt_items i WHERE i.receipt_id = r.id) AS items{extra}
    FROM receipts r
"""
_NEEDS_REVIEW = """,
           coalesce(r.raw_ocr @? '$.warnings[*] ? (@.type() == "string")'
                    OR r.raw_ocr @? '$.checks.* ? (@ == false)', false) AS needs_review"""


def _foreign() -> dict[str, str]:
    return {keyword: category for category, words in _FOREIGN.items() for keyword in words}


def upgrade() -> None:
    for table in ("receipts", "receipt_items"):
        op.add_column(table, sa.Column("corrected_at", sa.DateTime(timezone=True)))
    op.execute(_RECEIPTS_VIEW.format(extra=_NEEDS_REVIEW))
    rows = [{"keyword": k, "category": c} for k, c in sorted(_foreign().items())]
    op.execute(insert(_keywords).values(rows).on_conflict_do_nothing(index_elements=["keyword"]))


def downgrade() -> None:
    # A view cannot lose a column in place: recreate 0003's v_receipts with the same grants.
    conn = op.get_bind()
    readers = conn.execute(sa.text(
        "SELECT quote_ident(grantee) FROM information_schema.role_table_grants "
        "WHERE table_schema = 'public' AND table_name = 'v_receipts' "
        "AND privilege_type = 'SELECT' AND grantee <> current_user"
    )).scalars().all()
    op.execute("DROP VIEW public.v_receipts")
    op.execute(_RECEIPTS_VIEW.format(extra=""))
    for reader in readers:
        op.execute(f"GRANT SELECT ON TABLE public.v_receipts TO {reader}")
    for table in ("receipts", "receipt_items"):
        op.drop_column(table, "corrected_at")
    for keyword, category in sorted(_foreign().items()):
        op.execute(
            sa.delete(_keywords).where(
                _keywords.c.keyword == keyword, _keywords.c.category == category
            )
        )
