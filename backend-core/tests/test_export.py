"""CSV export (API and CLI): token, filters, 422s, RFC 4180 text, batches, and a round trip:
PostgreSQL's own CSV reader loads each export back into a table equal to the source rows."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.services import export_csv
from app.services.export_csv import EXPORTS, csv_chunks

CORE = Path(__file__).resolve().parents[1]
TRICKY = 'Kasa "2", ul. Żółta 1\r\nwejście B; =SUM(A1) 100%'


def manual(api, **fields) -> dict:
    body = {"occurred_on": "2026-11-21", "amount": "120.00", "shop": "Orlen", "category": "fuel",
            **fields}
    response = api.post("/api/v1/transactions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def data(api, clean_db, parsed_receipt) -> None:
    """Two receipts (items), three manual transactions, activity with gaps (NULLs)."""
    parsed_receipt()  # BIEDRONKA 2026-11-20 17:01, 3 items, 28.43
    parsed_receipt(shop="Lidl sp. z o.o.", date="2026-10-05", time=None, total="10.00",
                   amount_due=None, items=[{"name": "Ser gouda 0,456 kg", "quantity": "0.456",
                                            "unit_price": "21.90", "price": "9.99",
                                            "discount": "0.50", "vat": "C"}])
    manual(api, occurred_on="2026-11-02", amount="-15.50", shop=TRICKY, description="zwrot")
    manual(api, occurred_on="2026-09-30", amount="1234567.89", shop=None, category=None,
           occurred_at="2026-09-30T23:30:00")
    manual(api, occurred_on="2026-12-01", amount="0.01", currency="EUR")
    with clean_db() as session:
        session.execute(text("TRUNCATE activity"))
        session.execute(text(
            "INSERT INTO activity (date, steps, distance_m, calories_kcal, active_minutes, "
            "heart_minutes, avg_heart_rate, resting_heart_rate, weight_kg, sleep_minutes, source) "
            "VALUES ('2026-11-01', 8123, 6012.40, 2101.50, 41, 12, 71.25, 55.00, 80.40, 431, "
            "'fit'), ('2026-11-02', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 79.95, NULL, "
            "'health_connect'), ('2026-11-30', 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 'takeout')"
        ))
        session.commit()


def rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body, newline="")))


def copy_back(clean_db, name: str, body: bytes, **bounds: date | None) -> None:
    """Load the CSV with COPY ... (FORMAT csv) into a table shaped like the export's query and
    check it holds exactly the source rows (EXCEPT both ways, and the same count)."""
    query = EXPORTS[name].query(bounds.get("date_from"), bounds.get("date_to"))
    sql = str(query.compile(compile_kwargs={"literal_binds": True}))
    with clean_db() as session:
        session.execute(text(f"CREATE TEMP TABLE back AS {sql} WITH NO DATA"))
        cursor = session.connection().connection.driver_connection.cursor()
        with cursor.copy("COPY back FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(body)
        source = session.scalar(text(f"SELECT count(*) FROM ({sql}) s"))
        loaded = session.scalar(text("SELECT count(*) FROM back"))
        missing = session.execute(text(f"({sql}) EXCEPT ALL SELECT * FROM back")).all()
        extra = session.execute(text(f"SELECT * FROM back EXCEPT ALL ({sql})")).all()
        session.rollback()
    assert (loaded, missing, extra) == (source, [], [])
    assert source > 0


def test_export_needs_the_token(client) -> None:
    for name in EXPORTS:
        response = client.get(f"/api/v1/export/{name}.csv")
        assert response.status_code == 401 and response.json()["detail"]


@pytest.mark.parametrize("name", list(EXPORTS))
def test_round_trip_through_postgresql(api, clean_db, data, name: str) -> None:
    response = api.get(f"/api/v1/export/{name}.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert f'filename="lifeboard-{name}.csv"' in response.headers["content-disposition"]
    assert response.headers["x-accel-buffering"] == "no"
    body = response.content
    body.decode("utf-8")  # strict UTF-8
    assert body.startswith(",".join(EXPORTS[name].columns).encode() + b"\r\n")
    copy_back(clean_db, name, body)


def test_transactions_csv_text(api, data) -> None:
    body = api.get("/api/v1/export/transactions.csv").text
    assert body.endswith("\r\n")
    listed = rows(body)
    assert [r["occurred_on"] for r in listed] == [
        "2026-09-30", "2026-10-05", "2026-11-02", "2026-11-20", "2026-12-01"]
    by_day = {r["occurred_on"]: r for r in listed}
    assert by_day["2026-11-02"]["shop"] == TRICKY  # quotes, comma, CRLF, formula kept verbatim
    assert by_day["2026-11-02"]["amount"] == "-15.50"
    assert by_day["2026-09-30"]["amount"] == "1234567.89"  # dot decimals, no grouping
    assert by_day["2026-09-30"]["shop"] == "" and by_day["2026-09-30"]["category"] == ""
    # times in TZ (Europe/Warsaw) with their offset: a manual local time stays what was entered
    assert by_day["2026-09-30"]["occurred_at"] == "2026-09-30T23:30:00+02:00"
    assert by_day["2026-11-20"]["occurred_at"] == "2026-11-20T17:01:00+01:00"
    assert by_day["2026-11-20"]["source"] == "receipt" and by_day["2026-11-20"]["receipt_id"]
    assert by_day["2026-12-01"]["currency"] == "EUR"


def test_items_and_activity_csv_text(api, data) -> None:
    items = rows(api.get("/api/v1/export/items.csv").text)
    assert [(i["purchase_date"], i["position"]) for i in items][:2] == [
        ("2026-10-05", "1"), ("2026-11-20", "1")]
    cheese = items[0]
    assert (cheese["quantity"], cheese["price"], cheese["discount"], cheese["spent"]) == (
        "0.456", "9.99", "0.50", "9.49")
    assert {i["name"] for i in items} >= {"Chleb żytni", "Piwo Żywiec 0,5"}
    activity = rows(api.get("/api/v1/export/activity.csv").text)
    assert [a["date"] for a in activity] == ["2026-11-01", "2026-11-02", "2026-11-30"]
    assert activity[0]["distance_m"] == "6012.40" and activity[0]["steps"] == "8123"
    assert activity[1]["steps"] == "" and activity[1]["weight_kg"] == "79.95"  # gap, not 0
    assert activity[2]["steps"] == "0"


def test_from_and_to_are_inclusive_local_days(api, clean_db, data) -> None:
    params = {"from": "2026-10-05", "to": "2026-11-20"}
    listed = rows(api.get("/api/v1/export/transactions.csv", params=params).text)
    assert [r["occurred_on"] for r in listed] == ["2026-10-05", "2026-11-02", "2026-11-20"]
    items = rows(api.get("/api/v1/export/items.csv", params={"from": "2026-11-01"}).text)
    assert {i["purchase_date"] for i in items} == {"2026-11-20"} and len(items) == 3
    activity = rows(api.get("/api/v1/export/activity.csv", params={"to": "2026-11-02"}).text)
    assert [a["date"] for a in activity] == ["2026-11-01", "2026-11-02"]
    response = api.get("/api/v1/export/transactions.csv", params=params)
    copy_back(clean_db, "transactions", response.content, date_from=date(2026, 10, 5),
              date_to=date(2026, 11, 20))
    empty = api.get("/api/v1/export/activity.csv", params={"from": "2030-01-01"})
    assert empty.status_code == 200 and empty.text == ",".join(EXPORTS["activity"].columns) + "\r\n"


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "2026-02-30"}, {"from": ""},
     {"from": "2026-11-02", "to": "2026-11-01"}],
)
def test_bad_dates_are_a_422_json_error(api, params) -> None:
    response = api.get("/api/v1/export/transactions.csv", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"]


def test_rows_come_in_batches(clean_db, core_settings, monkeypatch) -> None:
    from app.core.db import make_engine

    start = date(2020, 1, 1)
    with clean_db() as session:
        session.execute(text("TRUNCATE activity"))
        session.execute(text(
            "INSERT INTO activity (date, steps) "
            "SELECT :start + n, n FROM generate_series(0, 1049) n"
        ), {"start": start})
        session.commit()
    monkeypatch.setattr(export_csv, "BATCH_ROWS", 100)
    engine = make_engine(core_settings.sqlalchemy_url, pool_size=1)
    try:
        chunks = list(csv_chunks(engine, EXPORTS["activity"], None, None, "Europe/Warsaw"))
    finally:
        engine.dispose()
    assert len(chunks) == 1 + 11  # the header, then 10 full batches and one of 50 rows
    assert max(len(chunk.splitlines()) for chunk in chunks) == 100
    listed = rows("".join(chunks))
    assert len(listed) == 1050
    assert listed[-1]["date"] == (start + timedelta(days=1049)).isoformat()
    assert listed[-1]["steps"] == "1049"


def cli(core_db_url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DATABASE_URL": core_db_url, "TZ": "Europe/Warsaw"}
    return subprocess.run([sys.executable, "-m", "app.cli", "export", *args], cwd=CORE, env=env,
                          capture_output=True, timeout=120, check=False)


def test_cli_writes_the_same_csv_as_the_api(api, clean_db, data, core_db_url, tmp_path) -> None:
    api_body = api.get("/api/v1/export/items.csv", params={"from": "2026-10-01"}).content
    out = tmp_path / "items.csv"
    result = cli(core_db_url, "items", "--from", "2026-10-01", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == api_body
    assert out.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.part"))
    stdout = cli(core_db_url, "transactions", "--to", "2026-11-02")
    assert stdout.returncode == 0, stdout.stderr
    assert stdout.stdout == api.get("/api/v1/export/transactions.csv",
                                    params={"to": "2026-11-02"}).content
    assert b'"Kasa ""2"", ul. \xc5\xbb\xc3\xb3\xc5\x82ta 1\r\nwej' in stdout.stdout  # RFC 4180


def test_cli_rejects_bad_dates(core_db_url) -> None:
    bad = cli(core_db_url, "activity", "--from", "2026-02-30")
    assert bad.returncode == 2 and b"not a date" in bad.stderr
    reversed_range = cli(core_db_url, "activity", "--from", "2026-02-02", "--to", "2026-02-01")
    assert reversed_range.returncode == 2 and b"after" in reversed_range.stderr
    unknown = cli(core_db_url, "receipts")
    assert unknown.returncode == 2


def test_database_down_is_a_503_not_a_truncated_csv(core_settings, clean_db) -> None:
    from app.main import create_app

    down = core_settings.model_copy(update={
        "database_url": "postgresql+psycopg://postgres@127.0.0.1:1/none"})
    app = create_app(down)
    headers = {"Authorization": f"Bearer {core_settings.api_token.get_secret_value()}"}
    with TestClient(app, headers=headers, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/export/transactions.csv")
    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable"}
