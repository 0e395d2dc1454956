"""Every SQL query of the Grafana dashboards, expanded like Grafana expands it, runs as the
read-only Grafana role against a throwaway database migrated to head and filled with known data,
and returns the values the panel is meant to show.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: find the helper
import dashboard_queries as dq

ROOT = Path(__file__).resolve().parents[1]
TZ = "Europe/Warsaw"
ZONE = ZoneInfo(TZ)
D2 = Decimal("0.01")


def _server() -> dict[str, Any]:
    url = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    info = psycopg.conninfo.conninfo_to_dict(url.replace("postgresql+psycopg://", "postgresql://"))
    return {k: v for k, v in info.items() if k in ("host", "port", "user", "password")}


@dataclass
class GrafanaDb:
    name: str
    role: str
    password: str
    server: dict[str, Any]

    def admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(**self.server, dbname=self.name, autocommit=True)

    def reader(self) -> psycopg.Connection[Any]:
        """A session as Grafana has it: the role's own defaults (TimeZone, read-only)."""
        server = {**self.server, "user": self.role, "password": self.password}
        return psycopg.connect(**server, dbname=self.name, autocommit=True)


def _migrate(db: GrafanaDb, *args: str) -> None:
    user = db.server.get("user", "postgres")
    auth = user + (f":{db.server['password']}" if db.server.get("password") else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql+psycopg://{auth}@{db.server.get('host', '127.0.0.1')}:"
        f"{db.server.get('port', 5432)}/{db.name}",
        "GRAFANA_DB_USER": db.role,
        "GRAFANA_DB_PASSWORD": db.password,
        "TZ": TZ,
    }
    subprocess.run([sys.executable, "-m", "alembic", *args], cwd=ROOT / "backend-core", env=env,
                   check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def grafana_db() -> Iterator[GrafanaDb]:
    suffix = secrets.token_hex(4)
    db = GrafanaDb(f"lifeboard_t_{suffix}", f"grafana_t_{suffix}", secrets.token_urlsafe(12),
                   _server())
    with psycopg.connect(**db.server, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.name)))
    try:
        _migrate(db, "upgrade", "head")
        yield db
    finally:
        with psycopg.connect(**db.server, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(db.name)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(db.role)))


# ----------------------------------------------------------------------------- test data
@dataclass
class Data:
    today: date
    steps: dict[date, int | None]  # days with an activity row (None = row, unknown steps)
    weight: dict[date, Decimal]
    sleep: dict[date, int]
    spending: list[tuple[date, Decimal, str, str | None, str | None]]  # day, amount, cur, shop, cat
    items: list[dict[str, Any]]  # done receipts' lines, with day/shop
    receipts: dict[str, int]  # status → count created in the last 90 days


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), ZONE)


def _same_day_last_month(day: date) -> date:
    first_this = day.replace(day=1)
    last_prev = first_this - timedelta(days=1)
    return last_prev.replace(day=min(day.day, last_prev.day))


@pytest.fixture(scope="module")
def data(grafana_db: GrafanaDb) -> Data:
    today = datetime.now(ZONE).date()
    d = Data(today, {}, {}, {}, [], [], defaultdict(int))
    with grafana_db.admin() as conn:
        # Activity: 21 days; two days have no row at all, one has a row with unknown steps.
        for back in range(20, -1, -1):
            day = today - timedelta(days=back)
            if back in (3, 10):
                continue
            steps = None if back == 5 else 7500 if back == 0 else 4000 + 350 * back
            weight = Decimal("80.40") - Decimal("0.15") * back if back % 4 == 0 else None
            sleep = 400 + back if back % 2 == 0 else None
            conn.execute(
                "INSERT INTO activity (date, steps, distance_m, calories_kcal, active_minutes,"
                " heart_minutes, avg_heart_rate, resting_heart_rate, weight_kg, sleep_minutes,"
                " source) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'fit')",
                (day, steps, None if steps is None else Decimal(steps) * Decimal("0.75"),
                 Decimal(2000 + back), 30 + back, 10 + back, Decimal(70 + back % 5),
                 Decimal(55 + back % 3), weight, sleep),
            )
            d.steps[day] = steps
            if back % 3 == 0:  # zone points (Health API), their own column
                conn.execute("UPDATE activity SET heart_points = %s WHERE date = %s",
                             (2 * (10 + back), day))
            # Merged per field: steps from Fit, weight from Health Connect on some days.
            conn.execute(
                "UPDATE activity SET field_sources = jsonb_strip_nulls(jsonb_build_object("
                "'steps', CASE WHEN steps IS NOT NULL THEN 'fit' END, 'weight_kg',"
                " CASE WHEN weight_kg IS NOT NULL THEN 'health_connect' END)) WHERE date = %s",
                (day,))
            if weight is not None:
                d.weight[day] = weight
            if sleep is not None:
                d.sleep[day] = sleep

        for source, success, through, missing, error in SYNC_STATE:
            conn.execute(
                "INSERT INTO health_sync_state (source, last_success_at, synced_through,"
                " rows_written, missing_days, last_error) VALUES (%s,%s,%s,10,%s,%s)",
                (source, success, today - timedelta(days=through), missing, error))

        def receipt(status: str, created: datetime, shop: str | None, day: date | None,
                    total: Decimal | None, currency: str = "PLN", error: str | None = None
                    ) -> UUID:
            rid = uuid4()
            conn.execute(
                "INSERT INTO receipts (id, sha256, content_type, image, status, shop,"
                " purchase_date, total, amount_due, currency, error, created_at, updated_at)"
                " VALUES (%s,%s,'image/png',%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (rid, secrets.token_hex(32), b"\x89PNG", status, shop, day, total, total,
                 currency, error, created, created),
            )
            if created > datetime.now(ZONE) - timedelta(days=90):
                d.receipts[status] += 1
            return rid

        def transaction(day: date, amount: str, shop: str | None, category: str | None,
                        currency: str = "PLN", receipt_id: UUID | None = None,
                        at: datetime | None = None) -> None:
            conn.execute(
                "INSERT INTO transactions (id, occurred_on, occurred_at, amount, currency, shop,"
                " category, source, receipt_id) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (uuid4(), day, at or _local_midnight(day) + timedelta(hours=12), Decimal(amount),
                 currency, shop, category, "receipt" if receipt_id else "manual", receipt_id),
            )
            d.spending.append((day, Decimal(amount), currency, shop, category))

        def line(rid: UUID, day: date, shop: str, pos: int, name: str, qty: str, unit: str,
                 price: str, category: str, discount: str = "0.00") -> None:
            conn.execute(
                "INSERT INTO receipt_items (receipt_id, position, name, quantity, unit_price,"
                " price, discount, vat, category) VALUES (%s,%s,%s,%s,%s,%s,%s,'A',%s)",
                (rid, pos, name, Decimal(qty), Decimal(unit), Decimal(price), Decimal(discount),
                 category),
            )
            d.items.append({"day": day, "shop": shop, "name": name, "qty": Decimal(qty),
                            "unit": Decimal(unit), "spent": Decimal(price) - Decimal(discount),
                            "category": category})

        now = datetime.now(ZONE)
        bread = "Chleb 'Wiejski' 500g"  # a quote, to prove the variable escaping
        # Three processed receipts with lines, each booked as a transaction on its day.
        shopping = [
            (0, "Biedronka", [(bread, "1", "4.99", "4.99", "bakery", "0.00"),
                              ("Mleko 3,2% 1L", "2", "3.79", "7.58", "dairy", "1.00")]),
            (2, "Lidl", [(bread, "2", "4.49", "8.98", "bakery", "0.00")]),
            (40, "Biedronka", [(bread, "1", "3.99", "3.99", "bakery", "0.00"),
                               ("Masło Extra 200g", "1", "7.49", "7.49", "dairy", "0.00")]),
        ]
        for back, shop, lines in shopping:
            day = today - timedelta(days=back)
            total = sum((Decimal(ln[3]) - Decimal(ln[5]) for ln in lines), Decimal(0))
            rid = receipt("done", now - timedelta(days=back, minutes=5), shop, day, total)
            for pos, (name, qty, unit, price, category, discount) in enumerate(lines, 1):
                line(rid, day, shop, pos, name, qty, unit, price, category, discount)
            transaction(day, str(total), shop, "groceries", receipt_id=rid)
        # A processed receipt whose lines were not read: by the transaction's category.
        rid = receipt("done", now - timedelta(days=1), "Orlen", today - timedelta(days=1),
                      Decimal("250.00"))
        transaction(today - timedelta(days=1), "250.00", "Orlen", "fuel", receipt_id=rid)
        receipt("failed", now - timedelta(hours=3), None, None, None, error="no receipt text")
        receipt("pending", now - timedelta(minutes=1), None, None, None)
        receipt("failed", now - timedelta(days=200), None, None, None, error="old")  # out of range
        # Manual transactions, in PLN and one in EUR (never added to PLN).
        manual = [(0, "12.50", "Kiosk", None), (1, "30.00", None, "transport"),
                  (5, "45.10", "Apteka", "health"), (20, "99.99", "Rossmann", "drugstore"),
                  (33, "120.00", "Media Expert", "electronics"), (61, "15.00", "Kiosk", None)]
        for back, amount, shop, category in manual:
            transaction(today - timedelta(days=back), amount, shop, category)
        transaction(today, "20.00", "Fnac", "books", currency="EUR")
        # Bought at 00:30 local time today: the UTC timestamp is yesterday, the day is today.
        transaction(today, "3.30", "Żabka", "snacks", at=_local_midnight(today) +
                    timedelta(minutes=30))
    return d


SYNC_STATE = [  # source, last success, synced through (days back), missing days, last error
    ("fit", datetime(2026, 12, 1, 8, tzinfo=ZONE), 2, [], None),
    ("health_api", None, 0, [date(2026, 12, 1), date(2026, 12, 2)],
     "2 days missing (2026-12-01..2026-12-02)"),
]


# ------------------------------------------------------------------------------- helpers
def _range(board: dict[str, Any]) -> tuple[datetime, datetime]:
    """The dashboard's default range 'now-Nd' → 'now'."""
    start = board["time"]["from"]
    assert start.startswith("now-") and start.endswith("d") and board["time"]["to"] == "now"
    end = datetime.now(ZONE)
    return end - timedelta(days=int(start[4:-1])), end


VARIABLES = {"step_goal": "10000", "currency": "PLN", "product": "Chleb 'Wiejski' 500g"}


def run(db: GrafanaDb, target: Any) -> list[dict[str, Any]]:
    board = dq.load_dashboards()[target.dashboard]
    start, end = _range(board)
    query = dq.expand_sql(target.text, start, end, VARIABLES)
    with db.reader() as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(query)
        return cur.fetchall()


def q2(value: Decimal | float | int) -> Decimal:
    return Decimal(value).quantize(D2, ROUND_HALF_UP)


def spent(d: Data, pred: Callable[[date], bool], currency: str = "PLN") -> Decimal:
    return sum((a for day, a, cur, _s, _c in d.spending if cur == currency and pred(day)),
               Decimal(0))


def avg7(d: Data, day: date) -> int | None:
    values = [d.steps.get(day - timedelta(days=k)) for k in range(7)]
    known = [v for v in values if v is not None]
    if not known:
        return None
    return int((Decimal(sum(known)) / len(known)).quantize(Decimal(1), ROUND_HALF_UP))


# --------------------------------------------------------------------------- expectations
def check_steps_today(rows: list[dict[str, Any]], d: Data) -> None:
    assert rows == [{"Steps today": 7500, "Goal": 10000}]


def check_goal(rows: list[dict[str, Any]], d: Data) -> None:
    assert rows == [{"Goal reached": Decimal(75)}]


def check_avg_today(rows: list[dict[str, Any]], d: Data) -> None:
    assert rows == [{"Steps, 7-day average": avg7(d, d.today)}]


def check_last_data(rows: list[dict[str, Any]], d: Data) -> None:
    # Epoch milliseconds (a stat panel needs a number; unit dateTimeFromNow shows "x ago").
    midnight_ms = Decimal(int(_local_midnight(d.today).timestamp())) * 1000
    assert rows == [{"Last day with steps": midnight_ms}]


def _series(rows: list[dict[str, Any]], d: Data) -> dict[date, dict[str, Any]]:
    series = {r["time"].astimezone(ZONE).date(): r for r in rows}
    # Every row is a local midnight; days come in order without duplicates.
    assert all(r["time"] == _local_midnight(r["time"].astimezone(ZONE).date()) for r in rows)
    assert list(series) == sorted(series) and len(series) == len(rows)
    return series


def check_steps_per_day(rows: list[dict[str, Any]], d: Data) -> None:
    series = _series(rows, d)
    first = min(d.steps)
    assert list(series) == [first + timedelta(days=k) for k in range((d.today - first).days + 1)]
    for day, row in series.items():
        assert row["Steps"] == d.steps.get(day), day  # no row / unknown → NULL (a gap), not 0
        assert row["7-day average"] == avg7(d, day), day
    assert series[d.today - timedelta(days=3)]["Steps"] is None  # day without a row
    assert series[d.today - timedelta(days=5)]["Steps"] is None  # row with unknown steps


def _daily_check(column: str, expected: Callable[[Data, date], Any]) -> Callable[..., None]:
    def check(rows: list[dict[str, Any]], d: Data) -> None:
        series = _series(rows, d)
        assert len(series) == len(range((d.today - min(d.steps)).days + 1))
        for day, row in series.items():
            assert row[column] == (expected(d, day) if day in d.steps else None), (column, day)
    return check


def check_active_minutes(rows: list[dict[str, Any]], d: Data) -> None:
    _daily_check("Active minutes", lambda d, day: 30 + (d.today - day).days)(rows, d)
    _daily_check("Heart minutes", lambda d, day: 10 + (d.today - day).days)(rows, d)


def check_heart_rate(rows: list[dict[str, Any]], d: Data) -> None:
    _daily_check("Average", lambda d, day: Decimal(70 + (d.today - day).days % 5))(rows, d)
    _daily_check("Resting", lambda d, day: Decimal(55 + (d.today - day).days % 3))(rows, d)


def check_heart_points(rows: list[dict[str, Any]], d: Data) -> None:
    _daily_check("Heart points", lambda d, day: 2 * (10 + (d.today - day).days)
                 if (d.today - day).days % 3 == 0 else None)(rows, d)


def check_source_per_day(rows: list[dict[str, Any]], d: Data) -> None:
    def fields(day: date) -> str | None:
        parts = (["fit: steps"] if d.steps[day] is not None else []) + (
            ["health_connect: weight_kg"] if day in d.weight else [])
        return "; ".join(parts) or None

    assert [r["Day"] for r in rows] == sorted(d.steps, reverse=True)  # newest first
    assert all(r["Main source"] == "fit" for r in rows)
    assert [r["Fields by source"] for r in rows] == [fields(day) for day in
                                                     sorted(d.steps, reverse=True)]
    assert "fit: steps; health_connect: weight_kg" in [r["Fields by source"] for r in rows]


def check_sync_per_provider(rows: list[dict[str, Any]], d: Data) -> None:
    assert [(r["Source"], r["Last success"], r["Synced through"], r["Days missing"], r["Problem"])
            for r in rows] == [
        (source, success, d.today - timedelta(days=through), len(missing), error)
        for source, success, through, missing, error in SYNC_STATE]


def check_sleep(rows: list[dict[str, Any]], d: Data) -> None:
    series = _series(rows, d)
    for day, row in series.items():
        minutes = d.sleep.get(day)
        assert row["Sleep"] == (None if minutes is None else q2(Decimal(minutes) / 60)), day


def check_weight(rows: list[dict[str, Any]], d: Data) -> None:
    assert {r["time"].astimezone(ZONE).date(): r["Weight"] for r in rows} == d.weight
    assert len(rows) >= 5


def check_distance(rows: list[dict[str, Any]], d: Data) -> None:
    series = _series(rows, d)
    for day, row in series.items():
        steps = d.steps.get(day)
        assert row["Distance"] == (None if steps is None else q2(Decimal(steps) * 3 / 4000)), day


def check_calories(rows: list[dict[str, Any]], d: Data) -> None:
    _daily_check("Calories", lambda d, day: Decimal(2000 + (d.today - day).days))(rows, d)


def check_spent_today(rows: list[dict[str, Any]], d: Data) -> None:
    expected = spent(d, lambda day: day == d.today)
    assert rows == [{"Spent today": expected}]
    assert expected == Decimal("11.57") + Decimal("12.50") + Decimal("3.30")  # EUR left out


def _month_start(day: date) -> date:
    return day.replace(day=1)


def check_this_month(rows: list[dict[str, Any]], d: Data) -> None:
    assert rows == [{"This month": spent(d, lambda day: _month_start(d.today) <= day <= d.today)}]


def _last_month_to_date(d: Data) -> Decimal:
    start = _month_start(_month_start(d.today) - timedelta(days=1))
    return spent(d, lambda day: start <= day <= _same_day_last_month(d.today))


def check_last_month(rows: list[dict[str, Any]], d: Data) -> None:
    assert rows == [{"Last month to date": _last_month_to_date(d)}]


def check_change(rows: list[dict[str, Any]], d: Data) -> None:
    this = spent(d, lambda day: _month_start(d.today) <= day <= d.today)
    last = _last_month_to_date(d)
    expected = None if last == 0 else (100 * (this - last) / last).quantize(Decimal("0.1"),
                                                                             ROUND_HALF_UP)
    assert rows == [{"Change": expected}]


def _in_range(d: Data, days: int) -> Callable[[date], bool]:
    start = (datetime.now(ZONE) - timedelta(days=days)).date()
    return lambda day: start <= day <= d.today


def check_per_day(rows: list[dict[str, Any]], d: Data) -> None:
    expected: dict[date, Decimal] = defaultdict(Decimal)
    for day, amount, cur, _s, _c in d.spending:
        if cur == "PLN" and _in_range(d, 90)(day):
            expected[day] += amount
    assert {r["time"].astimezone(ZONE).date(): r["Spent"] for r in _series(rows, d).values()} \
        == expected
    assert rows[-1]["time"] == _local_midnight(d.today)


def check_per_month(rows: list[dict[str, Any]], d: Data) -> None:
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for day, amount, cur, _s, _c in d.spending:
        if cur == "PLN" and _in_range(d, 90)(day):
            expected[day.strftime("%Y-%m")] += amount
    assert [(r["Month"], r["Spent"]) for r in rows] == sorted(expected.items())


def check_by_shop(rows: list[dict[str, Any]], d: Data) -> None:
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for day, amount, cur, shop, _c in d.spending:
        if cur == "PLN" and _in_range(d, 90)(day):
            expected[shop or "(unknown)"] += amount
    assert {r["Shop"]: r["Spent"] for r in rows} == expected
    assert [r["Spent"] for r in rows] == sorted(expected.values(), reverse=True)


def check_by_category(rows: list[dict[str, Any]], d: Data) -> None:
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for item in d.items:
        if _in_range(d, 90)(item["day"]):
            expected[item["category"]] += item["spent"]
    for day, amount, cur, shop, category in d.spending:
        itemised = shop in ("Biedronka", "Lidl")  # receipts whose lines were read
        if cur == "PLN" and _in_range(d, 90)(day) and not itemised:
            expected[category or "other"] += amount
    assert {r["Category"]: r["Spent"] for r in rows} == expected
    assert expected["fuel"] == Decimal("250.00") and expected["dairy"] == Decimal("14.07")


def check_top_products(rows: list[dict[str, Any]], d: Data) -> None:
    bread = [i for i in d.items if i["name"].startswith("Chleb") and _in_range(d, 90)(i["day"])]
    top = rows[0]
    assert top["Product"] == "Chleb 'Wiejski' 500g"
    assert top["Times bought"] == len(bread) == 3
    assert top["Quantity"] == sum(i["qty"] for i in bread)
    assert top["Spent"] == sum(i["spent"] for i in bread)
    assert top["Average unit price"] == q2(sum(i["unit"] for i in bread) / len(bread))
    assert top["Last bought"] == d.today
    assert {r["Product"] for r in rows} == {i["name"] for i in d.items}


def check_price_history(rows: list[dict[str, Any]], d: Data) -> None:
    expected = {i["day"]: i["unit"] for i in d.items if i["name"].startswith("Chleb")}
    assert {r["time"].astimezone(ZONE).date(): r["Unit price"] for r in rows} == expected
    assert [r["Unit price"] for r in rows] == [Decimal("3.99"), Decimal("4.49"), Decimal("4.99")]


def check_receipts(rows: list[dict[str, Any]], d: Data) -> None:
    assert rows == [{"Processed": d.receipts["done"], "Failed": d.receipts["failed"],
                     "Waiting": d.receipts["pending"]}]
    assert rows[0]["Processed"] == 4 and rows[0]["Failed"] == 1  # the 200-day-old one is out


def check_latest_receipts(rows: list[dict[str, Any]], d: Data) -> None:
    assert len(rows) == 7  # all of them: fewer than 20
    assert [r["Uploaded"] for r in rows] == sorted((r["Uploaded"] for r in rows), reverse=True)
    assert [r["Status"] for r in rows] == ["pending", "done", "failed", "done", "done", "done",
                                           "failed"]
    assert (rows[1]["Shop"], rows[1]["Total"], rows[1]["Items"], rows[1]["Date"]) == \
        ("Biedronka", Decimal("11.57"), 2, d.today)
    assert rows[2]["Error"] == "no receipt text"
    assert "image" not in rows[0] and all(set(r) == set(rows[0]) for r in rows)


def check_currency_variable(rows: list[dict[str, Any]], d: Data) -> None:
    assert [r["currency"] for r in rows] == ["EUR", "PLN"]


def check_product_variable(rows: list[dict[str, Any]], d: Data) -> None:
    names = [r["name"] for r in rows]
    assert names[0] == "Chleb 'Wiejski' 500g"  # most often bought first
    assert sorted(names) == sorted({i["name"] for i in d.items})


CHECKS: dict[str, Callable[[list[dict[str, Any]], Data], None]] = {
    "health.json/Steps today": check_steps_today,
    "health.json/Step goal reached": check_goal,
    "health.json/7-day average": check_avg_today,
    "health.json/Last data": check_last_data,
    "health.json/Steps per day": check_steps_per_day,
    "health.json/Distance": check_distance,
    "health.json/Calories": check_calories,
    "health.json/Active and heart minutes": check_active_minutes,
    "health.json/Sleep": check_sleep,
    "health.json/Weight trend": check_weight,
    "health.json/Heart rate": check_heart_rate,
    "health.json/Heart points": check_heart_points,
    "health.json/Source per day": check_source_per_day,
    "health.json/Sync per provider": check_sync_per_provider,
    "finance.json/Spent today ($currency)": check_spent_today,
    "finance.json/Spent this month ($currency)": check_this_month,
    "finance.json/Last month, same days ($currency)": check_last_month,
    "finance.json/This month vs last month": check_change,
    "finance.json/Spending per day ($currency)": check_per_day,
    "finance.json/Spending per month ($currency)": check_per_month,
    "finance.json/By shop ($currency)": check_by_shop,
    "finance.json/By category ($currency)": check_by_category,
    "finance.json/Top products ($currency)": check_top_products,
    "finance.json/Price history: $product": check_price_history,
    "finance.json/Receipts": check_receipts,
    "finance.json/Latest receipts": check_latest_receipts,
    "finance.json/$currency": check_currency_variable,
    "finance.json/$product": check_product_variable,
}

TARGETS = {f"{t.dashboard}/{t.panel}": t for t in dq.sql_targets()}


def test_every_sql_query_has_a_value_check() -> None:
    assert len(TARGETS) == len(dq.sql_targets())  # one SQL query per panel
    assert set(TARGETS) == set(CHECKS)


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_panel_query_returns_expected_values(key: str, grafana_db: GrafanaDb, data: Data) -> None:
    CHECKS[key](run(grafana_db, TARGETS[key]), data)


def test_time_series_queries_return_a_time_column(grafana_db: GrafanaDb, data: Data) -> None:
    for target in TARGETS.values():
        if target.format == "time_series":
            rows = run(grafana_db, target)
            assert rows and all(isinstance(r["time"], datetime) for r in rows), target.name


def test_reader_session_uses_the_local_time_zone(grafana_db: GrafanaDb) -> None:
    with grafana_db.reader() as conn:
        tz, today, read_only = conn.execute(
            "SELECT current_setting('TimeZone'), current_date,"
            " current_setting('default_transaction_read_only')").fetchone()
    assert (tz, today, read_only) == (TZ, datetime.now(ZONE).date(), "on")


@pytest.mark.parametrize("statement", [
    "SELECT * FROM google_credentials",
    "SELECT * FROM oauth_pending_states",
    "SELECT image FROM receipts",
    "SELECT * FROM receipt_items",
    "SELECT * FROM activity",
    "SELECT * FROM health_sync_state",
    "SELECT * FROM health_provider_switches",
    "SELECT * FROM receipt_jobs",
])
def test_reader_cannot_see_other_tables(grafana_db: GrafanaDb, statement: str) -> None:
    with grafana_db.reader() as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


@pytest.mark.parametrize("statement", [
    "INSERT INTO transactions (id, occurred_on, amount, currency, source)"
    " VALUES (gen_random_uuid(), current_date, 1, 'PLN', 'manual')",
    "UPDATE transactions SET amount = 0",
    "DELETE FROM transactions",
    "CREATE TABLE t_grafana (x int)",
    "CREATE VIEW v_grafana AS SELECT 1",
])
def test_reader_cannot_write(grafana_db: GrafanaDb, data: Data, statement: str) -> None:
    with grafana_db.reader() as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute(statement)
    # Not only the session default: the privileges are missing too.
    with grafana_db.reader() as conn, pytest.raises((psycopg.errors.InsufficientPrivilege,
                                                    psycopg.errors.UndefinedTable)):
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        conn.execute(statement)


def test_reader_grants_are_exactly_the_dashboard_relations(grafana_db: GrafanaDb) -> None:
    with grafana_db.admin() as conn:
        grants = conn.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants"
            " WHERE grantee = %s ORDER BY 1", (grafana_db.role,)).fetchall()
    assert grants == sorted([(rel, "SELECT") for rel in (
        "transactions", "v_activity_daily", "v_category_spending", "v_daily_spending",
        "v_health_sync", "v_item_purchases", "v_receipts")])
    # ...and the dashboards read nothing else.
    used = " ".join(t.text for t in dq.sql_targets())
    for rel, _ in grants:
        assert rel in used


def test_migration_is_idempotent_and_reversible(grafana_db: GrafanaDb, data: Data) -> None:
    with grafana_db.admin() as conn:
        before = conn.execute("SELECT sum(spent) FROM v_daily_spending").fetchone()
    _migrate(grafana_db, "downgrade", "0002_health")
    with grafana_db.admin() as conn:
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                            (grafana_db.role,)).fetchone() is None
        assert conn.execute("SELECT to_regclass('v_daily_spending')").fetchone() == (None,)
    _migrate(grafana_db, "upgrade", "head")
    _migrate(grafana_db, "downgrade", "0002_health")
    _migrate(grafana_db, "upgrade", "head")
    with grafana_db.reader() as conn:
        assert conn.execute("SELECT sum(spent) FROM v_daily_spending").fetchone() == before


# --------------------------------------------------------------- the expander itself
def test_macro_expansion_matches_grafana() -> None:
    start = datetime(2026, 11, 1, 0, 0, tzinfo=ZONE)
    end = datetime(2026, 11, 27, 15, 4, 5, 120000, tzinfo=ZONE)
    expand = dq.expand_sql
    assert expand("$__timeFilter(created_at)", start, end, {}) == \
        "created_at BETWEEN '2026-10-31T23:00:00Z' AND '2026-11-27T14:04:05.12Z'"
    assert expand("$__timeGroupAlias(c,'1d')", start, end, {}) == \
        'floor(extract(epoch from c)/86400)*86400 AS "time"'
    assert expand("SELECT $__timeGroup(c, '5m'), v", start, end, {}) == \
        'SELECT floor(extract(epoch from c)/300)*300 AS "time", v'
    assert expand("GROUP BY $__timeGroup(c,'1h')", start, end, {}) == \
        "GROUP BY floor(extract(epoch from c)/3600)*3600"
    assert expand("$__time(t), $__timeEpoch(t)", start, end, {}) == \
        't AS "time", extract(epoch from t) as "time"'
    assert expand("$__unixEpochFilter(e) $__unixEpochFrom() $__unixEpochTo()", start, end,
                  {}) == "e >= 1793487600 AND e <= 1795788245 1793487600 1795788245"
    assert expand("$__timeFrom() $__timeTo() $__interval $__interval_ms", start, end, {},
                  timedelta(hours=2)) == \
        "'2026-10-31T23:00:00Z' '2026-11-27T14:04:05.12Z' 2h 7200000"
    assert expand("name = '$product' AND n = $n AND c IN ($cats)", start, end,
                  {"product": "Chleb 'Wiejski'", "n": 3, "cats": ["a", "b'c"]}) == \
        "name = 'Chleb ''Wiejski''' AND n = 3 AND c IN ('a','b''c')"
    with pytest.raises(dq.MacroError):
        expand("$__nope(x)", start, end, {})
    with pytest.raises(KeyError):
        expand("$undefined", start, end, {})
