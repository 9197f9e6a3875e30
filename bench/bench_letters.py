"""Letters per second: a batch of 500 through the whole system against bare WeasyPrint.

Builds a throw-away school (2024/25 calendar, 500 pupils in 20 classes, one parent each,
six weeks of marks), then times, in one run:

  1. drafting a batch of 500 stage-1 letters and rendering them in-process (Celery eager):
     the context from `registers.stats`, the sandboxed wording, the layout, WeasyPrint,
     the PDF stored with its SHA-256, one task per letter;
  2. the same with real Celery workers (`--workers N`, default: one per CPU) when Redis is
     configured (REDIS_URL, as `make bench` does), each letter a task of a group;
  3. bare WeasyPrint on the very HTML those letters stored, in one process and in N;
  4. approving the batch and merging it into one print-batch PDF (pypdf).

    scripts/with-services.sh .venv/bin/python bench/bench_letters.py [--count 500]

SQLite is refused unless --allow-sqlite (and then only the in-process figures run).
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from urllib.parse import urlsplit, urlunsplit

from common import ROOT, Stopwatch, describe_database, setup, table, throwaway_database

AS_OF = date(2024, 10, 11)
CLASSES = 20


def options(parser) -> None:
    parser.add_argument("--count", type=int, default=500, help="letters in the batch")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="Celery worker processes"
    )


def build_school(count: int):
    """A school with `count` pupils, each with one parent (no email: all go by post)."""
    import random

    from django.utils import timezone
    from django_scopes import scopes_disabled

    from letters.models import Letterhead
    from registers.models import Contact, Mark, Pupil, RegistrationGroup, Session, build_upn
    from tests.factories import SchoolFactory, school_calendar

    rng = random.Random(7)
    with scopes_disabled():
        school = SchoolFactory(name="Bench Primary School", address="1 Bench Lane\nMilton Keynes")
        school_calendar(school)
        Letterhead.objects.create(
            school=school,
            contact_line="the attendance officer on 01632 960000",
            signatory_name="A. Head",
            signatory_role="Headteacher",
        )
        groups = RegistrationGroup.objects.bulk_create(
            RegistrationGroup(school=school, name=f"{n % 6 + 1}{'ABCD'[n // 6]}")
            for n in range(CLASSES)
        )
        pupils = Pupil.objects.bulk_create(
            Pupil(
                school=school,
                upn=build_upn(la_code="826", estab=school.estab, year=2018 + n % 7, serial=n),
                legal_forename=f"Pupil{n}",
                legal_surname=f"Surname{n % 97}",
                date_of_birth=date(2016, 1 + n % 12, 1 + n % 28),
                gender="FM"[n % 2],
                year_group="4",
                registration_group=groups[n % CLASSES],
                on_roll_from=date(2024, 9, 1),
            )
            for n in range(count)
        )
        Contact.objects.bulk_create(
            Contact(
                school=school,
                pupil=p,
                name=f"Parent of {p.legal_forename}",
                relationship="Parent",
                address=f"{p.pk} Example Road\nMilton Keynes\nMK1 1AA",
            )
            for p in pupils
        )
        sessions = list(
            Session.objects.filter(school=school, date__lte=AS_OF).order_by("date", "period")
        )
        now = timezone.now()
        codes = ["/"] * 90 + ["L"] * 2 + ["I"] * 5 + ["O"] * 2 + ["M"]
        marks = [
            Mark(
                school=school,
                pupil=p,
                session=s,
                date=s.date,
                code_id=("\\" if s.period == "PM" else "/") if c == "/" else c,
                recorded_at=now,
            )
            for p in pupils
            for s in sessions
            for c in [rng.choice(codes)]
        ]
        Mark.objects.bulk_create(marks, batch_size=5000)
    return school, pupils, len(marks)


def wait_rendered(school, ids, timeout=3600) -> None:
    from django_scopes import scopes_disabled

    from letters.models import IssuedLetter

    deadline = time.monotonic() + timeout
    with scopes_disabled():
        while True:
            pending = IssuedLetter.objects.filter(
                pk__in=ids, rendered_at__isnull=True, render_error=""
            ).count()
            if not pending:
                return
            if time.monotonic() > deadline:
                sys.exit(f"Gave up waiting: {pending} letters not rendered.")
            time.sleep(0.2)


def draft_batch(school, pupils, *, eager: bool) -> tuple[list[int], float]:
    """Draft (and render) a batch; seconds until every letter is rendered."""
    from attendance_mis.celery import app
    from letters import services
    from registers.tenancy import school_scope

    app.conf.task_always_eager = eager
    with Stopwatch() as watch, school_scope(school):
        letters = services.letters_draft(school=school, pupils=pupils, kind="stage_1", as_of=AS_OF)
        ids = [letter.pk for letter in letters]
        wait_rendered(school, ids)
    return ids, watch.ms / 1000


def test_database_url() -> str:
    """DATABASE_URL pointing at the benchmark's throw-away database, for the workers."""
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def start_workers(n: int) -> subprocess.Popen:
    from attendance_mis.celery import app

    env = {**os.environ, "DATABASE_URL": test_database_url(), "CELERY_TASK_ALWAYS_EAGER": "0"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "attendance_mis", "worker", "-c", str(n),
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1.0):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            sys.exit("The Celery worker did not start.")
    return worker


def _bare_pdf(html: str) -> int:
    from weasyprint import HTML

    return len(HTML(string=html).write_pdf())


def bare_weasyprint(htmls: list[str], processes: int) -> float:
    with Stopwatch() as watch:
        if processes == 1:
            for html in htmls:
                _bare_pdf(html)
        else:
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                pool.map(_bare_pdf, htmls, chunksize=4)
    return watch.ms / 1000


def main() -> int:
    # Rendered PDFs go to a scratch directory, shared with the worker processes.
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-letters-")
    args = setup(__doc__.splitlines()[0], add_arguments=options)
    from django.conf import settings
    from django_scopes import scopes_disabled

    from letters import delivery, services
    from letters.models import IssuedLetter
    from registers.tenancy import school_scope

    n = args.count
    with throwaway_database():
        print(f"Letters benchmark: {describe_database()}")
        with Stopwatch() as setup_watch:
            school, pupils, marks = build_school(n)
        print(f"Set up {n} pupils and {marks} marks in {setup_watch.ms / 1000:.1f} s.\n")

        # One letter first, untimed: WeasyPrint's first document loads fonts and caches.
        with school_scope(school):
            services.letter_preview(school=school, pupil=pupils[0], kind="stage_1", as_of=AS_OF)

        rows = []
        ids, seconds = draft_batch(school, pupils, eager=True)
        rows.append(["system, in-process (1 process)", n, f"{seconds:.1f}", f"{n / seconds:.1f}"])

        # Workers need a broker and a database they can reach (not SQLite's in-memory one).
        from django.db import connection

        if settings.REDIS_URL and connection.vendor == "postgresql":
            worker = start_workers(args.workers)
            try:
                _ids, seconds = draft_batch(school, pupils, eager=False)
            finally:
                worker.terminate()
                worker.wait(timeout=30)
            label = f"system, {args.workers} Celery workers"
            rows.append([label, n, f"{seconds:.1f}", f"{n / seconds:.1f}"])

        with scopes_disabled():
            letters = IssuedLetter.objects.filter(pk__in=ids)
            failed = letters.exclude(render_error="").count()
            htmls = list(letters.values_list("html", flat=True))
            pages = sum(letters.values_list("page_count", flat=True))
        seconds = bare_weasyprint(htmls, 1)
        rows.append(["bare WeasyPrint, same HTML (1 process)", n, f"{seconds:.1f}",
                     f"{n / seconds:.1f}"])  # fmt: skip
        if args.workers > 1:
            seconds = bare_weasyprint(htmls, args.workers)
            rows.append([f"bare WeasyPrint, same HTML ({args.workers} processes)", n,
                         f"{seconds:.1f}", f"{n / seconds:.1f}"])  # fmt: skip
        print(table(["rendering", "letters", "seconds", "letters/s"], rows))

        with school_scope(school), Stopwatch() as approve_watch:
            approved = services.letters_approve(school=school, letter_ids=ids, user=None)
        with school_scope(school), Stopwatch() as print_watch:
            batch = delivery.print_batch_create(school=school, user=None)
        print(
            f"\nApproving {approved} letters: {approve_watch.ms:.0f} ms. "
            f"Print batch of {batch.letter_count} letters ({batch.page_count} pages, "
            f"{batch.pdf.size / 1e6:.1f} MB): {print_watch.ms / 1000:.1f} s."
        )
        print(f"Pages per letter: {pages / max(len(htmls), 1):.2f}; render errors: {failed}.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
