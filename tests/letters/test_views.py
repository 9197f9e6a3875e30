"""Letter pages: allowed (200), a colleague with the wrong role (403), another school (404)."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from PIL import Image

from letters import services
from letters.models import IssuedLetter, Letterhead, LetterTemplate, PrintBatch
from registers.tenancy import school_scope
from tests.factories import ContactFactory, PupilFactory, RegistrationGroupFactory, staff
from tests.letters.conftest import pdf_text
from tests.letters.factories import issued_letter, print_batch

Status = IssuedLetter.Status
BODY = "<p>Dear {{ pupil.forename }}, hello.</p>"


def png_bytes(colour="blue"):
    out = io.BytesIO()
    Image.new("RGB", (60, 30), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def objects(school):
    pupil = PupilFactory(school=school, preferred_forename="Sammy")
    letterhead = Letterhead.objects.create(school=school)
    letterhead.logo.save("logo.png", ContentFile(png_bytes()))
    return {
        "pupil": pupil,
        "letter": issued_letter(pupil),
        "batch": print_batch(school),
    }


def url(school, name, objects=None, **kwargs):
    objects = objects or {}
    needs = {
        "pupil": {"pupil_id": "pupil"},
        "new": {"pupil_id": "pupil"},
        "pdf": {"letter_id": "letter"},
        "batch_pdf": {"batch_id": "batch"},
    }
    for arg, key in needs.get(name, {}).items():
        kwargs[arg] = objects[key].pk
    return reverse(f"letters:{name}", kwargs={"school_slug": school.slug, **kwargs})


# (url name, extra kwargs, method, POST data, an allowed role, a wrong role)
PAGES = [
    ("index", {}, "get", None, "office", "teacher"),
    ("templates", {}, "get", None, "school_admin", "office"),
    ("template_edit", {"kind": "stage_2"}, "get", None, "attendance_lead", "attendance_officer"),
    (
        "template_preview",
        {"kind": "stage_1"},
        "post",
        {"subject": "Hi", "body": BODY},
        "headteacher",
        "office",
    ),
    (
        "template_preview_pdf",
        {"kind": "stage_1"},
        "post",
        {"subject": "Hi", "body": BODY, "show_summary": "on"},
        "school_admin",
        "teacher",
    ),
    ("letterhead", {}, "get", None, "school_admin", "office"),
    ("logo", {}, "get", None, "office", "teacher"),
    ("approve", {}, "get", None, "headteacher", "attendance_officer"),
    ("print", {}, "get", None, "office", "teacher"),
    ("batch_pdf", {}, "get", None, "attendance_officer", "teacher"),
    ("pupil", {}, "get", None, "trust_lead", "teacher"),
    ("new", {}, "get", None, "attendance_officer", "office"),
    ("pdf", {}, "get", None, "office", "teacher"),
]
IDS = [page[0] for page in PAGES]


@pytest.mark.parametrize(("name", "kwargs", "method", "data", "allowed", "wrong"), PAGES, ids=IDS)
def test_every_page_for_the_three_actors(
    client, school, objects, name, kwargs, method, data, allowed, wrong
):
    # Another school's people and ids: tests/test_tenancy_sweep.py, for every page.
    address = url(school, name, objects, **kwargs)

    def status_for(user):
        client.force_login(user)
        return getattr(client, method)(address, data or {}).status_code

    assert status_for(staff(school, allowed)) == 200
    assert status_for(staff(school, wrong)) == 403


# POSTs that change something: (url name, extra kwargs, POST data, an allowed role, a wrong
# role). The wrong role (403) and another school's user (404) change nothing.
WRITES = [
    ("approve", {}, {"action": "confirm", "letter": "LETTER"}, "headteacher", "office"),
    ("print", {}, {}, "office", "teacher"),
    (
        "template_edit",
        {"kind": "stage_1"},
        {"subject": "Hi", "body": BODY},
        "attendance_lead",
        "office",
    ),
    (
        "letterhead",
        {},
        {"addressing": "together", "school_day_hours": "6.5"},
        "school_admin",
        "attendance_officer",
    ),
    ("new", {}, {"kind": "stage_1", "cause_ready": "1"}, "attendance_officer", "office"),
]


def _state():
    with scopes_disabled():
        return (
            sorted(IssuedLetter.objects.values_list("status", flat=True)),
            PrintBatch.objects.count(),
            LetterTemplate.objects.count(),
            list(Letterhead.objects.values_list("addressing", flat=True)),
        )


@pytest.mark.parametrize(
    ("name", "kwargs", "data", "allowed", "wrong"), WRITES, ids=[w[0] for w in WRITES]
)
def test_every_change_for_the_three_actors(
    client, school, other_school, objects, name, kwargs, data, allowed, wrong
):
    ContactFactory(pupil=objects["pupil"], email="")
    issued_letter(objects["pupil"], status=Status.APPROVED)
    address = url(school, name, objects, **kwargs)
    data = {k: objects["letter"].pk if v == "LETTER" else v for k, v in data.items()}
    before = _state()

    for user, status in ((staff(school, wrong), 403), (staff(other_school, allowed), 404)):
        client.force_login(user)
        assert client.post(address, data).status_code == status
        assert _state() == before
    client.force_login(staff(school, allowed))

    assert client.post(address, data).status_code == 302
    assert _state() != before


def test_a_pupils_page_lists_every_letter_with_view_and_download_links(client, school, objects):
    pupil, letter = objects["pupil"], objects["letter"]
    issued_letter(pupil, kind="improvement", status=Status.EMAILED, channel="email")
    client.force_login(staff(school, "office"))

    page = client.get(url(school, "pupil", objects)).content.decode()
    download = client.get(url(school, "pdf", objects) + "?download=1")

    assert "Attendance concern: stage 1" in page
    assert "Improved attendance: congratulations" in page
    assert f'href="/{school.slug}/letters/{letter.pk}.pdf?download=1"' in page
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_approving_selected_drafts_is_one_action(client, school, make_staff):
    pupil = PupilFactory(school=school)
    chosen = [issued_letter(pupil) for _ in range(2)]
    left = issued_letter(pupil)
    client.force_login(make_staff(school, "headteacher"))

    response = client.post(
        url(school, "approve"), {"action": "confirm", "letter": [c.pk for c in chosen] + ["x"]}
    )

    assert response.status_code == 302
    with scopes_disabled():
        statuses = dict(IssuedLetter.objects.values_list("pk", "status"))
        assert [statuses[c.pk] for c in chosen] == [Status.APPROVED, Status.APPROVED]
        assert statuses[left.pk] == Status.DRAFT
        follow = client.get(response["Location"]).content.decode()
        assert "2 letters approved" in follow


def test_ticked_values_that_are_no_letters_ids_change_nothing(client, school, make_staff):
    letter = issued_letter(PupilFactory(school=school))
    client.force_login(make_staff(school, "headteacher"))

    for action in ("approve", "cancel"):
        response = client.post(
            url(school, "approve"),
            {"action": action, "letter": ["²", "9" * 25, "-1", ""]},
            follow=True,
        )
        assert response.status_code == 200
        assert "Tick at least one letter first." in response.content.decode()
    with scopes_disabled():
        assert IssuedLetter.objects.get(pk=letter.pk).status == Status.DRAFT


@pytest.mark.parametrize(
    ("role", "school_of_user", "status"),
    [
        ("attendance_officer", "school", 403),
        ("headteacher", "other_school", 404),
    ],
)
def test_approving_is_refused_to_others_and_changes_nothing(
    client, request, school, role, school_of_user, status
):
    letter = issued_letter(PupilFactory(school=school))
    client.force_login(staff(request.getfixturevalue(school_of_user), role))

    response = client.post(url(school, "approve"), {"action": "approve", "letter": [letter.pk]})

    assert response.status_code == status
    with scopes_disabled():
        assert IssuedLetter.objects.get(pk=letter.pk).status == Status.DRAFT


def test_the_approval_page_costs_the_same_queries_for_many_drafts(
    client, school, make_staff, django_assert_num_queries
):
    client.force_login(make_staff(school, "headteacher"))
    group = RegistrationGroupFactory(school=school)

    def add_drafts(n):
        for _ in range(n):
            issued_letter(PupilFactory(school=school, registration_group=group))

    # School, user, roles, drafts; figures: the year's start, a summary, the indicators;
    # the approved letters not gone out yet.
    add_drafts(2)
    with django_assert_num_queries(11):
        assert client.get(url(school, "approve")).status_code == 200
    add_drafts(6)
    with django_assert_num_queries(11):
        page = client.get(url(school, "approve")).content.decode()
    assert page.count('type="checkbox" name="letter"') == 8


def test_the_pupil_page_costs_the_same_queries_for_many_letters(
    client, school, make_staff, django_assert_num_queries
):
    client.force_login(make_staff(school, "office"))
    pupil = PupilFactory(school=school, registration_group=RegistrationGroupFactory(school=school))
    objects = {"pupil": pupil}
    issued_letter(pupil)
    with django_assert_num_queries(5):
        assert client.get(url(school, "pupil", objects)).status_code == 200
    for _ in range(5):
        issued_letter(pupil, status=Status.APPROVED)
    with django_assert_num_queries(5):
        assert client.get(url(school, "pupil", objects)).status_code == 200


def test_making_a_print_batch_from_the_page(client, school, make_staff):
    pupil = PupilFactory(school=school)
    letters = [issued_letter(pupil, status=Status.APPROVED) for _ in range(3)]
    client.force_login(make_staff(school, "office"))

    response = client.post(url(school, "print"))

    assert response.status_code == 302
    with scopes_disabled():
        batch = PrintBatch.objects.get()
        assert (batch.letter_count, batch.page_count) == (3, 3)
        assert set(IssuedLetter.objects.values_list("status", flat=True)) == {Status.PRINTED}
        again = client.post(url(school, "print"), follow=True).content.decode()
        assert "There are no approved letters waiting to be printed." in again
        assert PrintBatch.objects.count() == 1
        assert len(letters) == 3


def test_saving_a_wording_adds_a_version(client, school, make_staff):
    client.force_login(make_staff(school, "attendance_lead"))

    response = client.post(
        url(school, "template_edit", kind="stage_1"),
        {"subject": "About {{ pupil.forename }}", "body": BODY, "show_summary": "on"},
    )

    assert response.status_code == 302
    with scopes_disabled():
        template = LetterTemplate.objects.get()
        assert (template.version, template.body, template.show_summary) == (1, BODY, True)
        page = client.get(response["Location"]).content.decode()
        assert "Saved as version 1." in page


def test_a_wording_with_a_mistake_is_shown_again_with_the_message(client, school, make_staff):
    client.force_login(make_staff(school, "headteacher"))

    response = client.post(
        url(school, "template_edit", kind="stage_1"),
        {"subject": "Hi", "body": "<p>{{ pupil.school.memberships }}</p>"},
    )

    assert response.status_code == 400
    assert "pupil.school.memberships }} is not one of the letter&#x27;s variables" in (
        response.content.decode()
    )
    with scopes_disabled():
        assert LetterTemplate.objects.count() == 0


def test_the_live_preview_shows_the_sample_pupil_or_the_mistakes(client, school, make_staff):
    client.force_login(make_staff(school, "attendance_lead"))
    address = url(school, "template_preview", kind="stage_1")

    good = client.post(address, {"subject": "Hi {{ pupil.forename }}", "body": BODY})
    bad = client.post(address, {"subject": "Hi", "body": "{% load static %}"})

    assert "<h2>Hi Sam</h2><p>Dear Sam, hello.</p>" in good.content.decode()
    assert "{% load %} cannot be used in letters" in bad.content.decode()


def test_the_pdf_preview_prints_the_sample_pupil(client, school, make_staff):
    client.force_login(make_staff(school, "school_admin"))

    response = client.post(
        url(school, "template_preview_pdf", kind="stage_1"),
        {"subject": "Hi {{ pupil.forename }}", "body": BODY, "show_summary": "on"},
    )

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Dear Sam, hello." in text
    assert "Could attend" in text


def test_the_letterhead_is_saved_with_its_logo(client, school, make_staff):
    client.force_login(make_staff(school, "school_admin"))
    logo = io.BytesIO(png_bytes())
    logo.name = "crest.png"

    response = client.post(
        url(school, "letterhead"),
        {
            "name": "Oak Lane Primary",
            "address": "Oak Lane\nMilton Keynes",
            "contact_line": "Ms Rivers on 01632 960000",
            "signatory_name": "Jo Marsh",
            "signatory_role": "Headteacher",
            "addressing": "together",
            "school_day_hours": "6.5",
            "logo": logo,
        },
    )

    assert response.status_code == 302
    with scopes_disabled():
        letterhead = Letterhead.objects.get(school=school)
        assert (letterhead.signatory_name, letterhead.addressing) == ("Jo Marsh", "together")
        assert letterhead.logo.name.startswith(f"letters/{school.slug}/letterhead/")
        assert client.get(url(school, "logo")).status_code == 200


def test_a_letterhead_with_a_bad_logo_is_refused(client, school, make_staff):
    client.force_login(make_staff(school, "school_admin"))
    fake = io.BytesIO(b"not an image")
    fake.name = "logo.png"

    response = client.post(
        url(school, "letterhead"),
        {"addressing": "each", "school_day_hours": "6.5", "logo": fake},
    )

    assert response.status_code == 400
    with scopes_disabled():
        assert not Letterhead.objects.filter(school=school).exists()


def test_drafting_a_letter_by_hand(client, school, make_staff, django_capture_on_commit_callbacks):
    pupil = PupilFactory(school=school, preferred_forename="Sammy")
    ContactFactory(pupil=pupil, name="Grace Okafor", email="")
    client.force_login(make_staff(school, "attendance_officer"))
    address = url(school, "new", {"pupil": pupil})

    form = client.get(address + "?kind=meeting_invitation").content.decode()
    missing = client.post(address, {"kind": "meeting_invitation", "cause_ready": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            address,
            {
                "kind": "meeting_invitation",
                "cause_ready": "1",
                "cause_meeting_date": "2024-10-17",
                "cause_meeting_time": "15:30",
                "cause_meeting_place": "the library",
            },
        )

    assert 'name="cause_meeting_date"' in form
    assert missing.status_code == 400
    assert done.status_code == 302
    with scopes_disabled():
        letter = IssuedLetter.objects.get()
        assert (letter.status, letter.kind) == (Status.DRAFT, "meeting_invitation")
        assert letter.cause["meeting_place"] == "the library"
        assert "Thursday 17 October 2024" in " ".join(letter.html.split())


def test_finding_a_pupil_from_the_letters_page(client, school, other_school, make_staff):
    group = RegistrationGroupFactory(school=school, name="Ash 3")
    sam = PupilFactory(
        school=school,
        legal_forename="Samuel",
        preferred_forename="Sam",
        legal_surname="Okafor",
        registration_group=group,
    )
    PupilFactory(school=school, legal_forename="Ruth", legal_surname="Mensah")
    PupilFactory(school=other_school, legal_forename="Samuel", legal_surname="Okafor")
    client.force_login(make_staff(school, "office"))
    url = reverse("letters:index", args=[school.slug])

    by_name = client.get(url, {"q": "sam oka"}).content.decode()
    by_upn = client.get(url, {"q": sam.upn}).content.decode()
    by_class = client.get(url, {"q": "ash 3"}).content.decode()

    pupil_page = reverse("letters:pupil", args=[school.slug, sam.pk])
    for html in (by_name, by_upn, by_class):
        assert pupil_page in html
        assert html.count('class="pupil-results"') == 1
        assert "Mensah" not in html
    assert "No pupil matches" in client.get(url, {"q": "zzz"}).content.decode()


def test_a_detail_out_of_range_is_shown_again_with_the_message(client, school, make_staff):
    pupil = PupilFactory(school=school)
    ContactFactory(pupil=pupil)
    client.force_login(make_staff(school, "attendance_lead"))

    response = client.post(
        url(school, "new", {"pupil": pupil}),
        {"kind": "traffic_amber", "cause_ready": "1", "cause_window_weeks": "2.5"},
    )

    assert response.status_code == 400
    assert "Enter a whole number." in response.content.decode()
    assert not IssuedLetter.objects.exists()


def test_a_refused_letterhead_keeps_its_logo_and_a_new_logo_replaces_the_old(school, make_staff):
    admin = make_staff(school, "school_admin")

    def save(values, colour):
        logo = ContentFile(png_bytes(colour), name="crest.png")
        with school_scope(school):
            return services.letterhead_save(school=school, user=admin, values=values, logo=logo)

    old = save({}, "blue").logo.name
    with pytest.raises(ValidationError):
        save({"school_day_hours": Decimal("20")}, "red")
    with scopes_disabled():
        kept = Letterhead.objects.get(school=school).logo
        assert kept.name == old and kept.storage.exists(old)

    replaced = save({}, "green").logo
    with scopes_disabled():
        assert replaced.name != old and replaced.storage.exists(replaced.name)
        assert not replaced.storage.exists(old)

        with school_scope(school):
            removed = services.letterhead_save(
                school=school, user=admin, values={}, remove_logo=True
            )

        assert not removed.logo and not Letterhead.objects.get(school=school).logo
        assert not replaced.storage.exists(replaced.name)


def test_a_saved_version_the_checks_now_refuse_shows_why_on_its_edit_page(
    client, school, make_staff
):
    # Saved before the rendered HTML was checked: the page says so instead of failing.
    LetterTemplate.objects.create(
        school=school,
        kind="stage_1",
        version=1,
        subject="Hi",
        body="<p>Hello<!-- a note --></p>",
        created_at=timezone.now(),
    )
    client.force_login(make_staff(school, "attendance_lead"))

    response = client.get(url(school, "template_edit", kind="stage_1"))

    assert response.status_code == 200
    assert "HTML that letters cannot use: &lt;!-- a note" in response.content.decode()
