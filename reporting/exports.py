"""Exports of the attendance figures (DESIGN.md §9): rows built from `registers.stats`,
written as CSV or JSON. The figures are never computed here, only laid out."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from registers import stats

REPORT_COLUMNS_BEFORE_CODES = (
    "upn",
    "possible",
    "attended",
    "present",
    "approved_activity",
    "authorised",
    "unauthorised",
    "lates",
    "attendance_pct",
    "persistent_absence",
    "severe_absence",
)


def report_columns() -> list[str]:
    return [*REPORT_COLUMNS_BEFORE_CODES, *stats.codes_in_order()]


def attendance_rows(*, school, start: date, end: date) -> list[dict]:
    """One row per pupil on roll at any time in the range, by UPN; persistent and
    severe absence are over the range. Two queries whatever the number of pupils."""
    pupils = list(
        stats.on_roll(school=school, start=start, end=end).order_by("upn").values_list("pk", "upn")
    )
    summaries = stats.summarise(
        school=school, start=start, end=end, pupils=[pk for pk, _ in pupils]
    )
    return [{"upn": upn, **summaries[pk].as_row()} for pk, upn in pupils]


def indicator_rows(*, school, as_of: date) -> list[dict]:
    """`{"upn", "indicators"}` for every pupil on roll at any time from the start of the
    academic year to the as-of date, by UPN, each over their own time on roll (DESIGN.md
    §6, §9 `pupil_indicators`: a pupil who left in March having missed 10% is still a
    persistent absentee of that year)."""
    held = stats.indicators(school=school, as_of=as_of)
    pupils = stats.indicator_roll(school=school, as_of=as_of).order_by("upn")
    return [{"upn": upn, "indicators": held[pk]} for pk, upn in pupils.values_list("pk", "upn")]


def _csv_value(value) -> str:
    # true/false as in the JSON, so one reader handles both formats.
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def as_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(row[c]) for c in columns])
    return out.getvalue()


def json_value(value):
    # A percentage is a number in JSON (96.5 for 96.50); exact to the 2 decimals shown.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def as_json(rows: list[dict]) -> str:
    data = [{k: json_value(v) for k, v in row.items()} for row in rows]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
