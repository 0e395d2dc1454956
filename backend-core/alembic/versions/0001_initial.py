"""Initial schema: receipts, receipt_jobs, receipt_items, transactions, category_keywords,
activity; seeds the keyword table with the Polish keywords of its time (written out below).

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The keyword table as this migration first seeded it (app/data/category_keywords.py when it
# was written), copied here so that the migration never changes: 0004 adds the English, German
# and Dutch words, `python -m app.cli categories seed` whatever the app gained later.
_SEED: dict[str, tuple[str, ...]] = {
    "dairy": (
        "mleko", "mlek", "maslo", "ser", "serek", "jogurt", "kefir", "smietan", "twarog", "maslank",
        "mozzarel", "gouda", "edam", "parmezan", "danone", "actimel", "margaryn", "jaja", "jajka",
        "skyr", "feta", "zott", "piatnica", "mlekovita",
    ),
    "bread": (
        "chleb", "bulka", "bulki", "bagiet", "rogal", "pieczyw", "grahamk", "kajzer", "tost",
        "croissant", "bagietk", "chalka", "weka",
    ),
    "meat": (
        "mieso", "kurczak", "filet", "piers", "szynk", "kielbas", "boczek", "schab", "wolow",
        "wieprz", "indyk", "parowk", "salami", "mielon", "karkowk", "pasztet", "kabanos", "sokolow",
        "udko", "skrzydel", "poledwic", "salceson", "kaszank",
    ),
    "fish": (
        "ryba", "losos", "sledz", "tunczyk", "dorsz", "makrela", "krewetk", "pstrag", "mintaj",
    ),
    "vegetables": (
        "pomidor", "ogorek", "ogork", "ziemniak", "marchew", "cebul", "czosnek", "salata", "papryk",
        "kapust", "brokul", "kalafior", "pieczark", "burak", "rzodkiew", "cukini", "warzyw",
        "fasol", "groszek", "kukurydz", "seler", "szpinak", "pietruszk", "koper", "rukola",
    ),
    "fruit": (
        "jablk", "jablko", "banan", "pomarancz", "cytryn", "mandaryn", "gruszk", "winogr",
        "truskawk", "malin", "borowk", "sliwk", "kiwi", "owoc", "arbuz", "ananas", "brzoskw",
        "awokado", "grejpfrut", "nektaryn",
    ),
    "grocery": (
        "makaron", "ryz", "maka", "cukier", "kasza", "olej", "oliwa", "ketchup", "majonez",
        "musztard", "platki", "musli", "przyprawa", "pieprz", "drozdze", "sos", "koncentrat",
    ),
    "drinks": (
        "woda", "sok", "napoj", "cola", "pepsi", "fanta", "sprite", "kawa", "herbata", "nektar",
        "oranzad", "energy", "redbull", "tymbark", "kubus", "lipton", "tiger", "kawy",
    ),
    "alcohol": (
        "piwo", "wino", "wodka", "whisky", "gin", "rum", "likier", "tyskie", "zywiec", "lech",
        "okocim", "harnas", "perla", "warka", "brandy", "prosecco", "cydr", "nalewk", "zubrowk",
        "soplica", "wyborowa", "zoladkowa",
    ),
    "sweets": (
        "czekolad", "baton", "cukierk", "ciastk", "wafel", "wafle", "lody", "zelki", "haribo",
        "milka", "wedel", "snickers", "twix", "lizak", "herbatnik", "paczek", "deser", "kinder",
        "prince", "delicje", "krowk",
    ),
    "snacks": (
        "chipsy", "chrupki", "paluszki", "orzeszki", "lays", "crunchips", "popcorn", "precel",
    ),
    "household": (
        "papier", "reczni", "serwet", "plyn", "proszek", "domestos", "worki", "gabk", "folia",
        "zmywark", "ariel", "persil", "vizir", "finish", "ludwik", "pranie", "toaletow",
        "chusteczk", "zapalk", "bateri", "zarowk", "cif", "kapsulki", "pieluch",
    ),
    "cosmetics": (
        "szampon", "mydlo", "pastadozebow", "pastazeb", "dezodorant", "antyperspirant", "krem",
        "balsam", "zelpodprysznic", "nivea", "colgate", "szczoteczk", "podpask", "patyczki",
        "golark", "perfum", "odzywk", "kosmetyk", "garnier", "dove",
    ),
    "deposit": ("kaucja", "kaucj", "butelkazwrotna"),
}

_TS = sa.DateTime(timezone=True)
_STATUS_CHECK = "status IN ('pending','processing','done','failed')"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "receipts",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text()),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default="pending"),
        sa.Column("shop", sa.Text()),
        sa.Column("company", sa.Text()),
        sa.Column("nip", sa.Text()),
        sa.Column("purchase_date", sa.Date()),
        sa.Column("purchased_at", _TS),
        sa.Column("total", sa.Numeric(12, 2)),
        sa.Column("amount_due", sa.Numeric(12, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("raw_ocr", postgresql.JSONB()),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", _TS, nullable=False, server_default=_now()),
        sa.Column("updated_at", _TS, nullable=False, server_default=_now()),
        sa.PrimaryKeyConstraint("id", name="pk_receipts"),
        sa.UniqueConstraint("sha256", name="uq_receipts_sha256"),
        sa.CheckConstraint(_STATUS_CHECK, name="ck_receipts_status_valid"),
    )
    op.create_index("ix_receipts_status", "receipts", ["status"])

    op.create_table(
        "receipt_jobs",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("receipt_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", _TS, nullable=False, server_default=_now()),
        sa.Column("lease_until", _TS),
        sa.Column("locked_by", sa.Text()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", _TS, nullable=False, server_default=_now()),
        sa.Column("started_at", _TS),
        sa.Column("finished_at", _TS),
        sa.Column("duration_ms", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_receipt_jobs"),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipts.id"], ondelete="CASCADE",
            name="fk_receipt_jobs_receipt_id_receipts",
        ),
        sa.UniqueConstraint("receipt_id", name="uq_receipt_jobs_receipt_id"),
        sa.CheckConstraint(_STATUS_CHECK, name="ck_receipt_jobs_status_valid"),
    )
    op.create_index("ix_receipt_jobs_ready", "receipt_jobs", ["status", "run_after"])

    op.create_table(
        "receipt_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("receipt_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Numeric(12, 3)),
        sa.Column("unit_price", sa.Numeric(12, 2)),
        sa.Column("price", sa.Numeric(12, 2)),
        sa.Column("discount", sa.Numeric(12, 2)),
        sa.Column("vat", sa.String(1)),
        sa.Column("category", sa.Text(), nullable=False, server_default="other"),
        sa.PrimaryKeyConstraint("id", name="pk_receipt_items"),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipts.id"], ondelete="CASCADE",
            name="fk_receipt_items_receipt_id_receipts",
        ),
    )
    op.create_index("ix_receipt_items_receipt_id", "receipt_items", ["receipt_id"])
    op.create_index("ix_receipt_items_category", "receipt_items", ["category"])

    op.create_table(
        "transactions",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_at", _TS),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False, server_default="PLN"),
        sa.Column("shop", sa.Text()),
        sa.Column("category", sa.Text()),
        sa.Column("description", sa.Text()),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("receipt_id", postgresql.UUID(as_uuid=True)),
        sa.Column("created_at", _TS, nullable=False, server_default=_now()),
        sa.Column("updated_at", _TS, nullable=False, server_default=_now()),
        sa.PrimaryKeyConstraint("id", name="pk_transactions"),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipts.id"], ondelete="CASCADE",
            name="fk_transactions_receipt_id_receipts",
        ),
        sa.UniqueConstraint("receipt_id", name="uq_transactions_receipt_id"),
        sa.CheckConstraint("source IN ('receipt','manual')", name="ck_transactions_source_valid"),
    )
    op.create_index("ix_transactions_occurred_on", "transactions", ["occurred_on"])
    op.create_index("ix_transactions_shop", "transactions", ["shop"])
    op.create_index("ix_transactions_category", "transactions", ["category"])

    keywords = op.create_table(
        "category_keywords",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("keyword", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_category_keywords"),
        sa.UniqueConstraint("keyword", name="uq_category_keywords_keyword"),
    )
    seed = {keyword: category for category, words in _SEED.items() for keyword in words}
    op.bulk_insert(keywords, [{"keyword": k, "category": c} for k, c in sorted(seed.items())])

    op.create_table(
        "activity",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("steps", sa.Integer()),
        sa.Column("distance_m", sa.Numeric(12, 2)),
        sa.Column("calories_kcal", sa.Numeric(10, 2)),
        sa.Column("active_minutes", sa.Integer()),
        sa.Column("heart_minutes", sa.Integer()),
        sa.Column("avg_heart_rate", sa.Numeric(6, 2)),
        sa.Column("resting_heart_rate", sa.Numeric(6, 2)),
        sa.Column("weight_kg", sa.Numeric(6, 2)),
        sa.Column("sleep_minutes", sa.Integer()),
        sa.Column("source", sa.Text()),
        sa.Column("updated_at", _TS, nullable=False, server_default=_now()),
        sa.PrimaryKeyConstraint("date", name="pk_activity"),
    )


def downgrade() -> None:
    op.drop_table("activity")
    op.drop_table("category_keywords")
    op.drop_table("transactions")
    op.drop_table("receipt_items")
    op.drop_table("receipt_jobs")
    op.drop_table("receipts")
