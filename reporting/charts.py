# ruff: noqa: E501  (SVG markup reads best one element a line)
"""Charts drawn on the server as SVG: readable with no JavaScript, printable, and the
same in every browser. Each chart is an `<svg role="img">` with a title and a
description; the page puts a table of the same figures behind it and a sentence saying
what it shows (WCAG 1.1.1: the picture is never the only way to the numbers).

Colours come from classes (static/css/reporting.css), never inline styles (the CSP).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ids = count(1)
# The width of a figure written beside a bar ("100.00%"), in SVG units.
VALUE_W = 50
# The width charts are drawn at (SVG units): the page scales them to its column.
WIDTH = 640


def _frame(width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    n = next(_ids)
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-t{n} chart-d{n}" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def tick_step(span: float) -> int:
    """Percentage points between labelled ticks: at most about six labels on an axis
    (every 5 points of 80-100, every 20 of 0-100)."""
    for step in (5, 10, 20, 25):
        if span / step <= 5:
            return step
    return 50


def ticks(low: float) -> range:
    """The labelled ticks of a `low`-100% axis, on multiples of their step."""
    step = tick_step(100 - low)
    return range(-(-int(low) // step) * step, 101, step)


def _num(value) -> float:
    return float(value) if value is not None else 0.0


def bars(
    items: Sequence[tuple[str, Decimal | None]],
    *,
    title: str,
    desc: str,
    floor: float = 80.0,
    target: Decimal | None = None,
) -> SafeString:
    """Horizontal bars of percentages, one per item, from `floor`% to 100% (attendance
    lives between 85 and 100: a 0-100 axis would make every bar look the same); a
    dashed line at the target."""
    label_w, bar_w, row_h = 190, 380, 26
    width, height = label_w + bar_w + 70, row_h * len(items) + 30
    low = min([floor, *(_num(v) for _, v in items if v is not None)])
    low = max(0.0, (int(low) // 5) * 5)

    def x(v: float) -> float:
        return label_w + bar_w * (v - low) / (100 - low) if low < 100 else label_w

    tx = x(_num(target)) if target is not None else None
    body = []
    for i, (label, value) in enumerate(items):
        y = 10 + i * row_h
        body.append(
            f'<text class="chart__label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(label[:28])}</text>"
        )
        if value is None:
            body.append(
                f'<text class="chart__value" x="{label_w + 4}" y="{y + 16}">no sessions</text>'
            )
            continue
        w = max(x(_num(value)) - label_w, 1)
        below = target is not None and value < target
        cls = "chart__bar chart__bar--below" if below else "chart__bar"
        body.append(
            f'<rect class="{cls}" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}"/>'
        )
        vx = label_w + w + 4
        if tx is not None and vx - 4 <= tx <= vx + VALUE_W:
            vx = tx + 5  # the figure starts past the dashed target line, never on it
        body.append(f'<text class="chart__value" x="{vx:.1f}" y="{y + 16}">{value}%</text>')
    axis_y = 10 + len(items) * row_h
    for tick in ticks(low):
        body.append(
            f'<text class="chart__tick" x="{x(tick):.1f}" y="{axis_y + 14}" text-anchor="middle">{tick}</text>'
        )
    if tx is not None:
        body.append(
            f'<line class="chart__target" x1="{tx:.1f}" y1="6" x2="{tx:.1f}" y2="{axis_y}"/>'
        )
    return _frame(width, height, title, desc, body)


def columns(
    items: Sequence[tuple[str, Decimal | None]],
    *,
    title: str,
    desc: str,
    floor: float = 80.0,
    target: Decimal | None = None,
) -> SafeString:
    """Vertical columns of percentages in order (a weekly trend), with the target."""
    left, plot_h, top = 36, 180, 10
    col = max(8, min(28, 640 // max(len(items), 1)))
    # A fixed width, so that a few weeks draw as a few columns, not as giant ones.
    width, height = max(left + col * len(items) + 10, WIDTH), top + plot_h + 60
    low = min([floor, *(_num(v) for _, v in items if v is not None)])
    low = max(0.0, (int(low) // 5) * 5)

    def y(v: float) -> float:
        return top + plot_h * (100 - v) / (100 - low) if low < 100 else top

    body = []
    for tick in ticks(low):
        body.append(
            f'<text class="chart__tick" x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>'
        )
        body.append(
            f'<line class="chart__grid" x1="{left}" y1="{y(tick):.1f}" x2="{width - 10}" y2="{y(tick):.1f}"/>'
        )
    every = max(1, len(items) // 10)
    for i, (label, value) in enumerate(items):
        x0 = left + i * col
        if value is not None:
            top_y = y(_num(value))
            below = target is not None and value < target
            cls = "chart__bar chart__bar--below" if below else "chart__bar"
            body.append(
                f'<rect class="{cls}" x="{x0 + 1}" y="{top_y:.1f}" width="{col - 2}" '
                f'height="{top + plot_h - top_y:.1f}"><title>{escape(label)}: {value}%</title></rect>'
            )
        if i % every == 0:
            body.append(
                f'<text class="chart__tick" x="{x0 + col / 2:.1f}" y="{top + plot_h + 14}" '
                f'text-anchor="end" transform="rotate(-40 {x0 + col / 2:.1f} {top + plot_h + 14})">'
                f"{escape(label.removeprefix('w/c '))}</text>"
            )
    if target is not None:
        ty = y(_num(target))
        body.append(
            f'<line class="chart__target" x1="{left}" y1="{ty:.1f}" x2="{width - 10}" y2="{ty:.1f}"/>'
        )
    return _frame(width, height, title, desc, body)


def grid(
    rows: Sequence[tuple[str, Sequence[tuple[str, Decimal | None]]]],
    *,
    title: str,
    desc: str,
    target: Decimal | None = None,
) -> SafeString:
    """A table of cells (weekday x session), each shaded by how far below the target it
    is, its figure written in it."""
    label_w, cell_w, cell_h = 100, 110, 34
    cols = [c for c, _ in rows[0][1]] if rows else []
    width, height = max(label_w + cell_w * len(cols) + 4, WIDTH), 24 + cell_h * len(rows)
    body = [
        f'<text class="chart__label" x="{label_w + cell_w * j + cell_w / 2}" y="16" '
        f'text-anchor="middle">{escape(c)}</text>'
        for j, c in enumerate(cols)
    ]
    for i, (label, cells) in enumerate(rows):
        y0 = 22 + i * cell_h
        body.append(
            f'<text class="chart__label" x="{label_w - 8}" y="{y0 + 22}" text-anchor="end">{escape(label)}</text>'
        )
        for j, (_, value) in enumerate(cells):
            x0 = label_w + j * cell_w
            band = _band(value, target)
            body.append(
                f'<rect class="chart__cell chart__cell--{band}" x="{x0}" y="{y0}" '
                f'width="{cell_w - 4}" height="{cell_h - 4}"/>'
            )
            text = "–" if value is None else f"{value}%"
            body.append(
                f'<text class="chart__cell-text" x="{x0 + (cell_w - 4) / 2}" y="{y0 + 20}" '
                f'text-anchor="middle">{text}</text>'
            )
    return _frame(width, height, title, desc, body)


def _band(value: Decimal | None, target: Decimal | None) -> str:
    if value is None:
        return "none"
    target = target if target is not None else Decimal(96)
    if value >= target:
        return "ok"
    if value >= Decimal(90):
        return "warn"
    return "bad"


# The colour class of each code's category on the pupil's calendar.
CATEGORY_CLASS = {
    "present": "present",
    "approved_activity": "activity",
    "leave_of_absence": "authorised",
    "authorised_other": "authorised",
    "unauthorised": "unauthorised",
    "unable_to_attend": "notpossible",
    "administrative": "notpossible",
}


def calendar(
    *,
    start: date,
    end: date,
    as_of: date,
    marks: dict[tuple[date, str], str],
    categories: dict[str, str],
    school_days: set[date],
    title: str,
    desc: str,
) -> SafeString:
    """The year as weeks (columns) of weekdays (rows), each day split into its morning
    (top) and afternoon (bottom) session, coloured by the code's category; no mark on a
    past school day is an outlined gap, a school day still to come is pale, a day with
    no school is blank. `school_days` holds the whole year's."""
    if school_days:
        start = max(start, min(school_days))
        end = min(end, max(school_days))
    monday = start - timedelta(days=start.weekday())
    weeks = (end - monday).days // 7 + 1
    cell, left, top = 12, 34, 18
    width, height = left + weeks * (cell + 2) + 4, top + 5 * (cell * 2 + 4) + 4
    body = []
    for d, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri")):
        body.append(
            f'<text class="chart__tick" x="{left - 4}" y="{top + d * (2 * cell + 4) + cell + 4}" text-anchor="end">{name}</text>'
        )
    last_month = None
    for w in range(weeks):
        week = monday + timedelta(weeks=w)
        x0 = left + w * (cell + 2)
        friday = week + timedelta(days=4)
        if friday.month != last_month:
            last_month = friday.month
            body.append(f'<text class="chart__tick" x="{x0}" y="11">{friday:%b}</text>')
        for d in range(5):
            day = week + timedelta(days=d)
            if day < start or day > end or day not in school_days:
                continue
            for k, period in enumerate(("AM", "PM")):
                y0 = top + d * (2 * cell + 4) + k * cell
                code = marks.get((day, period))
                cls = CATEGORY_CLASS.get(categories.get(code, ""), "none") if code else "none"
                if day > as_of and not code:
                    cls = "future"
                label = (
                    f"{day:%a %-d %b} {period}: {code or ('to come' if day > as_of else 'no mark')}"
                )
                body.append(
                    f'<rect class="cal cal--{cls}" x="{x0}" y="{y0}" width="{cell}" '
                    f'height="{cell - 1}"><title>{escape(label)}</title></rect>'
                )
    return _frame(width, height, title, desc, body)
