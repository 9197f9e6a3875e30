"""The nightly escalation run for a trust of 20 schools x 1,000 pupils with a full year of
marks, beside the bare SQL aggregate over the same marks, and the policy simulator's
time for one school's year, on PostgreSQL.

Builds the schools as bench_reporting.py does (the standard 2024/25 calendar, 194 school
days, 388 sessions, a mark for every pupil in every session by COPY: 7,760,000 marks for
the trust), each pupil with one parent, every school under the `blue-sky` preset. Then:

1. night 1 (Fri 18 Jul 2025): the first run of a new system, with the whole year's
   backlog (every persistent absentee, every 4th late...): decisions, letters, tasks,
   notices stored for every school (run once: a second run decides nothing);
2. night 2 (Mon 21 Jul): an ordinary school night after it, every school;
3. night 3 (Tue 22 Jul): the last day of the year (half-term end, term end, block end);
4. the decision alone (`--dry-run`) of night 3 for every school, `--repeat` times;
5. the bare aggregate: one `GROUP BY school, pupil, code` over the trust's marks of the
   year to date (the floor any nightly figure stands on), `--repeat` times;
6. `simulate_policy` for one school from 3 Sep 2024 to 22 Jul 2025 (nothing stored).

Target (issue 10): an ordinary night within 3x of the bare aggregate.
"""

import random
import sys
from datetime import date

from common import Stopwatch, describe_database, median, setup, table, throwaway_database

NIGHTS = (("night 1 (backlog)", date(2025, 7, 18)), ("night 2 (ordinary)", date(2025, 7, 21)),
          ("night 3 (year end)", date(2025, 7, 22)))  # fmt: skip


def add_arguments(parser):
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--pupils", type=int, default=1000, help="pupils per school")
    parser.add_argument("--preset", default="blue-sky")
    parser.add_argument("--profile", action="store_true", help="profile one school's night 2")


def add_parents(school):
    from django_scopes import scopes_disabled

    from registers.models import Contact, Pupil

    with scopes_disabled():
        Contact.objects.bulk_create(
            Contact(
                school=school,
                pupil_id=pk,
                priority=1,
                name=f"Parent {pk}",
                relationship="Mother",
                parental_responsibility=True,
                email=f"parent{pk}@example.org",
            )
            for pk in Pupil.objects.filter(school=school).values_list("pk", flat=True)
        )


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


def ms_of(work) -> float:
    with Stopwatch() as watch:
        work()
    return watch.ms


def night(schools, day, dry_run=False):
    """Every school's run of the day; (ms, decisions, queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from escalation.services.run import run_escalation
    from registers.tenancy import school_scope

    decided = 0
    with CaptureQueriesContext(connection) as captured, Stopwatch() as watch:
        for school in schools:
            with school_scope(school):
                decided += len(run_escalation(school=school, as_of=day, dry_run=dry_run).decisions)
    return watch.ms, decided, len(captured) // max(1, len(schools))


def main() -> int:
    args = setup(__doc__.splitlines()[0], add_arguments)
    repeat = args.repeat or 3
    with throwaway_database() as connection:
        from bench_reporting import build_school
        from django.db.models import Count
        from django_scopes import scopes_disabled

        from escalation.models import EscalationTask, PenaltyNotice, Proposal
        from letters.models import IssuedLetter
        from registers import stats
        from registers.models import School
        from registers.tenancy import school_scope
        from tests.factories import TrustFactory

        print(f"Escalation ({describe_database()})\n")
        rng = random.Random(2026)
        trust = TrustFactory(name="Bench Trust")
        schools, marks = [], 0
        with Stopwatch() as built:
            for n in range(args.schools):
                school, sessions, count = build_school(trust, args.pupils, n + 1, rng)
                add_parents(school)
                schools.append(school)
                marks += count
        School.objects.filter(pk__in=[s.pk for s in schools]).update(policy_preset=args.preset)
        for school in schools:
            school.policy_preset = args.preset
        start = sessions[0].date
        print(f"trust: {args.schools} schools x {args.pupils:,} pupils x {len(sessions)} "
              f"sessions = {marks:,} marks (built in {built.ms / 1000:.0f} s); "
              f"preset {args.preset}")  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        stats.code_rules()

        rows, bare_ms = [], None
        bare_ms = median(
            [ms_of(lambda: bare([s.pk for s in schools], start, NIGHTS[-1][1]))
             for _ in range(repeat)]
        )  # fmt: skip
        rows.append(["bare GROUP BY school, pupil, code (ytd)", f"{bare_ms:.0f}", "", "", "1.00"])
        for name, day in NIGHTS:
            if name.startswith("night 2") and args.profile:
                profile_night(schools[0], day)
            ms, decided, queries = night(schools, day)
            rows.append([f"{name} {day}, stored", f"{ms:.0f}", f"{decided:,}", str(queries),
                         f"{ms / bare_ms:.2f}"])  # fmt: skip
        times, decided, queries = [], 0, 0
        for _ in range(repeat):
            ms, decided, queries = night(schools, NIGHTS[-1][1], dry_run=True)
            times.append(ms)
        ms = median(times)
        rows.append([f"night 3 decided again (--dry-run, median of {repeat})", f"{ms:.0f}",
                     f"{decided:,}", str(queries), f"{ms / bare_ms:.2f}"])  # fmt: skip
        print(table(["", "ms", "decisions", "queries/school", "x bare"], rows))

        with scopes_disabled():
            ids = [s.pk for s in schools]
            letters = IssuedLetter.objects.filter(school_id__in=ids).count()
            tasks = EscalationTask.objects.filter(school_id__in=ids).count()
            notices = PenaltyNotice.objects.filter(school_id__in=ids).count()
            proposals = dict(
                Proposal.objects.filter(school_id__in=ids)
                .values_list("kind")
                .annotate(n=Count("id"))
            )
        print(f"\nstored over the three nights: {letters:,} letters, {tasks:,} tasks, "
              f"{notices:,} penalty notices proposed, proposals {proposals}")  # fmt: skip

        from escalation.services.simulate import simulate

        school = schools[0]
        with school_scope(school), Stopwatch() as simulated:
            result = simulate(school=school, start=start, end=NIGHTS[-1][1], preset=args.preset)
        months = result.by_month()
        totals = {k: sum(m[k] for m in months.values()) for k in ("letters", "meetings", "notices")}
        print(f"\nsimulate_policy, one school ({args.pupils:,} pupils), {start} to "
              f"{NIGHTS[-1][1]}: {len(result.days)} school days in "
              f"{simulated.ms / 1000:.1f} s ({simulated.ms / len(result.days):.0f} ms a day); "
              f"{totals}")  # fmt: skip
    return 0


def profile_night(school, day):
    import cProfile
    import pstats

    from escalation.services.run import run_escalation
    from registers.tenancy import school_scope

    profiler = cProfile.Profile()
    with school_scope(school):
        profiler.runcall(lambda: run_escalation(school=school, as_of=day, dry_run=True))
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    sys.exit(main())
