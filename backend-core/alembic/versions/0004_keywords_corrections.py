"""English, German and Dutch category keywords (app.data.category_keywords.FOREIGN_KEYWORDS,
the one source of the keyword table) added to the seeded table; keywords already there, e.g.
set by the user, are kept. `corrected_at` on receipts and receipt_items: when the user last
corrected them (recategorizing keeps corrected items; a forced reprocess asks first).
v_receipts (Grafana) gains `needs_review`: the parser left warnings or a check failed, the same
rule as app.services.receipt_review (its grants stay: CREATE OR REPLACE only appends a column).

Revision ID: 0004_keywords_corrections
Revises: 0003_grafana_reader
Create Date: 2026-11-27
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import insert

revision: str = "0004_keywords_corrections"
down_revision: str | Sequence[str] | None = "0003_grafana_reader"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEED_MODULE = "app.data.category_keywords"
_keywords = sa.table(
    "category_keywords", sa.column("keyword", sa.Text), sa.column("category", sa.Text)
)


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
    return importlib.import_module(_SEED_MODULE).FOREIGN_KEYWORDS


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
