"""CSV export through the real gateway of the native stack: token, streamed body (no length, no
proxy buffering header leaking out), every row of a large table, 422 JSON for bad dates."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
import psycopg
import pytest

pytestmark = pytest.mark.slow

DAYS = 3000


def test_export_through_the_gateway(native_stack) -> None:
    with httpx.Client(base_url=native_stack.gateway_url, headers=native_stack.auth_headers,
                      timeout=60) as client:
        shop = f"Sklep \"Pod Lipą\", {uuid.uuid4().hex[:8]}"
        created = client.post("/api/v1/transactions", json={
            "occurred_on": "2026-11-03", "amount": "42.10", "shop": shop, "category": "other",
        })
        assert created.status_code == 201, created.text
        with psycopg.connect(native_stack.database_url.replace("+psycopg", "")) as conn:
            conn.execute("DELETE FROM activity WHERE date >= '2000-01-01' AND date < '2010-01-01'")
            conn.execute(
                "INSERT INTO activity (date, steps, weight_kg) SELECT DATE '2000-01-01' + n, n, "
                "70.25 FROM generate_series(0, %s) n", (DAYS - 1,),
            )

        exported = client.get("/api/v1/export/transactions.csv",
                              params={"from": "2026-11-03", "to": "2026-11-03"})
        assert exported.status_code == 200, exported.text
        assert exported.headers["content-type"].startswith("text/csv; charset=utf-8")
        assert "x-accel-buffering" not in exported.headers  # nginx consumes it
        assert exported.headers.get("X-Content-Type-Options") == "nosniff"
        rows = list(csv.DictReader(io.StringIO(exported.text, newline="")))
        mine = [row for row in rows if row["id"] == created.json()["id"]]
        assert len(mine) == 1 and mine[0]["shop"] == shop and mine[0]["amount"] == "42.10"

        with client.stream("GET", "/api/v1/export/activity.csv",
                           params={"from": "2000-01-01", "to": "2009-12-31"}) as response:
            assert response.status_code == 200
            assert "content-length" not in response.headers  # streamed, chunk by chunk
            body = b"".join(response.iter_bytes())
        activity = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
        assert len(activity) == DAYS
        assert activity[0]["date"] == "2000-01-01" and activity[-1]["steps"] == str(DAYS - 1)
        assert {row["weight_kg"] for row in activity} == {"70.25"}

        bad = client.get("/api/v1/export/items.csv", params={"from": "2026-02-30"})
        assert bad.status_code == 422 and bad.json()["detail"]
        assert httpx.get(f"{native_stack.gateway_url}/api/v1/export/items.csv",
                         timeout=10).status_code == 401
