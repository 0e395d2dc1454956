"""English, German and Dutch category keywords (app.data.category_keywords.FOREIGN_KEYWORDS,
the one source of the keyword table) added to the seeded table; keywords already there, e.g.
set by the user, are kept. `corrected_at` on receipts and receipt_items: when the user last
corrected them (recategorizing keeps corrected items; a forced reprocess asks first).

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


def _foreign() -> dict[str, str]:
    return importlib.import_module(_SEED_MODULE).FOREIGN_KEYWORDS


def upgrade() -> None:
    for table in ("receipts", "receipt_items"):
        op.add_column(table, sa.Column("corrected_at", sa.DateTime(timezone=True)))
    rows = [{"keyword": k, "category": c} for k, c in sorted(_foreign().items())]
    op.execute(insert(_keywords).values(rows).on_conflict_do_nothing(index_elements=["keyword"]))


def downgrade() -> None:
    for table in ("receipts", "receipt_items"):
        op.drop_column(table, "corrected_at")
    for keyword, category in sorted(_foreign().items()):
        op.execute(
            sa.delete(_keywords).where(
                _keywords.c.keyword == keyword, _keywords.c.category == category
            )
        )
