"""What the core cannot book from an OCR result is never booked silently: without a total the
receipt is not booked at all (not at the sum of its items) and waits for a person's total;
without a date it is booked on the upload day, and says so. Either keeps it in review."""

from __future__ import annotations

from app.core.db import session_scope
from app.services.categorize import Categorizer
from app.services.ocr_result import parse_ocr_result
from app.services.receipt_store import store_parsed


def test_a_receipt_without_a_total_is_not_booked_at_the_item_sum(
    api, parsed_receipt, receipt_json, receipts_under_review
) -> None:
    receipt_id = parsed_receipt(total=None, amount_due=None)  # items add up to 28.43
    body = receipt_json(receipt_id)
    assert body["status"] == "done" and body["transaction_id"] is None
    assert len(body["items"]) == 3  # what was read is kept
    assert body["needs_review"] is True
    assert any("no total" in p for p in body["booking_problems"]), body["booking_problems"]
    assert receipt_id in receipts_under_review()
    assert api.get("/api/v1/transactions").json()["items"] == []

    # the person's total books it, on the printed date
    response = api.patch(f"/api/v1/receipts/{receipt_id}", json={"total": "28.43"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["transaction_id"] is not None and body["booking_problems"] == []
    assert body["needs_review"] is False and receipt_id not in receipts_under_review()
    transaction = api.get(f"/api/v1/transactions/{body['transaction_id']}").json()
    assert (transaction["amount"], transaction["occurred_on"], transaction["source"]) == (
        "28.43",
        "2026-11-20",
        "receipt",
    )
    assert transaction["category"] is not None  # from the stored items


def test_a_correction_without_the_total_leaves_it_unbooked_and_in_review(
    api,
    parsed_receipt,
    receipts_under_review,
) -> None:
    receipt_id = parsed_receipt(total=None, amount_due=None)
    body = api.patch(f"/api/v1/receipts/{receipt_id}", json={"shop": "Biedronka"}).json()
    assert body["transaction_id"] is None and body["needs_review"] is True
    assert receipt_id in receipts_under_review()


def test_a_receipt_without_a_date_says_it_is_booked_on_the_upload_day(
    api, parsed_receipt, receipt_json, receipts_under_review
) -> None:
    receipt_id = parsed_receipt(date=None, time=None)
    body = receipt_json(receipt_id)
    assert body["transaction_id"] is not None  # booked, as the README documents
    assert any("no date" in p and "uploaded" in p for p in body["booking_problems"])
    assert body["needs_review"] is True and receipt_id in receipts_under_review()
    body = api.patch(f"/api/v1/receipts/{receipt_id}", json={"date": "2026-11-19"}).json()
    assert body["booking_problems"] == [] and body["needs_review"] is False
    transaction = api.get(f"/api/v1/transactions/{body['transaction_id']}").json()
    assert transaction["occurred_on"] == "2026-11-19"


def test_a_clean_receipt_has_no_booking_problems(
    api, parsed_receipt, receipt_json, receipts_under_review
) -> None:
    receipt_id = parsed_receipt()
    body = receipt_json(receipt_id)
    assert body["booking_problems"] == [] and body["needs_review"] is False
    assert receipt_id not in receipts_under_review()


def test_a_rerun_that_reads_no_total_takes_the_booking_back(
    api,
    clean_db,
    parsed_receipt,
    ocr_result,
    receipt_json,
) -> None:
    receipt_id = parsed_receipt()
    booked = receipt_json(receipt_id)["transaction_id"]
    again = {**ocr_result, "total": "30.00", "amount_due": None}
    with session_scope(clean_db) as session:
        categorizer = Categorizer.from_db(session)
        rerun = store_parsed(
            session,
            receipt_id,
            parse_ocr_result(again, "Europe/Warsaw"),
            again,
            categorizer,
            "Europe/Warsaw",
        )
        assert rerun is not None and str(rerun.id) == booked  # the same row, updated
    assert api.get(f"/api/v1/transactions/{booked}").json()["amount"] == "30.00"
    unread = {**ocr_result, "total": None, "amount_due": None}
    with session_scope(clean_db) as session:
        assert (
            store_parsed(
                session,
                receipt_id,
                parse_ocr_result(unread, "Europe/Warsaw"),
                unread,
                Categorizer.from_db(session),
                "Europe/Warsaw",
            )
            is None
        )
    assert receipt_json(receipt_id)["transaction_id"] is None
    assert api.get(f"/api/v1/transactions/{booked}").status_code == 404


def test_the_grafana_view_flags_what_the_api_flags(
    api, clean_db, parsed_receipt, receipt_json
) -> None:
    """v_receipts.needs_review (the Finance dashboard's review panel) follows the API's rule:
    booking problems count, and a correction settles the parser's doubts."""
    from sqlalchemy import text

    ids = {
        "no total": parsed_receipt(total=None, amount_due=None),
        "no date": parsed_receipt(date=None, time=None, total="11.00"),
        "clean": parsed_receipt(warnings=[], checks={}, date="2026-11-21"),
        "doubted": parsed_receipt(warnings=["sum of items differs"], date="2026-11-22"),
        "corrected": parsed_receipt(warnings=["sum of items differs"], date="2026-11-23"),
        "duplicate": parsed_receipt(warnings=[], checks={}, date="2026-11-21"),
    }
    fixed = api.patch(f"/api/v1/receipts/{ids['corrected']}", json={"shop": "Lidl"})
    assert fixed.status_code == 200, fixed.text
    from_api = {name: receipt_json(rid)["needs_review"] for name, rid in ids.items()}
    assert from_api == {"no total": True, "no date": True, "clean": False, "doubted": True,
                        "corrected": False, "duplicate": True}
    with clean_db() as session:
        rows = dict(session.execute(text("SELECT id::text, needs_review FROM v_receipts")).all())
    assert {name: rows[rid] for name, rid in ids.items()} == from_api
