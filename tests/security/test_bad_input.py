"""Bad input is answered 4xx with a field message, never a 500 (issue #8, "tried").

Each case here used to answer 500 (or, for letters, to accept year 1)."""

import datetime as dt
import io
import re

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from letters.models import IssuedLetter, Letterhead
from registers.imports import ROLL_COLUMNS
from registers.models import AccessEvent, Mark, Role, School, build_upn
from registers.setup import SetupRefused, school_setup
from registers.tenancy import school_scope
from registers.validation import parse_date
from tests.factories import (
    ContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SessionFactory,
    staff,
)
from tests.letters.factories import issued_letter

MONDAY = dt.date(2024, 9, 9)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def office(school):
    return staff(school, Role.OFFICE)


def attendance_url(school, pupil):
    return reverse("api:pupil-attendance", kwargs={"school_slug": school.slug, "pk": pupil.pk})


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["to", "from"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_implausible_date_in_the_api_is_a_400_naming_the_parameter(
    api, school, office, param, day
):
    pupil = PupilFactory(school=school)
    api.force_login(office)

    response = api.get(attendance_url(school, pupil), {param: day})

    assert response.status_code == 400
    assert "not a plausible date" in response.data[param][0]
    assert "1990-01-01 to 2100-12-31" in response.data[param][0]


@pytest.mark.django_db
def test_a_plausible_range_still_answers(api, school, office):
    pupil = PupilFactory(school=school)
    api.force_login(office)

    response = api.get(attendance_url(school, pupil), {"from": "2024-09-01", "to": "2024-09-30"})

    assert response.status_code == 200
    assert response.data["to"] == "2024-09-30"


@pytest.mark.django_db
def test_an_implausible_on_roll_filter_is_a_400(api, school, office):
    api.force_login(office)
    response = api.get(
        reverse("api:pupils", kwargs={"school_slug": school.slug}), {"on_roll": "0001-01-01"}
    )
    assert response.status_code == 400
    assert "not a plausible date" in str(response.data["on_roll"])


def _register_url(school, group, day=MONDAY):
    return reverse(
        "api:register",
        kwargs={
            "school_slug": school.slug,
            "group_id": group.pk,
            "day": day.isoformat(),
            "period": "AM",
        },
    )


@pytest.mark.django_db
def test_a_register_put_nested_20000_levels_deep_is_a_400_and_saves_nothing(api, school, office):
    group = RegistrationGroupFactory(school=school)
    pupil = PupilFactory(school=school, registration_group=group)
    SessionFactory(school=school, date=MONDAY, period="AM")
    api.force_login(office)
    deep = '{"marks": ' + "[" * 20_000 + "]" * 20_000 + "}"

    response = api.put(_register_url(school, group), deep, content_type="application/json")

    assert response.status_code == 400
    assert "nested more than 20 levels" in response.data["detail"]
    with school_scope(school):
        assert not Mark.objects.filter(pupil=pupil).exists()


@pytest.mark.django_db
def test_brackets_inside_strings_do_not_count_as_nesting(api, school, office):
    group = RegistrationGroupFactory(school=school)
    pupil = PupilFactory(school=school, registration_group=group)
    SessionFactory(school=school, date=MONDAY, period="AM")
    api.force_login(office)
    note = '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ {{{{{{{{{{{{{{{{{{{{{{{{{ \\" [[[['
    body = {"marks": [{"pupil": pupil.pk, "code": "/", "note": note}]}

    response = api.put(_register_url(school, group), body, format="json")

    assert response.status_code == 200
    with school_scope(school):
        assert Mark.objects.get(pupil=pupil).note == note


@pytest.mark.django_db
def test_a_request_body_over_the_limit_is_refused_and_saves_nothing(api, school, office, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    group = RegistrationGroupFactory(school=school)
    SessionFactory(school=school, date=MONDAY, period="AM")
    api.force_login(office)
    body = '{"marks": [], "padding": "' + "x" * 20_000 + '"}'

    response = api.put(_register_url(school, group), body, content_type="application/json")

    # Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) answers before any parsing.
    assert response.status_code == 400
    with school_scope(school):
        assert not Mark.objects.exists()


@pytest.mark.django_db
def test_a_meeting_date_in_year_1_is_refused_with_a_message(client, school):
    pupil = PupilFactory(school=school)
    ContactFactory(pupil=pupil, email="")
    client.force_login(staff(school, "attendance_officer"))
    address = reverse("letters:new", kwargs={"school_slug": school.slug, "pupil_id": pupil.pk})

    response = client.post(
        address,
        {
            "kind": "meeting_invitation",
            "cause_ready": "1",
            "cause_meeting_date": "0001-10-17",
            "cause_meeting_time": "15:30",
            "cause_meeting_place": "the library",
        },
    )

    assert response.status_code == 400
    assert "not a plausible date" in response.content.decode()
    with school_scope(school):
        assert not IssuedLetter.objects.exists()


@pytest.mark.django_db
def test_a_school_time_zone_must_be_a_real_zone_name(school):
    school.timezone = "London time"
    with pytest.raises(ValidationError) as refused:
        school.full_clean()
    assert "not a time zone name" in str(refused.value.message_dict["timezone"])
    school.timezone = "Europe/London"
    school.full_clean()


def _setup_config(**school):
    return {
        "school": {"slug": "new-school", "name": "New School", **school},
        "sessions": {
            "AM": {"opens": "08:40", "late_after": "08:50", "closes": "09:05"},
            "PM": {"opens": "13:00", "late_after": "13:10", "closes": "13:25"},
        },
        "terms": [{"name": "Autumn", "starts": "2024-09-03", "ends": "2024-12-20"}],
    }


@pytest.mark.django_db
def test_setup_school_refuses_a_made_up_time_zone_with_a_message():
    with pytest.raises(SetupRefused) as refused:
        school_setup(config=_setup_config(timezone="Mars/Olympus_Mons"))
    assert "school.timezone" in str(refused.value.messages)
    assert "not a time zone name" in str(refused.value.messages)
    assert not School.objects.filter(slug="new-school").exists()


@pytest.mark.django_db
def test_setup_school_takes_a_real_time_zone_and_an_idle_time():
    done = school_setup(
        config=_setup_config(timezone="Europe/London", session_idle_minutes=15),
        today=dt.date(2024, 9, 1),
    )
    assert (done.school.timezone, done.school.session_idle_minutes) == ("Europe/London", 15)


@pytest.mark.django_db
def test_setup_school_refuses_a_term_in_year_9999():
    config = _setup_config()
    config["terms"] = [{"name": "Autumn", "starts": "9999-09-03", "ends": "9999-12-20"}]
    with pytest.raises(SetupRefused) as refused:
        school_setup(config=config)
    assert "not a plausible date" in " ".join(refused.value.messages)


@pytest.mark.django_db
def test_a_command_refuses_an_implausible_date_as_a_usage_error(school):
    with pytest.raises(CommandError) as refused:
        call_command("attendance_report", school.slug, "--from", "0001-01-01", "--to", "2024-09-30")
    assert "not a plausible date" in str(refused.value)


@pytest.mark.django_db
def test_an_import_refuses_an_implausible_date_of_birth(school, tmp_path):
    csv_file = tmp_path / "roll.csv"
    upn = build_upn(la_code="826", estab="2001", year=24, serial=1)
    row = [upn, "Amy", "Smith", "0001-01-01", "F", "3", "Ash", "2024-09-03", ""] + ["N"] * 6
    csv_file.write_text(",".join(ROLL_COLUMNS) + "\n" + ",".join(row) + "\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_roll", school.slug, str(csv_file), stderr=io.StringIO())
    assert "not a plausible date" in str(refused.value)


def test_the_one_parser_names_the_range_and_the_format():
    assert parse_date("2024-09-09") == dt.date(2024, 9, 9)
    with pytest.raises(ValueError, match="not a date: use YYYY-MM-DD"):
        parse_date("09/09/2024")
    with pytest.raises(ValueError, match="not a plausible date"):
        parse_date("2101-01-01")


@pytest.mark.django_db
def test_the_letterhead_logo_is_404_when_its_file_has_gone(client, school, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    letterhead = Letterhead.objects.create(school=school)
    letterhead.logo.save("logo.png", ContentFile(b"\x89PNG not really"))
    client.force_login(staff(school, Role.OFFICE))
    address = reverse("letters:logo", kwargs={"school_slug": school.slug})
    assert client.get(address).status_code == 200

    (tmp_path / letterhead.logo.name).unlink()

    assert client.get(address).status_code == 404


@pytest.mark.django_db
def test_the_schema_declares_register_times_as_local_times_without_an_offset(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schemas = yaml.safe_load(out.read_text())["components"]["schemas"]

    for name in ("opens", "late_after", "closes"):
        field = schemas["Session"]["properties"][name]
        assert field.get("format") != "time", name  # RFC 3339 full-time needs an offset
        assert field["format"] == "partial-time"
        assert field["example"] == "08:50:00"
    arrival = schemas["MarkLine"]["properties"]["arrival"]
    assert arrival["format"] == "partial-time" and arrival["pattern"].endswith(":[0-5][0-9]$")


@pytest.mark.django_db
def test_the_session_api_answers_times_the_schema_declares(api, school, office):
    SessionFactory(school=school, date=MONDAY, period="AM")
    api.force_login(office)
    response = api.get(reverse("api:sessions", kwargs={"school_slug": school.slug}))
    opens = response.data["results"][0]["opens"]
    assert re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", opens)


@pytest.mark.django_db
def test_a_letter_whose_pdf_has_gone_is_404_and_no_download_is_logged(
    client, school, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    letter = issued_letter(PupilFactory(school=school))
    client.force_login(staff(school, Role.ATTENDANCE_OFFICER))
    letter.pdf.storage.delete(letter.pdf.name)

    response = client.get(
        reverse("letters:pdf", kwargs={"school_slug": school.slug, "letter_id": letter.pk})
    )

    assert response.status_code == 404
    with school_scope(school):
        assert not AccessEvent.objects.filter(kind=AccessEvent.Kind.LETTER_DOWNLOADED).exists()
