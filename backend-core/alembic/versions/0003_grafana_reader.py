"""Dashboard views and the read-only database role Grafana connects as.

Views (always created) keep the dashboard SQL short and expose only what the panels show:
- v_activity_daily: one row per local day from the first activity day to today, NULL metrics for
  days without data (gaps, not zeros), and the 7-day rolling average of steps.
- v_daily_spending: spending per local day (occurred_on) and currency.
- v_receipts: receipts without the image, the raw OCR JSON or the hash.
- v_item_purchases: receipt items of processed receipts with the receipt's day, shop and currency,
  and what the line cost after its discount (`spent`).
- v_category_spending: spending per day, currency and category (receipt lines by item category,
  manual transactions and receipts without lines by the transaction's category).

Role (only when GRAFANA_DB_PASSWORD is set, e.g. in docker compose; skipped natively):
GRAFANA_DB_USER (default grafana_reader) with LOGIN and that password, SELECT on the views above
and on `transactions`, nothing else. Its sessions default to read-only transactions, a statement
timeout, and TimeZone = TZ (default Europe/Warsaw), so `current_date` and `day::timestamptz` in
the dashboards are local days: Grafana does not set a session time zone itself.
Running it again updates the password and settings (idempotent). Downgrade drops the views and
the role (the role only when no other database still grants it something).

Identifiers and the password are quoted by PostgreSQL's format('%I' / '%L') from bound
parameters; settings come from the environment.
"""

from __future__ import annotations

import logging
import os

import sqlalchemy as sa
from alembic import op

revision = "0003_grafana_reader"
down_revision = "0002_health"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

DEFAULT_ROLE = "grafana_reader"
DEFAULT_TZ = "Europe/Warsaw"
STATEMENT_TIMEOUT = "30s"

VIEWS: dict[str, str] = {
    "v_activity_daily": """
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
            a.source
        FROM days d
        LEFT JOIN activity a ON a.date = d.day
        WINDOW last_7_days AS (ORDER BY d.day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
    """,
    "v_daily_spending": """
        SELECT occurred_on AS day, currency, sum(amount) AS spent, count(*) AS transactions
        FROM transactions
        GROUP BY occurred_on, currency
    """,
    "v_receipts": """
        SELECT id, status, shop, company, purchase_date, purchased_at, total, amount_due,
               currency, error, filename, created_at, updated_at,
               (SELECT count(*) FROM receipt_items i WHERE i.receipt_id = r.id) AS items
        FROM receipts r
    """,
    "v_item_purchases": """
        SELECT i.id, i.receipt_id,
               coalesce(r.purchase_date, t.occurred_on) AS day,
               coalesce(r.shop, t.shop) AS shop,
               coalesce(r.currency, t.currency, 'PLN') AS currency,
               i.name, i.quantity, i.unit_price, i.price, i.discount,
               i.price - coalesce(i.discount, 0) AS spent,
               coalesce(i.category, 'other') AS category
        FROM receipt_items i
        JOIN receipts r ON r.id = i.receipt_id
        LEFT JOIN transactions t ON t.receipt_id = r.id
        WHERE r.status = 'done'
    """,
    # Receipt lines by item category; manual transactions, and receipts without lines, by the
    # transaction's own category.
    "v_category_spending": """
        SELECT day, currency, category, sum(spent) AS spent
        FROM v_item_purchases
        GROUP BY day, currency, category
        UNION ALL
        SELECT t.occurred_on, t.currency, coalesce(t.category, 'other'), sum(t.amount)
        FROM transactions t
        WHERE t.receipt_id IS NULL
           OR NOT EXISTS (SELECT 1 FROM receipt_items i WHERE i.receipt_id = t.receipt_id)
        GROUP BY t.occurred_on, t.currency, coalesce(t.category, 'other')
    """,
}

# What the Grafana role may read: the views above and the transactions table (by shop/category).
READABLE = (*VIEWS, "transactions")


def _settings() -> tuple[str, str | None, str]:
    role = os.environ.get("GRAFANA_DB_USER", "").strip() or DEFAULT_ROLE
    password = os.environ.get("GRAFANA_DB_PASSWORD") or None
    tz = os.environ.get("TZ", "").strip() or DEFAULT_TZ
    return role, password, tz


def _quoted(conn: sa.Connection, template: str, *args: str) -> str:
    """Let PostgreSQL build a utility statement: format() quotes %I identifiers, %L literals.

    The template and the arguments are bound parameters, so nothing here is spliced by Python.
    """
    names = [f"a{i}" for i in range(len(args))]
    casts = ", ".join(f"CAST(:{n} AS text)" for n in names)
    query = sa.text(f"SELECT format(CAST(:template AS text), {casts})")
    params = {"template": template, **dict(zip(names, args, strict=True))}
    return conn.execute(query, params).scalar_one()


def _current_database(conn: sa.Connection) -> str:
    return conn.execute(sa.text("SELECT current_database()")).scalar_one()


def _role_exists(conn: sa.Connection, role: str) -> bool:
    found = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    return found.first() is not None


def _create_or_update_role(conn: sa.Connection, role: str, password: str, tz: str) -> None:
    known = conn.execute(
        sa.text("SELECT 1 FROM pg_timezone_names WHERE name = :tz"), {"tz": tz}
    ).first()
    if known is None:
        raise ValueError(f"TZ={tz!r} is not a time zone PostgreSQL knows (e.g. Europe/Warsaw)")
    verb = "ALTER" if _role_exists(conn, role) else "CREATE"
    attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    statements = [
        _quoted(conn, f"{verb} ROLE %I WITH {attributes} PASSWORD %L", role, password),
        _quoted(conn, "ALTER ROLE %I SET timezone = %L", role, tz),
        _quoted(conn, "ALTER ROLE %I SET default_transaction_read_only = on", role),
        _quoted(conn, "ALTER ROLE %I SET statement_timeout = %L", role, STATEMENT_TIMEOUT),
        _quoted(conn, "GRANT CONNECT ON DATABASE %I TO %I", _current_database(conn), role),
        _quoted(conn, "GRANT USAGE ON SCHEMA public TO %I", role),
    ]
    statements += [
        _quoted(conn, "GRANT SELECT ON TABLE public.%I TO %I", rel, role) for rel in READABLE
    ]
    for statement in statements:
        conn.exec_driver_sql(statement)
    log.info("grafana role %s: %sd, SELECT on %s", role, verb.lower(), ", ".join(READABLE))


def upgrade() -> None:
    conn = op.get_bind()
    for name, body in VIEWS.items():
        conn.exec_driver_sql(f"CREATE OR REPLACE VIEW public.{name} AS {body}")
    role, password, tz = _settings()
    if password is None:
        log.info("GRAFANA_DB_PASSWORD is not set: grafana role %s not created", role)
        return
    _create_or_update_role(conn, role, password, tz)


def downgrade() -> None:
    conn = op.get_bind()
    role, _password, _tz = _settings()
    if _role_exists(conn, role):
        revokes = [_quoted(conn, "REVOKE ALL ON TABLE public.%I FROM %I", rel, role)
                   for rel in READABLE]
        revokes += [
            _quoted(conn, "REVOKE ALL ON SCHEMA public FROM %I", role),
            _quoted(conn, "REVOKE ALL ON DATABASE %I FROM %I", _current_database(conn), role),
        ]
        for statement in revokes:
            conn.exec_driver_sql(statement)
        # Another database (or something else here) may still grant the role something: keep it.
        still_used = conn.execute(
            sa.text("SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid "
                    "WHERE r.rolname = :r"),
            {"r": role},
        ).scalar_one()
        if still_used:
            log.warning("grafana role %s is still granted privileges elsewhere: kept", role)
        else:
            conn.exec_driver_sql(_quoted(conn, "DROP ROLE %I", role))
    for name in reversed(VIEWS):
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS public.{name}")
