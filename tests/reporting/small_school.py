"""A small school whose figures are counted by hand (tests/reporting).

Two school weeks, 9-13 and 16-20 September 2024 (20 sessions), five pupils with marks
and one with none. The marks, and what they make:

- Ava (F, Y3, Ash; FSM, SEN support): I Tue 10 AM+PM, L Wed 18 AM: 18/20 (absence
  exactly 10%: persistent).
- Ben (M, Y3, Ash): all present: 20/20.
- Cara (F, Y4, Birch; EAL, EHC plan): O every session 16-20 Sep: 10/20 (severe).
- Dan (M, Y4, Birch, then Ash from Mon 16 Sep): N Mon 16 AM+PM: 18/20 (persistent; in
  Ash 8/10).
- Eve (F, Y3, Ash; looked after; on roll from Wed 11 Sep): I Wed 18 AM: 15/16 (93.75%,
  at risk).
- Fay (M, Y3, Ash; young carer): no marks at all: 20 missing, counted nowhere.
"""

import datetime as dt
from dataclasses import dataclass

from django_scopes import scopes_disabled

from registers.groups import group_move
from registers.models import Pupil
from tests.factories import PupilFactory, RegistrationGroupFactory, mark_days, school_calendar

D = dt.date
START, END = D(2024, 9, 9), D(2024, 9, 20)
WEEK_1 = [D(2024, 9, d) for d in (9, 10, 11, 12, 13)]
WEEK_2 = [D(2024, 9, d) for d in (16, 17, 18, 19, 20)]


@dataclass
class SmallSchool:
    school: object
    a: object
    b: object
    ava: Pupil
    ben: Pupil
    cara: Pupil
    dan: Pupil
    eve: Pupil
    fay: Pupil


def _present(days):
    return {d: ("/", "\\") for d in days}


@scopes_disabled()
def small_school(school) -> SmallSchool:
    school_calendar(school)
    a = RegistrationGroupFactory(school=school, name="Ash", year_group="3")
    b = RegistrationGroupFactory(school=school, name="Birch", year_group="4")

    def pupil(forename, gender, year, group, **kwargs):
        return PupilFactory(
            school=school, legal_forename=forename, legal_surname="Test", gender=gender,
            year_group=year, registration_group=group, **kwargs,
        )  # fmt: skip

    ava = pupil("Ava", "F", "3", a, fsm=True, sen="K")
    ben = pupil("Ben", "M", "3", a)
    cara = pupil("Cara", "F", "4", b, eal=True, sen="E")
    dan = pupil("Dan", "M", "4", b)
    eve = pupil("Eve", "F", "3", a, looked_after=True, on_roll_from=D(2024, 9, 11))
    fay = pupil("Fay", "M", "3", a, young_carer=True)
    group_move(school=school, pupil=dan, group=a, effective=D(2024, 9, 16))

    days = WEEK_1 + WEEK_2
    mark_days(ava, {**_present(days), D(2024, 9, 10): "I", D(2024, 9, 18): ("L", "\\")})
    mark_days(ben, _present(days))
    mark_days(cara, {**_present(WEEK_1), **{d: "O" for d in WEEK_2}})
    mark_days(dan, {**_present(days), D(2024, 9, 16): "N"})
    mark_days(eve, {**_present(days[2:]), D(2024, 9, 18): ("I", "\\")})
    return SmallSchool(school, a, b, ava, ben, cara, dan, eve, fay)
