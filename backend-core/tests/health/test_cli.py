"""`python -m app.cli` health commands against the test database: imports report what they
wrote, re-import does not duplicate, wrong files exit non-zero with a clear message."""

import json
import os
import sqlite3
import zipfile
from datetime import date

from sqlalchemy import func, select

from app.core.db import session_scope
from app.models import Activity, HealthSyncState
from app.services.health.credential_store import CredentialStore
from app.services.health.token_crypto import TokenCipher


def takeout_zip(tmp_path):
    csv = (
        "Date,Move Minutes count,Calories (kcal),Distance (m),Heart Points,Heart Minutes,"
        "Step count\n2025-10-01,30,2000.5,3000,10,8,4567\n2025-10-02,10,1800,1000,,,1200\n"
    )
    archive = tmp_path / "takeout.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Takeout/Fit/Daily activity metrics/Daily activity metrics.csv", csv)
        zf.writestr(
            "Takeout/Fit/Daily activity metrics/2025-10-01.csv",
            "Start time,End time,Step count\n00:00:00.000+02:00,00:15:00.000+02:00,99\n",
        )
    return archive


def test_import_takeout_twice_reports_and_never_duplicates(run_cli, db, tmp_path):
    archive = takeout_zip(tmp_path)
    code, out, err = run_cli("import-takeout", str(archive))
    assert code == 0, err
    report = json.loads(out)
    assert report["rows_written"] == 2 and report["skipped_per_day_files"] == 1
    assert report["first_day"] == "2025-10-01" and report["last_day"] == "2025-10-02"
    assert "takeout" in err  # the tqdm progress bar goes to stderr

    assert run_cli("import-takeout", str(archive))[0] == 0
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(Activity)) == 2
        assert session.get(Activity, date(2025, 10, 1)).steps == 4567
        assert session.get(HealthSyncState, "takeout").rows_written == 4


def test_import_health_connect_and_wrong_files(run_cli, db, tmp_path):
    path = tmp_path / "health_connect_export.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE application_info_table (row_id INTEGER PRIMARY KEY, package_name TEXT);"
        "INSERT INTO application_info_table VALUES (1, 'a.phone'), (2, 'b.watch');"
        "CREATE TABLE steps_record_table (app_info_id INTEGER, start_time INTEGER,"
        " start_zone_offset INTEGER, count INTEGER);"
        # 2025-10-05 10:00 UTC from both apps
        "INSERT INTO steps_record_table VALUES (1, 1759658400000, 7200, 5000),"
        " (2, 1759658400000, 7200, 5200);"
    )
    conn.commit()
    conn.close()
    code, out, err = run_cli("import-health-connect", str(path))
    assert code == 0, err
    report = json.loads(out)
    assert report["rows_written"] == 1
    assert report["days_with_several_apps"] == {"steps": 1}
    assert report["chosen_app_days"] == {"steps": {"b.watch": 1}}
    with session_scope(db) as session:
        row = session.get(Activity, date(2025, 10, 5))
        assert (row.steps, row.source) == (5200, "health_connect")

    code, out, err = run_cli("import-health-connect", str(takeout_zip(tmp_path)))
    assert code == 2 and out == ""
    assert "not a Health Connect export" in err
    code, _, err = run_cli("import-takeout", str(path))
    assert code == 2 and "not a Takeout folder" in err


def test_google_token_import(run_cli, db, tmp_path, grant_file):
    code, out, err = run_cli("google-token-import", str(grant_file))
    assert code == 0, err
    assert json.loads(out)["provider"] == "fit"
    with session_scope(db) as session:
        assert (
            CredentialStore(session, TokenCipher(os.environ["TOKEN_ENCRYPTION_KEY"]))
            .load("fit")
            .refresh_token
            == "1//r"
        )

    service_account = tmp_path / "sa.json"
    service_account.write_text(json.dumps({"type": "service_account", "client_email": "x"}))
    for path, message in [
        (service_account, "service-account"),
        (tmp_path / "missing.json", "does not exist"),
        (takeout_zip(tmp_path), "not a JSON file"),
    ]:
        code, _, err = run_cli("google-token-import", str(path))
        assert code == 2 and message in err, err


def test_fit_sync_without_grant_exits_2(run_cli):
    code, _, err = run_cli("fit-sync", "--days", "3")
    assert code == 2 and "no Google authorization" in err
    code, _, err = run_cli("fit-sync", "--days", "0")
    assert code == 2 and "--days" in err


def test_import_of_a_missing_file_fails_before_any_progress_bar(run_cli, tmp_path):
    for command in ("import-takeout", "import-health-connect"):
        code, _out, err = run_cli(command, str(tmp_path / "missing.zip"))
        assert code == 2 and "does not exist" in err, err
        assert "it/s" not in err and "file/s" not in err and "table/s" not in err, err
