"""Takeout parsing on export files generated here: English and Polish headers, zip, per-day
files that must not be counted twice, varied date formats, and wrong input."""

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from app.services.health.errors import ImportFileError
from app.services.health.takeout_import import parse_takeout

EN_HEADER = (
    "Date,Move Minutes count,Calories (kcal),Distance (m),Heart Points,Heart Minutes,"
    "Average heart rate (bpm),Max heart rate (bpm),Min heart rate (bpm),Low latitude (deg),"
    "Average speed (m/s),Step count,Average weight (kg),Max weight (kg),Min weight (kg),"
    "Walking duration (ms),Sleeping duration (ms)"
)
EN_ROWS = [
    "2024-03-30,45,2104.5123,5123.89,14,10,72.4,141,51,,1.2,7012,81.2,81.4,81.0,3600000,",
    "2024-03-31,12,1890.0,800.5,,,,,,,,1100,,,,,25200000",
    "2024-04-01,,,,,,,,,,,,,,,,",  # a day Takeout lists without any data
]
PL_HEADER = (
    "Data;Liczba minut ruchu;Kalorie (kcal);Dystans (m);Punkty kardio;Minuty kardio;"
    "Średnie tętno (bpm);Maksymalne tętno (bpm);Liczba kroków;Średnia waga (kg)"
)
PL_ROWS = [
    "15.01.2024;30;2050,25;4200,5;8;6;70,1;150;6543;80,5",
    "16.01.2024;0;1700;;;;;;;",
]
PER_DAY_HEADER = "Start time,End time,Move Minutes count,Calories (kcal),Distance (m),Step count"
PER_DAY_ROWS = ["00:00:00.000+01:00,00:15:00.000+01:00,3,20.5,100.0,250"]


def write_takeout(
    root: Path,
    folder: str,
    name: str,
    header: str,
    rows: list[str],
    *,
    per_day: bool = True,
    encoding: str = "utf-8",
) -> Path:
    base = root / "Takeout" / "Fit" / folder
    base.mkdir(parents=True, exist_ok=True)
    (base / name).write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    if per_day:
        for day in ("2024-03-30", "2024-03-31", "2024-01-15"):
            (base / f"{day}.csv").write_text("\n".join([PER_DAY_HEADER, *PER_DAY_ROWS]) + "\n")
    return root


def test_english_folder_reads_summary_and_skips_per_day_files(tmp_path):
    root = write_takeout(
        tmp_path, "Daily activity metrics", "Daily activity metrics.csv", EN_HEADER, EN_ROWS
    )
    report = parse_takeout(root / "Takeout")

    assert report.summary_files == ["Fit/Daily activity metrics/Daily activity metrics.csv"]
    assert report.skipped_per_day_files == 3
    assert [d.day for d in report.days] == [date(2024, 3, 30), date(2024, 3, 31)]
    first, second = report.days
    assert first.steps == 7012  # not 7012 + 250 from the per-day file
    assert first.active_minutes == 45
    assert first.calories_kcal == Decimal("2104.51")
    assert first.distance_m == Decimal("5123.89")
    assert first.heart_minutes == 10  # "Heart Minutes", not "Heart Points"
    assert first.avg_heart_rate == Decimal("72.40")  # not the max column
    assert first.weight_kg == Decimal("81.20")
    assert first.sleep_minutes is None
    assert second.sleep_minutes == 420
    assert second.avg_heart_rate is None and second.weight_kg is None  # unknown, not 0


def test_polish_zip_with_semicolons_decimal_commas_and_dotted_dates(tmp_path):
    root = write_takeout(
        tmp_path,
        "Dzienne wskaźniki aktywności",
        "Dzienne wskaźniki aktywności.csv",
        PL_HEADER,
        PL_ROWS,
    )
    archive = tmp_path / "takeout-20240201T101010Z-001.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in (root / "Takeout").rglob("*"):
            zf.write(file, file.relative_to(root).as_posix())
    report = parse_takeout(archive)

    assert report.date_format == "%d.%m.%Y"
    assert report.skipped_per_day_files == 3
    assert [
        (d.day, d.steps, d.calories_kcal, d.distance_m, d.weight_kg, d.active_minutes)
        for d in report.days
    ] == [
        (date(2024, 1, 15), 6543, Decimal("2050.25"), Decimal("4200.50"), Decimal("80.50"), 30),
        (date(2024, 1, 16), None, Decimal("1700.00"), None, None, 0),
    ]
    assert report.days[0].avg_heart_rate == Decimal("70.10")
    assert report.days[0].heart_minutes == 6


def test_german_older_daily_summaries_with_us_dates(tmp_path):
    header = "Datum,Kalorien (kcal),Distanz (m),Anzahl der Schritte,Bewegungsminuten"
    rows = ["03/28/2020,1999.9,3000,4000,20", "03/29/2020,2100,3500,5000,25"]
    root = write_takeout(
        tmp_path,
        "Daily Aggregations",
        "Daily Summaries.csv",
        header,
        rows,
        per_day=False,
        encoding="utf-8-sig",
    )
    report = parse_takeout(root)
    assert report.date_format == "%m/%d/%Y"
    assert [(d.day, d.steps) for d in report.days] == [
        (date(2020, 3, 28), 4000),
        (date(2020, 3, 29), 5000),
    ]


def test_new_and_old_summary_of_the_same_day_count_once(tmp_path):
    write_takeout(
        tmp_path,
        "Daily activity metrics",
        "Daily activity metrics.csv",
        EN_HEADER,
        EN_ROWS,
        per_day=False,
    )
    old = "Date,Calories (kcal),Distance (m),Step count\n2024-03-30,2000,5000,6999\n"
    (tmp_path / "Takeout" / "Fit" / "Daily Aggregations").mkdir()
    (tmp_path / "Takeout" / "Fit" / "Daily Aggregations" / "Daily Summaries.csv").write_text(old)
    report = parse_takeout(tmp_path)
    assert [d.steps for d in report.days if d.day == date(2024, 3, 30)] == [7012]
    assert len(report.summary_files) == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: (p / "notes.txt").write_text("hello") and p / "notes.txt", "not a Takeout"),
        (
            lambda p: (p / "other.csv").write_text("a,b\n1,2\n") and p,
            r"other.csv \(columns: a, b\)",
        ),
    ],
)
def test_wrong_input_is_rejected_with_a_clear_message(tmp_path, make, message):
    with pytest.raises(ImportFileError, match=message):
        parse_takeout(make(tmp_path))


def test_thousands_separators_and_unpadded_slash_dates(tmp_path):
    base = tmp_path / "Fit" / "Daily activity metrics"
    base.mkdir(parents=True)
    (base / "Daily activity metrics.csv").write_text(
        'Date,Step count,Distance (m)\n"2024/3/5","6,500","4,200.5"\n2024/3/6,700,\n'
    )
    (base / "Dzienne.csv").write_text(
        "Data;Liczba kroków;Dystans (m)\n2024-03-07;12 345;1.234,5\n", encoding="utf-8"
    )
    report = parse_takeout(tmp_path)
    assert [(d.day, d.steps, d.distance_m) for d in report.days] == [
        (date(2024, 3, 5), 6500, Decimal("4200.50")),
        (date(2024, 3, 6), 700, None),
        (date(2024, 3, 7), 12345, Decimal("1234.50")),
    ]
