"""Migration 0005 on data written before it: field_sources from the row source, the Health
API's zone points moved out of heart_minutes; the downgrade puts things back."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import text

from app.cli import alembic_config


def test_upgrade_moves_points_and_records_sources_and_downgrade_restores(db, core_db_url):
    config = alembic_config(core_db_url)
    config.attributes["configure_logger"] = False
    command.downgrade(config, "0004_keywords_corrections")
    try:
        with db() as session:
            session.execute(text(
                "INSERT INTO activity (date, steps, heart_minutes, weight_kg, source) VALUES "
                "('2026-11-01', 9000, 25, 80.5, 'fit'), "
                "('2026-11-02', 8000, 64, NULL, 'health_api'), "
                "('2026-11-03', NULL, NULL, NULL, NULL)"))
            session.commit()
    finally:
        command.upgrade(config, "head")
    with db() as session:
        rows = {r.date: r for r in session.execute(text(
            "SELECT date, heart_minutes, heart_points, field_sources, source FROM activity"))}
        synced = session.execute(text(
            "SELECT count(*) FROM v_activity_daily WHERE sources IS NOT NULL")).scalar_one()
    fit, health, empty = (rows[date(2026, 11, d)] for d in (1, 2, 3))
    assert (fit.heart_minutes, fit.heart_points) == (25, None)
    assert fit.field_sources == {"steps": "fit", "heart_minutes": "fit", "weight_kg": "fit"}
    assert (health.heart_minutes, health.heart_points) == (None, 64)  # points, not minutes
    assert health.field_sources == {"steps": "health_api", "heart_points": "health_api"}
    assert empty.field_sources == {}
    assert synced == 2

    command.downgrade(config, "0004_keywords_corrections")
    try:
        with db() as session:
            back = dict(session.execute(text("SELECT date, heart_minutes FROM activity")).all())
            columns = set(session.execute(text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'activity'")).scalars())
        assert back[date(2026, 11, 2)] == 64 and back[date(2026, 11, 1)] == 25
        assert "field_sources" not in columns and "heart_points" not in columns
    finally:
        command.upgrade(config, "head")
