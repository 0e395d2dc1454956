"""Transactions: list with filters and pagination; create, edit and delete manual ones."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, SettingsDep
from app.models import Transaction
from app.models.states import TransactionSource
from app.schemas.common import ERROR_RESPONSES, ErrorOut, Page, Text
from app.schemas.transactions import TransactionIn, TransactionOut, TransactionPatch

router = APIRouter(prefix="/transactions", tags=["transactions"], responses=ERROR_RESPONSES)
_RECEIPT_OWNED: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorOut, "description": "Receipt transactions follow their receipt"}
}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@router.get("", response_model=Page[TransactionOut], summary="List and filter transactions")
def list_transactions(
    session: SessionDep,
    date_from: Annotated[date | None, Query(description="First local day, inclusive")] = None,
    date_to: Annotated[date | None, Query(description="Last local day, inclusive")] = None,
    shop: Annotated[Text | None, Query(max_length=200, description="Part of the shop name")] = None,
    category: Annotated[Text | None, Query(max_length=40)] = None,
    source: TransactionSource | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[TransactionOut]:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "date_from is after date_to")
    where = []
    if date_from:
        where.append(Transaction.occurred_on >= date_from)
    if date_to:
        where.append(Transaction.occurred_on <= date_to)
    if shop:
        where.append(Transaction.shop.ilike(_like(shop), escape="\\"))
    if category:
        where.append(Transaction.category == category)
    if source:
        where.append(Transaction.source == source)
    total = session.scalar(select(func.count()).select_from(Transaction).where(*where)) or 0
    rows = session.scalars(
        select(Transaction)
        .where(*where)
        .order_by(Transaction.occurred_on.desc(), Transaction.created_at.desc(), Transaction.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return Page[TransactionOut](
        items=[TransactionOut.model_validate(t) for t in rows],
        total=total, limit=limit, offset=offset,
    )


def _get(session: Session, transaction_id: uuid.UUID) -> Transaction:
    transaction = session.get(Transaction, transaction_id)
    if transaction is None:
        raise HTTPException(404, "transaction not found")
    return transaction


def _manual(session: Session, transaction_id: uuid.UUID) -> Transaction:
    transaction = _get(session, transaction_id)
    if transaction.source != TransactionSource.MANUAL:
        raise HTTPException(
            409, "this transaction comes from a receipt; correct the receipt's items instead"
        )
    return transaction


@router.get("/{transaction_id}", response_model=TransactionOut, summary="One transaction")
def get_transaction(transaction_id: uuid.UUID, session: SessionDep) -> TransactionOut:
    return TransactionOut.model_validate(_get(session, transaction_id))


def _in_local_time(changes: dict[str, Any], tz: str) -> dict[str, Any]:
    """A time without an offset is a local time in TZ (not the database server's zone)."""
    moment = changes.get("occurred_at")
    if isinstance(moment, datetime) and moment.tzinfo is None:
        changes["occurred_at"] = moment.replace(tzinfo=ZoneInfo(tz))
    return changes


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=TransactionOut,
    summary="Add a manual transaction",
)
def create_transaction(
    body: TransactionIn, session: SessionDep, settings: SettingsDep
) -> TransactionOut:
    transaction = Transaction(
        **_in_local_time(body.model_dump(), settings.tz), source=TransactionSource.MANUAL
    )
    session.add(transaction)
    session.commit()
    session.refresh(transaction)
    return TransactionOut.model_validate(transaction)


@router.patch(
    "/{transaction_id}", response_model=TransactionOut, responses=_RECEIPT_OWNED,
    summary="Edit a manual transaction",
)
def patch_transaction(
    transaction_id: uuid.UUID, body: TransactionPatch, session: SessionDep, settings: SettingsDep
) -> TransactionOut:
    transaction = _manual(session, transaction_id)
    changes = _in_local_time(body.model_dump(exclude_unset=True), settings.tz)
    for required in ("occurred_on", "amount", "currency"):
        if required in changes and changes[required] is None:
            raise HTTPException(422, f"{required} cannot be null")
    for field, value in changes.items():
        setattr(transaction, field, value)
    session.commit()
    session.refresh(transaction)
    return TransactionOut.model_validate(transaction)


@router.delete(
    "/{transaction_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_RECEIPT_OWNED,
    summary="Delete a manual transaction",
)
def delete_transaction(transaction_id: uuid.UUID, session: SessionDep) -> Response:
    session.delete(_manual(session, transaction_id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
