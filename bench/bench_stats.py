"""Year-to-date statistics and indicators for a 1,000-pupil school, 380 sessions each.

Builds a school with the standard 2024/25 calendar, 1,000 pupils and a mark for every
pupil in each of the first 380 sessions (190 school days): 380,000 marks with a realistic
mix of codes (most present, some late, illness, appointments, unauthorised absence,
holidays, a few persistent absentees). Times the insert (Django bulk_create; imports and
the demo use registers.bulk, which is quicker), then `stats.summarise` for every pupil
over the year to date and `stats.indicators` for every pupil as of the last day, each
`--repeat` times (default 5): median, rows per second and the number of queries, beside
the bare aggregate the statistics cannot beat (one `GROUP BY pupil, code` over the same
marks, in SQL) and each one's time as a multiple of it (issue target: within 2 times).
"""

import random
import sys
from datetime import date

from common import Stopwatch, describe_database, median, setup, table, throwaway_database

PUPILS = 1000
SCHOOL_DAYS = 190
# (code, weight) for an ordinary pupil's session; persistent absentees are absent more.
USUAL = (("present", 9440), ("L", 150), ("I", 280), ("M", 30), ("O", 40), ("G", 20),
         ("C", 10), ("U", 10), ("V", 20))  # fmt: skip
PERSISTENT = (("present", 8200), ("L", 300), ("I", 900), ("O", 450), ("G", 150))
PRESENT = {"AM": "/", "PM": "\\"}


def build_school():
    from django_scopes import scopes_disabled

    from registers.models import Pupil, Session, build_upn
    from tests.factories import SchoolFactory, school_calendar

    with scopes_disabled():
        school = SchoolFactory()
        school_calendar(school)
        sessions = list(Session.objects.filter(school=school).order_by("date", "period"))
        sessions = sessions[: 2 * SCHOOL_DAYS]
        year_groups = ("R", "1", "2", "3", "4", "5", "6")
        pupils = Pupil.objects.bulk_create(
            Pupil(
                school=school,
                upn=build_upn(la_code="826", estab=school.estab, year=2018 + n % 7, serial=n),
                legal_forename=f"Pupil{n}",
                legal_surname=f"Surname{n % 97}",
                date_of_birth=date(2014 + n % 7, 1 + n % 12, 1 + n % 28),
                gender="FM"[n % 2],
                year_group=year_groups[n % 7],
                on_roll_from=date(2024, 9, 1),
            )
            for n in range(PUPILS)
        )
    return school, sessions, pupils


def marks_for(pupils, school, sessions, rng, now):
    from registers.models import Mark

    marks = []
    for pupil in pupils:
        mix = PERSISTENT if rng.random() < 0.05 else USUAL
        codes, weights = [c for c, _ in mix], [w for _, w in mix]
        for session, code in zip(
            sessions, rng.choices(codes, weights, k=len(sessions)), strict=True
        ):
            code = PRESENT[session.period] if code == "present" else code
            marks.append(
                Mark(
                    school=school,
                    pupil=pupil,
                    session=session,
                    date=session.date,
                    code_id=code,
                    minutes_late=rng.randint(1, 15) if code in ("L", "U") else None,
                    recorded_at=now,
                )
            )
    return marks


def insert_marks(school, sessions, pupils, chunk: int = 50) -> tuple[int, float, float]:
    """Marks for `chunk` pupils at a time (memory stays small); returns how many, the time
    spent making them and the time spent inserting them (ms)."""
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from registers.models import Mark

    rng, now = random.Random(2026), timezone.now()
    count, making, inserting = 0, 0.0, 0.0
    for i in range(0, len(pupils), chunk):
        with Stopwatch() as made:
            marks = marks_for(pupils[i : i + chunk], school, sessions, rng, now)
        with Stopwatch() as inserted, scopes_disabled():
            Mark.objects.bulk_create(marks, batch_size=5000)
        count, making, inserting = count + len(marks), making + made.ms, inserting + inserted.ms
    return count, making, inserting


def timed(repeat: int, work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, result = [], set(), None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured, Stopwatch() as watch:
            result = work()
        times.append(watch.ms)
        queries.add(len(captured))
    return median(times), queries, result


def bare_aggregate(school, start, end):
    """The floor: one GROUP BY pupil, code over the same marks, no roll dates, no Python."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pupil_id, code_id, count(*) FROM registers_mark"
            " WHERE school_id = %s AND date BETWEEN %s AND %s GROUP BY pupil_id, code_id",
            [school.pk, start, end],
        )
        return cursor.fetchall()


def main() -> int:
    args = setup(__doc__.splitlines()[0])
    repeat = args.repeat or 5
    with throwaway_database() as connection:
        from registers import stats
        from registers.schooldays import academic_year_start
        from registers.tenancy import school_scope

        print(f"Statistics for a {PUPILS:,}-pupil school ({describe_database()})\n")
        school, sessions, pupils = build_school()
        count, making, inserting = insert_marks(school, sessions, pupils)
        start, end = sessions[0].date, sessions[-1].date
        print(f"{len(pupils):,} pupils x {len(sessions)} sessions ({start} to {end}): "
              f"{count:,} marks (made in Python in {making / 1000:.1f} s)")  # fmt: skip
        rate = count / (inserting / 1000)
        print(
            f"insert (bulk_create, batches of 5,000): {inserting / 1000:.1f} s, {rate:,.0f} rows/s"
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # what autovacuum would have done by morning
        stats.code_rules()  # reference data, read once per process: not part of the figure

        with school_scope(school):
            year_start = academic_year_start(school=school, day=end)
            bare_ms, bare_q, _ = timed(repeat, lambda: bare_aggregate(school, year_start, end))
            summarise_ms, summarise_q, summaries = timed(
                repeat, lambda: stats.summarise(school=school, start=year_start, end=end)
            )
            indicators_ms, indicators_q, held = timed(
                repeat, lambda: stats.indicators(school=school, as_of=end)
            )

    counted = sum(sum(s.codes.values()) for s in summaries.values())

    def row(name, ms, queries):
        return [name, f"{ms:.0f}", f"{counted / (ms / 1000):,.0f}",
                ", ".join(map(str, sorted(queries))), f"{ms / bare_ms:.2f}"]  # fmt: skip

    rows = [
        row("bare GROUP BY pupil, code (SQL, no roll dates)", bare_ms, bare_q),
        row("summarise (year to date, every pupil)", summarise_ms, summarise_q),
        row("indicators (as of the last day, every pupil)", indicators_ms, indicators_q),
    ]
    print(f"\nmedian of {repeat} runs")
    print(table(["", "ms", "marks/s", "queries", "x bare"], rows))
    persistent = sum(1 for s in summaries.values() if s.persistent_absence)
    flagged = sum(1 for keys in held.values() if keys)
    whole = stats.combine(summaries.values())
    print(f"\ncheck: {len(summaries):,} pupils summarised, {counted:,} marks counted, "
          f"attendance {whole.attendance_pct}%, {persistent} persistent absentees, "
          f"{flagged} pupils with an indicator")  # fmt: skip
    if len(summaries) != PUPILS or counted != count:
        print("FAIL: the statistics did not count every mark")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
