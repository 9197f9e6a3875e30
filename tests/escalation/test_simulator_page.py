"""The simulator page: "what would this policy have done" over a range (at most a school
year), under the school's own ladder or a preset, run by Celery with its progress, storing
nothing of the school's (DESIGN.md §9)."""

import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from escalation.models import (
    Case,
    Decision,
    EscalationTask,
    Proposal,
    SimulationRun,
)
from escalation.services.simulation_runs import simulation_execute
from letters.models import IssuedLetter
from registers.models import Role
from registers.tenancy import school_scope
from tests.escalation.casework import night_school, person


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return night_school()


def _counts():
    with scopes_disabled():
        return [m.objects.count() for m in (Case, Decision, EscalationTask, Proposal, IssuedLetter)]


def _simulate(client, school, django_capture_on_commit_callbacks, **data):
    """Ask for a simulation; its Celery task runs once the request commits."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("escalation:simulator", args=[school.slug]), data)
    return response


def test_the_simulator_shows_counts_by_month_and_the_decisions_and_stores_nothing(
    client, night, django_capture_on_commit_callbacks
):
    school, alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    before = _counts()

    asked = _simulate(
        client,
        school,
        django_capture_on_commit_callbacks,
        start="2024-09-02",
        end="2024-09-30",
        preset="",
    )
    page = client.get(asked["Location"])

    html = page.content.decode()
    assert "test, 2 September 2024 to 30 September 2024" in html
    assert "20 school days decided" in html
    assert '<th scope="row">September 2024</th>' in html
    # Alex's stage 1 letter on the first night with 20 possible sessions (16 Sep).
    assert "<td>16/09/2024</td><td>" + alex.display_name in html
    assert "test/TL-01" in html and "letter: stage 1" in html
    assert _counts() == before
    with scopes_disabled():
        run = SimulationRun.objects.get()
    assert (run.status, run.days_done, run.days_total) == ("done", 20, 20)


def test_a_simulation_delivered_twice_runs_once(client, night, django_capture_on_commit_callbacks):
    school, _alex, _sam = night
    client.force_login(person(school, Role.HEADTEACHER))
    _simulate(
        client, school, django_capture_on_commit_callbacks, start="2024-09-02", end="2024-09-13"
    )
    with scopes_disabled():
        run = SimulationRun.objects.get()
        finished = run.finished_at

    with school_scope(school):
        again = simulation_execute(school=school, run_id=run.pk)

    assert again is False
    with scopes_disabled():
        assert SimulationRun.objects.get(pk=run.pk).finished_at == finished


def test_a_waiting_simulation_shows_its_progress(client, night):
    school, _alex, _sam = night
    with scopes_disabled():
        run = SimulationRun.objects.create(
            school=school,
            start="2024-09-02",
            end="2025-07-22",
            status="running",
            days_done=40,
            days_total=190,
            created_at="2024-09-02T10:00:00Z",
        )
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    page = client.get(reverse("escalation:simulation", args=[school.slug, run.pk]))
    fragment = client.get(reverse("escalation:simulation_progress", args=[school.slug, run.pk]))

    assert "Deciding school day 40 of 190" in page.content.decode()
    assert 'value="21"' in fragment.content.decode()
    with scopes_disabled():
        SimulationRun.objects.filter(pk=run.pk).update(status="done")
    done = client.get(reverse("escalation:simulation_progress", args=[school.slug, run.pk]))
    assert done["HX-Redirect"] == reverse("escalation:simulation", args=[school.slug, run.pk])


def test_another_preset_can_be_tried_without_changing_the_schools_policy(
    client, night, django_capture_on_commit_callbacks
):
    school, _alex, _sam = night
    client.force_login(person(school, Role.HEADTEACHER))

    asked = _simulate(
        client,
        school,
        django_capture_on_commit_callbacks,
        start="2024-09-02",
        end="2024-10-25",
        preset="blue-sky",
    )

    assert "blue-sky, 2 September 2024" in client.get(asked["Location"]).content.decode()
    with scopes_disabled():
        assert school.escalation_policy.preset == "test"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2024-09-02", "2025-09-30", "at most one school year"),
        ("2024-10-01", "2024-09-01", "The range ends after it starts."),
        ("2024-09-31", "2024-10-01", "Enter a valid date."),
    ],
)
def test_a_range_longer_than_a_year_or_backwards_is_refused(client, night, start, end, message):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = client.post(
        reverse("escalation:simulator", args=[school.slug]), {"start": start, "end": end}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    with scopes_disabled():
        assert not SimulationRun.objects.exists()


def test_the_simulator_starts_with_last_years_dates_filled_in(client, night):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    from escalation.views.simulator import _last_year
    from registers.selectors import local_today

    start, end = _last_year(local_today(school))
    html = client.get(reverse("escalation:simulator", args=[school.slug])).content.decode()

    # <input type="date"> shows nothing unless its value is YYYY-MM-DD.
    assert f'value="{start.isoformat()}"' in html
    assert f'value="{end.isoformat()}"' in html


def test_a_refused_simulation_has_an_error_summary_linking_to_the_field(client, night):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = client.post(
        reverse("escalation:simulator", args=[school.slug]),
        {"start": "2024-09-30", "end": "2024-09-02", "preset": ""},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary" tabindex="-1"' in html
    assert 'href="#id_end"' in html
    # The message the input names (aria-describedby) exists; no role on the list itself.
    end_input = re.search(r'<input[^>]*name="end"[^>]*>', html).group(0)
    assert 'aria-describedby="id_end_error"' in end_input and 'id="id_end_error"' in html
    assert 'class="errorlist" role=' not in html


def test_a_simulation_no_worker_has_taken_for_two_minutes_says_the_worker_is_not_running(
    client, night
):
    import datetime as dt

    from django.utils import timezone

    school, _alex, _sam = night
    lead = person(school, Role.ATTENDANCE_LEAD)
    client.force_login(lead)
    with scopes_disabled():
        fresh = SimulationRun.objects.create(
            school=school,
            preset="",
            start=dt.date(2024, 9, 2),
            end=dt.date(2024, 9, 30),
            created_at=timezone.now(),
        )
        waiting = SimulationRun.objects.create(
            school=school,
            preset="",
            start=dt.date(2024, 9, 2),
            end=dt.date(2024, 9, 30),
            created_at=timezone.now() - dt.timedelta(minutes=3),
        )

    def progress(run):
        url = reverse("escalation:simulation_progress", args=[school.slug, run.pk])
        return client.get(url).content.decode()

    assert "worker does not seem to be running" not in progress(fresh)
    assert "worker does not seem to be running" in progress(waiting)
