"""The school dashboard for a 1,500-pupil school and the trust view for 20 schools x 1,000
pupils, each with a year of marks, on PostgreSQL.

Builds the schools with the standard 2024/25 calendar (190 school days, 380 sessions),
pupils in registration groups of 30 (dated memberships, a few moves in the spring) and
a mark for every pupil in every session (COPY, as imports do): 570,000 marks for the
school, 7,600,000 for the trust. Then times, `--repeat` times (default 3), the whole page
as the server answers it (the test client: middleware, selectors, template, SVG) beside
the bare SQL aggregate over the same marks (one `GROUP BY pupil, code`; for the trust,
`GROUP BY school, pupil, code`), and each as a multiple of it (issue target: within 3x).
"""

import random
import sys
from datetime import UTC, date, datetime

from common import Stopwatch, describe_database, median, setup, table, throwaway_database

USUAL = (("present", 9440), ("L", 150), ("I", 280), ("M", 30), ("O", 40), ("G", 20),
         ("C", 10), ("U", 10), ("V", 20), ("N", 5))  # fmt: skip
PERSISTENT = (("present", 8200), ("L", 300), ("I", 900), ("O", 450), ("G", 150))
PRESENT = {"AM": "/", "PM": "\\"}
YEARS = ("R", "1", "2", "3", "4", "5", "6")


def add_arguments(parser):
    parser.add_argument("--pupils", type=int, default=1500, help="pupils of the school")
    parser.add_argument("--schools", type=int, default=20, help="schools of the trust")
    parser.add_argument("--trust-pupils", type=int, default=1000, help="pupils per trust school")
    parser.add_argument("--profile", action="store_true", help="print the dashboard's queries")


def build_school(trust, n_pupils, serial, rng):
    """A school with the calendar, groups of 30, pupils and a mark for every session."""
    from django_scopes import scopes_disabled

    from registers import bulk
    from registers.models import GroupMembership, Pupil, RegistrationGroup, Session, build_upn
    from tests.factories import SchoolFactory, school_calendar

    with scopes_disabled():
        school = SchoolFactory(trust=trust, slug=f"bench-{serial}", name=f"Bench School {serial}")
        school_calendar(school)
        sessions = list(Session.objects.filter(school=school).order_by("date", "period"))
        groups = RegistrationGroup.objects.bulk_create(
            RegistrationGroup(school=school, name=f"G{g:02d}", year_group=YEARS[g % 7])
            for g in range(max(1, n_pupils // 30))
        )
        pupils = Pupil.objects.bulk_create(
            Pupil(
                school=school,
                upn=build_upn(
                    la_code="826", estab=school.estab, year=10 + n // 1000, serial=n % 1000
                ),
                legal_forename=f"Pupil{n}",
                legal_surname=f"Surname{n % 97}",
                date_of_birth=date(2014 + n % 7, 1 + n % 12, 1 + n % 28),
                gender="FM"[n % 2],
                year_group=groups[n % len(groups)].year_group,
                registration_group=groups[n % len(groups)],
                on_roll_from=date(2024, 9, 1),
                fsm=n % 5 == 0,
                eal=n % 7 == 0,
                sen="NNNNNNNNKE"[n % 10],
            )
            for n in range(n_pupils)
        )
        spells = []
        for n, p in enumerate(pupils):
            group = groups[n % len(groups)]
            if n % 50 == 0 and len(groups) > 1:  # a few moves in the spring
                moved = groups[(n + 1) % len(groups)]
                spells += [
                    GroupMembership(school=school, pupil=p, group=group,
                                    starts=p.on_roll_from, ends=date(2025, 1, 5)),
                    GroupMembership(school=school, pupil=p, group=moved, starts=date(2025, 1, 6)),
                ]  # fmt: skip
            else:
                spells.append(
                    GroupMembership(school=school, pupil=p, group=group, starts=p.on_roll_from)
                )
        GroupMembership.objects.bulk_create(spells)
        now = bulk.db_datetime(datetime.now(UTC))
        dates = {s.pk: bulk.db_date(s.date) for s in sessions}
        count = 0
        for i in range(0, len(pupils), 100):
            rows = []
            for pupil in pupils[i : i + 100]:
                mix = PERSISTENT if rng.random() < 0.05 else USUAL
                codes = rng.choices([c for c, _ in mix], [w for _, w in mix], k=len(sessions))
                for s, code in zip(sessions, codes, strict=True):
                    code = PRESENT[s.period] if code == "present" else code
                    late = 5 if code in ("L", "U") else None
                    rows.append((school.pk, pupil.pk, s.pk, dates[s.pk], code, late, "", None,
                                 "register", None, now, 1))  # fmt: skip
            count += bulk.marks_insert(rows)
    return school, sessions, count


def timed(repeat, work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], set()
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured, Stopwatch() as watch:
            result = work()
        times.append(watch.ms)
        queries.add(len(captured))
    return median(times), queries, result


def bare(school_ids, start, end):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT school_id, pupil_id, code_id, count(*) FROM registers_mark"
            " WHERE school_id = ANY(%s) AND date BETWEEN %s AND %s"
            " GROUP BY school_id, pupil_id, code_id",
            [list(school_ids), start, end],
        )
        return cursor.fetchall()


def signed_in(user):
    """A test client signed in as `user`, with the two-factor code given (as the tests
    do: tests/conftest.py)."""
    from django.test import Client

    from registers import twofactor

    client = Client()
    client.force_login(user)
    session = client.session
    session[twofactor.STATE] = twofactor.State.VERIFIED
    session.save()
    return client


def profile(work):
    """The page's queries by time, and the time spent outside them (Python)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured, Stopwatch() as watch:
        work()
    spent = sorted(((float(q["time"]) * 1000, q["sql"]) for q in captured), reverse=True)
    print(f"page {watch.ms:.0f} ms, queries {sum(t for t, _ in spent):.0f} ms:")
    for ms, sql in spent[:8]:
        print(f"  {ms:7.0f} ms  {sql[:160]}")
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(work)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def page(client, address):
    def get():
        response = client.get(address)
        assert response.status_code == 200, response.status_code
        return response

    return get


def main() -> int:
    args = setup(__doc__.splitlines()[0], add_arguments)
    repeat = args.repeat or 3
    with throwaway_database() as connection:
        from django.test.utils import override_settings

        from registers import stats
        from registers.models import Role
        from tests.factories import TrustFactory, staff

        print(f"Reporting ({describe_database()})\n")
        rng = random.Random(2026)
        with Stopwatch() as built:
            school, sessions, count = build_school(None, args.pupils, 0, rng)
        start, end = sessions[0].date, sessions[-1].date
        print(f"school: {args.pupils:,} pupils x {len(sessions)} sessions = {count:,} marks "
              f"(built in {built.ms / 1000:.0f} s)")  # fmt: skip
        trust = TrustFactory(name="Bench Trust")
        trust_schools, trust_marks = [], 0
        with Stopwatch() as built:
            for n in range(args.schools):
                s, _, c = build_school(trust, args.trust_pupils, n + 1, rng)
                trust_schools.append(s)
                trust_marks += c
        print(f"trust: {args.schools} schools x {args.trust_pupils:,} pupils = "
              f"{trust_marks:,} marks (built in {built.ms / 1000:.0f} s)")  # fmt: skip
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        stats.code_rules()

        period = f"?period=range&from={start}&to={end}"
        lead = staff(school, Role.ATTENDANCE_LEAD)
        trust_lead = staff(trust_schools[0], Role.TRUST_LEAD)
        with override_settings(ALLOWED_HOSTS=["*"], DEBUG=False):
            client = signed_in(lead)
            dashboard = page(client, f"/{school.slug}/reports/{period}")
            dashboard()  # warm: the process's first page compiles templates
            dash_ms, dash_q, _ = timed(repeat, dashboard)
            if args.profile:
                profile(dashboard)
            bare_ms, bare_q, _ = timed(repeat, lambda: bare([school.pk], start, end))
            trust_client = signed_in(trust_lead)
            trust_view = page(trust_client, f"/{trust_schools[0].slug}/reports/trust/{period}")
            trust_view()
            trust_ms, trust_q, _ = timed(repeat, trust_view)
            ids = [s.pk for s in trust_schools]
            trust_bare_ms, trust_bare_q, _ = timed(repeat, lambda: bare(ids, start, end))

    def fmt(q):
        return ", ".join(map(str, sorted(q)))

    rows = [
        [f"bare GROUP BY pupil, code ({count:,} marks)", f"{bare_ms:.0f}", fmt(bare_q), "1.00"],
        ["school dashboard page, year of marks", f"{dash_ms:.0f}", fmt(dash_q),
         f"{dash_ms / bare_ms:.2f}"],
        [f"bare GROUP BY school, pupil, code ({trust_marks:,} marks)", f"{trust_bare_ms:.0f}",
         fmt(trust_bare_q), "1.00"],
        [f"trust view page, {args.schools} schools", f"{trust_ms:.0f}", fmt(trust_q),
         f"{trust_ms / trust_bare_ms:.2f}"],
    ]  # fmt: skip
    print(f"\nmedian of {repeat} runs")
    print(table(["", "ms", "queries", "x bare"], rows))
    worst = max(dash_ms / bare_ms, trust_ms / trust_bare_ms)
    print(f"\nworst multiple of the bare aggregate: {worst:.2f} (target: within 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
