"""Health sync: encrypted Google OAuth credentials, pending OAuth states (PKCE verifier kept
server-side), sync state per source.

Revision ID: 0002_health
Revises: 0001_initial
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_health"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "google_credentials",
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("encrypted_token", sa.LargeBinary()),
        sa.Column("scopes", sa.Text()),
        sa.Column("state", sa.Text(), nullable=False, server_default="ok"),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", _TS, nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", _TS, nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("provider", name="pk_google_credentials"),
        sa.CheckConstraint(
            "state IN ('ok','reauthorization_needed')", name="ck_google_credentials_state"
        ),
    )
    op.create_table(
        "oauth_pending_states",
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("encrypted_code_verifier", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TS, nullable=False, server_default=sa.text("now()")),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("state", name="pk_oauth_pending_states"),
    )
    op.create_table(
        "health_sync_state",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("last_success_at", _TS),
        sa.Column("last_attempt_at", _TS),
        sa.Column("last_error", sa.Text()),
        sa.Column("synced_through", sa.Date()),
        sa.Column("rows_written", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("source", name="pk_health_sync_state"),
    )


def downgrade() -> None:
    op.drop_table("health_sync_state")
    op.drop_table("oauth_pending_states")
    op.drop_table("google_credentials")
