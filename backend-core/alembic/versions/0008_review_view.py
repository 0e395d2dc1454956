"""v_receipts.needs_review (Grafana) follows the API's rule: the parser's doubts count until a
person corrects the receipt, and a receipt the core could not book in full (no total, no date,
held as a possible duplicate) counts until its booking problem is settled. 0004's view knew
only the doubts, and kept them after a correction.

The rule is written here as it stands today (a migration is frozen in time); a test compares
the view with the API on the same receipts.

Revision ID: 0008_review_view
Revises: 0007_receipt_duplicate_of
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008_review_view"
down_revision: str | Sequence[str] | None = "0007_receipt_duplicate_of"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same columns, names and types as 0004's view: CREATE OR REPLACE keeps its grants.
_RECEIPTS_VIEW = """
    CREATE OR REPLACE VIEW public.v_receipts AS
    SELECT id, status, shop, company, purchase_date, purchased_at, total, amount_due,
           currency, error, filename, created_at, updated_at,
           (SELECT count(*) FROM receipt_items i WHERE i.receipt_id = r.id) AS items,
           {needs_review} AS needs_review
    FROM receipts r
"""
_DOUBTED = """coalesce(r.raw_ocr @? '$.warnings[*] ? (@.type() == "string")'
                    OR r.raw_ocr @? '$.checks.* ? (@ == false)', false)"""
_NEEDS_REVIEW = f"""(
        (r.corrected_at IS NULL AND {_DOUBTED})
        OR (r.status = 'done' AND r.raw_ocr IS NOT NULL
            AND ((r.total IS NULL AND r.amount_due IS NULL)
                 OR r.purchase_date IS NULL OR r.duplicate_of IS NOT NULL))
    )"""


def upgrade() -> None:
    op.execute(_RECEIPTS_VIEW.format(needs_review=_NEEDS_REVIEW))


def downgrade() -> None:
    op.execute(_RECEIPTS_VIEW.format(needs_review=_DOUBTED))
