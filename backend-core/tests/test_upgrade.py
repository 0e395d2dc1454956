"""Upgrading keeps every row: a database at the previous release's schema, filled with realistic
data (receipts with images, jobs, items, transactions, keywords, activity, health sync state),
is migrated to this checkout's head; every row and every value of the previous schema is still
there, the API reads it, and a downgrade → upgrade round trip loses nothing either.

When a release is made, set PREVIOUS_RELEASE to its head revision (and, if that schema gained a
required column, give it a value in `fill`). New migrations need no change here: the test always
upgrades to whatever head is. A migration that moves data on purpose (a renamed table or column)
must say so in MOVED, so the comparison follows it instead of reporting the data as lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from app.cli import alembic_config
from app.core.config import Settings

# The Alembic head of the last release. No release is tagged yet: this is the head of the last
# main before the upgrade work (issue 18).
PREVIOUS_RELEASE = "0004_keywords_corrections"
# (table, column) of PREVIOUS_RELEASE → (table, column) at head, for data moved on purpose.
MOVED: dict[tuple[str, str], tuple[str, str]] = {}

API_TOKEN = "upgrade-test-" + uuid.uuid4().hex
RECEIPT = uuid.UUID("7a0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3")
FAILED_RECEIPT = uuid.UUID("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9")
IMAGE = bytes(range(256)) * 64 + b"\xff\xd9"  # binary, with every byte value


def fill(conn: Connection) -> None:
    """What a user of PREVIOUS_RELEASE has: only columns that schema has."""
    conn.execute(text(
        "INSERT INTO receipts (id, sha256, filename, content_type, image, status, shop, "
        "company, nip, purchase_date, purchased_at, total, amount_due, currency, raw_ocr, "
        "corrected_at, created_at) VALUES "
        "(:id, :sha, 'IMG_2041.jpg', 'image/jpeg', :image, 'done', 'BIEDRONKA', "
        "'Jeronimo Martins Polska S.A.', '779-10-11-327', '2026-11-20', "
        "'2026-11-20 17:01:00+01', 28.43, 28.43, 'PLN', "
        "CAST(:raw AS jsonb), '2026-11-21 08:00:00+01', '2026-11-20 17:05:00+01'), "
        "(:failed, :sha2, NULL, 'image/png', :image, 'failed', NULL, NULL, NULL, NULL, NULL, "
        "NULL, NULL, NULL, NULL, NULL, '2026-11-22 09:00:00+01')"
    ), {"id": RECEIPT, "sha": "a" * 64, "failed": FAILED_RECEIPT, "sha2": "b" * 64,
        "image": IMAGE,
        "raw": '{"shop": "BIEDRONKA", "warnings": ["total differs"], "checks": {"sum": true}}'})
    conn.execute(text(
        "INSERT INTO receipt_jobs (id, receipt_id, status, attempts, max_attempts, run_after, "
        "last_error, started_at, finished_at, duration_ms) VALUES "
        "(gen_random_uuid(), :id, 'done', 1, 5, '2026-11-20 17:05:00+01', NULL, "
        "'2026-11-20 17:05:01+01', '2026-11-20 17:05:03+01', 1840), "
        "(gen_random_uuid(), :failed, 'failed', 5, 5, '2026-11-22 09:30:00+01', "
        "'OCR worker: 422 unreadable', NULL, '2026-11-22 09:31:00+01', NULL)"
    ), {"id": RECEIPT, "failed": FAILED_RECEIPT})
    conn.execute(text(
        "INSERT INTO receipt_items (receipt_id, position, name, quantity, unit_price, price, "
        "discount, vat, category, corrected_at) VALUES "
        "(:id, 1, 'MLEKO 3,2% 1L', 2, 3.49, 6.98, NULL, 'C', 'dairy', NULL), "
        "(:id, 2, 'Ser gouda 0,456 kg', 0.456, 21.90, 9.99, 0.50, 'C', 'dairy', NULL), "
        "(:id, 3, 'Piwo Żywiec 0,5', 4, 3.99, 15.96, 4.50, 'A', 'drinks', "
        "'2026-11-21 08:00:00+01')"
    ), {"id": RECEIPT})
    conn.execute(text(
        "INSERT INTO transactions (id, occurred_on, occurred_at, amount, currency, shop, "
        "category, description, source, receipt_id) VALUES "
        "(gen_random_uuid(), '2026-11-20', '2026-11-20 17:01:00+01', 28.43, 'PLN', "
        "'BIEDRONKA', 'dairy', NULL, 'receipt', :id), "
        "(gen_random_uuid(), '2026-11-02', NULL, 120.00, 'PLN', 'Orlen', 'fuel', "
        "'Tankowanie \"95\", 40 l', 'manual', NULL), "
        "(gen_random_uuid(), '2026-10-31', NULL, -15.50, 'EUR', NULL, NULL, 'zwrot', 'manual', "
        "NULL)"
    ), {"id": RECEIPT})
    conn.execute(text(
        "INSERT INTO category_keywords (keyword, category) VALUES ('kombucha', 'drinks') "
        "ON CONFLICT (keyword) DO UPDATE SET category = 'drinks'"
    ))
    conn.execute(text(
        "INSERT INTO activity (date, steps, distance_m, calories_kcal, active_minutes, "
        "heart_minutes, avg_heart_rate, resting_heart_rate, weight_kg, sleep_minutes, source) "
        "SELECT day::date, 4000 + n * 37, 3000.5 + n, 2000.25, 30 + n % 20, n % 15, 70.5, 55, "
        "CASE WHEN n % 7 = 0 THEN 80.4 END, CASE WHEN n % 3 = 0 THEN NULL ELSE 420 END, "
        "CASE WHEN n < 200 THEN 'takeout' ELSE 'fit' END "
        "FROM generate_series(0, 399) AS n, "
        "LATERAL (SELECT DATE '2025-10-01' + n AS day) d"
    ))
    conn.execute(text(
        "INSERT INTO google_credentials (provider, encrypted_token, scopes, state, last_error) "
        "VALUES ('fit', :token, 'fitness.activity.read', 'reauthorization_needed', "
        "'invalid_grant')"
    ), {"token": b"gAAAAAB" + bytes(range(200))})
    conn.execute(text(
        "INSERT INTO oauth_pending_states (state, provider, encrypted_code_verifier, "
        "expires_at) VALUES ('s-1', 'fit', :v, '2026-12-01 10:15:00+00')"
    ), {"v": b"\x00verifier\xff"})
    conn.execute(text(
        "INSERT INTO health_sync_state (source, last_success_at, last_attempt_at, last_error, "
        "synced_through, rows_written) VALUES "
        "('fit', '2026-11-30 06:00:00+01', '2026-12-01 06:00:00+01', 'timeout', "
        "'2026-11-29', 412), ('takeout', '2026-05-01 12:00:00+02', NULL, NULL, NULL, 200)"
    ))


def snapshot(conn: Connection) -> dict[tuple[str, str], list[str | None]]:
    """Every (table, column) of the schema → its values as text, in primary-key order."""
    columns = conn.execute(text(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
        "AND c.table_name <> 'alembic_version' ORDER BY 1, c.ordinal_position"
    )).all()
    return {(table, column): column_values(conn, table, column) for table, column in columns}


def column_values(conn: Connection, table: str, column: str) -> list[str | None]:
    key = conn.execute(text(
        "SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) "
        "FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = CAST(:t AS regclass) AND i.indisprimary"
    ), {"t": f"public.{table}"}).scalar_one()
    return list(conn.execute(text(
        f'SELECT CAST("{column}" AS text) FROM public."{table}" ORDER BY {key}'
    )).scalars())


def assert_nothing_lost(
    before: dict[tuple[str, str], list[str | None]], after: dict[tuple[str, str], list[str | None]]
) -> None:
    lost = []
    for (table, column), values in before.items():
        now = after.get(MOVED.get((table, column), (table, column)))
        if now is None:
            lost.append(f"{table}.{column}: gone")
        elif now != values:
            changed = next(
                (i, b, a) for i, (b, a) in enumerate(zip([*values, None], [*now, None],
                                                         strict=False)) if b != a
            )
            lost.append(f"{table}.{column}: {len(values)} rows before, {len(now)} after; "
                        f"row {changed[0]} was {changed[1]!r}, now {changed[2]!r}")
    assert lost == [], "\n".join(lost)


def test_previous_release_is_an_ancestor_of_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    ancestors = {rev.revision for rev in script.walk_revisions(base="base", head=head)}
    assert PREVIOUS_RELEASE in ancestors


def test_upgrade_from_the_previous_release_keeps_every_row(
    empty_database: str, migrate: Callable[[str, str, str], None]) -> None:
    migrate(empty_database, "upgrade", PREVIOUS_RELEASE)
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            fill(conn)
        with engine.connect() as conn:
            before = snapshot(conn)
        counts = {table: len(values) for (table, _), values in before.items()}
        assert counts["receipts"] == 2 and counts["receipt_items"] == 3
        assert counts["transactions"] == 3 and counts["activity"] == 400
        assert counts["category_keywords"] > 100  # the seeded table plus the user's keyword

        migrate(empty_database, "upgrade", "head")
        with engine.connect() as conn:
            assert_nothing_lost(before, snapshot(conn))

        # This release's code reads the upgraded data.
        from app.main import create_app

        app = create_app(Settings(_env_file=None, api_token=API_TOKEN, database_url=empty_database,
                                  job_worker_enabled=False, TZ="Europe/Warsaw"))
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        with TestClient(app, headers=headers, raise_server_exceptions=False) as api:
            receipt = api.get(f"/api/v1/receipts/{RECEIPT}")
            assert receipt.status_code == 200, receipt.text
            assert [i["price"] for i in receipt.json()["items"]] == ["6.98", "9.99", "15.96"]
            assert api.get(f"/api/v1/receipts/{RECEIPT}/image").content == IMAGE
            assert api.get("/api/v1/transactions").json()["total"] == 3
            exported = api.get("/api/v1/export/activity.csv")
            assert exported.status_code == 200 and len(exported.text.splitlines()) == 401

        # Rolling back to the previous release and forward again loses nothing either.
        migrate(empty_database, "downgrade", PREVIOUS_RELEASE)
        with engine.connect() as conn:
            assert_nothing_lost(before, snapshot(conn))
        migrate(empty_database, "upgrade", "head")
        with engine.connect() as conn:
            assert_nothing_lost(before, snapshot(conn))
    finally:
        engine.dispose()
