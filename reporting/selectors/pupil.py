"""One pupil's year: the marks by session, figures by reason, the forecast and one
timeline of everything every app recorded about them (`registers.models.Event`).

The timeline reads events generically: each kind's label comes from the kinds the apps
declared (`registers.events.KINDS`) and its parameters are put in plain English by name
(`describe`): a value of a parameter named as a model field with choices reads as that
choice's label (outcome, status, stage, track, channel...), dates as dates, booleans as
Yes/No, lists of actions and dicts of evidence as short phrases. A later app's events
appear here without code in reporting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from django.apps import apps

from registers import metrics, stats
from registers.codes import code_rules
from registers.events import KINDS
from registers.forecast import Forecast, pupil_forecasts
from registers.models import AttendanceCode, Event, Pupil, School

TIMELINE_LIMIT = 200
# Parameters that are ids (for machines): left out of the timeline's text.
_HIDDEN = ("_id", "id")


@dataclass
class TimelineEntry:
    when: object
    kind: str
    label: str
    actor: str
    role: str
    details: list[tuple[str, str]]


@dataclass
class ReasonRow:
    code: str
    meaning: str
    reason: str
    sessions: int


@dataclass
class PupilYear:
    pupil: Pupil
    start: date
    end: date  # as-of (the figures run to it)
    year_end: date
    summary: stats.Summary
    marks: dict[tuple[date, str], str]
    school_days: set[date]
    categories: dict[str, str]
    reasons: list[ReasonRow]
    forecast: Forecast
    timeline: list[TimelineEntry]
    codes_used: list[tuple[str, str, str]]  # (code, meaning, category) for the legend


# How some parameters read: their name on the page (the rest: "first_day" -> "First day").
PARAM_NAMES = {
    "as_of": "For the night of",
    "on": "On",
    "letter_kind": "Letter",
    "requires_approval": "Needs approval",
}
# Parameters named after another field's choices ("from_stage" reads as a stage).
PARAM_CHOICES = {"from_stage": "stage", "to_stage": "stage", "letter_kind": "kind"}


@cache
def choice_labels() -> dict[str, dict[str, str]]:
    """{field name: {value: label}} over every model field with choices, in the order the
    apps are installed (the first app to declare a value's label wins)."""
    found: dict[str, dict[str, str]] = {}
    for model in apps.get_models():
        for f in model._meta.get_fields():
            choices = getattr(f, "choices", None)
            if not choices or not getattr(f, "name", ""):
                continue
            labels = found.setdefault(f.name, {})
            for value, label in choices:
                if isinstance(value, str) and not isinstance(label, list | tuple):
                    labels.setdefault(value, str(label))
    return found


def _words(value: str) -> str:
    """A code-like value as words: "text_sent" -> "text sent"."""
    return value.replace("_", " ").replace("-", " ").strip()


def _sentence(value: str) -> str:
    text = _words(value)
    return text[:1].upper() + text[1:]


def _date_text(value) -> str | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            return f"{date.fromisoformat(value):%-d %b %Y}"
        except ValueError:
            return None
    return None


def _value(key: str, value) -> str:
    """One parameter's value in plain English."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str):
        labels = choice_labels().get(PARAM_CHOICES.get(key, key), {})
        if value in labels:
            return labels[value]
        if key == "rule" and "/" in value:  # <preset>/<RULES.md id>
            preset, rule = value.split("/", 1)
            return f"{rule} ({_words(preset)} policy)"
        as_date = _date_text(value)
        if as_date:
            return as_date
        if value.isidentifier() and value.islower():  # an enum value not declared as choices
            return _sentence(value)
        return value
    if isinstance(value, list):
        return "; ".join(filter(None, (_item(v) for v in value)))
    if isinstance(value, dict):
        return "; ".join(
            f"{_words(k)} {_figure(v)}"
            for k, v in value.items()
            if not k.endswith(_HIDDEN) and v not in (None, "", [], {})
        )
    return str(value)


def _item(value) -> str:
    """One action of a list ({"type": "task", "kind": "meeting"} -> "meeting task")."""
    if not isinstance(value, dict):
        return _value("", value)
    kind, type_ = value.get("kind") or "", value.get("type") or ""
    label = choice_labels().get("kind", {}).get(kind)
    if label is None:
        label = f"{_words(kind)} {_words(type_) if _words(type_) not in _words(kind) else ''}"
    label = label.strip()
    return label[:1].lower() + label[1:] if not label[1:2].isupper() else label


def _figure(value) -> str:
    """A figure of evidence: {"pct": "88.50", ...} -> "88.50%", a date as a date."""
    if isinstance(value, dict) and "pct" in value:
        return f"{value['pct']}%" if value["pct"] is not None else "no figure"
    return _date_text(value) or str(value)


def _details(params: dict) -> list[tuple[str, str]]:
    """The event's parameters as (name, value) in plain English; ids and empty values
    left out; a stage change as one line ("No stage → Stage 1")."""
    params = {
        k: v for k, v in params.items() if not k.endswith(_HIDDEN) and v not in (None, "", [], {})
    }
    out = []
    if "from_stage" in params and "to_stage" in params:
        stages = f"{_value('from_stage', params.pop('from_stage'))} → "
        out.append(("Stage", stages + _value("to_stage", params.pop("to_stage"))))
    for key in ("as_of", "on"):  # the day the entry is about first
        if key in params:
            out.insert(0, (PARAM_NAMES[key], _value(key, params.pop(key))))
    for key, value in params.items():
        text = _value(key, value)
        if text:
            out.append((PARAM_NAMES.get(key, _sentence(key)), text))
    return out


# Events that name a row whose date is the day they are about, not the time they were
# written: an escalation decision is for a night ("as_of"), stored after it.
# {param: (app label, model, date field)}
DATED_BY = {"decision_id": ("escalation", "Decision", "on")}


def _dated(school, events) -> None:
    """Add the night (as_of) to each event naming a dated row, one query per kind of row
    named (none when no event names one)."""
    for param, (app, model_name, field_name) in DATED_BY.items():
        named = [e for e in events if param in e.params and "as_of" not in e.params]
        if not named:
            continue
        model = apps.get_model(app, model_name)
        ids = {e.params[param] for e in named}
        days = dict(model.objects.filter(school=school, pk__in=ids).values_list("pk", field_name))
        for e in named:
            if e.params[param] in days:
                e.params = {**e.params, "as_of": days[e.params[param]].isoformat()}


def timeline(*, school: School, pupil: Pupil, limit: int = TIMELINE_LIMIT) -> list[TimelineEntry]:
    """The pupil's events, newest first, from every app. One query (and one for the
    nights of escalation decisions, when there are any)."""
    events = list(
        Event.objects.filter(school=school, pupil=pupil).order_by("-occurred_at", "-id")[:limit]
    )
    _dated(school, events)
    return [
        TimelineEntry(
            when=e.occurred_at,
            kind=e.kind,
            label=KINDS.get(e.kind, e.kind.replace("_", " ").capitalize()),
            actor=e.actor_name,
            role=e.actor_role,
            details=_details(e.params),
        )
        for e in events
    ]


def pupil_year(*, school: School, pupil: Pupil, as_of: date) -> PupilYear:
    """The academic year holding as-of, to as-of. About eight queries."""
    calendar = metrics.SchoolCalendar(school)
    start, year_end = calendar.year(as_of)
    end = min(as_of, year_end)
    rows = (
        stats.marks_on_roll(school=school, start=start, end=end, pupils=[pupil.pk])
        .order_by()
        .values_list("date", "session__period", "code_id", "reason__name")
    )
    marks, reasons = {}, {}
    summary = stats.Summary(pupil_id=pupil.pk)
    rules = code_rules()
    for day, period, code, reason in rows:
        marks[(day, period)] = code
        summary.add(code, 1)
        rule = rules[code]
        if rule.authorised or rule.unauthorised:
            key = (code, reason or "")
            reasons[key] = reasons.get(key, 0) + 1
    meanings = dict(AttendanceCode.objects.values_list("code", "meaning"))
    categories = {code: rule.category for code, rule in rules.items()}
    used = sorted(set(marks.values()), key=lambda c: list(rules).index(c))
    return PupilYear(
        pupil=pupil,
        start=start,
        end=end,
        year_end=year_end,
        summary=summary,
        marks=marks,
        school_days=set(calendar.school_days(metrics.Bounds(start, year_end))),
        categories=categories,
        reasons=sorted(
            (ReasonRow(c, meanings.get(c, ""), r, n) for (c, r), n in reasons.items()),
            key=lambda row: (-row.sessions, row.code, row.reason),
        ),
        forecast=pupil_forecasts(school=school, as_of=as_of, pupils=[pupil.pk], calendar=calendar)[
            pupil.pk
        ],
        timeline=timeline(school=school, pupil=pupil),
        codes_used=[(c, meanings.get(c, ""), categories[c]) for c in used],
    )


__all__ = ["PupilYear", "pupil_year", "timeline"]
