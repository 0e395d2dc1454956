"""receipts.duplicate_of: a receipt read with the same shop, date and total as a booked one is
held (not booked) until a person confirms it.

Revision ID: 0007_receipt_duplicate_of
Revises: 0006_state_checks
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_receipt_duplicate_of"
down_revision: str | Sequence[str] | None = "0006_state_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "receipts", sa.Column("duplicate_of", postgresql.UUID(as_uuid=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("receipts", "duplicate_of")
