"""A school's escalation policy as data: the rule schema, its validation, and a sentence
per rule (DESIGN.md §7, policies/RULES.md §0 and §4).

A ladder is a list of rules, each a plain JSON-able dict when stored (the
`EscalationPolicy.rules` field, a preset file) and a frozen dataclass when used:

    rules = ladder_from_data(policy.rules)      # list[Rule]; raises LadderError
    data = ladder_to_data(rules)                # back to plain data
    describe(rules[0])                          # one plain-English sentence

One rule, as data (every key but `id`, `track`, `type` and `when` may be left out):

    {"id": "DS-23", "track": "attendance", "type": "set", "to_stage": "stage_1",
     "when": {"point": "block_end", "weeks": 6},
     "tests": [{"metric": {"kind": "attendance_pct", "window": {"kind": "block", "n": 6}},
                "op": ">", "value": "90"},
               {"metric": {"kind": "attendance_pct", "window": {"kind": "block", "n": 6}},
                "op": "<", "value": "94"}],
     "actions": [{"type": "letter", "kind": "traffic_amber"}],
     "approval": true, "approver": "headteacher"}

Rule types (RULES.md §0.2): `open` fires when its tests hold and the track is below
`to_stage`; `advance` ("no improvement") fires when the track is in `from_stages`, the
minimum gap has passed and its tests hold (windows `since_stage` count from the day
after the stage was entered); `improve` fires when the track is in `from_stages` (any
open stage by default) and its tests hold, and returns the track to `none` (it wins over
every other rule of its track that run); `jump` goes straight to `to_stage` from any
lower stage; `set` sets the band's stage up or down whenever its tests hold (an equal
stage carries actions only); `event` changes no stage (the welfare track, or a letter
such as the persistent-absence letter), and `once` says how often it may fire.

Numbers are exact: `value` is a decimal string or an int, compared as a Fraction.
Percentages are 0-100. `min_possible` is the fewest possible sessions a percentage
test needs in its window: default 20 for rules run nightly, 1 at calendar points
(RULES.md §0.6).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cached_property

# ---- Vocabulary (RULES.md §4) ---------------------------------------------------------

TRACKS = ("attendance", "punctuality", "legal", "welfare")
LADDER_STAGES = ("none", "stage_1", "stage_2", "stage_3")
LEGAL_STAGES = ("none", "warning", "notice_to_improve", "penalty_notice", "alternative_action")
STAGES: dict[str, tuple[str, ...]] = {
    "attendance": LADDER_STAGES,
    "punctuality": LADDER_STAGES,
    "legal": LEGAL_STAGES,
    "welfare": (),
}
RULE_TYPES = ("open", "advance", "improve", "jump", "set", "event")

# Calendar points: when a rule is evaluated. `nightly` is every school day; the others
# are school days the calendar marks (RULES.md §0 "Calendar points").
POINTS = (
    "nightly",
    "HT_end",  # last school day before each half-term break or term end
    "term_end",  # last school day of each term
    "block_end",  # last school day of each fixed block of `weeks` school weeks
    "review2",  # first school day of the 2nd school week after each break
    "year_start",  # first school day of the academic year (September)
    "term_start",  # first school day of a term (`terms`: 1 autumn, 2 spring, 3 summer)
    "month_end",  # last school day of a month (`months`: 1-12)
)

WINDOW_KINDS = {
    # kind: (needs n, plain English)
    "ytd": (False, "this academic year to date"),
    "term": (False, "this term"),
    "half_term": (False, "this half term"),
    "prev_term": (False, "the previous term"),
    "prev_year": (False, "the previous academic year"),
    "year_to_prev_term": (False, "the year up to the end of the previous term"),
    "weeks": (True, "the last {n} school weeks"),
    "months": (True, "the last {n} calendar months"),
    "days": (True, "the last {n} school days"),
    "block": (True, "the current block of {n} school weeks"),
    "prev_block": (True, "the previous block of {n} school weeks"),
    "since_stage": (False, "the time since the current stage began"),
    "since_notice": (False, "the time since the last penalty notice"),
    "older_than_days": (True, "this year, leaving out the last {n} school days"),
}

UNAUTHORISED_CODES = ("G", "N", "O", "U")
METRIC_KINDS = {
    # kind: (needs window, needs codes, needs key, is a percentage)
    "attendance_pct": (True, False, False, True),
    "absence_pct": (True, False, False, True),
    "possible": (True, False, False, False),
    "sessions": (True, True, False, False),  # sessions coded with any of `codes`
    "unauthorised": (True, False, False, False),  # G N O U; `rearm`: after last notice
    "lates": (True, False, False, False),  # L only
    "consecutive_days": (False, True, False, False),  # school days absent with `codes`
    "indicator": (False, False, True, False),  # 1 if the §6 indicator holds, else 0
    "refused_leave_taken": (True, False, False, False),  # sessions of refused leave taken
}
INDICATORS = (
    "persistent_absence",
    "severe_absence",
    "penalty_threshold",
    "missing_from_school",
    "deletion_review",
    "long_illness",
)
OPS = {"<": "below", "<=": "at or below", ">": "above", ">=": "at or above", "==": "exactly"}

ACTION_TYPES = ("letter", "task", "legal", "report")
LETTER_KINDS = (
    "stage_1",
    "stage_2",
    "stage_3",
    "improvement",
    "lateness_1",
    "lateness_2",
    "persistent_absence",
    "traffic_yellow",
    "traffic_amber",
    "traffic_red",
    "notice_to_improve",
    "penalty_warning",
    "meeting_invitation",
    "certificate_100",
    "missing_from_school",
)
TASK_KINDS = ("call", "meeting", "home_visit", "referral", "review", "evidence_request")
TASK_TO = ("la", "tas", "school_nurse", "social_care", "early_help", "sick_children_service")
LEGAL_KINDS = ("notice_to_improve", "penalty_notice", "alternative_action")
REPORT_KINDS = (
    "missing_from_school",
    "long_illness",
    "deletion_review",
    "termly_list",
    "part_time_timetable",
    "social_worker",
)
ROLES = ("office", "attendance_officer", "attendance_lead", "headteacher", "school_admin")
# How often an `event` rule (and any rule) may fire for one pupil: every time it holds
# at its point; once per academic year / term; once per run of consecutive days (needs
# a `consecutive_days` test or the missing_from_school / deletion_review indicator);
# not while a task it created for the pupil is still open.
ONCE = ("always", "year", "term", "episode", "open_task")
# Case conditions: the case must have been open since the start of this period.
OPENED_BY = ("term_start", "half_term_start", "block_start", "year_start")

RULE_ID = re.compile(r"^[A-Z]{2}-\d{1,3}[a-z]?$")


class LadderError(ValueError):
    """A ladder that cannot be used; `messages` lists each problem, naming the rule."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


# ---- The schema -------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    kind: str
    n: int | None = None
    # since_stage only: another track's stage (a legal rule judging the attendance case
    # since its stage began, LE-26); blank: the rule's own track.
    track: str = ""


@dataclass(frozen=True)
class Metric:
    kind: str
    window: Window | None = None
    codes: tuple[str, ...] = ()
    key: str = ""
    # unauthorised only: count only sessions after the pupil's last warning or notice
    # (RULES.md §0.4, the national framework's re-arming).
    rearm: bool = False

    @property
    def is_percentage(self) -> bool:
        return METRIC_KINDS[self.kind][3]


@dataclass(frozen=True)
class Test:
    metric: Metric
    op: str = ">="
    value: str = "1"

    @cached_property
    def number(self) -> Fraction | int:
        """The value, exact: an int when whole (compared with counts at int speed)."""
        n = Fraction(Decimal(self.value))
        return n.numerator if n.denominator == 1 else n

    def holds(self, figure: Fraction | int | None) -> bool:
        """The comparison on a figure (None, no figure: never holds)."""
        if figure is None:
            return False
        n = self.number
        return {
            "<": figure < n,
            "<=": figure <= n,
            ">": figure > n,
            ">=": figure >= n,
            "==": figure == n,
        }[self.op]


@dataclass(frozen=True)
class When:
    point: str = "nightly"
    weeks: int | None = None  # block_end
    terms: tuple[int, ...] = ()  # term_start: which terms (empty: every term)
    months: tuple[int, ...] = ()  # month_end
    # The name shown in `calendar_points` (e.g. blue-sky's `pa_letter`); default point.
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.point


@dataclass(frozen=True)
class PupilCondition:
    """Conditions on the pupil on the as-of date (None: either)."""

    compulsory_age: bool | None = None
    sen: bool | None = None  # any SEN (support or EHC plan)
    looked_after: bool | None = None
    vulnerable: bool | None = None  # Pupil.is_vulnerable
    # An open case (stage other than none) on this other track.
    open_track: str = ""
    # Other tracks' stages required: ((track, (stage, ...)), ...); as data
    # {"attendance": ["stage_3"]} (DS-29, LE-26: legal steps once the attendance case
    # is at stage 3).
    track_stages: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Action:
    type: str
    kind: str
    role: str = ""  # task: whose task it is
    due_days: int | None = None  # task: due this many school days after the decision
    to: str = ""  # task: the agency (RULES.md §4)
    note: str = ""  # task: what to do, in a few words
    weeks: int | None = None  # legal notice_to_improve: the improvement period (3-6)


@dataclass(frozen=True)
class Rule:
    id: str
    track: str
    type: str
    when: When = field(default_factory=When)
    to_stage: str | None = None
    from_stages: tuple[str, ...] = ()
    tests: tuple[Test, ...] = ()
    any_of: tuple[Test, ...] = ()
    pupil: PupilCondition = field(default_factory=PupilCondition)
    min_gap_school_days: int = 0
    opened_by: str = ""
    meeting_held: bool | None = None  # a meeting recorded since the stage began
    once: str = "always"
    min_possible: int | None = None
    actions: tuple[Action, ...] = ()
    approval: bool = True
    approver: str = ""
    enabled: bool = True
    title: str = ""

    def all_tests(self) -> tuple[Test, ...]:
        return self.tests + self.any_of

    @property
    def possible_needed(self) -> int:
        """Fewest possible sessions a percentage test needs in its window (§0.6)."""
        if self.min_possible is not None:
            return self.min_possible
        return 20 if self.when.point == "nightly" else 1


# ---- From and to plain data ----------------------------------------------------------


class _Reader:
    """Reads one rule's dict, collecting every problem rather than stopping at the first."""

    def __init__(self, where: str):
        self.where = where
        self.errors: list[str] = []

    def fail(self, message: str) -> None:
        self.errors.append(f"{self.where}: {message}")

    def choice(self, data: dict, key: str, allowed, default=None, required=False):
        value = data.get(key, default)
        if value is None or (value == "" and not required):
            if required:
                self.fail(f"{key} is needed")
            return default
        if value not in allowed:
            self.fail(f"{key} {value!r} is not one of {', '.join(map(str, allowed))}")
            return default
        return value

    def integer(self, data: dict, key: str, low: int, high: int, default=None):
        value = data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(f"{key} must be a whole number from {low} to {high}")
            return default
        return value

    def flag(self, data: dict, key: str, default=None):
        value = data.get(key, default)
        if value is not None and not isinstance(value, bool):
            self.fail(f"{key} must be true or false")
            return default
        return value

    def unknown(self, data, allowed: set[str], what: str) -> None:
        if not isinstance(data, dict):
            self.fail(f"{what} must be an object")
            return
        for key in sorted(set(data) - allowed):
            self.fail(f"{what} has an unknown key {key!r}")


def _window(r: _Reader, data) -> Window | None:
    if data is None:
        return None
    r.unknown(data, {"kind", "n", "track"}, "window")
    if not isinstance(data, dict):
        return None
    kind = r.choice(data, "kind", WINDOW_KINDS, required=True)
    n = r.integer(data, "n", 1, 60)
    track = r.choice(data, "track", TRACKS[:3], default="")
    if track and kind != "since_stage":
        r.fail("a window's track applies only to since_stage")
    if kind and WINDOW_KINDS[kind][0] and n is None:
        r.fail(f"window {kind} needs n")
    if kind and not WINDOW_KINDS[kind][0] and kind != "since_stage" and n is not None:
        r.fail(f"window {kind} takes no n")
    return Window(kind=kind or "ytd", n=n, track=track)


def _metric(r: _Reader, data) -> Metric:
    r.unknown(data, {"kind", "window", "codes", "key", "rearm"}, "metric")
    if not isinstance(data, dict):
        return Metric(kind="possible")
    kind = r.choice(data, "kind", METRIC_KINDS, required=True) or "possible"
    needs_window, needs_codes, needs_key, _ = METRIC_KINDS[kind]
    window = _window(r, data.get("window"))
    if needs_window and window is None:
        r.fail(f"metric {kind} needs a window")
    if not needs_window and window is not None:
        r.fail(f"metric {kind} takes no window")
    codes = data.get("codes") or []
    if not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes):
        r.fail("codes must be a list of register codes")
        codes = []
    if needs_codes and not codes:
        r.fail(f"metric {kind} needs codes")
    if codes and not needs_codes:
        r.fail(f"metric {kind} takes no codes")
    key = data.get("key", "")
    if needs_key and key not in INDICATORS:
        r.fail(f"indicator key {key!r} is not one of {', '.join(INDICATORS)}")
    rearm = r.flag(data, "rearm", False)
    if rearm and kind != "unauthorised":
        r.fail("rearm applies only to unauthorised sessions")
    return Metric(
        kind=kind, window=window, codes=tuple(codes), key=key if needs_key else "", rearm=rearm
    )


def _test(r: _Reader, data) -> Test:
    r.unknown(data, {"metric", "op", "value"}, "test")
    if not isinstance(data, dict):
        return Test(metric=Metric(kind="possible"))
    metric = _metric(r, data.get("metric"))
    op = r.choice(data, "op", OPS, default=">=")
    value = data.get("value", 1)
    try:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise InvalidOperation
        number = Decimal(str(value))
        if not number.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        r.fail(f"value {value!r} must be a number (a whole number or a decimal string)")
        number = Decimal(0)
    if metric.is_percentage and not 0 <= number <= 100:
        r.fail("a percentage must be from 0 to 100")
    return Test(metric=metric, op=op, value=str(number))


def _when(r: _Reader, data) -> When:
    if data is None:
        r.fail("when is needed")
        return When()
    r.unknown(data, {"point", "weeks", "terms", "months", "label"}, "when")
    if not isinstance(data, dict):
        return When()
    point = r.choice(data, "point", POINTS, required=True) or "nightly"
    weeks = r.integer(data, "weeks", 1, 20)
    if point == "block_end" and weeks is None:
        r.fail("block_end needs weeks")
    terms = tuple(data.get("terms") or ())
    months = tuple(data.get("months") or ())
    if any(t not in (1, 2, 3) for t in terms):
        r.fail("terms must be from 1 to 3")
    if any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
        r.fail("months must be from 1 to 12")
    if point == "month_end" and not months:
        r.fail("month_end needs months")
    label = data.get("label", "")
    if not isinstance(label, str) or (label and not re.fullmatch(r"[A-Za-z0-9_]{1,30}", label)):
        r.fail("label must be a short name (letters, digits, _)")
        label = ""
    return When(point=point, weeks=weeks, terms=terms, months=months, label=label)


def _pupil(r: _Reader, data) -> PupilCondition:
    data = data or {}
    r.unknown(
        data,
        {"compulsory_age", "sen", "looked_after", "vulnerable", "open_track", "track_stages"},
        "pupil",
    )
    if not isinstance(data, dict):
        return PupilCondition()
    stages = data.get("track_stages") or {}
    track_stages = []
    if not isinstance(stages, dict):
        r.fail("track_stages must map a track to a list of its stages")
        stages = {}
    for track, wanted in stages.items():
        if track not in TRACKS[:3]:
            r.fail(f"track_stages: {track!r} is not a track with stages")
        elif (
            not isinstance(wanted, list)
            or not wanted
            or any(s not in STAGES[track] for s in wanted)
        ):
            r.fail(f"track_stages: give a list of stages of the {track} track")
        else:
            track_stages.append((track, tuple(wanted)))
    return PupilCondition(
        track_stages=tuple(track_stages),
        compulsory_age=r.flag(data, "compulsory_age"),
        sen=r.flag(data, "sen"),
        looked_after=r.flag(data, "looked_after"),
        vulnerable=r.flag(data, "vulnerable"),
        open_track=r.choice(data, "open_track", TRACKS[:3], default=""),
    )


def _action(r: _Reader, data, track: str) -> Action | None:
    r.unknown(data, {"type", "kind", "role", "due_days", "to", "note", "weeks"}, "action")
    if not isinstance(data, dict):
        return None
    type_ = r.choice(data, "type", ACTION_TYPES, required=True)
    kinds = {
        "letter": LETTER_KINDS,
        "task": TASK_KINDS,
        "legal": LEGAL_KINDS,
        "report": REPORT_KINDS,
    }.get(type_, ())
    kind = r.choice(data, "kind", kinds, required=True)
    role = r.choice(data, "role", ROLES, default="")
    to = r.choice(data, "to", TASK_TO, default="")
    due = r.integer(data, "due_days", 0, 60)
    weeks = r.integer(data, "weeks", 3, 6)
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > 200:
        r.fail("note must be text of at most 200 characters")
        note = ""
    if type_ != "task" and (role or to or due is not None or note):
        r.fail(f"a {type_} action takes no role, to, due_days or note")
    if weeks is not None and kind != "notice_to_improve":
        r.fail("weeks applies only to a notice to improve")
    if type_ == "legal" and track != "legal":
        r.fail("legal actions belong to rules of the legal track")
    if not (type_ and kind):
        return None
    return Action(type=type_, kind=kind, role=role, due_days=due, to=to, note=note, weeks=weeks)


def _stage_checks(r: _Reader, rule: Rule) -> None:
    stages = STAGES[rule.track]
    if rule.track == "welfare":
        if rule.type != "event":
            r.fail("welfare rules are events (the welfare track has no stages)")
        if rule.to_stage or rule.from_stages:
            r.fail("welfare rules have no stages")
        return
    for stage in rule.from_stages:
        if stage not in stages:
            r.fail(f"from_stages: {stage!r} is not a stage of the {rule.track} track")
    if rule.type == "event":
        if rule.to_stage:
            r.fail("an event rule changes no stage (leave out to_stage)")
        return
    if rule.type == "improve":
        if rule.to_stage not in (None, "none"):
            r.fail("an improve rule returns the track to none")
        if "none" in rule.from_stages:
            r.fail("an improve rule needs an open stage to improve from")
        return
    if rule.to_stage not in stages or rule.to_stage == "none":
        r.fail(f"to_stage must be a stage of the {rule.track} track other than none")
    if rule.type == "advance" and not rule.from_stages:
        r.fail("an advance rule needs from_stages (the stage that did not improve)")


def rule_from_data(data: dict, *, position: int = 0) -> Rule:
    """One rule from its dict. Raises LadderError listing every problem."""
    where = f"rule {data.get('id') or position + 1}" if isinstance(data, dict) else "rule"
    r = _Reader(where)
    allowed = {f for f in Rule.__dataclass_fields__}
    r.unknown(data, allowed, "rule")
    if not isinstance(data, dict):
        raise LadderError(r.errors)
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        r.fail("id must be a RULES.md id such as BS-28")
    track = r.choice(data, "track", TRACKS, required=True) or "welfare"
    type_ = r.choice(data, "type", RULE_TYPES, required=True) or "event"
    tests = [_test(r, t) for t in _list(r, data, "tests")]
    any_of = [_test(r, t) for t in _list(r, data, "any_of")]
    actions = [_action(r, a, track) for a in _list(r, data, "actions")]
    from_stages = _list(r, data, "from_stages")
    title = data.get("title", "")
    if not isinstance(title, str) or len(title) > 120:
        r.fail("title must be text of at most 120 characters")
        title = ""
    rule = Rule(
        id=rule_id if isinstance(rule_id, str) else "",
        track=track,
        type=type_,
        when=_when(r, data.get("when")),
        to_stage=data.get("to_stage") or None,
        from_stages=tuple(s for s in from_stages if isinstance(s, str)),
        tests=tuple(tests),
        any_of=tuple(any_of),
        pupil=_pupil(r, data.get("pupil")),
        min_gap_school_days=r.integer(data, "min_gap_school_days", 0, 200, 0),
        opened_by=r.choice(data, "opened_by", OPENED_BY, default=""),
        meeting_held=r.flag(data, "meeting_held"),
        once=r.choice(data, "once", ONCE, default="always"),
        min_possible=r.integer(data, "min_possible", 0, 400),
        actions=tuple(a for a in actions if a),
        approval=r.flag(data, "approval", True),
        approver=r.choice(data, "approver", ROLES, default=""),
        enabled=r.flag(data, "enabled", True),
        title=title,
    )
    _stage_checks(r, rule)
    if not rule.tests and not rule.any_of:
        r.fail("a rule needs at least one test")
    if rule.once == "episode" and not any(
        t.metric.kind == "consecutive_days"
        or (
            t.metric.kind == "indicator"
            and t.metric.key in ("missing_from_school", "deletion_review")
        )
        for t in rule.all_tests()
    ):
        r.fail(
            "once: episode needs a consecutive_days test (or the missing_from_school or "
            "deletion_review indicator)"
        )
    if rule.once == "open_task" and not any(a.type == "task" for a in rule.actions):
        r.fail("once: open_task needs a task action")
    since = any(
        t.metric.window and t.metric.window.kind == "since_stage" and not t.metric.window.track
        for t in rule.all_tests()
    )
    if since and rule.track == "welfare":
        r.fail("since_stage needs a track with stages")
    if r.errors:
        raise LadderError(r.errors)
    return rule


def _list(r: _Reader, data: dict, key: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        r.fail(f"{key} must be a list")
        return []
    return value


def ladder_from_data(data) -> list[Rule]:
    """Every rule of a ladder. Raises LadderError listing every problem of every rule,
    and ids used twice."""
    if not isinstance(data, list):
        raise LadderError(["a ladder is a list of rules"])
    rules, errors, seen = [], [], set()
    for i, item in enumerate(data):
        try:
            rule = rule_from_data(item, position=i)
        except LadderError as exc:
            errors += exc.messages
            continue
        if rule.id in seen:
            errors.append(f"rule {rule.id}: the id is used twice")
        seen.add(rule.id)
        rules.append(rule)
    if errors:
        raise LadderError(errors)
    return rules


def _prune(value):
    """Plain data with defaults (None, "", empty lists, False-by-default) left out."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _prune(v)
            if v in (None, "", [], {}):
                continue
            out[k] = v
        return out
    if isinstance(value, (list, tuple)):
        return [_prune(v) for v in value]
    return value


def rule_to_data(rule: Rule) -> dict:
    """A rule as plain data, accepted back by `rule_from_data` (defaults left out)."""
    data = _prune(asdict(rule))
    if rule.pupil.track_stages:
        data["pupil"]["track_stages"] = {t: list(s) for t, s in rule.pupil.track_stages}
    # Keep the booleans that differ from their defaults; drop the others.
    for key, default in (("approval", True), ("enabled", True), ("rearm", False)):
        if data.get(key) == default:
            data.pop(key)
    for test in data.get("tests", []) + data.get("any_of", []):
        if test["metric"].get("rearm") is False:
            test["metric"].pop("rearm")
    if data.get("min_gap_school_days") == 0:
        data.pop("min_gap_school_days")
    if data.get("once") == "always":
        data.pop("once")
    when = data.get("when") or {}
    data["when"] = when or {"point": "nightly"}
    return data


def ladder_to_data(rules: list[Rule]) -> list[dict]:
    return [rule_to_data(rule) for rule in rules]


# The plain-English sentence of a rule lives beside, in `ladder_words` (re-exported).
from .ladder_words import describe  # noqa: E402, F401
