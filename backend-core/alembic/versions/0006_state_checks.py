"""CHECK constraints of every stored state set, from the app's enums (app.models.states) as they
are at this revision.

The sets are written out literally (migrations must not change when the app does);
tests/test_states.py fails when the head database's CHECKs and the enums differ, so a new
member needs a migration like this one. Receipt and job status, transaction source and
credential state keep the values 0001/0002 wrote by hand; the health sources and providers get
their first CHECK, with every value the app has ever written there.

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

_RECEIPT_STATUSES = ("pending", "processing", "done", "failed")
_HEALTH_SOURCES = ("fit", "health_api", "health_connect", "takeout")
_HEALTH_PROVIDERS = ("fit", "health_api")

# (table, column, constraint name): allowed values (NULL stays allowed where the column is)
STATE_CHECKS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("receipts", "status", "ck_receipts_status_valid"): _RECEIPT_STATUSES,
    ("receipt_jobs", "status", "ck_receipt_jobs_status_valid"): _RECEIPT_STATUSES,
    ("transactions", "source", "ck_transactions_source_valid"): ("receipt", "manual"),
    ("google_credentials", "state", "ck_google_credentials_state"): (
        "ok",
        "reauthorization_needed",
    ),
    # new in this revision: the health sets had no CHECK
    ("activity", "source", "ck_activity_source_valid"): _HEALTH_SOURCES,
    ("health_sync_state", "source", "ck_health_sync_state_source_valid"): _HEALTH_SOURCES,
    ("google_credentials", "provider", "ck_google_credentials_provider_valid"): _HEALTH_PROVIDERS,
    ("oauth_pending_states", "provider", "ck_oauth_pending_states_provider_valid"): (
        _HEALTH_PROVIDERS
    ),
    (
        "health_provider_switches",
        "from_provider",
        "ck_health_provider_switches_from_provider_valid",
    ): _HEALTH_PROVIDERS,
    ("health_provider_switches", "to_provider", "ck_health_provider_switches_to_provider_valid"): (
        _HEALTH_PROVIDERS
    ),
}
# What 0001 and 0002 created, for the downgrade.
PREVIOUS_CHECKS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("receipts", "status", "ck_receipts_status_valid"): _RECEIPT_STATUSES,
    ("receipt_jobs", "status", "ck_receipt_jobs_status_valid"): _RECEIPT_STATUSES,
    ("transactions", "source", "ck_transactions_source_valid"): ("receipt", "manual"),
    ("google_credentials", "state", "ck_google_credentials_state"): (
        "ok",
        "reauthorization_needed",
    ),
}


def _add(checks: dict[tuple[str, str, str], tuple[str, ...]]) -> None:
    for (table, column, name), values in checks.items():
        allowed = ",".join(f"'{value}'" for value in values)
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({allowed}))")


def _drop(checks: dict[tuple[str, str, str], tuple[str, ...]]) -> None:
    for table, _column, name in checks:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


def upgrade() -> None:
    _drop(PREVIOUS_CHECKS)
    _add(STATE_CHECKS)


def downgrade() -> None:
    _drop(STATE_CHECKS)
    _add(PREVIOUS_CHECKS)
