"""Sleep sessions to minutes per day, never counted twice.

Two devices (a watch and a phone app) record the same night as two sessions. Sessions whose
time spans overlap are one night: the one with the most minutes asleep stands for it, the
others are dropped. Sessions that do not overlap (a nap, the next night) all count. A night
counts for the local day it ends on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class SleepSpan:
    start: datetime  # aware
    end: datetime  # aware
    minutes_asleep: int
    end_day: date  # local day the session ended on


def one_per_night(spans: Iterable[SleepSpan]) -> list[SleepSpan]:
    """Group overlapping spans (transitively) and keep the longest sleep of each group."""
    kept: list[SleepSpan] = []
    group: list[SleepSpan] = []
    group_end: datetime | None = None
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if group and group_end is not None and span.start < group_end:
            group.append(span)
            group_end = max(group_end, span.end)
            continue
        if group:
            kept.append(max(group, key=lambda s: (s.minutes_asleep, s.end)))
        group, group_end = [span], span.end
    if group:
        kept.append(max(group, key=lambda s: (s.minutes_asleep, s.end)))
    return kept


def minutes_by_day(spans: Iterable[SleepSpan]) -> dict[date, int]:
    totals: dict[date, int] = defaultdict(int)
    for span in one_per_night(spans):
        totals[span.end_day] += span.minutes_asleep
    return dict(totals)
