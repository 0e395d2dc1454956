"""CSV export: GET /api/v1/export/{transactions,items,activity}.csv, streamed (behind the token).

`from` / `to` are local days (ISO dates, inclusive); a bad date or `from` after `to` is a 422
JSON error before any CSV is sent. The format is described in app.services.export_csv.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from app.api.deps import SettingsDep
from app.schemas.common import ERROR_RESPONSES
from app.services.export_csv import EXPORTS, MEDIA_TYPE, Export, csv_chunks

router = APIRouter(prefix="/export", tags=["export"], responses=ERROR_RESPONSES)

DateFrom = Annotated[
    date | None, Query(alias="from", description="First local day, inclusive (YYYY-MM-DD)",
                       examples=["2026-01-01"]),
]
DateTo = Annotated[
    date | None, Query(alias="to", description="Last local day, inclusive (YYYY-MM-DD)",
                       examples=["2026-12-31"]),
]


def _route(export: Export) -> Any:
    def download(
        request: Request, settings: SettingsDep, date_from: DateFrom = None,
        date_to: DateTo = None,
    ) -> StreamingResponse:
        if date_from and date_to and date_from > date_to:
            raise HTTPException(422, "from is after to")
        chunks = csv_chunks(request.app.state.engine, export, date_from, date_to, settings.tz)
        return StreamingResponse(
            chunks,
            media_type=MEDIA_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="lifeboard-{export.name}.csv"',
                # nginx passes the rows on as they come instead of spooling the whole file.
                "X-Accel-Buffering": "no",
                "Cache-Control": "no-store",
            },
        )

    download.__name__ = f"export_{export.name}"
    return download


for _export in EXPORTS.values():
    router.add_api_route(
        f"/{_export.name}.csv",
        _route(_export),
        methods=["GET"],
        response_class=StreamingResponse,
        summary=f"Export {_export.name} as CSV",
        description=f"{_export.description}. Columns: {', '.join(_export.columns)}.",
        responses={200: {"content": {"text/csv": {}}, "description": "RFC 4180 CSV, UTF-8"}},
    )
