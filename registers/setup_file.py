"""Reading and checking a school's setup file (DESIGN.md §9 `setup_school`,
reference/school-example.toml): every problem is named by its key (`terms[2].half_term`)
so the person editing the file can find it, and a bad file is refused whole
(`SetupRefused`) before anything is written (`registers.setup`)."""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError

from .models import (
    Closure,
    Period,
    School,
    Trust,
)
from .schooldays import academic_year_bounds
from .validation import date_problem

# The escalation presets, one for each school policy in policies/ (DESIGN.md §8).
POLICY_PRESETS = ("blue-sky", "burton-hathow", "dsat", "banks-lane", "leeds")

TOP_LEVEL_KEYS = {"trust", "school", "sessions", "terms", "closures"}
TRUST_KEYS = {"slug", "name"}
# TOML key -> School field.
SCHOOL_KEYS = {
    "slug": "slug",
    "name": "name",
    "urn": "urn",
    "la_code": "la_code",
    "estab": "estab",
    "phase": "phase",
    "attendance_target": "attendance_target",
    "policy": "policy_preset",
    "address": "address",
    "phone": "phone",
    "email": "email",
    "replace_overdue_n_with_o": "replace_overdue_n_with_o",
    "timezone": "timezone",
    "session_idle_minutes": "session_idle_minutes",
}
SCHOOL_DIGITS = {"urn": (6, 7), "la_code": (3, 3), "estab": (4, 4)}
TIME_KEYS = ("opens", "late_after", "closes")
TERM_KEYS = {"name", "starts", "ends", "half_term"}
CLOSURE_KEYS = {"date", "reason", "kind"}
# A school's pages live at /<slug>/: these would be hidden behind the site's own pages.
RESERVED_SLUGS = frozenset({"accounts", "admin", "api", "static", "media"})


class SetupRefused(ValidationError):
    """The file was refused and nothing was changed; `problems` are "key: message"."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(problems)

    def report(self) -> str:
        lines = ["The setup file was refused and nothing was changed:"]
        return "\n".join(lines + [f"  {p}" for p in self.problems])


@dataclass
class TermPlan:
    name: str
    starts: date
    ends: date
    half_term: tuple[date, date] | None
    year_starts: date


@dataclass
class SetupPlan:
    """A checked setup file: plain values, nothing written yet."""

    trust: dict | None
    school: dict
    times: dict[str, dict[str, time]]
    terms: list[TermPlan]
    closures: list[dict]

    @property
    def years(self) -> list[tuple[date, date]]:
        return sorted({academic_year_bounds(t.starts) for t in self.terms})


# ---- Reading and checking ----------------------------------------------------------------


def read_setup_file(path: str | Path) -> dict:
    try:
        with Path(path).open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise SetupRefused([f"There is no file {path}."]) from exc
    except OSError as exc:
        raise SetupRefused([f"Cannot read {path}: {exc.strerror}."]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SetupRefused([f"The file is not valid TOML: {exc}."]) from exc
    except UnicodeDecodeError as exc:
        raise SetupRefused(["The file is not UTF-8 text."]) from exc


class _Checker:
    def __init__(self):
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def table(self, config: Mapping, key: str, *, required: bool = True) -> Mapping | None:
        value = config.get(key)
        if value is None:
            if required:
                self.problem(key, "missing (a [" + key + "] table is required).")
            return None
        if not isinstance(value, Mapping):
            self.problem(key, "must be a table.")
            return None
        return value

    def unknown(self, table: Mapping, allowed, prefix: str) -> None:
        for key in sorted(set(table) - set(allowed)):
            self.problem(f"{prefix}{key}", "unknown key (misspelt?).")

    def text(self, table: Mapping, key: str, path: str, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None or value == "":
            if required:
                self.problem(path, "missing.")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(path, "must be text in quotes.")
            return ""
        if isinstance(value, str) and "\x00" in value:
            # TOML allows an escaped NUL; the database cannot store one.
            self.problem(path, "may not contain a NUL character (\\u0000).")
            return ""
        return str(value).strip()

    def date(self, value, path: str) -> date | None:
        day = None
        if isinstance(value, date) and not hasattr(value, "hour"):
            day = value
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                day = date.fromisoformat(value)
        if day is not None:
            problem = date_problem(day)
            if problem:
                self.problem(path, problem)
                return None
            return day
        if value is None:
            self.problem(path, "missing.")
        else:
            self.problem(path, f"{value!r} is not a date (YYYY-MM-DD).")
        return None

    def time(self, value, path: str) -> time | None:
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        if value is None:
            self.problem(path, "missing.")
        else:
            self.problem(path, f"{value!r} is not a time (HH:MM, 24-hour clock).")
        return None


def check_setup(config: Mapping) -> SetupPlan:
    """Check a parsed setup file; raises SetupRefused naming every bad key."""
    c = _Checker()
    c.unknown(config, TOP_LEVEL_KEYS, "")
    plan = SetupPlan(
        trust=_check_trust(c, config),
        school=_check_school(c, config),
        times=_check_times(c, config),
        terms=_check_terms(c, config),
        closures=[],
    )
    plan.closures = _check_closures(c, config, plan.terms)
    if c.problems:
        raise SetupRefused(c.problems)
    return plan


def _model_problems(
    c: _Checker, instance, fields: Mapping[str, str], prefix: str, exclude=()
) -> None:
    """Field checks of the model itself (lengths, slugs, emails), named by TOML key."""
    keys = {model_field: key for key, model_field in fields.items()}
    try:
        instance.full_clean(
            exclude=["trust", *exclude], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                c.problem(f"{prefix}{keys.get(name, name)}", message)


def _check_trust(c: _Checker, config: Mapping) -> dict | None:
    table = c.table(config, "trust", required=False)
    if table is None:
        return None
    c.unknown(table, TRUST_KEYS, "trust.")
    values = {key: c.text(table, key, f"trust.{key}") for key in ("slug", "name")}
    if all(values.values()):
        _model_problems(c, Trust(**values), {k: k for k in TRUST_KEYS}, "trust.")
    return values


def _check_school(c: _Checker, config: Mapping) -> dict:
    """The School fields the file gives; keys it leaves out keep their saved values."""
    table = c.table(config, "school")
    if table is None:
        return {}
    c.unknown(table, SCHOOL_KEYS, "school.")
    values: dict = {key: c.text(table, key, f"school.{key}") for key in ("slug", "name")}
    for key in (
        "urn",
        "la_code",
        "estab",
        "address",
        "phone",
        "email",
        "phase",
        "policy",
        "timezone",
    ):
        if key in table:
            values[SCHOOL_KEYS[key]] = c.text(table, key, f"school.{key}", required=False)
    for key, (shortest, longest) in SCHOOL_DIGITS.items():
        value = values.get(key)
        if value and not (value.isdigit() and shortest <= len(value) <= longest):
            size = f"{shortest}" if shortest == longest else f"{shortest} or {longest}"
            c.problem(f"school.{key}", f"{value!r} must be {size} digits.")
    if "phase" in values and values["phase"] not in School.Phase.values:
        c.problem("school.phase", f"must be one of {', '.join(School.Phase.values)}.")
    policy = values.get("policy_preset")
    if policy and policy not in POLICY_PRESETS:
        c.problem("school.policy", f"{policy!r} is not one of {', '.join(POLICY_PRESETS)}.")
    if "attendance_target" in table:
        values["attendance_target"] = _check_target(c, table["attendance_target"])
    if "replace_overdue_n_with_o" in table:
        overdue = table["replace_overdue_n_with_o"]
        if not isinstance(overdue, bool):
            c.problem("school.replace_overdue_n_with_o", "must be true or false.")
        values["replace_overdue_n_with_o"] = overdue is True
    if "session_idle_minutes" in table:
        minutes = table["session_idle_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            c.problem("school.session_idle_minutes", "must be a whole number of minutes.")
        else:
            values["session_idle_minutes"] = minutes
    if values["slug"] in RESERVED_SLUGS:
        c.problem("school.slug", f"{values['slug']!r} is taken by the site's own pages.")
    if values["slug"] and values["name"]:
        # Phase and target have their own clearer messages above.
        _model_problems(
            c,
            School(**{**values, "phase": "primary", "attendance_target": 0}),
            SCHOOL_KEYS,
            "school.",
            exclude=["phase", "attendance_target"],
        )
    return values


def _check_target(c: _Checker, value) -> Decimal | None:
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        target = Decimal(str(value))
    except InvalidOperation:
        target = None
    if target is None or not target.is_finite() or not (0 <= target <= 100):
        c.problem("school.attendance_target", f"{value!r} must be a percentage from 0 to 100.")
        return None
    return target.quantize(Decimal("0.01"))


def _check_times(c: _Checker, config: Mapping) -> dict[str, dict[str, time]]:
    sessions = c.table(config, "sessions")
    if sessions is None:
        return {}
    c.unknown(sessions, Period.values, "sessions.")
    times = {}
    for period in Period.values:
        path = f"sessions.{period}"
        table = sessions.get(period)
        if not isinstance(table, Mapping):
            c.problem(path, "missing: both AM and PM register times are needed.")
            continue
        c.unknown(table, TIME_KEYS, f"{path}.")
        values = {key: c.time(table.get(key), f"{path}.{key}") for key in TIME_KEYS}
        opens, late_after, closes = (values[k] for k in TIME_KEYS)
        if opens and late_after and late_after < opens:
            c.problem(f"{path}.late_after", "must not be before opens.")
        if late_after and closes and closes < late_after:
            c.problem(f"{path}.closes", "must not be before late_after.")
        times[period] = values
    return times


def _check_terms(c: _Checker, config: Mapping) -> list[TermPlan]:
    terms = config.get("terms")
    if not isinstance(terms, list) or not terms:
        c.problem("terms", "missing: give at least one [[terms]] with name, starts and ends.")
        return []
    plans: list[TermPlan] = []
    for i, table in enumerate(terms, start=1):
        path = f"terms[{i}]"
        if not isinstance(table, Mapping):
            c.problem(path, "must be a table.")
            continue
        c.unknown(table, TERM_KEYS, f"{path}.")
        name = c.text(table, "name", f"{path}.name")
        starts = c.date(table.get("starts"), f"{path}.starts")
        ends = c.date(table.get("ends"), f"{path}.ends")
        if not (name and starts and ends):
            continue
        if len(name) > 40:
            c.problem(f"{path}.name", "may be at most 40 characters.")
        if ends < starts:
            c.problem(f"{path}.ends", f"{ends} is before starts {starts}.")
            continue
        year_starts, year_ends = academic_year_bounds(starts)
        if ends > year_ends:
            c.problem(f"{path}.ends", f"a term cannot run past {year_ends} (end of its year).")
            continue
        half_term = _check_half_term(c, table.get("half_term"), f"{path}.half_term", starts, ends)
        plans.append(TermPlan(name, starts, ends, half_term, year_starts))
    _check_term_order(c, plans)
    return plans


def _check_half_term(c: _Checker, value, path: str, starts: date, ends: date):
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        c.problem(path, 'must be two dates, e.g. ["2024-10-28", "2024-11-01"].')
        return None
    first, last = (c.date(v, path) for v in value)
    if not (first and last):
        return None
    if last < first:
        c.problem(path, f"ends {last} before it starts {first}.")
        return None
    if not (starts < first and last < ends):
        c.problem(path, f"must fall inside the term ({starts} to {ends}).")
        return None
    return first, last


def _check_term_order(c: _Checker, plans: list[TermPlan]) -> None:
    ordered = sorted(plans, key=lambda t: t.starts)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.starts <= earlier.ends:
            c.problem("terms", f"{later.name} starts before {earlier.name} ends.")
    names: dict[tuple[date, str], int] = {}
    for plan in plans:
        key = (plan.year_starts, plan.name)
        if key in names:
            c.problem("terms", f"two terms are called {plan.name} in the same year.")
        names[key] = 1


def _check_closures(c: _Checker, config: Mapping, terms: list[TermPlan]) -> list[dict]:
    closures = config.get("closures", [])
    if not isinstance(closures, list):
        c.problem("closures", "must be a list of [[closures]] tables.")
        return []
    years = {t.year_starts for t in terms}
    plans, seen = [], set()
    for i, table in enumerate(closures, start=1):
        path = f"closures[{i}]"
        if not isinstance(table, Mapping):
            c.problem(path, "must be a table.")
            continue
        c.unknown(table, CLOSURE_KEYS, f"{path}.")
        day = c.date(table.get("date"), f"{path}.date")
        reason = c.text(table, "reason", f"{path}.reason")
        kind = c.text(table, "kind", f"{path}.kind", required=False) or _closure_kind(reason)
        if kind not in Closure.Kind.values:
            c.problem(f"{path}.kind", f"must be one of {', '.join(Closure.Kind.values)}.")
        if len(reason) > 200:
            c.problem(f"{path}.reason", "may be at most 200 characters.")
        if day is None:
            continue
        if terms and academic_year_bounds(day)[0] not in years:
            c.problem(f"{path}.date", f"{day} is outside the academic years of the terms.")
        if day in seen:
            c.problem(f"{path}.date", f"{day} is listed twice.")
        seen.add(day)
        plans.append({"date": day, "reason": reason, "kind": kind})
    return plans


def _closure_kind(reason: str) -> str:
    text = reason.lower()
    if "inset" in text or "training" in text:
        return Closure.Kind.INSET
    return Closure.Kind.OTHER
