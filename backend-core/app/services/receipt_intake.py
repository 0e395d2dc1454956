"""Accept an upload: store image + job in one transaction, or find the same bytes' receipt."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models import Receipt
from app.models.states import ReceiptStatus
from app.services import job_queue
from app.services.image_check import CheckedImage

_UNSAFE = re.compile(r"[^\w .()+-]+")


@dataclass(frozen=True)
class Intake:
    id: uuid.UUID
    status: ReceiptStatus
    duplicate: bool


def display_filename(name: str | None) -> str | None:
    """The client's file name, kept only as a label (never used as a path)."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")[:200]
    return cleaned or None


def accept_upload(
    session: Session,
    data: bytes,
    image: CheckedImage,
    filename: str | None,
    max_attempts: int,
) -> Intake:
    """Insert receipt + job (caller commits). Same SHA-256 → the existing receipt."""
    digest = hashlib.sha256(data).hexdigest()
    receipt_id = uuid.uuid4()
    inserted = session.execute(
        insert(Receipt)
        .values(
            id=receipt_id,
            sha256=digest,
            filename=display_filename(filename),
            content_type=image.content_type,
            image=data,
            status=ReceiptStatus.PENDING,
        )
        .on_conflict_do_nothing(index_elements=[Receipt.sha256])
        .returning(Receipt.id)
    ).scalar_one_or_none()
    if inserted is None:
        existing = session.execute(
            select(Receipt.id, Receipt.status).where(Receipt.sha256 == digest)
        ).one()
        return Intake(id=existing.id, status=ReceiptStatus(existing.status), duplicate=True)
    job_queue.enqueue(session, receipt_id, max_attempts)
    return Intake(id=receipt_id, status=ReceiptStatus.PENDING, duplicate=False)
