"""Google Takeout (Fit) daily summaries → DailyActivity.

Accepts the Takeout folder (any level: `Takeout/`, `Fit/`, the daily-metrics folder) or the .zip.
The daily summary CSV is found by its header, not its name, because Takeout translates both
(`Daily activity metrics.csv`, older `Daily Summaries.csv`, `Dzienne wskaźniki aktywności.csv`,
`Tägliche Aktivitätsmesswerte.csv`, ...). Per-day files (`YYYY-MM-DD.csv`, 15-minute rows) hold
the same activity again and are never added on top: they are skipped.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from app.models.states import HealthSource
from app.services.health.errors import ImportFileError
from app.services.health.provider import DailyActivity, DayRange

SOURCE = HealthSource.TAKEOUT
PER_DAY_FILE = re.compile(r"(^|/)\d{4}-\d{2}-\d{2}\.csv$")

# Normalised (lower case, no diacritics, no punctuation) header -> our column. Matching is by
# exact normalised name so "max heart rate" or "heart points" never land in the wrong column.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "data", "datum", "fecha"),
    "steps": (
        "step count",
        "liczba krokow",
        "kroki",
        "schritte",
        "anzahl der schritte",
        "schrittzahl",
        "nombre de pas",
        "recuento de pasos",
    ),
    "distance_m": (
        "distance m",
        "dystans m",
        "odleglosc m",
        "distanz m",
        "entfernung m",
        "strecke m",
        "distancia m",
    ),
    "calories_kcal": ("calories kcal", "kalorie kcal", "kalorien kcal", "calorias kcal"),
    "active_minutes": (
        "move minutes count",
        "active minutes",
        "liczba minut ruchu",
        "minuty ruchu",
        "minuty aktywnosci",
        "bewegungsminuten",
        "anzahl der bewegungsminuten",
        "aktivminuten",
        "minutos de movimiento",
    ),
    "heart_minutes": (
        "heart minutes",
        "minuty kardio",
        "kardiominuten",
        "herzminuten",
        "minutos cardio",
    ),
    "avg_heart_rate": (
        "average heart rate bpm",
        "srednie tetno bpm",
        "durchschnittliche herzfrequenz bpm",
        "herzfrequenz durchschnitt bpm",
        "frecuencia cardiaca media lpm",
        "frecuencia cardiaca media ppm",
    ),
    "weight_kg": (
        "average weight kg",
        "srednia waga kg",
        "durchschnittliches gewicht kg",
        "durchschnittsgewicht kg",
        "peso medio kg",
    ),
    "sleep_ms": (
        "sleeping duration ms",
        "sleep duration ms",
        "sen czas trwania ms",
        "czas trwania snu ms",
        "schlafen dauer ms",
        "schlaf dauer ms",
    ),
}
ALIAS_TO_COLUMN = {alias: col for col, aliases in HEADER_ALIASES.items() for alias in aliases}

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%Y.%m.%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%Y/%m/%d")


def normalise_header(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


@dataclass
class SummaryFile:
    name: str
    text: str
    columns: dict[str, int] = field(default_factory=dict)  # our column -> csv index


@dataclass
class TakeoutReport(DayRange):
    summary_files: list[str]
    skipped_per_day_files: int
    date_format: str | None
    columns: list[str]
    rejected_rows: int = 0


def _read_csv_sources(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and file.suffix.lower() == ".csv":
                yield file.relative_to(path).as_posix(), file.read_bytes
        return
    if path.is_file() and zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        for info in archive.infolist():
            if not info.is_dir() and info.filename.lower().endswith(".csv"):
                yield info.filename, functools.partial(archive.read, info.filename)
        return
    if path.is_file() and path.suffix.lower() == ".csv":
        yield path.name, path.read_bytes
        return
    if not path.exists():
        raise ImportFileError(f"{path} does not exist")
    raise ImportFileError(f"{path} is not a Takeout folder, a Takeout .zip or a CSV file")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16", "cp1250"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _summary_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        column = ALIAS_TO_COLUMN.get(normalise_header(name))
        if column and column not in columns:
            columns[column] = index
    return columns


def _detect_date_format(values: list[str]) -> str:
    values = [v.strip() for v in values if v.strip()]
    for fmt in DATE_FORMATS:
        try:
            for v in values:
                datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt
    sample = values[0] if values else "(empty)"
    raise ImportFileError(f"unrecognised date format in the Date column, e.g. {sample!r}")


def _number(text: str, decimal_comma: bool) -> Decimal | None:
    """A cell as a number. Files separated by `;` (pl, de locales) write decimal commas; in
    comma-separated files a comma inside a (quoted) cell groups thousands: "6,500" = 6500."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    if decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".") if "," in cleaned else cleaned
    else:
        cleaned = cleaned.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _row_to_day(
    row: list[str], day: date, columns: dict[str, int], decimal_comma: bool
) -> DailyActivity:
    def get(col: str) -> Decimal | None:
        index = columns.get(col)
        if index is None or index >= len(row):
            return None
        return _number(row[index], decimal_comma)

    two = Decimal("0.01")
    distance, calories, hr, weight = (
        get(c) for c in ("distance_m", "calories_kcal", "avg_heart_rate", "weight_kg")
    )
    steps, move, heart, sleep_ms = (
        get(c) for c in ("steps", "active_minutes", "heart_minutes", "sleep_ms")
    )
    return DailyActivity(
        day=day,
        steps=None if steps is None else int(steps),
        distance_m=None if distance is None else distance.quantize(two),
        calories_kcal=None if calories is None else calories.quantize(two),
        active_minutes=None if move is None else int(move),
        heart_minutes=None if heart is None else int(heart),
        avg_heart_rate=None if hr is None else hr.quantize(two),
        weight_kg=None if weight is None else weight.quantize(two),
        sleep_minutes=None if sleep_ms is None else int(sleep_ms // 60_000),
    )


def parse_takeout(path: Path, progress: Callable[[str], None] | None = None) -> TakeoutReport:
    summaries: list[SummaryFile] = []
    unrecognised: list[str] = []
    skipped = 0
    for name, read in _read_csv_sources(path):
        if PER_DAY_FILE.search(name):
            skipped += 1
            continue
        text = _decode(read())
        reader = csv.reader(io.StringIO(text), _dialect(text))
        header = next(reader, [])
        columns = _summary_columns(header)
        if "date" in columns and len(columns) > 1:
            summaries.append(SummaryFile(name, text, columns))
        else:
            unrecognised.append(f"{name} (columns: {', '.join(header[:6])})")
    if not summaries:
        seen = f"; CSV files seen: {'; '.join(unrecognised[:3])}" if unrecognised else ""
        raise ImportFileError(
            f"no Google Fit daily summary CSV found in {path} (expected "
            "'Fit/Daily activity metrics/Daily activity metrics.csv', the older "
            "'Daily Summaries.csv', or a translated variant with a Date column"
            f"{seen})"
        )
    # Newest layout first; a day already read from an earlier file is not read again.
    summaries.sort(key=lambda s: (0 if "daily activity metrics" in s.name.lower() else 1, s.name))
    days: dict[date, DailyActivity] = {}
    rejected = 0
    date_format: str | None = None
    for summary in summaries:
        if progress is not None:
            progress(summary.name)
        dialect = _dialect(summary.text)
        decimal_comma = dialect.delimiter != ","
        rows = list(csv.reader(io.StringIO(summary.text), dialect))[1:]
        rows = [r for r in rows if any(cell.strip() for cell in r)]
        date_index = summary.columns["date"]
        fmt = _detect_date_format([r[date_index] for r in rows if len(r) > date_index])
        date_format = date_format or fmt
        for row in rows:
            try:
                day = datetime.strptime(row[date_index].strip(), fmt).date()
            except (ValueError, IndexError):
                rejected += 1
                continue
            if day in days:
                continue
            parsed = _row_to_day(row, day, summary.columns, decimal_comma)
            if parsed.has_data():
                days[day] = parsed
    used_columns = sorted({c for s in summaries for c in s.columns if c != "date"})
    return TakeoutReport(
        days=[days[d] for d in sorted(days)],
        summary_files=[s.name for s in summaries],
        skipped_per_day_files=skipped,
        date_format=date_format,
        columns=used_columns,
        rejected_rows=rejected,
    )
