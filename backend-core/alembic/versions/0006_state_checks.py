"""CHECK constraints of every state set, from the app's enums (app.models.states) as they are
at this revision.

The sets are written out literally (migrations must not change when the app does);
tests/test_states.py fails when the head database's CHECKs and the enums differ, so a new
member needs a migration like this one. The values equal those 0001/0002 wrote by hand, so the
upgrade accepts every existing row.

Revision ID: 0006_state_checks
Revises: 0005_health_switch
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_state_checks"
down_revision: str | Sequence[str] | None = "0005_health_switch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, constraint name): allowed values
STATE_CHECKS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("receipts", "status", "ck_receipts_status_valid"): ("pending", "processing", "done", "failed"),
    ("receipt_jobs", "status", "ck_receipt_jobs_status_valid"): (
        "pending",
        "processing",
        "done",
        "failed",
    ),
    ("transactions", "source", "ck_transactions_source_valid"): ("receipt", "manual"),
    ("google_credentials", "state", "ck_google_credentials_state"): (
        "ok",
        "reauthorization_needed",
    ),
}
# What 0001 and 0002 created, for the downgrade.
PREVIOUS_CHECKS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("receipts", "status", "ck_receipts_status_valid"): ("pending", "processing", "done", "failed"),
    ("receipt_jobs", "status", "ck_receipt_jobs_status_valid"): (
        "pending",
        "processing",
        "done",
        "failed",
    ),
    ("transactions", "source", "ck_transactions_source_valid"): ("receipt", "manual"),
    ("google_credentials", "state", "ck_google_credentials_state"): (
        "ok",
        "reauthorization_needed",
    ),
}


def _replace(checks: dict[tuple[str, str, str], tuple[str, ...]]) -> None:
    for (table, column, name), values in checks.items():
        allowed = ",".join(f"'{value}'" for value in values)
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({allowed}))")


def upgrade() -> None:
    _replace(STATE_CHECKS)


def downgrade() -> None:
    _replace(PREVIOUS_CHECKS)
