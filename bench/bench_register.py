"""The teacher's register: open it and save it, for groups of 10, 30 and 60 pupils.

Goes through the real view with Django's test client signed in as the group's teacher,
so the figures include the middleware, the view, the service and the template: the time
the server spends on a request, without the network. For each size and each of
`--repeat` sessions (default 20):

- open:   GET an empty register
- save:   POST every pupil's mark (one absent N, one late by arrival time, the rest present)
- reopen: GET the register once taken
- amend:  POST again with three marks changed, each with a reason (three Amendments)

Prints the queries of each request and the median time, and FAIL (exit 1) if the number
of queries differs between group sizes: it must not grow with the group.
"""

import sys
from datetime import date, timedelta

from common import Stopwatch, describe_database, median, setup, table, throwaway_database

SIZES = (10, 30, 60)
ACTIONS = ("open", "save", "reopen", "amend")


def school_days(count: int, start: date = date(2024, 9, 9)) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def build(size: int, days: list[date]):
    """A school with one group of `size` pupils, its teacher, and an AM session a day."""
    from django_scopes import scopes_disabled

    from registers.models import Role
    from tests.factories import (
        PupilFactory,
        RegistrationGroupFactory,
        SchoolFactory,
        SessionFactory,
        staff,
    )

    with scopes_disabled():
        school = SchoolFactory()
        group = RegistrationGroupFactory(school=school)
        teacher = staff(school, Role.TEACHER)
        group.teachers.add(teacher)
        pupils = PupilFactory.create_batch(size, school=school, registration_group=group)
        sessions = [SessionFactory(school=school, date=day, period="AM") for day in days]
    return school, group, teacher, pupils, sessions


def first_save(pupils) -> dict:
    data = {}
    for i, pupil in enumerate(pupils):
        code = {0: "N", 1: "L"}.get(i, "/")
        data[f"code-{pupil.pk}"] = code
        data[f"arrival-{pupil.pk}"] = "09:00" if code == "L" else ""
        data[f"version-{pupil.pk}"] = "0"
    return data


def amend_save(pupils) -> dict:
    """Every line as saved (version 1), three of them changed with a reason."""
    data = {}
    changes = {0: ("I", "Mum rang: ill"), 1: ("/", "Arrived on time"), 2: ("M", "Dentist")}
    for i, pupil in enumerate(pupils):
        code, reason = changes.get(i, ("/", ""))
        data[f"code-{pupil.pk}"] = code
        data[f"version-{pupil.pk}"] = "1"
        data[f"amend-{pupil.pk}"] = reason
    return data


def measure(client, method: str, url: str, data=None, expect: int = 200):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, Stopwatch() as watch:
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    if response.status_code != expect:
        body = response.content.decode(errors="replace")[:2000]
        raise SystemExit(
            f"{method.upper()} {url}: {response.status_code}, expected {expect}\n{body}"
        )
    return len(queries), watch.ms


def run_size(size: int, repeat: int) -> dict[str, tuple[list[int], list[float]]]:
    from django.test import Client
    from django.urls import reverse

    from registers.models import Amendment
    from registers.tenancy import school_scope

    # One more session than measured: the first cycle warms caches and templates.
    school, group, teacher, pupils, sessions = build(size, school_days(repeat + 1))
    client = Client()
    client.force_login(teacher)
    results = {action: ([], []) for action in ACTIONS}
    for n, session in enumerate(sessions):
        url = reverse(
            "registers:register",
            kwargs={
                "school_slug": school.slug,
                "group_id": group.pk,
                "day": session.date,
                "period": session.period,
            },
        )
        figures = {
            "open": measure(client, "get", url),
            "save": measure(client, "post", url, first_save(pupils), expect=302),
            "reopen": measure(client, "get", url),
            "amend": measure(client, "post", url, amend_save(pupils), expect=302),
        }
        if n == 0:
            continue
        for action, (queries, ms) in figures.items():
            results[action][0].append(queries)
            results[action][1].append(ms)
    with school_scope(school):
        amendments = Amendment.objects.filter(school=school).count()
    expected = 3 * len(sessions)
    if amendments != expected:
        raise SystemExit(f"{size} pupils: {amendments} amendments written, expected {expected}")
    return results


def main() -> int:
    args = setup(__doc__.splitlines()[0])
    repeat = args.repeat or 20
    with throwaway_database():
        print(f"Register page, in-process server time ({describe_database()})")
        print(f"median of {repeat} sessions per group size; q = queries per request\n")
        by_size = {size: run_size(size, repeat) for size in SIZES}

    rows, counts = [], {action: set() for action in ACTIONS}
    for size, results in by_size.items():
        row = [size]
        for action in ACTIONS:
            queries, times = results[action]
            counts[action].update(queries)
            shown = str(queries[0]) if len(set(queries)) == 1 else f"{min(queries)}-{max(queries)}"
            row += [shown, f"{median(times):.1f}"]
        rows.append(row)
    headers = ["pupils"] + [f"{a} {unit}" for a in ACTIONS for unit in ("q", "ms")]
    print(table(headers, rows))

    growing = [action for action, seen in counts.items() if len(seen) > 1]
    if growing:
        print(f"\nFAIL: queries differ between group sizes for: {', '.join(growing)}")
        return 1
    print("\nPASS: the number of queries does not grow with the group")
    return 0


if __name__ == "__main__":
    sys.exit(main())
