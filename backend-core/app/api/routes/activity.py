"""GET /activity: the daily activity table, newest day first."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import func, select

from app.api.deps import SessionDep
from app.models import Activity
from app.schemas.activity import ActivityOut
from app.schemas.common import ERROR_RESPONSES, Page

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES)


@router.get("/activity", response_model=Page[ActivityOut], summary="Daily activity, newest first")
def list_activity(
    session: SessionDep,
    date_from: Annotated[date | None, Query(description="First local day, inclusive")] = None,
    date_to: Annotated[date | None, Query(description="Last local day, inclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[ActivityOut]:
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "date_from is after date_to")
    where = []
    if date_from:
        where.append(Activity.date >= date_from)
    if date_to:
        where.append(Activity.date <= date_to)
    total = session.scalar(select(func.count()).select_from(Activity).where(*where)) or 0
    rows = session.scalars(
        select(Activity).where(*where).order_by(Activity.date.desc()).limit(limit).offset(offset)
    ).all()
    return Page[ActivityOut](
        items=[ActivityOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )
