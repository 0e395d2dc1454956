"""Health Connect export parsing on an SQLite database generated here (two apps, same day)."""

import sqlite3
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.services.health.errors import ImportFileError
from app.services.health.health_connect_import import parse_health_connect

WARSAW = ZoneInfo("Europe/Warsaw")
CET = 3600  # zone offset in seconds as Health Connect stores it
SCHEMA = """
CREATE TABLE application_info_table (row_id INTEGER PRIMARY KEY, package_name TEXT, app_name TEXT);
CREATE TABLE steps_record_table (row_id INTEGER PRIMARY KEY, uuid BLOB, app_info_id INTEGER,
  start_time INTEGER, start_zone_offset INTEGER, end_time INTEGER, end_zone_offset INTEGER,
  count INTEGER, local_date INTEGER);
CREATE TABLE distance_record_table (row_id INTEGER PRIMARY KEY, app_info_id INTEGER,
  start_time INTEGER, start_zone_offset INTEGER, end_time INTEGER, distance REAL);
CREATE TABLE total_calories_burned_record_table (row_id INTEGER PRIMARY KEY, app_info_id INTEGER,
  start_time INTEGER, start_zone_offset INTEGER, end_time INTEGER, energy REAL);
CREATE TABLE weight_record_table (row_id INTEGER PRIMARY KEY, app_info_id INTEGER,
  time INTEGER, zone_offset INTEGER, weight REAL);
CREATE TABLE heart_rate_record_table (row_id INTEGER PRIMARY KEY, app_info_id INTEGER,
  start_time INTEGER, start_zone_offset INTEGER, end_time INTEGER);
CREATE TABLE heart_rate_record_series_table (parent_key INTEGER, epoch_millis INTEGER,
  beats_per_minute INTEGER);
CREATE TABLE sleep_session_record_table (row_id INTEGER PRIMARY KEY, app_info_id INTEGER,
  start_time INTEGER, start_zone_offset INTEGER, end_time INTEGER, end_zone_offset INTEGER,
  title TEXT);
CREATE TABLE sleep_stages_table (parent_key INTEGER, stage_start_time INTEGER,
  stage_end_time INTEGER, stage_type INTEGER);
"""
PHONE, WATCH = 1, 2


def ms(y, m, d, h=0, mi=0):
    return int(datetime(y, m, d, h, mi, tzinfo=WARSAW).timestamp() * 1000)


def make_export(path):
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany(
        "INSERT INTO application_info_table VALUES (?,?,?)",
        [
            (PHONE, "com.google.android.apps.fitness", "Fit"),
            (WATCH, "com.sec.android.app.shealth", "Samsung Health"),
        ],
    )
    steps = [
        # 2024-05-10: both apps counted the same walk; the watch saw more.
        (PHONE, ms(2024, 5, 10, 8), 4000),
        (PHONE, ms(2024, 5, 10, 18), 2000),
        (WATCH, ms(2024, 5, 10, 8), 4300),
        (WATCH, ms(2024, 5, 10, 18), 2500),
        # 00:30 local on 05-11 is still 05-10 in UTC: must land on the 11th
        (PHONE, ms(2024, 5, 11, 0, 30), 300),
    ]
    db.executemany(
        "INSERT INTO steps_record_table (app_info_id, start_time, start_zone_offset, end_time,"
        " end_zone_offset, count) VALUES (?,?,7200,?,7200,?)",
        [(a, t, t + 900_000, c) for a, t, c in steps],
    )
    db.executemany(
        "INSERT INTO distance_record_table (app_info_id, start_time, start_zone_offset, end_time,"
        " distance) VALUES (?,?,7200,?,?)",
        [
            (PHONE, ms(2024, 5, 10, 8), ms(2024, 5, 10, 9), 4100.25),
            (WATCH, ms(2024, 5, 10, 8), ms(2024, 5, 10, 9), 3900.0),
        ],
    )
    db.executemany(
        "INSERT INTO total_calories_burned_record_table (app_info_id, start_time,"
        " start_zone_offset, end_time, energy) VALUES (?,?,7200,?,?)",
        [(WATCH, ms(2024, 5, 10), ms(2024, 5, 11), 2_250_500.0)],
    )
    db.executemany(
        "INSERT INTO weight_record_table (app_info_id, time, zone_offset, weight)"
        " VALUES (?,?,7200,?)",
        [
            (PHONE, ms(2024, 5, 10, 7), 80_400.0),
            (WATCH, ms(2024, 5, 10, 7), 80_000.0),
            (WATCH, ms(2024, 5, 10, 21), 80_600.0),
        ],
    )
    db.execute(
        "INSERT INTO heart_rate_record_table VALUES (10, ?, ?, 7200, ?)",
        (WATCH, ms(2024, 5, 10, 12), ms(2024, 5, 10, 13)),
    )
    db.executemany(
        "INSERT INTO heart_rate_record_series_table VALUES (10, ?, ?)",
        [(ms(2024, 5, 10, 12, i), bpm) for i, bpm in enumerate((60, 70, 80))],
    )
    night = (ms(2024, 5, 9, 23), ms(2024, 5, 10, 7))
    db.execute(
        "INSERT INTO sleep_session_record_table VALUES (20, ?, ?, 7200, ?, 7200, 'Night')",
        (WATCH, *night),
    )
    db.executemany(
        "INSERT INTO sleep_stages_table VALUES (20, ?, ?, ?)",
        [
            (night[0], night[0] + 30 * 60_000, 1),  # awake 30 min
            (night[0] + 30 * 60_000, night[1] - 60 * 60_000, 4),  # light
            (night[1] - 60 * 60_000, night[1], 6),  # REM
        ],
    )
    db.execute(
        "INSERT INTO sleep_session_record_table VALUES (21, ?, ?, 7200, ?, 7200, 'Phone')",
        (PHONE, *night),
    )  # the phone's own record of the same night, no stages
    db.commit()
    db.close()
    return path


def test_two_apps_on_one_day_are_not_added_up(tmp_path):
    report = parse_health_connect(make_export(tmp_path / "health_connect_export.db"), WARSAW)
    by_day = {d.day: d for d in report.days}
    assert sorted(by_day) == [date(2024, 5, 10), date(2024, 5, 11)]
    day = by_day[date(2024, 5, 10)]
    assert day.steps == 6800  # the watch (largest total), not 12800
    assert day.distance_m == Decimal("4100.25")  # phone had the larger distance
    assert day.calories_kcal == Decimal("2250.50")  # /1000
    assert day.weight_kg == Decimal("80.30")  # watch: two samples (80.0, 80.6) beat one
    assert day.avg_heart_rate == Decimal("70.00")
    # phone's stage-less session = 480 min beats the watch's 450 asleep minutes; never 930
    assert day.sleep_minutes == 480
    assert by_day[date(2024, 5, 11)].steps == 300
    assert report.multi_app_days["steps"] == 1
    assert report.chosen_apps["steps"] == {
        "com.sec.android.app.shealth": 1,
        "com.google.android.apps.fitness": 1,
    }
    assert report.records["steps_record_table"] == 5
    assert report.apps == ["com.google.android.apps.fitness", "com.sec.android.app.shealth"]


def test_zip_export_and_sleep_stages(tmp_path):
    db = make_export(tmp_path / "health_connect_export.db")
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM sleep_session_record_table WHERE row_id = 21")
    conn.commit()
    conn.close()
    archive = tmp_path / "Health Connect.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(db, "health_connect_export.db")
    report = parse_health_connect(archive, WARSAW)
    assert {d.day: d.sleep_minutes for d in report.days}[date(2024, 5, 10)] == 450


def test_record_without_zone_offset_uses_tz(tmp_path):
    db = make_export(tmp_path / "x.db")
    conn = sqlite3.connect(db)
    late = int(datetime(2024, 6, 1, 22, 30, tzinfo=UTC).timestamp() * 1000)  # 00:30 in Warsaw
    conn.execute(
        "INSERT INTO steps_record_table (app_info_id, start_time, end_time, count)"
        " VALUES (1, ?, ?, 42)",
        (late, late + 60_000),
    )
    conn.commit()
    conn.close()
    report = parse_health_connect(db, WARSAW)
    assert {d.day: d.steps for d in report.days}[date(2024, 6, 2)] == 42


def test_wrong_files_are_rejected(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("this is not sqlite" * 100)
    with pytest.raises(ImportFileError, match="not a readable Health Connect"):
        parse_health_connect(text, WARSAW)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.close()
    with pytest.raises(ImportFileError, match="not a Health Connect export"):
        parse_health_connect(other, WARSAW)
    empty_zip = tmp_path / "e.zip"
    with zipfile.ZipFile(empty_zip, "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(ImportFileError, match=r"without health_connect_export\.db"):
        parse_health_connect(empty_zip, WARSAW)
    with pytest.raises(ImportFileError, match="does not exist"):
        parse_health_connect(tmp_path / "nope.db", WARSAW)


def test_sql_grouping_matches_per_record_days(tmp_path):
    """Records with a zone offset are grouped by SQLite, records without one in Python: with
    the offset Warsaw really had, both must give the same days (incl. around DST changes)."""
    import random

    rng = random.Random(5)
    start = ms(2026, 3, 27)
    rows = [(start + rng.randrange(0, 4 * 86_400_000), rng.randrange(1, 500)) for _ in range(400)]
    reports = []
    for with_offset in (True, False):
        path = tmp_path / f"{with_offset}.db"
        conn = sqlite3.connect(path)
        conn.executescript(SCHEMA)
        conn.execute("INSERT INTO application_info_table VALUES (1, 'a.app', 'A')")
        conn.executemany(
            "INSERT INTO steps_record_table (app_info_id, start_time, start_zone_offset, count)"
            " VALUES (1, ?, ?, ?)",
            [
                (
                    t,
                    int(datetime.fromtimestamp(t / 1000, WARSAW).utcoffset().total_seconds())
                    if with_offset
                    else None,
                    c,
                )
                for t, c in rows
            ],
        )
        conn.commit()
        conn.close()
        reports.append({d.day: d.steps for d in parse_health_connect(path, WARSAW).days})
    assert reports[0] == reports[1]
    assert sum(reports[0].values()) == sum(c for _, c in rows)
    # 4 × 24 h from 27 March 00:00 CET ends 31 March 01:00 CEST (the DST night is 23 h long)
    assert set(reports[0]) == {date(2026, 3, d) for d in range(27, 32)}
