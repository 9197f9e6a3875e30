"""The demo's absence reports (demo/absences.py `add_reports`): the office's calls behind
today's pre-entered illness, and a parent's report waiting for the office."""

import pytest
from django_scopes import scope, scopes_disabled

from absences.models import AbsenceReport
from registers.models import Amendment, Mark, PlannedEntry, School
from tests.demo.test_seed_demo import FAST_HASHERS, TODAY, seed


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with scope():  # the command, not the fixture, selects each school's scope
        seed()


def test_the_demo_lists_todays_reports_and_a_pending_parents_report(demo):
    with scopes_disabled():
        heelands = School.objects.get(slug="heelands")
        reports = list(
            AbsenceReport.objects.filter(school=heelands).select_related("reason", "contact")
        )
        by_status = {}
        for r in reports:
            by_status.setdefault((r.source, r.status), []).append(r)
        # An email explaining one of this morning's N: the N became I, amended by the office.
        [emailed] = by_status[("office", "accepted")]
        assert (emailed.first_day, emailed.channel, emailed.reason.code_id) == (
            TODAY,
            "email",
            "I",
        )
        mark = Mark.objects.get(pupil=emailed.pupil, date=TODAY, session__period="AM")
        assert mark.code_id == "I"
        assert Amendment.objects.filter(mark=mark, original_code="N", new_code="I").exists()
        # A call about a day to come, withdrawn: its planned entry is gone.
        [withdrawn] = by_status[("office", "withdrawn")]
        assert withdrawn.first_day > TODAY and withdrawn.decision_note
        assert not PlannedEntry.objects.filter(
            pupil=withdrawn.pupil, session__date=withdrawn.first_day
        ).exists()
        # The parent's report waits for the office and pre-enters nothing.
        [pending] = by_status[("parent", "pending")]
        assert (pending.channel, pending.reason.code_id) == ("portal", "M")
        assert pending.contact.user is not None
        assert not PlannedEntry.objects.filter(
            pupil=pending.pupil, session__date=pending.first_day
        ).exists()
