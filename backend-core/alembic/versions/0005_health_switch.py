"""Health switch from Google Fit to the Google Health API (issue 15).

- activity.field_sources (JSONB, field -> source that gave the value): days are merged per field
  instead of replaced per row. Existing rows get their row `source` for every known field.
- activity.heart_points: zone points (1 per fat-burn minute, 2 per cardio/peak minute) in their
  own column. Rows written by the Health API before this revision held those points in
  `heart_minutes`; they move to `heart_points` (heart_minutes means minutes everywhere).
- health_sync_state.missing_days (days a failed window left out, fetched again by the next run)
  and last_warning (e.g. the Health API answered but had no data at all).
- health_provider_switches: when HEALTH_PROVIDER=auto moved from Fit to the Health API, and why.
- Views for Grafana: v_activity_daily gains heart_points and `sources` (which source gave which
  field); v_health_sync (sync state per source, no error text beyond the message). The Grafana
  role (GRAFANA_DB_USER, when it exists) may read v_health_sync.

Everything is written literally here (no app imports): migrations must not change when the
app does.

Revision ID: 0005_health_switch
Revises: 0004_keywords_corrections
Create Date: 2026-12-03
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_health_switch"
down_revision: str | Sequence[str] | None = "0004_keywords_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVITY_VIEW = """
    CREATE OR REPLACE VIEW public.v_activity_daily AS
    WITH bounds AS (
        SELECT min(date) AS first_day, greatest(max(date), current_date) AS last_day
        FROM activity
    ),
    days AS (
        SELECT g::date AS day
        FROM bounds, generate_series(bounds.first_day, bounds.last_day, interval '1 day') AS g
    )
    SELECT
        d.day,
        a.steps,
        round(avg(a.steps) OVER last_7_days)::integer AS steps_avg_7d,
        round(a.distance_m / 1000, 2) AS distance_km,
        a.calories_kcal,
        a.active_minutes,
        a.heart_minutes,
        round(a.sleep_minutes / 60.0, 2) AS sleep_hours,
        a.weight_kg,
        a.avg_heart_rate,
        a.resting_heart_rate,
        a.source{extra}
    FROM days d
    LEFT JOIN activity a ON a.date = d.day
    WINDOW last_7_days AS (ORDER BY d.day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
"""
# "fit: sleep_minutes, steps; health_api: resting_heart_rate" - which source gave which field.
_ACTIVITY_EXTRA = """,
        a.heart_points,
        (SELECT string_agg(s.src || ': ' || s.fields, '; ' ORDER BY s.src)
         FROM (SELECT f.value AS src, string_agg(f.key, ', ' ORDER BY f.key) AS fields
               FROM jsonb_each_text(a.field_sources) AS f
               GROUP BY f.value) AS s) AS sources"""

_SYNC_VIEW = """
    CREATE OR REPLACE VIEW public.v_health_sync AS
    SELECT source, last_success_at, last_attempt_at, synced_through, rows_written,
           cardinality(missing_days) AS missing_days, last_error, last_warning
    FROM health_sync_state
"""


def _grafana_role(conn: sa.Connection) -> str | None:
    role = os.environ.get("GRAFANA_DB_USER", "").strip() or "grafana_reader"
    found = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    return role if found.first() is not None else None


def _quoted(conn: sa.Connection, template: str, *args: str) -> str:
    """PostgreSQL's format() quotes the identifiers (%I) from bound parameters."""
    names = [f"a{i}" for i in range(len(args))]
    casts = ", ".join(f"CAST(:{n} AS text)" for n in names)
    query = sa.text(f"SELECT format(CAST(:template AS text), {casts})")
    return conn.execute(query, {"template": template, **dict(zip(names, args, strict=True))}
                        ).scalar_one()


def _view_readers(conn: sa.Connection, view: str) -> list[str]:
    return list(conn.execute(sa.text(
        "SELECT DISTINCT grantee FROM information_schema.role_table_grants "
        "WHERE table_schema = 'public' AND table_name = :v "
        "AND privilege_type = 'SELECT' AND grantee <> current_user"
    ), {"v": view}).scalars())


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column("activity", sa.Column("heart_points", sa.Integer()))
    op.add_column(
        "activity",
        sa.Column("field_sources", postgresql.JSONB(), nullable=False,
                  server_default=sa.text("'{}'::jsonb")),
    )
    op.execute("""
        UPDATE activity SET field_sources = jsonb_strip_nulls(jsonb_build_object(
            'steps', CASE WHEN steps IS NOT NULL THEN source END,
            'distance_m', CASE WHEN distance_m IS NOT NULL THEN source END,
            'calories_kcal', CASE WHEN calories_kcal IS NOT NULL THEN source END,
            'active_minutes', CASE WHEN active_minutes IS NOT NULL THEN source END,
            'heart_minutes', CASE WHEN heart_minutes IS NOT NULL THEN source END,
            'avg_heart_rate', CASE WHEN avg_heart_rate IS NOT NULL THEN source END,
            'resting_heart_rate', CASE WHEN resting_heart_rate IS NOT NULL THEN source END,
            'weight_kg', CASE WHEN weight_kg IS NOT NULL THEN source END,
            'sleep_minutes', CASE WHEN sleep_minutes IS NOT NULL THEN source END))
        WHERE source IS NOT NULL
    """)
    # The Health API's active-zone-minutes were stored as heart_minutes: they are points.
    op.execute(
        "UPDATE activity SET heart_points = heart_minutes, heart_minutes = NULL, "
        "field_sources = (field_sources - 'heart_minutes') "
        "|| jsonb_build_object('heart_points', 'health_api') "
        "WHERE field_sources->>'heart_minutes' = 'health_api'"
    )
    op.add_column(
        "health_sync_state",
        sa.Column("missing_days", postgresql.ARRAY(sa.Date()), nullable=False,
                  server_default=sa.text("'{}'::date[]")),
    )
    op.add_column("health_sync_state", sa.Column("last_warning", sa.Text()))
    op.create_table(
        "health_provider_switches",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("switched_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("from_provider", sa.Text(), nullable=False),
        sa.Column("to_provider", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_health_provider_switches"),
    )
    # CREATE OR REPLACE appends columns and keeps the view's grants.
    op.execute(_ACTIVITY_VIEW.format(extra=_ACTIVITY_EXTRA))
    op.execute(_SYNC_VIEW)
    role = _grafana_role(conn)
    if role is not None:
        conn.exec_driver_sql(_quoted(conn, "GRANT SELECT ON TABLE public.v_health_sync TO %I",
                                     role))


def downgrade() -> None:
    conn = op.get_bind()
    op.execute("DROP VIEW IF EXISTS public.v_health_sync")
    # A view cannot lose columns in place: recreate 0003's v_activity_daily with its grants.
    readers = _view_readers(conn, "v_activity_daily")
    op.execute("DROP VIEW public.v_activity_daily")
    op.execute(_ACTIVITY_VIEW.format(extra=""))
    for reader in readers:
        conn.exec_driver_sql(
            _quoted(conn, "GRANT SELECT ON TABLE public.v_activity_daily TO %I", reader)
        )
    op.drop_table("health_provider_switches")
    op.drop_column("health_sync_state", "last_warning")
    op.drop_column("health_sync_state", "missing_days")
    # Before this revision the Health API's zone points lived in heart_minutes.
    op.execute(
        "UPDATE activity SET heart_minutes = heart_points "
        "WHERE field_sources->>'heart_points' = 'health_api' AND heart_minutes IS NULL"
    )
    op.drop_column("activity", "field_sources")
    op.drop_column("activity", "heart_points")
