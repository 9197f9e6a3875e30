"""Who opens letters and print batches (parents' names and addresses), and letter pages on a
server that cannot print."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from letters import printable
from registers.tenancy import school_scope
from tests.factories import PupilFactory, staff
from tests.letters.factories import issued_letter, print_batch

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def letter(school):
    return issued_letter(PupilFactory(school=school, preferred_forename="Sammy"))


def _pdf(school, letter):
    return reverse("letters:pdf", args=[school.slug, letter.pk])


def _batch(school, batch):
    return reverse("letters:batch_pdf", args=[school.slug, batch.pk])


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("office", 200),
        ("attendance_officer", 200),
        ("attendance_lead", 200),
        ("headteacher", 200),
        ("school_admin", 200),
        ("trust_lead", 403),
        ("teacher", 403),
    ],
)
def test_a_letter_and_a_print_batch_are_opened_only_by_roles_that_write_to_parents(
    client, school, letter, role, status
):
    batch = print_batch(school)
    client.force_login(staff(school, role))

    assert client.get(_pdf(school, letter)).status_code == status
    assert client.get(_batch(school, batch)).status_code == status


def test_a_trust_lead_sees_which_letters_went_but_no_parent_or_address(client, school, letter):
    client.force_login(staff(school, "trust_lead"))

    pupil_page = client.get(reverse("letters:pupil", args=[school.slug, letter.pupil_id]))
    index = client.get(reverse("letters:index", args=[school.slug]))

    for page in (pupil_page, index):
        html = page.content.decode()
        assert page.status_code == 200
        assert "Attendance concern: stage 1" in html
        assert "Pat Parent" not in html and "1 Example Road" not in html
        assert _pdf(school, letter) not in html


def test_the_office_sees_whom_a_letter_went_to_and_opens_it(client, school, letter):
    client.force_login(staff(school, "office"))

    html = client.get(reverse("letters:pupil", args=[school.slug, letter.pupil_id])).content

    assert b"Pat Parent" in html
    assert _pdf(school, letter).encode() in html


@pytest.fixture
def no_weasyprint(monkeypatch):
    """This process as on a server without Pango: importing WeasyPrint fails."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    printable.problem.cache_clear()
    yield
    printable.problem.cache_clear()


def test_without_weasyprint_letter_pages_say_why_and_how_to_fix_it(client, school, no_weasyprint):
    client.force_login(staff(school, "attendance_lead"))

    index = client.get(reverse("letters:index", args=[school.slug]))
    preview = client.post(
        reverse("letters:template_preview_pdf", args=[school.slug, "stage_1"]),
        {"subject": "Hello", "body": "<p>Hello</p>"},
    )
    home = client.get(reverse("registers:school_home", args=[school.slug]))

    assert index.status_code == 200
    assert "Letters cannot be printed on this server" in index.content.decode()
    assert "scripts/system-packages.sh" in index.content.decode()
    assert preview.status_code == 503
    assert "scripts/system-packages.sh" in preview.content.decode()
    assert home.status_code == 200


def test_without_weasyprint_a_drafted_letter_records_why_it_was_not_made(
    school, no_weasyprint, run_on_commit
):
    from letters import services
    from tests.factories import ContactFactory

    pupil = PupilFactory(school=school)
    ContactFactory(pupil=pupil, email="")
    with school_scope(school):
        [letter] = run_on_commit(
            services.letter_draft, school=school, pupil=pupil, kind="lateness_1"
        )
        letter.refresh_from_db()

    assert letter.sha256 == ""
    assert letter.render_error.startswith("Letters cannot be printed on this server")


def test_the_app_starts_and_checks_clean_without_weasyprint():
    code = (
        "import sys; sys.modules['weasyprint'] = None\n"
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "import attendance_mis.urls, letters.tasks, letters.views\n"
        "call_command('check')\n"
        "from letters import printable; print(printable.problem())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    assert "Letters cannot be printed on this server" in done.stdout
