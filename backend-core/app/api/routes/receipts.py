"""Receipt upload, status, detail, image, retry and item corrections."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Path, Query, Response, UploadFile, status
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from app.api.deps import SessionDep, SettingsDep
from app.models import Receipt, ReceiptItem, ReceiptJob, Transaction
from app.models.states import ReceiptStatus
from app.schemas.common import ERROR_RESPONSES, MAX_INT4, ErrorOut, Page
from app.schemas.receipts import (
    ReceiptAccepted,
    ReceiptItemOut,
    ReceiptItemPatch,
    ReceiptOut,
    ReceiptPatch,
    ReceiptSummaryOut,
)
from app.services import job_queue
from app.services.image_check import ImageRejected, check_image
from app.services.receipt_intake import accept_upload
from app.services.receipt_review import (
    booking_problems,
    needs_review,
    needs_review_clause,
    review_of,
)
from app.services.receipt_store import (
    NotFailedAnyMore,
    complete_by_hand,
    correct_receipt,
    refresh_main_category,
)
from upload_formats import FORMATS, LABELS

router = APIRouter(prefix="/receipts", tags=["receipts"], responses=ERROR_RESPONSES)
_CHUNK = 1024 * 1024


def _read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := upload.file.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"file is larger than {limit // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReceiptAccepted,
    summary="Upload a receipt photo, HEIC or PDF",
    description=f"Stores the file ({LABELS}) and queues it for OCR; answers at once. "
    "Uploading the same bytes again returns the existing receipt with `duplicate: true`.",
    responses={
        400: {"model": ErrorOut, "description": "Empty, damaged or truncated image"},
        413: {"model": ErrorOut, "description": "File or pixel count over the limit"},
        415: {"model": ErrorOut, "description": f"Not a {LABELS} file"},
    },
)
def upload_receipt(
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Photo or scan of the receipt")],
) -> ReceiptAccepted:
    data = _read_limited(file, settings.max_upload_bytes)
    try:
        image = check_image(data, settings.ocr_max_pixels)
    except ImageRejected as exc:
        raise HTTPException(exc.status_code, exc.message) from None
    intake = accept_upload(session, data, image, file.filename, settings.job_max_attempts)
    session.commit()
    return ReceiptAccepted(id=intake.id, status=intake.status, duplicate=intake.duplicate)


def _load_receipt(session: Session, receipt_id: uuid.UUID) -> Receipt:
    receipt = session.scalars(
        select(Receipt).options(selectinload(Receipt.items)).where(Receipt.id == receipt_id)
    ).one_or_none()
    if receipt is None:
        raise HTTPException(404, "receipt not found")
    return receipt


def receipt_out(session: Session, receipt: Receipt) -> ReceiptOut:
    job = session.scalars(select(ReceiptJob).where(ReceiptJob.receipt_id == receipt.id)).first()
    transaction_id = session.scalar(
        select(Transaction.id).where(Transaction.receipt_id == receipt.id)
    )
    review = review_of(receipt.raw_ocr)
    base = summary_out(receipt).model_dump()
    return ReceiptOut(
        **base,
        warnings=review.warnings,
        booking_problems=booking_problems(receipt),
        possible_duplicate_of=(
            receipt.duplicate_of if receipt.status == ReceiptStatus.DONE else None
        ),
        checks=review.checks,
        confidence=review.confidence,
        content_type=receipt.content_type,
        company=receipt.company,
        nip=receipt.nip,
        purchased_at=receipt.purchased_at,
        amount_due=receipt.amount_due,
        items=[ReceiptItemOut.model_validate(item) for item in receipt.items],
        last_error=job.last_error if job else None,
        attempts=job.attempts if job else 0,
        max_attempts=job.max_attempts if job else 0,
        transaction_id=transaction_id,
        image_url=f"/api/v1/receipts/{receipt.id}/image",
        updated_at=receipt.updated_at,
        corrected_at=receipt.corrected_at,
        entered_manually=receipt.status == ReceiptStatus.DONE and receipt.raw_ocr is None,
    )


def summary_out(receipt: Receipt) -> ReceiptSummaryOut:
    summary = ReceiptSummaryOut.model_validate(receipt)
    summary.needs_review = needs_review(receipt)
    return summary


@router.get("", response_model=Page[ReceiptSummaryOut], summary="List receipts, newest first")
def list_receipts(
    session: SessionDep,
    status_: Annotated[ReceiptStatus | None, Query(alias="status")] = None,
    needs_review: Annotated[
        bool | None,
        Query(description="true: only receipts whose parser checks failed or left warnings, "
              "or with booking_problems; false: only the others"),
    ] = None,
    sha256: Annotated[
        str | None,
        Query(pattern=r"^[0-9a-fA-F]{64}$",
              description="only the receipt of the file with this SHA-256 (hex): lets a client "
              "skip files the server already has"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[ReceiptSummaryOut]:
    where = [Receipt.status == status_] if status_ else []
    if sha256 is not None:
        where.append(Receipt.sha256 == sha256.lower())
    if needs_review is not None:
        where.append(needs_review_clause(needs_review))
    total = session.scalar(select(func.count()).select_from(Receipt).where(*where)) or 0
    rows = session.scalars(
        select(Receipt).where(*where).order_by(Receipt.created_at.desc(), Receipt.id)
        .limit(limit).offset(offset)
    ).all()
    return Page[ReceiptSummaryOut](
        items=[summary_out(r) for r in rows],
        total=total, limit=limit, offset=offset,
    )


@router.get("/{receipt_id}", response_model=ReceiptOut, summary="Receipt status, data and items")
def get_receipt(receipt_id: uuid.UUID, session: SessionDep) -> ReceiptOut:
    return receipt_out(session, _load_receipt(session, receipt_id))


@router.get(
    "/{receipt_id}/image",
    summary="The stored receipt image",
    response_class=Response,
    responses={200: {"content": {f.content_type: {} for f in FORMATS}}},
)
def get_receipt_image(receipt_id: uuid.UUID, session: SessionDep) -> Response:
    row = session.execute(
        select(Receipt.image, Receipt.content_type).where(Receipt.id == receipt_id)
    ).one_or_none()
    if row is None:
        raise HTTPException(404, "receipt not found")
    return Response(
        content=row.image,
        media_type=row.content_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
    )


@router.post(
    "/{receipt_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReceiptAccepted,
    summary="Queue a failed receipt again",
    responses={409: {"model": ErrorOut, "description": "The receipt has not failed"}},
)
def retry_receipt(
    receipt_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> ReceiptAccepted:
    current = session.scalar(select(Receipt.status).where(Receipt.id == receipt_id))
    if current is None:
        raise HTTPException(404, "receipt not found")
    if not job_queue.requeue(session, receipt_id, settings.job_max_attempts):
        raise HTTPException(409, f"receipt is {current}; only failed receipts can be retried")
    session.commit()
    return ReceiptAccepted(id=receipt_id, status=ReceiptStatus.PENDING)


@router.patch(
    "/{receipt_id}/items/{item_id}",
    response_model=ReceiptItemOut,
    summary="Correct a parsed receipt item",
)
def patch_item(
    receipt_id: uuid.UUID,
    # receipt_items.id is an INTEGER column: larger ids cannot exist (and would be a DB error).
    item_id: Annotated[int, Path(ge=1, le=MAX_INT4)],
    patch: ReceiptItemPatch,
    session: SessionDep,
) -> ReceiptItemOut:
    item = session.scalars(
        select(ReceiptItem).where(ReceiptItem.id == item_id, ReceiptItem.receipt_id == receipt_id)
    ).one_or_none()
    if item is None:
        raise HTTPException(404, "receipt item not found")
    for field, value in patch.model_dump(exclude_unset=True).items():
        if value is None and field in ("name", "category"):
            raise HTTPException(422, f"{field} cannot be null")
        if field == "vat" and value is not None:
            value = value.upper()
        setattr(item, field, value)
    if item.price is not None and item.discount is not None and item.discount > item.price:
        raise HTTPException(422, f"discount {item.discount} is larger than price {item.price}")
    item.corrected_at = func.now()
    session.flush()
    refresh_main_category(session, receipt_id)
    session.commit()
    session.refresh(item)
    return ReceiptItemOut.model_validate(item)


@router.patch(
    "/{receipt_id}",
    response_model=ReceiptOut,
    summary="Correct a parsed receipt, or enter a failed one by hand",
    description="On a done receipt, changes the fields sent (its transaction follows). On a "
    "failed receipt, enters it by hand: `date` and `total` (or `amount_due`) are required, "
    "`shop` and `currency` optional; the receipt becomes done (`entered_manually: true`, no "
    "items) and its transaction is created.",
    responses={
        409: {"model": ErrorOut, "description": "The receipt is still pending or processing"},
    },
)
def patch_receipt(
    receipt_id: uuid.UUID, patch: ReceiptPatch, session: SessionDep, settings: SettingsDep
) -> ReceiptOut:
    receipt = _load_receipt(session, receipt_id)
    changes = patch.model_dump(exclude_unset=True)
    if "date" in changes and changes["date"] is None:
        raise HTTPException(422, "date cannot be null")
    if receipt.status == ReceiptStatus.FAILED:
        try:
            complete_by_hand(session, receipt, changes, settings.tz)
        except NotFailedAnyMore:
            raise HTTPException(409, "the receipt was queued again meanwhile") from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    elif receipt.status == ReceiptStatus.DONE:
        correct_receipt(session, receipt, changes, settings.tz)
    else:
        raise HTTPException(
            409, f"receipt is {receipt.status}; it can be corrected once it is done or failed"
        )
    session.commit()
    return receipt_out(session, _load_receipt(session, receipt_id))


@router.delete(
    "/{receipt_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a receipt with its image, items and transaction",
)
def delete_receipt(receipt_id: uuid.UUID, session: SessionDep) -> Response:
    deleted = session.execute(delete(Receipt).where(Receipt.id == receipt_id).returning(Receipt.id))
    if deleted.first() is None:
        raise HTTPException(404, "receipt not found")
    session.commit()  # the job, items and transaction go with it (ON DELETE CASCADE)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
