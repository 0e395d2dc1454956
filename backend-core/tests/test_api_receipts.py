"""Receipt upload, status and image routes; bearer auth; content checks on uploads."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from PIL import Image


def upload(api, data: bytes, name: str = "receipt.jpg", content_type: str = "image/jpeg"):
    return api.post("/api/v1/receipts", files={"file": (name, data, content_type)})


def test_healthz_reports_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dXNlcjpwYXNz"},
     {"Authorization": "Bearer "}],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/receipts"),
        ("post", "/api/v1/receipts"),
        ("get", f"/api/v1/receipts/{uuid.uuid4()}"),
        ("get", f"/api/v1/receipts/{uuid.uuid4()}/image"),
        ("post", f"/api/v1/receipts/{uuid.uuid4()}/retry"),
        ("get", "/api/v1/transactions"),
        ("post", "/api/v1/transactions"),
        ("get", "/api/v1/summary/monthly"),
    ],
)
def test_personal_data_routes_need_the_token(client, headers, method, path) -> None:
    response = getattr(client, method)(path, headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_upload_answers_202_and_stores_image_and_job(api, make_receipt_image) -> None:
    data = make_receipt_image()
    response = upload(api, data, name="../../etc/passwd.jpg")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending" and body["duplicate"] is False
    detail = api.get(f"/api/v1/receipts/{body['id']}").json()
    assert detail["status"] == "pending"
    assert detail["items"] == [] and detail["attempts"] == 0
    assert detail["filename"] == "passwd.jpg"  # a label only, path parts dropped
    image = api.get(detail["image_url"])
    assert image.status_code == 200
    assert image.content == data
    assert image.headers["content-type"] == "image/jpeg"


def test_same_bytes_give_the_same_receipt(api, make_receipt_image, clean_db) -> None:
    from sqlalchemy import func, select

    from app.models import Receipt, ReceiptJob

    data = make_receipt_image()
    first = upload(api, data).json()
    second = upload(api, data, name="other-name.png", content_type="image/png").json()
    assert second == {"id": first["id"], "status": "pending", "duplicate": True}
    with clean_db() as session:
        assert session.scalar(select(func.count()).select_from(Receipt)) == 1
        assert session.scalar(select(func.count()).select_from(ReceiptJob)) == 1


def test_content_type_comes_from_the_bytes(api, make_receipt_image) -> None:
    png = make_receipt_image(fmt="PNG")
    body = upload(api, png, name="photo.jpg", content_type="image/jpeg").json()
    assert api.get(f"/api/v1/receipts/{body['id']}").json()["content_type"] == "image/png"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"", 400),
        (b"just some text, named .jpg", 415),
        (b"<html><script>alert(1)</script></html>", 415),
        (b"%PDF-1.7 not really a PDF", 400),  # a PDF is accepted; a broken one is not
    ],
)
def test_non_images_are_rejected(api, data: bytes, status: int) -> None:
    response = upload(api, data)
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)


def test_truncated_jpeg_is_rejected(api, make_receipt_image) -> None:
    data = make_receipt_image(size=(400, 600))
    response = upload(api, data[: len(data) // 2])
    assert response.status_code == 400
    assert "truncated" in response.json()["detail"] or "damaged" in response.json()["detail"]


def test_pixel_bomb_is_rejected(api) -> None:
    buffer = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buffer, format="PNG")  # 25 Mpx, a few KB on disk
    response = upload(api, buffer.getvalue(), name="bomb.png", content_type="image/png")
    assert response.status_code == 413
    assert "pixels" in response.json()["detail"]


def test_file_over_the_size_limit_is_rejected(api) -> None:
    response = upload(api, b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024 + 10))
    assert response.status_code == 413


def test_missing_file_field_is_422(api) -> None:
    response = api.post("/api/v1/receipts", data={"other": "x"})
    assert response.status_code == 422


@pytest.mark.parametrize("suffix", ["", "/image"])
def test_unknown_receipt_is_404(api, suffix: str) -> None:
    response = api.get(f"/api/v1/receipts/{uuid.uuid4()}{suffix}")
    assert response.status_code == 404
    assert response.json() == {"detail": "receipt not found"}


def test_malformed_id_is_422(api) -> None:
    assert api.get("/api/v1/receipts/1%20OR%201=1").status_code == 422


def test_list_receipts_paginates(api, make_receipt_image) -> None:
    ids = [upload(api, make_receipt_image()).json()["id"] for _ in range(3)]
    page = api.get("/api/v1/receipts", params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    rest = api.get("/api/v1/receipts", params={"limit": 2, "offset": 2}).json()
    assert len(rest["items"]) == 1
    assert {r["id"] for r in page["items"] + rest["items"]} == set(ids)
    assert api.get("/api/v1/receipts", params={"limit": 0}).status_code == 422
    assert api.get("/api/v1/receipts", params={"status": "bogus"}).status_code == 422


def test_openapi_has_bearer_scheme_and_file_upload(api) -> None:
    schema = api.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    upload_op = schema["paths"]["/api/v1/receipts"]["post"]
    assert upload_op["security"] == [{"BearerToken": []}]
    body_ref = upload_op["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    body = schema["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
    file_field = body["properties"]["file"]  # OpenAPI 3.1 spelling of a file (Swagger: picker)
    assert file_field.get("format") == "binary" or "contentMediaType" in file_field


def test_concurrent_duplicates_make_one_receipt(api, make_receipt_image, clean_db) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from app.models import Receipt, ReceiptJob

    data = make_receipt_image()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: upload(api, data), range(8)))
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sorted(a.json()["duplicate"] for a in answers) == [False] + [True] * 7
    with clean_db() as session:
        assert session.scalar(select(func.count()).select_from(Receipt)) == 1
        assert session.scalar(select(func.count()).select_from(ReceiptJob)) == 1


def test_oauth_callback_does_not_tell_anonymous_callers_the_configuration(client, caplog) -> None:
    # The core test app has no TOKEN_ENCRYPTION_KEY nor Google client.
    with caplog.at_level("ERROR"):
        response = client.get("/api/v1/google/auth/callback", params={"state": "abc", "code": "x"})
    assert response.status_code == 409
    assert response.json()["detail"] == "Google authorization is not configured on this server"
    assert "TOKEN_ENCRYPTION_KEY" not in response.text
    assert "TOKEN_ENCRYPTION_KEY" in caplog.text  # the operator finds the detail in the log


def test_validation_errors_have_a_readable_message(api) -> None:
    response = api.get("/api/v1/receipts", params={"limit": 0})
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "query.limit: Input should be greater than or equal to 1"
    assert isinstance(body["detail"], list) and body["detail"][0]["loc"] == ["query", "limit"]
    both = api.get("/api/v1/receipts", params={"limit": 0, "offset": -1}).json()
    assert both["message"].endswith("(and 1 more)")
    schema = api.get("/openapi.json").json()
    assert "message" in schema["components"]["schemas"]["HTTPValidationError"]["properties"]


def test_every_422_has_detail_and_a_readable_message(api, parsed_receipt) -> None:
    """One error format: a route's own 422 and a refused value say it in `message` too, as
    request validation does (where `detail` stays FastAPI's list)."""
    receipt_id = parsed_receipt()
    item_id = api.get(f"/api/v1/receipts/{receipt_id}").json()["items"][0]["id"]
    answers = {
        "validation": api.get("/api/v1/receipts", params={"limit": 0}),
        "route": api.patch(f"/api/v1/receipts/{receipt_id}", json={"date": None}),
        "item": api.patch(
            f"/api/v1/receipts/{receipt_id}/items/{item_id}", json={"discount": "99.00"}
        ),
    }
    for name, response in answers.items():
        assert response.status_code == 422, (name, response.text)
        body = response.json()
        assert set(body) == {"detail", "message"}, (name, body)
        assert isinstance(body["message"], str) and body["message"], (name, body)
    assert answers["route"].json() == {
        "detail": "date cannot be null",
        "message": "date cannot be null",
    }
    assert "larger than price" in answers["item"].json()["message"]


def test_a_refused_value_is_a_422_with_a_message() -> None:
    import asyncio

    from sqlalchemy.exc import DataError
    from starlette.requests import Request

    from app.core import errors

    request = Request({"type": "http", "method": "POST", "path": "/x", "headers": []})
    refused = DataError("INSERT ...", {}, Exception("value out of range"))
    response = asyncio.run(errors._invalid_value(request, refused))
    assert response.status_code == 422
    assert json.loads(bytes(response.body)) == {
        "detail": "a value is not acceptable",
        "message": "a value is not acceptable",
    }


def test_other_errors_keep_their_body_and_headers(api) -> None:
    missing = api.get(f"/api/v1/receipts/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()) == (404, {"detail": "receipt not found"})
    denied = api.get("/api/v1/receipts", headers={"Authorization": "Bearer wrong"})
    assert denied.status_code == 401 and set(denied.json()) == {"detail"}
    assert denied.headers["WWW-Authenticate"] == "Bearer"


def test_list_finds_a_receipt_by_the_sha256_of_its_file(api, make_receipt_image) -> None:
    import hashlib

    data = make_receipt_image()
    receipt_id = upload(api, data).json()["id"]
    digest = hashlib.sha256(data).hexdigest()
    found = api.get("/api/v1/receipts", params={"sha256": digest.upper()}).json()
    assert [r["id"] for r in found["items"]] == [receipt_id]
    assert api.get("/api/v1/receipts", params={"sha256": "0" * 64}).json()["items"] == []
    assert api.get("/api/v1/receipts", params={"sha256": "not-a-digest"}).status_code == 422
