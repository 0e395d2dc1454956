"""Two files of one purchase (a photo and a PDF) have different bytes, so the upload cannot
tell them apart: a receipt read with the same shop, date and total as a booked one is held,
not booked, with a booking problem naming the other receipt, until a person's correction
confirms it."""

from __future__ import annotations

from app.core.db import session_scope
from app.services.categorize import Categorizer
from app.services.ocr_result import parse_ocr_result
from app.services.receipt_store import store_parsed


def _transactions(api) -> list[dict]:
    return api.get("/api/v1/transactions").json()["items"]


def test_the_same_purchase_read_twice_is_held_until_a_person_confirms(
    api, parsed_receipt, receipt_json, receipts_under_review
) -> None:
    first = parsed_receipt()
    second = parsed_receipt(shop="Biedronka")  # another file of it; shop case aside

    body = receipt_json(second)
    assert body["status"] == "done" and body["transaction_id"] is None
    assert body["possible_duplicate_of"] == first
    assert any(
        p.startswith(f"possible duplicate of receipt {first}") for p in body["booking_problems"]
    ), body["booking_problems"]
    assert body["needs_review"] is True and second in receipts_under_review()
    assert receipt_json(first)["possible_duplicate_of"] is None
    assert first not in receipts_under_review()
    assert [t["receipt_id"] for t in _transactions(api)] == [first]

    # the person's correction (even one that changes nothing) says: a purchase of its own
    response = api.patch(f"/api/v1/receipts/{second}", json={})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["transaction_id"] is not None
    assert body["booking_problems"] == [] and body["possible_duplicate_of"] is None
    assert body["needs_review"] is False and second not in receipts_under_review()
    assert sorted(t["receipt_id"] for t in _transactions(api)) == sorted([first, second])


def test_deleting_the_held_copy_leaves_one_booking(api, parsed_receipt) -> None:
    first = parsed_receipt()
    second = parsed_receipt()
    assert api.delete(f"/api/v1/receipts/{second}").status_code == 204
    assert [t["receipt_id"] for t in _transactions(api)] == [first]


def test_another_total_date_or_shop_is_another_purchase(api, parsed_receipt, receipt_json) -> None:
    ids = [
        parsed_receipt(),
        parsed_receipt(total="10.00", amount_due="10.00"),
        parsed_receipt(date="2026-11-21"),
        parsed_receipt(shop="LIDL"),
    ]
    for receipt_id in ids:
        body = receipt_json(receipt_id)
        assert body["possible_duplicate_of"] is None and body["transaction_id"] is not None
    assert len(_transactions(api)) == 4


def test_without_shop_or_date_nothing_is_called_a_duplicate(
    api, parsed_receipt, receipt_json
) -> None:
    parsed_receipt(shop=None)
    second = parsed_receipt(shop=None)
    assert receipt_json(second)["possible_duplicate_of"] is None
    assert len(_transactions(api)) == 2


def test_processing_a_receipt_again_does_not_find_itself(
    api,
    parsed_receipt,
    clean_db,
    ocr_result,
    receipt_json,
) -> None:
    receipt_id = parsed_receipt()
    with session_scope(clean_db) as session:
        store_parsed(
            session,
            receipt_id,
            parse_ocr_result(ocr_result, "Europe/Warsaw"),
            ocr_result,
            Categorizer.from_db(session),
            "Europe/Warsaw",
        )
    body = receipt_json(receipt_id)
    assert body["possible_duplicate_of"] is None and body["transaction_id"] is not None
