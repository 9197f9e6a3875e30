"""A nightly run in a real Celery worker, against the Redis and PostgreSQL of
scripts/with-services.sh, killed (SIGKILL) in the middle of the run: the task is handed
to the next worker (acks late) and the night ends with every decision, letter and
notice once, none missing (issue 10 "Idempotency")."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from attendance_mis.celery import app
from escalation.models import Decision, PenaltyNotice, Run
from escalation.services import store
from letters.models import IssuedLetter
from tests.escalation.factories import (
    OPEN_STAGE_1,
    PENALTY,
    child,
    ladder_school,
    marks,
    run,
    school_days,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # send_task always goes to the broker, whatever the test settings' eager flag says.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or connection.vendor != "postgresql",
        reason="needs the Redis and PostgreSQL of scripts/with-services.sh",
    ),
]
D = dt.date
NOV_18 = D(2024, 11, 18)
ROOT = Path(__file__).resolve().parents[2]
QUEUE = "escalation-kill-test"
PUPILS = 600


def worker_env() -> dict:
    """The worker sees the test database (not the one DATABASE_URL names)."""
    url = urlsplit(os.environ["DATABASE_URL"])
    test_db = connection.settings_dict["NAME"]
    env = dict(os.environ)
    env["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{test_db}"))
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    env.pop("MIGRATION_DATABASE_URL", None)
    return env


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.escalation.worker_app", "worker",
         "-P", "solo", "-Q", QUEUE, "--without-mingle", "--without-gossip",
         "--without-heartbeat", "-l", "warning"],
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"waited {seconds:.0f} s for {what}")


@scopes_disabled()
def night_done(school) -> bool:
    return Run.objects.filter(school=school, as_of=NOV_18, status="done").exists()


def decided(school) -> int:
    with scopes_disabled():
        return Decision.objects.filter(school=school, fired=True).count()


def test_a_worker_killed_mid_run_leaves_nothing_missing_and_nothing_twice():
    school = ladder_school([OPEN_STAGE_1, PENALTY])
    days = school_days(school, D(2024, 9, 3), NOV_18)
    for i in range(PUPILS):
        pupil = child(school, name=f"P{i}")
        # Every pupil below 90% (a stage-1 letter each); every 4th over the penalty
        # threshold too (a notice).
        codes = {day: "O" if i % 4 == 0 else "I" for day in days[-12:]}
        marks(pupil, NOV_18, codes)
    expected = run(school, NOV_18, dry_run=True)["decisions"]
    assert len(expected) == PUPILS + PUPILS // 4

    first = start_worker()
    try:
        app.send_task(
            "escalation.tasks.escalation_run_at_school",
            kwargs={"school_id": school.pk, "as_of": "2024-11-18"},
            queue=QUEUE,
        )
        # Kill as soon as the first chunk of pupils is committed, long before the last.
        part = wait_for(lambda: decided(school), 120, "the first chunk of decisions")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert 0 < part < len(expected), "the run ended before the worker was killed"
    with scopes_disabled():
        assert Run.objects.get(school=school, as_of=NOV_18).status == "running"
    part = decided(school)

    second = start_worker()
    try:
        wait_for(
            lambda: night_done(school),
            240,
            "the next worker to finish the night",
        )
    finally:
        second.kill()
        second.wait(10)

    assert part < decided(school) == len(expected)
    with scopes_disabled():
        assert IssuedLetter.objects.filter(school=school, kind="stage_1").count() == PUPILS
        assert PenaltyNotice.objects.filter(school=school).count() == PUPILS // 4
        assert Run.objects.get(school=school, as_of=NOV_18).attempts == 2
    assert store.CHUNK < PUPILS
