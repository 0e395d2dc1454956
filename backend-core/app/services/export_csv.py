"""CSV export of transactions, receipt items and daily activity (the API and the CLI share it).

RFC 4180 (CRLF line ends, quotes only where needed, a header row), UTF-8, decimals with a dot as
stored (NUMERIC scale kept: 6.98, 0.456), dates and times in ISO 8601 (times in the configured
zone, with their offset), empty field = NULL (or empty text). Values are written as stored:
nothing is prefixed to "defuse" spreadsheet formulas, so the file reads back into the same rows.

Rows come from one REPEATABLE READ snapshot through a server-side cursor, `BATCH_ROWS` at a time,
so a large export is consistent and memory stays flat.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, SQLColumnExpression, select

from app.models import Activity, Receipt, ReceiptItem, Transaction

BATCH_ROWS = 500
MEDIA_TYPE = "text/csv; charset=utf-8; header=present"


@dataclass(frozen=True)
class Export:
    name: str
    description: str
    columns: dict[str, SQLColumnExpression[Any]]  # header → column, in file order
    day: SQLColumnExpression[date | None]  # what `from` / `to` filter on (local days, inclusive)
    order_by: tuple[SQLColumnExpression[Any], ...]
    joins: tuple[Any, ...] = ()  # (target, on clause) pairs beyond the first column's table

    def query(self, date_from: date | None, date_to: date | None) -> Select[*tuple[Any, ...]]:
        where = []
        if date_from is not None:
            where.append(self.day >= date_from)
        if date_to is not None:
            where.append(self.day <= date_to)
        query: Select[*tuple[Any, ...]] = select(
            *(column.label(header) for header, column in self.columns.items())
        )
        for target, on in self.joins:
            query = query.join(target, on)
        return query.where(*where).order_by(*self.order_by)


EXPORTS: dict[str, Export] = {
    export.name: export
    for export in (
        Export(
            name="transactions",
            description="Every transaction (receipts and manual), oldest day first",
            columns={
                "id": Transaction.id,
                "occurred_on": Transaction.occurred_on,
                "occurred_at": Transaction.occurred_at,
                "amount": Transaction.amount,
                "currency": Transaction.currency,
                "shop": Transaction.shop,
                "category": Transaction.category,
                "description": Transaction.description,
                "source": Transaction.source,
                "receipt_id": Transaction.receipt_id,
                "created_at": Transaction.created_at,
                "updated_at": Transaction.updated_at,
            },
            day=Transaction.occurred_on,
            order_by=(Transaction.occurred_on, Transaction.created_at, Transaction.id),
        ),
        Export(
            name="items",
            description="Receipt lines with their receipt's day, shop and currency; filtered "
            "by the receipt's purchase date",
            columns={
                "id": ReceiptItem.id,
                "receipt_id": ReceiptItem.receipt_id,
                "purchase_date": Receipt.purchase_date,
                "shop": Receipt.shop,
                "position": ReceiptItem.position,
                "name": ReceiptItem.name,
                "quantity": ReceiptItem.quantity,
                "unit_price": ReceiptItem.unit_price,
                "price": ReceiptItem.price,
                "discount": ReceiptItem.discount,
                "spent": ReceiptItem.spent,
                "vat": ReceiptItem.vat,
                "category": ReceiptItem.category,
                "currency": Receipt.currency,
            },
            day=Receipt.purchase_date,
            joins=((Receipt, Receipt.id == ReceiptItem.receipt_id),),
            order_by=(
                Receipt.purchase_date,
                ReceiptItem.receipt_id,
                ReceiptItem.position,
                ReceiptItem.id,
            ),
        ),
        Export(
            name="activity",
            description="Daily activity, one row per local day",
            columns={
                "date": Activity.date,
                "steps": Activity.steps,
                "distance_m": Activity.distance_m,
                "calories_kcal": Activity.calories_kcal,
                "active_minutes": Activity.active_minutes,
                "heart_minutes": Activity.heart_minutes,
                "avg_heart_rate": Activity.avg_heart_rate,
                "resting_heart_rate": Activity.resting_heart_rate,
                "weight_kg": Activity.weight_kg,
                "sleep_minutes": Activity.sleep_minutes,
                "source": Activity.source,
                "updated_at": Activity.updated_at,
            },
            day=Activity.date,
            order_by=(Activity.date,),
        ),
    )
}


def _formatter(tz: str) -> Callable[[Any], str]:
    zone = ZoneInfo(tz)

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return format(value, "f")  # never an exponent (1E+2)
        if isinstance(value, datetime):
            return value.astimezone(zone).isoformat()
        return str(value)  # int, str, date (ISO), UUID

    return text


def csv_chunks(
    engine: Engine,
    export: Export,
    date_from: date | None,
    date_to: date | None,
    tz: str,
) -> Iterator[str]:
    """The CSV text of `export`: the header, then one chunk per batch of rows.

    The query runs before this returns, so an unreachable database is an error the caller can
    answer (503) instead of a 200 whose body stops after the header."""
    chunks = _chunks(engine, export, date_from, date_to, tz)
    header = next(chunks)
    return itertools.chain([header], chunks)


def _chunks(
    engine: Engine,
    export: Export,
    date_from: date | None,
    date_to: date | None,
    tz: str,
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n")  # RFC 4180

    def flush() -> str:
        chunk = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return chunk

    text = _formatter(tz)
    with engine.connect() as conn:
        conn = conn.execution_options(
            isolation_level="REPEATABLE READ", stream_results=True, yield_per=BATCH_ROWS
        )
        result = conn.execute(export.query(date_from, date_to))
        writer.writerow(export.columns)
        yield flush()
        for rows in result.partitions():
            writer.writerows([text(value) for value in row] for row in rows)
            yield flush()
