"""Finance API: transactions (filters, pagination, manual CRUD), item corrections, summary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest


def manual(api, **fields) -> dict:
    body = {"occurred_on": "2026-11-21", "amount": "120.00", "shop": "Orlen",
            "category": "fuel", **fields}
    response = api.post("/api/v1/transactions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_manual_transaction_crud(api) -> None:
    created = manual(api, description="Tankowanie")
    assert created["source"] == "manual" and created["amount"] == "120.00"
    assert created["currency"] == "PLN" and created["receipt_id"] is None
    tid = created["id"]
    assert api.get(f"/api/v1/transactions/{tid}").json() == created

    patched = api.patch(f"/api/v1/transactions/{tid}", json={"amount": "119.5", "shop": None})
    assert patched.status_code == 200
    assert patched.json()["amount"] == "119.50" and patched.json()["shop"] is None
    assert patched.json()["description"] == "Tankowanie"  # untouched

    assert api.delete(f"/api/v1/transactions/{tid}").status_code == 204
    assert api.get(f"/api/v1/transactions/{tid}").status_code == 404
    assert api.delete(f"/api/v1/transactions/{tid}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "1.00"},  # no date
        {"occurred_on": "2026-11-31", "amount": "1.00"},
        {"occurred_on": "2026-11-21", "amount": "1.005"},  # more than 2 decimals
        {"occurred_on": "2026-11-21", "amount": "12345678901.00"},  # over NUMERIC(12,2)
        {"occurred_on": "2026-11-21", "amount": "abc"},
        {"occurred_on": "2026-11-21", "amount": "1.00", "currency": "złoty"},
        {"occurred_on": "2026-11-21", "amount": "1.00", "source": "receipt"},  # not settable
        {"occurred_on": "2026-11-21", "amount": "1.00", "category": "Robert'); DROP TABLE x;--"},
    ],
)
def test_invalid_transactions_are_422(api, body: dict) -> None:
    response = api.post("/api/v1/transactions", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_patch_cannot_null_required_fields(api) -> None:
    tid = manual(api)["id"]
    response = api.patch(f"/api/v1/transactions/{tid}", json={"amount": None})
    assert response.status_code == 422


def test_receipt_transactions_are_read_only(api, parsed_receipt) -> None:
    parsed_receipt()
    listed = api.get("/api/v1/transactions", params={"source": "receipt"}).json()
    tid = listed["items"][0]["id"]
    assert api.patch(f"/api/v1/transactions/{tid}", json={"amount": "1.00"}).status_code == 409
    assert api.delete(f"/api/v1/transactions/{tid}").status_code == 409


def test_filters_and_pagination(api, parsed_receipt) -> None:
    parsed_receipt()  # BIEDRONKA 2026-11-20, 28.43
    parsed_receipt(shop="Lidl sp. z o.o.", date="2026-10-05", total="10.00", amount_due=None)
    manual(api, occurred_on="2026-11-02", amount="50.00", shop="Orlen 100%", category="fuel")
    manual(api, occurred_on="2026-09-30", amount="7.00", shop=None, category=None)

    def ids_for(**params) -> list[str]:
        body = api.get("/api/v1/transactions", params=params).json()
        return [(t["occurred_on"], t["amount"]) for t in body["items"]]

    assert ids_for() == [("2026-11-20", "28.43"), ("2026-11-02", "50.00"),
                         ("2026-10-05", "10.00"), ("2026-09-30", "7.00")]
    assert ids_for(date_from="2026-10-01", date_to="2026-11-02") == [
        ("2026-11-02", "50.00"), ("2026-10-05", "10.00")]
    assert ids_for(shop="lidl") == [("2026-10-05", "10.00")]
    assert ids_for(shop="100%") == [("2026-11-02", "50.00")]  # % is literal, not a wildcard
    assert ids_for(shop="_") == []  # _ is literal too
    assert ids_for(category="fuel") == [("2026-11-02", "50.00")]
    assert ids_for(source="manual") == [("2026-11-02", "50.00"), ("2026-09-30", "7.00")]
    assert ids_for(shop="' OR 1=1 --") == []

    page = api.get("/api/v1/transactions", params={"limit": 3, "offset": 1}).json()
    assert page["total"] == 4 and page["limit"] == 3 and page["offset"] == 1
    assert [t["amount"] for t in page["items"]] == ["50.00", "10.00", "7.00"]

    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"source": "cash"},
                {"date_from": "yesterday"}, {"date_from": "2026-11-02", "date_to": "2026-11-01"}):
        assert api.get("/api/v1/transactions", params=bad).status_code == 422, bad


def test_correcting_an_item(api, parsed_receipt) -> None:
    receipt_id = parsed_receipt()
    item = api.get(f"/api/v1/receipts/{receipt_id}").json()["items"][2]  # the beer
    url = f"/api/v1/receipts/{receipt_id}/items/{item['id']}"
    response = api.patch(url, json={"name": "Sok jabłkowy 4x", "category": "drinks",
                                    "vat": "c", "price": "15.96"})
    assert response.status_code == 200
    assert item["corrected_at"] is None and response.json()["corrected_at"] is not None
    assert response.json() == {**item, "name": "Sok jabłkowy 4x", "category": "drinks",
                               "vat": "C", "price": "15.96",
                               "corrected_at": response.json()["corrected_at"]}
    detail = api.get(f"/api/v1/receipts/{receipt_id}").json()
    assert detail["items"][2]["category"] == "drinks"
    transaction = api.get(f"/api/v1/transactions/{detail['transaction_id']}").json()
    assert transaction["category"] == "drinks"  # recomputed: drinks now hold the most money

    assert api.patch(url, json={"category": None}).status_code == 422
    assert api.patch(url, json={"price": "-"}).status_code == 422
    assert api.patch(url, json={"unknown": 1}).status_code == 422
    assert api.patch(f"/api/v1/receipts/{uuid.uuid4()}/items/{item['id']}",
                     json={"name": "x"}).status_code == 404
    assert api.patch(f"/api/v1/receipts/{receipt_id}/items/999999999",
                     json={"name": "x"}).status_code == 404


def test_retry_unknown_receipt_is_404(api) -> None:
    assert api.post(f"/api/v1/receipts/{uuid.uuid4()}/retry").status_code == 404


def test_monthly_summary(api, parsed_receipt) -> None:
    parsed_receipt()  # 2026-11: items 6.98 dairy + 5.49 bread + 15.96 alcohol = 28.43
    parsed_receipt(date="2026-11-25", total="20.00", amount_due="20.50",
                   items=[{"name": "Mleko", "price": "20.00"}])  # 0.50 deposit not itemized
    manual(api, occurred_on="2026-11-02", amount="50.00", category="fuel")
    manual(api, occurred_on="2026-10-31", amount="7.00", category=None)

    body = api.get("/api/v1/summary/monthly").json()
    october, november = body["months"]
    assert october == {"month": "2026-10", "currency": "PLN", "total": "7.00", "count": 1,
                       "receipts_total": "0.00", "manual_total": "7.00",
                       "by_category": {"other": "7.00"}}
    assert november["total"] == "98.93" and november["count"] == 3
    assert november["receipts_total"] == "48.93" and november["manual_total"] == "50.00"
    assert november["by_category"] == {"alcohol": "15.96", "bread": "5.49", "dairy": "26.98",
                                       "fuel": "50.00", "unitemized": "0.50"}
    assert sum(Decimal(v) for v in november["by_category"].values()) == Decimal("98.93")

    only_nov = api.get("/api/v1/summary/monthly", params={"from": "2026-11", "to": "2026-11"})
    assert [m["month"] for m in only_nov.json()["months"]] == ["2026-11"]
    assert api.get("/api/v1/summary/monthly", params={"from": "2026-13"}).status_code == 422
    assert api.get("/api/v1/summary/monthly", params={"from": "0000-01"}).status_code == 422
    assert api.get("/api/v1/summary/monthly", params={"to": "9999-12"}).status_code == 200
    assert api.get("/api/v1/summary/monthly",
                   params={"from": "2026-12", "to": "2026-01"}).status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("post", "/api/v1/transactions",
         {"json": {"occurred_on": "2026-11-21", "amount": "1.00", "shop": "a\u0000b"}}),
        ("get", "/api/v1/transactions", {"params": {"shop": "a\u0000b"}}),
        ("get", "/api/v1/transactions", {"params": {"category": "\u0000"}}),
        ("get", "/api/v1/transactions", {"params": {"date_from": "10000-01-01"}}),
        ("patch", f"/api/v1/receipts/{uuid.uuid4()}/items/292941870582321", {"json": {}}),
    ],
)
def test_values_the_database_refuses_are_422(api, method: str, path: str, kwargs: dict) -> None:
    response = getattr(api, method)(path, **kwargs)
    assert response.status_code == 422, response.text


def test_lone_surrogates_in_text_are_422(api, parsed_receipt) -> None:
    receipt_id = parsed_receipt()
    item_id = api.get(f"/api/v1/receipts/{receipt_id}").json()["items"][0]["id"]
    surrogate = '"a\\ud800b"'  # JSON text with an escaped lone surrogate
    requests = [
        ("post", "/api/v1/transactions",
         '{"occurred_on": "2026-11-21", "amount": "1.00", "shop": TEXT}'),
        ("post", "/api/v1/transactions",
         '{"occurred_on": "2026-11-21", "amount": "1.00", "description": TEXT}'),
        ("patch", f"/api/v1/receipts/{receipt_id}/items/{item_id}", '{"name": TEXT}'),
        ("patch", f"/api/v1/receipts/{receipt_id}", '{"shop": TEXT}'),
    ]
    for method, path, body in requests:
        response = getattr(api, method)(
            path, content=body.replace("TEXT", surrogate).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422, (path, body, response.text)
        assert "surrogate" in response.text


def test_receipt_without_date_is_booked_on_the_local_upload_day(api, parsed_receipt) -> None:
    parsed_receipt(date=None, time=None)
    transaction = api.get("/api/v1/transactions").json()["items"][0]
    booked = datetime.fromisoformat(transaction["occurred_at"])
    local_day = booked.astimezone(ZoneInfo("Europe/Warsaw")).date()
    assert transaction["occurred_on"] == local_day.isoformat()
    parsed_receipt(time=None)  # a date without a time: no invented time of day
    dated = api.get("/api/v1/transactions", params={"date_to": "2026-11-20"}).json()["items"][0]
    assert (dated["occurred_on"], dated["occurred_at"]) == ("2026-11-20", None)


def test_correcting_a_receipt_moves_its_transaction(api, parsed_receipt) -> None:
    receipt_id = parsed_receipt()  # BIEDRONKA 2026-11-20 17:01, 28.43
    url = f"/api/v1/receipts/{receipt_id}"
    response = api.patch(url, json={"shop": "Biedronka", "date": "2026-11-19",
                                    "total": "30.00", "amount_due": "30.50"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["shop"], body["date"], body["total"], body["amount_due"]) == (
        "Biedronka", "2026-11-19", "30.00", "30.50")
    purchased_at = datetime.fromisoformat(body["purchased_at"])  # time of day kept
    assert purchased_at == datetime(2026, 11, 19, 16, 1, tzinfo=UTC)
    transaction = api.get(f"/api/v1/transactions/{body['transaction_id']}").json()
    assert (transaction["shop"], transaction["occurred_on"], transaction["amount"]) == (
        "Biedronka", "2026-11-19", "30.50")
    assert api.patch(url, json={"date": None}).status_code == 422
    assert api.patch(url, json={"total": "1.234"}).status_code == 422
    assert api.patch(f"/api/v1/receipts/{uuid.uuid4()}", json={}).status_code == 404


def test_only_done_receipts_can_be_corrected(api, make_receipt_image) -> None:
    pending = api.post("/api/v1/receipts",
                       files={"file": ("r.jpg", make_receipt_image(), "image/jpeg")}).json()
    response = api.patch(f"/api/v1/receipts/{pending['id']}", json={"shop": "X"})
    assert response.status_code == 409


def test_deleting_a_receipt_removes_everything_of_it(api, parsed_receipt) -> None:
    receipt_id = parsed_receipt()
    transaction_id = api.get(f"/api/v1/receipts/{receipt_id}").json()["transaction_id"]
    assert api.delete(f"/api/v1/receipts/{receipt_id}").status_code == 204
    assert api.get(f"/api/v1/receipts/{receipt_id}").status_code == 404
    assert api.get(f"/api/v1/receipts/{receipt_id}/image").status_code == 404
    assert api.get(f"/api/v1/transactions/{transaction_id}").status_code == 404
    assert api.delete(f"/api/v1/receipts/{receipt_id}").status_code == 404


def test_time_without_offset_is_local(api) -> None:
    created = manual(api, occurred_at="2026-07-01T12:00:00")
    moment = datetime.fromisoformat(created["occurred_at"])
    assert moment == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # 12:00 in Warsaw (CEST)
    patched = api.patch(f"/api/v1/transactions/{created['id']}",
                        json={"occurred_at": "2026-01-01T12:00:00+00:00"}).json()
    assert datetime.fromisoformat(patched["occurred_at"]) == datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_parser_doubts_are_shown_and_filterable(api, parsed_receipt, clean_db) -> None:
    from sqlalchemy import text

    doubted = parsed_receipt(
        warnings=["sum of items 28.43 differs from total 30.00", 7],
        checks={"items_sum_matches_total": False, "lines_consistent": True, "nip_valid": None,
                "bogus": "yes"},
        confidence=0.61,
    )
    # one day each: four purchases, none held as a possible duplicate of another
    failed_check = parsed_receipt(checks={"payment_matches": False}, warnings=[],
                                  date="2026-11-21")
    clean = parsed_receipt(checks={"items_sum_matches_total": True}, warnings=[], confidence=0.95,
                           date="2026-11-22")
    bare = parsed_receipt(checks={}, confidence=None,  # as a stored result without them
                          date="2026-11-23")

    body = api.get(f"/api/v1/receipts/{doubted}").json()
    assert body["warnings"] == ["sum of items 28.43 differs from total 30.00"]
    assert body["checks"] == {"items_sum_matches_total": False, "lines_consistent": True,
                              "nip_valid": None}
    assert body["confidence"] == 0.61 and body["needs_review"] is True
    assert api.get(f"/api/v1/receipts/{failed_check}").json()["needs_review"] is True
    body = api.get(f"/api/v1/receipts/{clean}").json()
    assert (body["warnings"], body["confidence"], body["needs_review"]) == ([], 0.95, False)
    body = api.get(f"/api/v1/receipts/{bare}").json()
    assert (body["warnings"], body["checks"], body["confidence"]) == ([], {}, None)

    listed = api.get("/api/v1/receipts", params={"needs_review": "true"}).json()
    assert {r["id"] for r in listed["items"]} == {doubted, failed_check}
    assert listed["total"] == 2 and all(r["needs_review"] for r in listed["items"])
    others = api.get("/api/v1/receipts", params={"needs_review": "false"}).json()
    assert {r["id"] for r in others["items"]} == {clean, bare}
    assert api.get("/api/v1/receipts", params={"needs_review": "maybe"}).status_code == 422
    with clean_db() as session:  # the Finance dashboard's view follows the same rule
        rows = session.execute(text("SELECT id::text, needs_review FROM v_receipts")).all()
    assert {rid: flag for rid, flag in rows} == {
        doubted: True, failed_check: True, clean: False, bare: False}

    schema = api.get("/openapi.json").json()["components"]["schemas"]["ReceiptOut"]
    assert {"warnings", "checks", "confidence", "needs_review"} <= set(schema["properties"])
    assert schema["examples"][0]["checks"]["items_sum_matches_total"] is False


def test_discounts_count_in_the_summary_and_the_main_category(api, parsed_receipt) -> None:
    receipt_id = parsed_receipt(
        date="2026-09-10", total="12.00", amount_due="12.00",
        items=[{"name": "Mleko", "price": "10.00", "discount": "3.00"},
               {"name": "Chleb", "price": "5.00", "discount": None}],
    )  # dairy 7.00 + bread 5.00 = 12.00: fully itemized
    september = api.get("/api/v1/summary/monthly", params={"to": "2026-09"}).json()["months"][0]
    assert september["by_category"] == {"bread": "5.00", "dairy": "7.00"}
    assert september["total"] == "12.00"

    transaction_id = api.get(f"/api/v1/receipts/{receipt_id}").json()["transaction_id"]
    item = api.get(f"/api/v1/receipts/{receipt_id}").json()["items"][0]
    api.patch(f"/api/v1/receipts/{receipt_id}/items/{item['id']}", json={"discount": "6.00"})
    # dairy 4.00 now costs less than bread 5.00, although its price (10.00) is higher
    assert api.get(f"/api/v1/transactions/{transaction_id}").json()["category"] == "bread"


def test_failed_receipt_is_entered_by_hand(api, clean_db, make_receipt_image) -> None:
    from app.core.db import session_scope
    from app.services import job_queue

    image = make_receipt_image()
    uploaded = api.post("/api/v1/receipts", files={"file": ("r.jpg", image, "image/jpeg")})
    receipt_id = uploaded.json()["id"]
    with session_scope(clean_db) as session:
        job = job_queue.claim(session, "test", 30)
        assert job is not None and str(job.receipt_id) == receipt_id
        assert job_queue.mark_failed(session, job, "no text found", "permanent")
    url = f"/api/v1/receipts/{receipt_id}"
    missing = api.patch(url, json={"shop": "Kiosk", "date": "2026-11-18"})
    assert missing.status_code == 422 and "total" in missing.json()["detail"]

    response = api.patch(url, json={"shop": "Kiosk", "date": "2026-11-18", "total": "12.50"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["shop"], body["date"], body["total"], body["error"]) == (
        "done", "Kiosk", "2026-11-18", "12.50", None)
    assert body["entered_manually"] is True and body["items"] == []
    transaction = api.get(f"/api/v1/transactions/{body['transaction_id']}").json()
    assert (transaction["occurred_on"], transaction["amount"], transaction["shop"],
            transaction["source"]) == ("2026-11-18", "12.50", "Kiosk", "receipt")
    assert "by hand" in transaction["description"]
    assert api.post(f"{url}/retry").status_code == 409  # settled: no OCR overwrites it
    with session_scope(clean_db) as session:
        assert job_queue.claim(session, "test", 30) is None
    again = api.patch(url, json={"total": "12.00"})  # now an ordinary correction
    assert again.status_code == 200 and again.json()["total"] == "12.00"


def test_implausible_values_are_422_with_a_message(api, parsed_receipt) -> None:
    receipt_id = parsed_receipt()
    item = api.get(f"/api/v1/receipts/{receipt_id}").json()["items"][0]  # price 6.98
    item_url = f"/api/v1/receipts/{receipt_id}/items/{item['id']}"
    for body in ({"price": "-1.00"}, {"unit_price": "-0.01"}, {"discount": "-2.00"},
                 {"discount": "7.00"}, {"price": "1.00", "discount": "1.50"},
                 {"category": "spaceships"}):
        response = api.patch(item_url, json=body)
        assert response.status_code == 422, (body, response.text)
    assert "spaceships" in str(api.patch(item_url, json={"category": "spaceships"}).json())
    assert api.patch(item_url, json={"discount": "6.98"}).status_code == 200  # free item

    receipt_url = f"/api/v1/receipts/{receipt_id}"
    for body in ({"total": "-5.00"}, {"amount_due": "-0.01"}, {"date": "1999-12-31"},
                 {"date": "2999-01-01"}):
        assert api.patch(receipt_url, json=body).status_code == 422, body
    assert api.patch(receipt_url, json={"date": "2000-01-01"}).status_code == 200

    base = {"occurred_on": "2026-11-21", "amount": "10.00"}
    for body in ({**base, "occurred_on": "1999-12-31"}, {**base, "occurred_on": "2999-01-01"},
                 {**base, "occurred_at": "1990-01-01T10:00:00+01:00"},
                 {**base, "category": "spaceships"}):
        response = api.post("/api/v1/transactions", json=body)
        assert response.status_code == 422, (body, response.text)
    created = manual(api, category="restaurants")
    patch = api.patch(f"/api/v1/transactions/{created['id']}", json={"category": "spaceships"})
    assert patch.status_code == 422


def test_receipt_that_failed_on_a_reprocess_is_entered_by_hand_on_its_transaction(
    api, clean_db, parsed_receipt
) -> None:
    from app.core.db import session_scope
    from app.services import job_queue

    receipt_id = parsed_receipt()
    transaction_id = api.get(f"/api/v1/receipts/{receipt_id}").json()["transaction_id"]
    with session_scope(clean_db) as session:
        assert job_queue.requeue(session, uuid.UUID(receipt_id), 3, force=True)
    with session_scope(clean_db) as session:
        job = job_queue.claim(session, "test", 30)
        assert job is not None and job_queue.mark_failed(session, job, "unreadable", "permanent")
    response = api.patch(f"/api/v1/receipts/{receipt_id}",
                         json={"date": "2026-11-19", "total": "30.00"})
    assert response.status_code == 200, response.text
    assert response.json()["transaction_id"] == transaction_id
    transaction = api.get(f"/api/v1/transactions/{transaction_id}").json()
    assert (transaction["occurred_on"], transaction["amount"]) == ("2026-11-19", "30.00")


def test_a_correction_settles_the_review(api, parsed_receipt) -> None:
    """A receipt the parser doubted stops asking for review once a person corrects it."""
    receipt_id = parsed_receipt(total=None, warnings=["no total found"])
    url = f"/api/v1/receipts/{receipt_id}"
    assert api.get(url).json()["needs_review"] is True
    listed = api.get("/api/v1/receipts", params={"needs_review": "true"}).json()["items"]
    assert [r["id"] for r in listed] == [receipt_id]
    assert api.patch(url, json={"total": "129.30"}).status_code == 200
    body = api.get(url).json()
    assert body["needs_review"] is False
    assert body["warnings"] == ["no total found"]  # what the parser doubted stays visible
    assert api.get("/api/v1/receipts", params={"needs_review": "true"}).json()["items"] == []
    listed = api.get("/api/v1/receipts", params={"needs_review": "false"}).json()["items"]
    assert [r["id"] for r in listed] == [receipt_id]
