"""The queries inside grafana/dashboards/*.json, expanded the way Grafana expands them.

Used by tests/test_dashboards_*.py (loaded by path: the tests run with --import-mode=importlib).

SQL (grafana-postgresql-datasource), in Grafana's order:
1. dashboard variables, by the frontend (SqlDatasource.interpolateVariable): a single string value
   has its single quotes doubled and is NOT quoted (the query writes '$var'); multi/All values
   become a comma-separated list of quoted literals; numbers go in as they are;
2. global SQL macros (sqleng Interpolate): $__interval_ms, $__interval, $__unixEpochFrom(),
   $__unixEpochTo();
3. the PostgreSQL macro engine (pkg/tsdb/grafana-postgresql-datasource/macros.go): every
   `$name(args)` is a macro, args split on ',' and trimmed; unknown names are errors.
   Times are UTC in Go's RFC3339Nano ('2026-11-27T14:00:00Z', trailing fraction zeros dropped).
PromQL: $__rate_interval, $__interval, $__range (and their _ms/_s forms) are replaced with
durations, dashboard variables like SQL single values (no quoting).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD_DIR = ROOT / "grafana" / "dashboards"
DATASOURCES_FILE = ROOT / "grafana" / "provisioning" / "datasources" / "datasources.yml"
POSTGRES_TYPES = {"grafana-postgresql-datasource", "postgres"}

_MACRO = re.compile(r"\$([_a-zA-Z0-9]+)\(([^\)]*)\)")
_VARIABLE = re.compile(
    r"\$\{([_a-zA-Z0-9]+)(?::[^}]*)?\}|\[\[([_a-zA-Z0-9]+)\]\]|\$([_a-zA-Z0-9]+)"
)
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d|w|y)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800,
                 "y": 31536000}


class MacroError(ValueError):
    """Grafana would answer this query with a macro error."""


@dataclass(frozen=True)
class Target:
    dashboard: str
    panel: str
    ref_id: str
    datasource: dict[str, str]
    text: str  # rawSql, expr, or a variable's query
    kind: str  # "panel" or "variable"
    format: str = "table"

    @property
    def name(self) -> str:
        return f"{self.dashboard}/{self.panel}/{self.ref_id}"


def load_dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text("utf-8")) for p in sorted(DASHBOARD_DIR.glob("*.json"))}


def iter_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every panel, including those nested in collapsed rows."""
    for panel in panels:
        yield panel
        yield from iter_panels(panel.get("panels", []))


def iter_targets(dashboards: Mapping[str, dict[str, Any]] | None = None) -> Iterator[Target]:
    for file_name, board in (dashboards or load_dashboards()).items():
        for panel in iter_panels(board.get("panels", [])):
            for target in panel.get("targets", []):
                ds = target.get("datasource") or panel.get("datasource") or {}
                is_sql = ds.get("type") in POSTGRES_TYPES
                text = target.get("rawSql") if is_sql else target.get("expr")
                if text is not None:
                    yield Target(file_name, panel.get("title", ""), target.get("refId", ""), ds,
                                 text, "panel", target.get("format", "table"))
        for variable in board.get("templating", {}).get("list", []):
            if variable.get("type") == "query":
                query = variable.get("query")
                text = query.get("query") if isinstance(query, dict) else query
                yield Target(file_name, f"${variable['name']}", "var", variable["datasource"],
                             text, "variable")


def sql_targets() -> list[Target]:
    return [t for t in iter_targets() if t.datasource.get("type") in POSTGRES_TYPES]


def promql_targets() -> list[Target]:
    return [t for t in iter_targets() if t.datasource.get("type") == "prometheus"]


# ----------------------------------------------------------------------------- variables
def interpolate_variables(text: str, values: Mapping[str, str | int | float | list[str]],
                          multi: frozenset[str] = frozenset()) -> str:
    """Grafana's templateSrv.replace with SqlDatasource.interpolateVariable as the formatter.

    Built-in `$__...` names are left for the backend; any other unknown variable is an error,
    because Grafana would send it to the database as it is.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        if name.startswith("__"):
            return match.group(0)
        if name not in values:
            raise KeyError(f"query uses undefined variable ${name}")
        value = values[name]
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, list):
            return ",".join(quote_literal(v) for v in value)
        if name in multi:
            return quote_literal(value)
        return value.replace("'", "''")

    return _VARIABLE.sub(replace, text)


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --------------------------------------------------------------------------------- times
def rfc3339nano(moment: datetime) -> str:
    """Go's time.RFC3339Nano of moment.UTC(): fraction without trailing zeros, 'Z'."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += ("." + f"{utc.microsecond:06d}").rstrip("0")
    return text + "Z"


def parse_interval(text: str) -> timedelta:
    """gtime.ParseInterval for the forms dashboards use ('1d', '5m', '30s', '1w')."""
    match = _DURATION.match(text.strip().strip("'"))
    if not match:
        raise MacroError(f"error parsing interval {text}")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def format_interval(delta: timedelta) -> str:
    """gtime.FormatInterval: the largest whole unit ('1d', '2h', '30s', '500ms')."""
    ms = int(delta.total_seconds() * 1000)
    for unit, seconds in (("y", 31536000), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if ms >= seconds * 1000 and ms % (seconds * 1000) == 0:
            return f"{ms // (seconds * 1000)}{unit}"
    return f"{ms}ms"


# -------------------------------------------------------------------------------- macros
def _fmt_seconds(seconds: float) -> str:
    """Go's %v of a float64 (shortest digits; exponent form from 1e6 on, or below 1e-4):
    86400 → '86400', 0.5 → '0.5', 2592000 → '2.592e+06'."""
    sign, digits, exponent = Decimal(repr(float(seconds))).normalize().as_tuple()
    assert isinstance(exponent, int)
    exp10 = len(digits) + exponent - 1
    text = "".join(map(str, digits))
    if exp10 < -4 or exp10 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{'-' if sign else ''}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    return format(Decimal(repr(float(seconds))).normalize(), "f")


def _macro(name: str, args: list[str], start: datetime, end: datetime) -> str:
    column = args[0] if args and args[0] else None

    def need_column() -> str:
        if column is None:
            raise MacroError(f"missing time column argument for macro {name}")
        return column

    if name == "__time":
        return f'{need_column()} AS "time"'
    if name == "__timeEpoch":
        return f'extract(epoch from {need_column()}) as "time"'
    if name == "__timeFilter":
        return f"{need_column()} BETWEEN '{rfc3339nano(start)}' AND '{rfc3339nano(end)}'"
    if name == "__timeFrom":
        return f"'{rfc3339nano(start)}'"
    if name == "__timeTo":
        return f"'{rfc3339nano(end)}'"
    if name in ("__timeGroup", "__timeGroupAlias", "__unixEpochGroup", "__unixEpochGroupAlias"):
        if len(args) < 2:
            raise MacroError(f"macro {name} needs time column and interval and optional fill value")
        seconds = _fmt_seconds(parse_interval(args[1]).total_seconds())
        if name.startswith("__timeGroup"):
            group = f"floor(extract(epoch from {args[0]})/{seconds})*{seconds}"
        else:
            group = f"floor(({args[0]})/{seconds})*{seconds}"
        return group + (' AS "time"' if name.endswith("Alias") else "")
    if name == "__unixEpochFilter":
        c = need_column()
        return f"{c} >= {int(start.timestamp())} AND {c} <= {int(end.timestamp())}"
    if name == "__unixEpochNanoFilter":
        c = need_column()
        return f"{c} >= {_nanos(start)} AND {c} <= {_nanos(end)}"
    if name == "__unixEpochNanoFrom":
        return str(_nanos(start))
    if name == "__unixEpochNanoTo":
        return str(_nanos(end))
    raise MacroError(f"unknown macro {name!r}")


def _nanos(moment: datetime) -> int:
    return math.floor(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def expand_sql(raw_sql: str, start: datetime, end: datetime,
               variables: Mapping[str, str | int | float | list[str]],
               interval: timedelta = timedelta(minutes=1),
               multi: frozenset[str] = frozenset()) -> str:
    sql = interpolate_variables(raw_sql, variables, multi)
    sql = sql.replace("$__interval_ms", str(int(interval.total_seconds() * 1000)))
    sql = sql.replace("$__interval", format_interval(interval))
    sql = sql.replace("$__unixEpochFrom()", str(int(start.timestamp())))
    sql = sql.replace("$__unixEpochTo()", str(int(end.timestamp())))

    def replace(match: re.Match[str]) -> str:
        name, arg_text = match.group(1), match.group(2)
        if name == "__timeGroup":
            # Grafana: a ',' right after $__timeGroup(...) means the pre-5.3 "AS time" form.
            tail = sql[match.end():match.end() + 1]
            if tail == ",":
                name = "__timeGroupAlias"
        args = [a.strip(" ") for a in arg_text.split(",")]
        return _macro(name, args, start, end)

    return _MACRO.sub(replace, sql)


def expand_promql(expr: str, range_: timedelta, scrape_interval: timedelta,
                  variables: Mapping[str, str] | None = None,
                  interval: timedelta = timedelta(seconds=15)) -> str:
    """Grafana's Prometheus interpolation: $__rate_interval = max(interval + scrape interval,
    4 × scrape interval); $__range and $__interval as durations in whole seconds."""
    rate_interval = max(interval + scrape_interval, 4 * scrape_interval)
    for name, value in (
        ("$__rate_interval_ms", str(int(rate_interval.total_seconds() * 1000))),
        ("$__rate_interval", format_interval(rate_interval)),
        ("$__range_ms", str(int(range_.total_seconds() * 1000))),
        ("$__range_s", str(int(range_.total_seconds()))),
        ("$__range", f"{int(range_.total_seconds())}s"),
        ("$__interval_ms", str(int(interval.total_seconds() * 1000))),
        ("$__interval", format_interval(interval)),
    ):
        expr = expr.replace(name, value)
    return interpolate_variables(expr, variables or {})
