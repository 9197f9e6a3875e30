"""A decision's figures in words, for the queue, the case page and the evidence pack.

The night keeps its evidence as `{metric key: figure}` with the keys of
`escalation.engine.figures.metric_key` (`attendance_pct[block 6]`,
`unauthorised[weeks 10 rearmed]`, `consecutive_days[G,N,O]`, `indicator[long_illness]`,
a staged track's own windows prefixed `attendance:`). Each becomes a short label and a
value ("Attendance, the last 10 school weeks: 88.46%"). A key this module does not know
is shown as it is, never dropped: the person approving sees every figure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass

from ..ladder import WINDOW_KINDS

_KEY = re.compile(r"^(?:(?P<track>[a-z_]+):)?(?P<kind>[a-z_]+)\[(?P<inside>[^\]]*)\]$")

_WHAT = {
    "attendance_pct": "Attendance",
    "absence_pct": "Absence",
    "possible": "Possible sessions",
    "unauthorised": "Unauthorised sessions (G, N, O, U)",
    "lates": "Late arrivals (L)",
    "refused_leave_taken": "Sessions of refused leave taken",
}
_INDICATORS = {
    "persistent_absence": "Persistently absent (10% or more this year)",
    "severe_absence": "Severely absent (50% or more this year)",
    "penalty_threshold": "10 or more unauthorised sessions in 10 school weeks",
    "missing_from_school": "Every session of the last 10 school days missed, unexplained",
    "deletion_review": "Every session of the last 20 school days missed, unexplained",
    "long_illness": "30 or more sessions of illness this year",
}
# Plain keys some evidence carries beside the metric keys.
_PLAIN = {
    "possible": "Possible sessions",
    "attendance_pct": "Attendance",
    "notice_number": "Penalty notice number (within 3 years)",
    "amount_gbp": "Amount if paid within 21 days (£)",
    "sessions_counted": "Unauthorised sessions counted",
    "stage_since": "At this stage since",
}


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


def _window_words(text: str) -> tuple[str, list[str]]:
    """('the last 10 school weeks', extra words) from `weeks 10 rearmed`."""
    parts = text.split()
    if not parts:
        return "", []
    kind, rest = parts[0], parts[1:]
    n = None
    if rest and rest[0].isdigit():
        n, rest = int(rest[0]), rest[1:]
    known = WINDOW_KINDS.get(kind)
    words = known[1].format(n=n) if known else text
    return words, rest


def _value(kind: str, value) -> str:
    if value is None:
        return "no figure (no possible sessions)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        # A percentage as the night keeps it: {"pct": "88.46", "exact": "23/26",
        # "possible": 78}; the exact fraction decided, the rounded figure is shown.
        if "pct" in value:
            text = "no figure" if value["pct"] is None else f"{value['pct']}%"
            if value.get("possible") is not None:
                text += f" of {value['possible']} possible sessions"
            return text
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items())
    if kind in ("attendance_pct", "absence_pct"):
        return f"{value}%"
    return str(value)


def figure(key: str, value) -> Figure:
    match = _KEY.match(key)
    if match is None:
        if key == "stage_since" and isinstance(value, str):
            with contextlib.suppress(ValueError):  # an ISO date, shown as 9 Nov 2026
                day = dt.date.fromisoformat(value)
                value = f"{day.day} {day:%b %Y}"
        return Figure(_PLAIN.get(key, key.replace("_", " ").capitalize()), _value(key, value))
    kind, inside, track = match["kind"], match["inside"], match["track"]
    if kind == "indicator":  # the night keeps 1 (holds) or 0
        held = "yes" if value in (1, True, "1") else "no" if value in (0, False, "0") else value
        return Figure(_INDICATORS.get(inside, inside.replace("_", " ")), _value("flag", held))
    if kind == "consecutive_days":
        return Figure(f"School days absent in a row ({inside.replace(',', ', ')})", str(value))
    window, extra = _window_words(inside)
    codes = [w for w in extra if w != "rearmed"]
    what = _WHAT.get(kind, kind.replace("_", " ").capitalize())
    if kind == "sessions" and codes:
        what = f"Sessions coded {codes[0].replace(',', ', ')}"
    label = f"{what}, {window}" if window else what
    if track:
        label += f" ({track} stage)"
    if "rearmed" in extra:
        label += ", after the last notice"
    return Figure(label, _value(kind, value))


def figures(evidence: dict | None) -> list[Figure]:
    """Every figure of a decision's evidence, in the order the night wrote them."""
    return [figure(str(key), value) for key, value in (evidence or {}).items()]
