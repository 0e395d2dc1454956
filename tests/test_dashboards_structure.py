"""Structure of the Grafana provisioning: the dashboards load as they are, every panel points at
a provisioned datasource, uids are stable and unique, and nothing is an "export for sharing"."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: find the helper
import dashboard_queries as dq

GRAFANA = dq.ROOT / "grafana"
DASHBOARDS = dq.load_dashboards()
EXPECTED = {"health.json": "lifeboard-health", "finance.json": "lifeboard-finance",
            "system.json": "lifeboard-system"}


def _datasources() -> list[dict[str, Any]]:
    return yaml.safe_load(dq.DATASOURCES_FILE.read_text("utf-8"))["datasources"]


def _refs(node: Any) -> list[dict[str, Any]]:
    """Every datasource reference anywhere in a dashboard (panels, targets, variables)."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        ds = node.get("datasource")
        if isinstance(ds, dict):
            found.append(ds)
        elif ds is not None:
            found.append({"uid": ds, "type": None})  # a bare name or "${DS_...}" string
        for value in node.values():
            found += _refs(value)
    elif isinstance(node, list):
        for value in node:
            found += _refs(value)
    return found


def test_the_three_dashboards_exist_with_stable_unique_uids() -> None:
    assert {name: board["uid"] for name, board in DASHBOARDS.items()} == EXPECTED
    titles = [board["title"] for board in DASHBOARDS.values()]
    assert len(set(titles)) == len(titles)


def test_files_are_plain_json_without_export_placeholders() -> None:
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        text = path.read_text("utf-8")
        json.loads(text)
        assert "${DS_" not in text and "__inputs" not in text and "__requires" not in text, path
        board = json.loads(text)
        assert board.get("id") is None, "a provisioned dashboard must not carry a database id"


def test_datasources_are_provisioned_with_pinned_uids() -> None:
    by_uid = {ds["uid"]: ds for ds in _datasources()}
    assert set(by_uid) == {"lifeboard-postgres", "lifeboard-prometheus"}
    pg = by_uid["lifeboard-postgres"]
    assert pg["type"] == "grafana-postgresql-datasource"
    assert pg["url"] == "db:5432"
    assert pg["user"] == "$GRAFANA_DB_USER"
    assert pg["secureJsonData"]["password"] == "$GRAFANA_DB_PASSWORD"
    assert pg["jsonData"]["database"] == "$POSTGRES_DB"  # under jsonData since Grafana 12.2
    assert "database" not in pg and "password" not in pg
    prom = by_uid["lifeboard-prometheus"]
    assert (prom["type"], prom["url"]) == ("prometheus", "http://prometheus:9090")


def test_dashboard_provider_loads_the_folder() -> None:
    config = yaml.safe_load((GRAFANA / "provisioning/dashboards/dashboards.yml").read_text("utf-8"))
    [provider] = config["providers"]
    assert provider["type"] == "file" and provider["folder"] == "Lifeboard"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_datasource_reference_is_provisioned(name: str) -> None:
    provisioned = {(ds["uid"], ds["type"]) for ds in _datasources()}
    refs = _refs(DASHBOARDS[name])
    assert refs
    for ref in refs:
        assert (ref.get("uid"), ref.get("type")) in provisioned, ref


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_panels_are_complete_and_laid_out(name: str) -> None:
    board = DASHBOARDS[name]
    panels = list(dq.iter_panels(board["panels"]))
    ids = [p["id"] for p in panels]
    assert len(set(ids)) == len(ids)
    titles = [p["title"] for p in panels]
    assert len(set(titles)) == len(titles)
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        assert panel["targets"] and panel["title"] and panel.get("description"), panel["title"]
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24
        area = {(grid["x"] + dx, grid["y"] + dy) for dx in range(grid["w"])
                for dy in range(grid["h"])}
        assert not cells & area, f"{panel['title']} overlaps another panel"
        cells |= area
        refs = [t["refId"] for t in panel["targets"]]
        assert len(set(refs)) == len(refs)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_variables_used_are_defined(name: str) -> None:
    board = DASHBOARDS[name]
    defined = {v["name"] for v in board["templating"]["list"]}
    text = json.dumps(board["panels"]) + json.dumps(board["templating"])
    used = {m for m in re.findall(r"\$\{?([A-Za-z_]\w*)", text) if not m.startswith("__")}
    assert used <= defined, used - defined


def test_time_zone_and_day_grouping() -> None:
    for board in DASHBOARDS.values():
        # Env interpolation does not work in dashboard JSON; the browser's zone is the user's.
        assert board["timezone"] == "browser"
    for target in dq.sql_targets():
        # Days are the local date columns, never UTC epoch buckets.
        assert "$__timeGroup" not in target.text and "$__unixEpochGroup" not in target.text


def test_issue_questions_have_panels() -> None:
    def titles(name: str) -> str:
        return " | ".join(p["title"] for p in dq.iter_panels(DASHBOARDS[name]["panels"]))

    health, finance, system = titles("health.json"), titles("finance.json"), titles("system.json")
    for wanted in ("Steps today", "Step goal", "7-day average", "Distance", "Calories",
                   "Active and heart minutes", "Sleep", "Weight", "Heart rate", "Heart points",
                   "Source per day", "Sync per provider"):
        assert wanted in health
    for wanted in ("Spent today", "this month", "last month", "per day", "per month",
                   "By shop", "By category", "Top products", "Price history", "Receipts",
                   "Latest receipts"):
        assert wanted in finance
    for wanted in ("Request rate", "Latency", "Error ratio", "OCR worker", "OCR duration",
                   "Queue depth", "Oldest pending job", "Failed jobs", "Last health sync",
                   "Health provider", "Health days missing"):
        assert wanted in system
