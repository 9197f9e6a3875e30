"""The demo's marks: attendance patterns, stories, the batch writer, pre-entered marks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from registers import bulk
from registers.models import (
    Amendment,
    Mark,
    Period,
    Register,
    Role,
    School,
    Session,
)
from registers.services import PRESENT_CODE, mark_record

from .calendar import weekdays_after
from .data import (
    ABSENCE_MIX,
    ILLNESS_NOTES,
    ILLNESS_SPELLS,
    PENDING_DAYS,
    REASONS,
    SCHOOLS,
    DemoSchool,
)
from .people import DayMark, Demo, PupilPlan

# ---- Attendance patterns ----------------------------------------------------------------


def attendance_patterns(
    demo: Demo, plans: list[PupilPlan], pool: list[PupilPlan], on_roll: int
) -> dict:
    """Most pupils attend 95-99%; about 4% are persistently absent, one in 150 severely.

    Returns the persistent and severe absentees, taken out of the pool.
    """
    rng = demo.rng
    late_rates = (0.005,) * 14 + (0.03,) * 5 + (0.1,)  # a few are late most weeks
    for plan in plans:
        plan.absence_rate = rng.uniform(0.005, 0.04)
        plan.late_rate = rng.choice(late_rates)
    picked = {}
    for profile, count, rates in (
        ("severe", max(1, on_roll // 150), (0.6, 0.75)),
        ("persistent", max(1, round(on_roll * 0.04)), (0.12, 0.2)),
    ):
        picked[profile] = rng.sample(pool, min(count, len(pool)))
        for plan in picked[profile]:
            plan.profile, plan.absence_rate = profile, rng.uniform(*rates)
            pool.remove(plan)
    return picked


def _fix(plan: PupilPlan, days: list[date], code: str, note="", source=Mark.Source.REGISTER):
    for i, day in enumerate(days):
        plan.fixed[day] = (DayMark(code, note=note if i == 0 else "", source=source), DayMark(code))


def stories(demo, plan: DemoSchool, pool, picked, days: list[date], this_year: list[date]):
    """A holiday in term time, an illness spell, holidays among the persistent absentees,
    and at the first school a severe absentee not seen for two weeks."""
    rng = demo.rng
    for absentee in picked["persistent"]:
        if rng.random() < 0.5 and len(days) > 5:
            start = rng.randrange(len(days) - 5)
            _fix(absentee, days[start : start + rng.choice((4, 5))], "G", "Holiday, not agreed")
    if len(this_year) >= 15 and pool:
        # Within the last ten school weeks, so the penalty-notice threshold shows today.
        holiday = pool.pop(rng.randrange(len(pool)))
        _fix(holiday, this_year[-15:-10], "G", "Family holiday abroad; leave was refused")
    if len(this_year) >= 9 and pool:
        ill = pool.pop(rng.randrange(len(pool)))
        _fix(ill, this_year[-9:-3], "I", "Dad rang: chickenpox", source=Mark.Source.OFFICE)
    if plan is SCHOOLS[0] and len(this_year) >= 11 and picked["severe"]:
        _fix(picked["severe"][0], this_year[-11:], "O")


def _absence_length(profile: str) -> float:
    """Mean school days one absence lasts, so that absence_rate is a share of days."""
    lengths = {"I": sum(ILLNESS_SPELLS) / len(ILLNESS_SPELLS), "M": 0.5}
    mix = ABSENCE_MIX[profile]
    return sum(w * lengths.get(code, 1) for code, w in mix) / sum(w for _, w in mix)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _arrival(rng: random.Random, plan: PupilPlan, session: Session) -> DayMark:
    """Present, or late: L while the register is open, U after it has closed."""
    chance = plan.late_rate if session.period == Period.AM else plan.late_rate / 5
    if rng.random() >= chance:
        return DayMark(PRESENT_CODE[session.period])
    window = max(1, _minutes(session.closes) - _minutes(session.late_after))
    if rng.random() < 0.1:
        return DayMark("U", rng.randint(window + 1, window + 40))
    return DayMark("L", rng.randint(1, window))


def _absence(rng: random.Random, code: str) -> tuple[DayMark, DayMark]:
    if code == "M":
        # An appointment takes one session; the child is in school for the other.
        reason = rng.choice([name for name, c in REASONS if c == "M"])
        appointment = DayMark("M", reason=reason, source=Mark.Source.OFFICE)
        if rng.random() < 0.5:
            return appointment, DayMark(PRESENT_CODE[Period.PM])
        return DayMark(PRESENT_CODE[Period.AM]), appointment
    if code == "I":
        note = rng.choice(ILLNESS_NOTES) if rng.random() < 0.5 else ""
        source = Mark.Source.OFFICE if note else Mark.Source.REGISTER
        return DayMark("I", note=note, source=source), DayMark("I")
    if code in ("C", "R"):
        reason = next(name for name, c in REASONS if c == code)
        source = Mark.Source.LEAVE if code == "C" else Mark.Source.OFFICE
        return DayMark(code, reason=reason, source=source), DayMark(code, reason=reason)
    return DayMark(code), DayMark(code)


def pupil_days(rng, plan: PupilPlan, days, sessions, trip: tuple[date, int] | None):
    """One pupil's (day, AM mark, PM mark) for every school day on roll."""
    mix = ABSENCE_MIX[plan.profile]
    codes, weights = [c for c, _ in mix], [w for _, w in mix]
    start_chance = plan.absence_rate / _absence_length(plan.profile)
    ill_days_left = 0
    for day in days:
        if not plan.pupil.on_roll(day):
            continue
        if day in plan.fixed:
            yield day, *plan.fixed[day]
        elif ill_days_left:
            ill_days_left -= 1
            yield day, DayMark("I"), DayMark("I")
        elif rng.random() < start_chance:
            am, pm = _absence(rng, rng.choices(codes, weights)[0])
            if am.code == "I":
                ill_days_left = rng.choice(ILLNESS_SPELLS) - 1
            yield day, am, pm
        elif trip and (day, plan.group_on(day).pk) == trip:
            yield day, DayMark("V", note="Class trip to the science museum"), DayMark("V")
        else:
            am_session, pm_session = sessions[day]
            yield day, _arrival(rng, plan, am_session), _arrival(rng, plan, pm_session)


def _at(day: date, at: time, tz: ZoneInfo, minutes: int = 0) -> datetime:
    return datetime.combine(day, at, tzinfo=tz) + timedelta(minutes=minutes)


@dataclass
class MarkWriter:
    """One school's marks, amendments and registers, written in big batches.

    Marks go in as prepared rows through registers.bulk (about 380,000 of them).
    """

    school: School
    office: object
    teachers: dict[int, object]  # group id -> teacher
    reasons: dict[str, int]  # reason name -> id
    this_year_from: date
    now: datetime
    pending_from: date | None = None  # from here an unexplained absence is still N
    rows: list[tuple] = field(default_factory=list)
    written: int = 0
    _times: dict = field(default_factory=dict)

    def __post_init__(self):
        self.tz = ZoneInfo(self.school.timezone)

    def add(self, plan: PupilPlan, sessions: tuple[Session, Session], am: DayMark, pm: DayMark):
        for session, mark in ((sessions[0], am), (sessions[1], pm)):
            self.rows.append(self._row(plan, session, mark))
        if len(self.rows) >= 20000:
            self.flush()

    def _row(self, plan: PupilPlan, session: Session, mark: DayMark) -> tuple:
        code, version, source = mark.code, 1, mark.source
        recorded_by = self.teachers[plan.group_on(session.date).pk]
        at = self._time(session.date, session.opens, 4)
        if source != Mark.Source.REGISTER:
            recorded_by, at = self.office, self._time(session.date, time(8, 20))
        if code == "O" and session.date >= self.pending_from:
            code = "N"  # no reason yet: the office is still chasing
        elif code == "O" and session.date >= self.this_year_from:
            # Taken as N, changed to O once calls went unanswered: see amendments().
            version, source, recorded_by = 2, Mark.Source.OFFICE, self.office
            at = self._time(weekdays_after(session.date, PENDING_DAYS), time(10, 0))
        return (
            self.school.pk,
            plan.pupil.pk,
            session.pk,
            self._time(session.date),
            code,
            mark.minutes_late,
            mark.note,
            self.reasons.get(mark.reason),
            source,
            recorded_by.pk,
            at,
            version,
        )

    def _time(self, day: date, at: time | None = None, minutes: int = 0):
        """A day, or an aware time on it (never in the future), as the database stores it."""
        key = (day, at, minutes)
        if key not in self._times:
            if at is None:
                self._times[key] = bulk.db_date(day)
            else:
                self._times[key] = bulk.db_datetime(min(_at(day, at, self.tz, minutes), self.now))
        return self._times[key]

    def flush(self) -> None:
        self.written += bulk.marks_insert(self.rows)
        self.rows = []

    def amendments(self) -> int:
        """The audit trail of the N -> O changes made above (one query, one insert)."""
        changed = Mark.objects.filter(
            school=self.school, code_id="O", version=2, source=Mark.Source.OFFICE
        ).values_list("pk", "recorded_at")
        rows = [
            Amendment(
                school=self.school,
                mark_id=pk,
                original_code="N",
                new_code="O",
                reason="No reason given after first-day calls and a letter home",
                amended_at=at,
                amended_by=self.office,
                amended_by_name=self.office.get_full_name(),
                amended_by_role=Role.OFFICE.label,
            )
            for pk, at in changed
        ]
        Amendment.objects.bulk_create(rows, batch_size=1000)
        return len(rows)

    def registers(self, sessions: list[Session]) -> int:
        rows = []
        for group_id, teacher in self.teachers.items():
            for session in sessions:
                taken_at = _at(session.date, session.opens, self.tz, 5)
                rows.append(
                    Register(
                        school=self.school,
                        registration_group_id=group_id,
                        session=session,
                        taken_by=teacher,
                        taken_at=taken_at,
                        last_saved_by=teacher,
                        last_saved_at=taken_at,
                    )
                )
        Register.objects.bulk_create(rows, batch_size=2000)
        return len(rows)


def pre_entered_marks(school, plans, *, office, reasons, demo_class: str, today, rng) -> int:
    """For the next school day the office has taken three parents' calls and entered a
    dental appointment: the demo teacher finds them locked on the register. What is known
    about the school day after it (one pupil still ill) is a planned entry, not a mark:
    the one mark writer decides which by the school's clock (here, early on `today`)."""
    sessions = Session.objects.filter(school=school, date__gte=today).order_by("date", "period")
    sessions = list(sessions[:4])
    if len(sessions) < 2:
        return 0
    am, pm = sessions[:2]
    later = [s for s in sessions[2:] if s.date > am.date]
    on_roll = [p for p in plans if p.profile != "severe" and p.pupil.on_roll(am.date)]
    usual = [p for p in on_roll if p.profile == "usual" and not p.fixed]
    in_class = [p for p in on_roll if p.group.name == demo_class]
    in_class = rng.sample(in_class, min(2, len(in_class)))
    chosen = in_class + rng.sample([p for p in usual if p not in in_class], 4 - len(in_class))
    # One of the ill and the dental appointment are in the demo teacher's class.
    ill, leave = [chosen[0], *chosen[2:]], chosen[1]
    # Before registration on `today`: the office's entries stand locked for the teacher.
    now = datetime.combine(today, time(7, 30), tzinfo=ZoneInfo(school.timezone))
    office_entry = {"school": school, "user": office, "role": Role.OFFICE, "now": now}
    for plan, session in [(p, s) for p in ill for s in (am, pm)]:
        mark_record(
            **office_entry,
            pupil=plan.pupil,
            session=session,
            code="I",
            source=Mark.Source.OFFICE,
            note="Mum rang: temperature",
        )
    mark_record(
        **office_entry,
        pupil=leave.pupil,
        session=pm,
        code="M",
        source=Mark.Source.LEAVE,
        note="Dental appointment at 13:45",
        reason_id=reasons["Dental appointment"],
    )
    # The day after: planned entries (nothing to delete if the parent rings back).
    for session in later:
        mark_record(
            **office_entry,
            pupil=ill[0].pupil,
            session=session,
            code="I",
            source=Mark.Source.OFFICE,
            note="Mum rang: off until Monday",
        )
    return 2 * len(ill) + 1 + len(later)
