"""The register's law, one writer: whatever the register refuses, every source refuses
with the same words (the page, the API, import_marks, the office's single entries)."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from registers.imports import MARK_COLUMNS
from registers.models import Mark, Role, Session
from registers.services import (
    compulsory_school_age_ends,
    compulsory_school_age_starts,
    mark_record,
)
from registers.tenancy import school_scope
from tests.factories import PupilFactory, school_calendar, staff

D = dt.date
MONDAY = D(2024, 9, 9)
SOURCES = ("page", "api", "import", "office")


@pytest.fixture
def calendar_school(school):
    # The factory's register times: AM late after 08:50, closes 09:05.
    school_calendar(school, start=D(2024, 9, 2), end=D(2024, 9, 13))
    return school


@pytest.fixture
def teacher(calendar_school, group):
    user = staff(calendar_school, Role.TEACHER, first_name="Ada", last_name="Lovelace")
    group.teachers.add(user)
    return user


@pytest.fixture
def office(calendar_school):
    return staff(calendar_school, Role.OFFICE, first_name="Grace", last_name="Hopper")


def pupil_of(group, **kwargs):
    kwargs.setdefault("on_roll_from", D(2024, 9, 2))
    return PupilFactory(school=group.school, registration_group=group, **kwargs)


def am(school) -> Session:
    return Session.objects.get(school=school, date=MONDAY, period="AM")


# ---- One way to ask each source ------------------------------------------------------


def by_page(client, user, group, pupil, code, minutes="", note=""):
    client.force_login(user)
    path = reverse(
        "registers:register",
        kwargs={
            "school_slug": group.school.slug,
            "group_id": group.pk,
            "day": MONDAY,
            "period": "AM",
        },
    )
    data = {
        "action": "save",
        f"code-{pupil.pk}": code,
        f"minutes-{pupil.pk}": minutes,
        f"note-{pupil.pk}": note,
        f"version-{pupil.pk}": "0",
    }
    response = client.post(path, data)
    if response.status_code == 302:
        return None
    assert response.status_code == 400
    return [line.errors for line in response.context["lines"] if line.pupil == pupil][0]


def by_api(user, group, pupil, code, minutes="", note=""):
    api = APIClient()
    api.force_login(user)
    path = reverse(
        "api:register",
        kwargs={
            "school_slug": group.school.slug,
            "group_id": group.pk,
            "day": MONDAY.isoformat(),
            "period": "AM",
        },
    )
    sent = {"pupil": pupil.pk, "code": code, "note": note}
    if minutes:
        sent["minutes_late"] = int(minutes)
    response = api.put(path, {"marks": [sent]}, format="json")
    if response.status_code == 200:
        return None
    assert response.status_code == 400, response.data
    return [m for messages in response.data["marks"][str(pupil.pk)].values() for m in messages]


def by_import(tmp_path, school, pupil, code, minutes=""):
    path = tmp_path / "marks.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MARK_COLUMNS)
        writer.writeheader()
        writer.writerow(
            {
                "upn": pupil.upn,
                "date": MONDAY.isoformat(),
                "session": "AM",
                "code": code,
                "minutes_late": minutes,
            }
        )
    try:
        call_command("import_marks", school.slug, str(path), stdout=io.StringIO())
    except CommandError as exc:
        return [line.strip().removeprefix("row 2: ") for line in str(exc).splitlines()[1:]]
    return None


def by_office(user, pupil, code, minutes="", note=""):
    school = pupil.school
    with school_scope(school):
        try:
            mark_record(
                school=school,
                pupil=pupil,
                session=am(school),
                code=code,
                minutes_late=int(minutes) if minutes else None,
                note=note,
                user=user,
                role=Role.OFFICE,
                source=Mark.Source.OFFICE,
            )
        except ValidationError as exc:
            return [m for fields in exc.pupil_errors.values() for m in fields.values()]
    return None


def refusal(source, *, client, tmp_path, teacher, office, group, pupil, code, minutes="", note=""):
    """The messages a source gives for one mark (None when it is saved)."""
    if source == "page":
        return by_page(client, teacher, group, pupil, code, minutes, note)
    if source == "api":
        return by_api(teacher, group, pupil, code, minutes, note)
    if source == "import":
        return by_import(tmp_path, group.school, pupil, code, minutes)
    return by_office(office, pupil, code, minutes, note)


# ---- Each rule, from every source ------------------------------------------------------

REFUSED = [
    pytest.param(
        "L",
        "40",
        {},
        "L 40 minutes late is an arrival at 09:30, after the register closed at 09:05: that is U.",
        id="L-after-the-register-closed",
    ),
    pytest.param(
        "U",
        "5",
        {},
        "U 5 minutes late is an arrival at 08:55, before the register closed at 09:05: that is L.",
        id="U-before-the-register-closed",
    ),
    pytest.param(
        "\\", "", {}, "\\ is the afternoon present mark; use / in the AM.", id="PM-present-in-AM"
    ),
    pytest.param(
        "X",
        "",
        {"date_of_birth": D(2016, 5, 1)},
        "X is only for a pupil not of compulsory school age; this pupil is of compulsory "
        "school age on 09 September 2024.",
        id="X-for-a-pupil-of-compulsory-school-age",
    ),
    pytest.param(
        "Z",
        "",
        {},
        "Z is for a prospective pupil not yet on the admission register; this pupil is on roll.",
        id="Z-for-a-pupil-on-roll",
    ),
    pytest.param(
        "D",
        "",
        {"dual_registered": False},
        "D is only for a pupil also registered at another school; this pupil is not recorded "
        "as dual registered.",
        id="D-for-a-pupil-not-dual-registered",
    ),
    pytest.param(
        "Y7",
        "",
        {},
        "Y7 needs the cause: say in the note what made attending impossible.",
        id="Y7-without-its-cause",
    ),
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("code", "minutes", "pupil_fields", "message"), REFUSED)
def test_every_source_refuses_what_the_register_refuses_with_the_same_message(
    client, tmp_path, calendar_school, group, teacher, office, source, code, minutes,
    pupil_fields, message,
):  # fmt: skip
    pupil = pupil_of(group, **pupil_fields)

    messages = refusal(
        source,
        client=client,
        tmp_path=tmp_path,
        teacher=teacher,
        office=office,
        group=group,
        pupil=pupil,
        code=code,
        minutes=minutes,
    )

    assert messages == [message]
    with scopes_disabled():
        assert not Mark.objects.filter(pupil=pupil).exists()


ACCEPTED = [
    pytest.param("L", "15", {}, "", id="L-while-the-register-is-open"),
    pytest.param("U", "16", {}, "", id="U-after-the-register-closed"),
    pytest.param("X", "", {"date_of_birth": D(2020, 1, 10)}, "", id="X-for-a-four-year-old"),
    pytest.param("D", "", {"dual_registered": True}, "", id="D-for-a-dual-registered-pupil"),
    pytest.param("#", "", {}, "", id="planned-closure"),
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("code", "minutes", "pupil_fields", "note"), ACCEPTED)
def test_every_source_accepts_what_the_register_accepts(
    client, tmp_path, calendar_school, group, teacher, office, source, code, minutes,
    pupil_fields, note,
):  # fmt: skip
    pupil = pupil_of(group, **pupil_fields)

    messages = refusal(
        source,
        client=client,
        tmp_path=tmp_path,
        teacher=teacher,
        office=office,
        group=group,
        pupil=pupil,
        code=code,
        minutes=minutes,
        note=note,
    )

    assert messages is None
    with scopes_disabled():
        mark = Mark.objects.get(pupil=pupil)
    assert (mark.code_id, mark.minutes_late) == (code, int(minutes) if minutes else None)
    expected_source = {"page": "register", "api": "api", "import": "import", "office": "office"}
    assert mark.source == expected_source[source]


@pytest.mark.parametrize("source", ["page", "api", "office"])
def test_Y7_with_its_cause_in_the_note_is_saved(
    client, tmp_path, calendar_school, group, teacher, office, source
):
    pupil = pupil_of(group)
    messages = refusal(
        source,
        client=client,
        tmp_path=tmp_path,
        teacher=teacher,
        office=office,
        group=group,
        pupil=pupil,
        code="Y7",
        note="Flooded road, no way through",
    )
    assert messages is None


@pytest.mark.parametrize("source", ["page", "api"])
def test_C1_granted_in_advance_is_the_offices_to_record_not_the_teachers(
    client, calendar_school, group, teacher, office, source
):
    pupil = pupil_of(group)
    message = (
        "C1 is leave granted in advance for a regulated performance or employment abroad: "
        "the office records it from the leave granted."
    )
    if source == "page":
        assert by_page(client, teacher, group, pupil, "C1") == [message]
        assert by_page(client, office, group, pupil, "C1") is None
    else:
        assert by_api(teacher, group, pupil, "C1") == [message]
        assert by_api(office, group, pupil, "C1") is None
    with scopes_disabled():
        assert Mark.objects.get(pupil=pupil).code_id == "C1"


# ---- Compulsory school age -------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "starts"),
    [
        (D(2019, 9, 1), D(2024, 12, 31)),  # 5 on 1 September: the next prescribed day
        (D(2019, 8, 31), D(2024, 8, 31)),  # 5 on a prescribed day: that day
        (D(2019, 1, 15), D(2024, 3, 31)),
        (D(2019, 4, 1), D(2024, 8, 31)),
    ],
)
def test_compulsory_school_age_starts_on_the_prescribed_day_after_the_fifth_birthday(born, starts):
    assert compulsory_school_age_starts(born) == starts


@pytest.mark.parametrize(
    ("born", "ends"),
    [
        (D(2008, 9, 1), D(2025, 6, 27)),  # 16 in September: the next June's last Friday
        (D(2009, 8, 31), D(2025, 6, 27)),  # 16 in August: the June before the birthday
        (D(2008, 7, 10), D(2024, 6, 28)),  # 30 June 2024 is a Sunday
        (D(2008, 2, 29), D(2024, 6, 28)),
    ],
)
def test_compulsory_school_age_ends_on_the_last_friday_of_june_of_the_year_they_turn_16(born, ends):
    assert compulsory_school_age_ends(born) == ends


@pytest.mark.parametrize("source", ["page", "api", "office"])
def test_minutes_late_out_of_range_have_the_same_message_everywhere(
    client, tmp_path, calendar_school, group, teacher, office, source
):
    pupil = pupil_of(group)
    messages = refusal(
        source,
        client=client,
        tmp_path=tmp_path,
        teacher=teacher,
        office=office,
        group=group,
        pupil=pupil,
        code="L",
        minutes="601",
    )
    assert messages == ["Minutes late must be between 0 and 600."]


def test_the_api_says_a_register_is_complete_only_when_every_pupil_has_a_mark(
    calendar_school, group, teacher
):
    first, second = pupil_of(group), pupil_of(group)
    api = APIClient()
    api.force_login(teacher)
    path = reverse(
        "api:register",
        kwargs={
            "school_slug": calendar_school.slug,
            "group_id": group.pk,
            "day": MONDAY.isoformat(),
            "period": "AM",
        },
    )

    partly = api.put(path, {"marks": [{"pupil": first.pk, "code": "/"}]}, format="json")
    assert (partly.data["marked"], partly.data["complete"]) == (1, False)
    fully = api.put(path, {"marks": [{"pupil": second.pk, "code": "/"}]}, format="json")
    assert (fully.data["marked"], fully.data["complete"]) == (2, True)


def test_one_call_writes_across_sessions_all_or_nothing(calendar_school, group, office):
    from registers.services import MarkEntry, marks_write

    pupil = pupil_of(group)
    with school_scope(calendar_school):
        sessions = list(
            Session.objects.filter(school=calendar_school, date=MONDAY).order_by("period")
        )
        leave = [MarkEntry(pupil_id=pupil.pk, code="M", session=s) for s in sessions]
        bad = [*leave[:1], MarkEntry(pupil_id=pupil.pk, code="/", session=sessions[1])]
        with pytest.raises(ValidationError) as refused:
            marks_write(
                school=calendar_school,
                entries=bad,
                actor=office,
                role=Role.OFFICE,
                source=Mark.Source.LEAVE,
            )
        assert refused.value.pupil_errors == {
            f"{pupil.pk} 2024-09-09 PM": {
                "code": "/ is the morning present mark; use \\ in the PM."
            }
        }
        assert not Mark.objects.filter(pupil=pupil).exists()

        done = marks_write(
            school=calendar_school,
            entries=leave,
            actor=office,
            role=Role.OFFICE,
            source=Mark.Source.LEAVE,
        )
        assert done.created == 2
        assert set(Mark.objects.filter(pupil=pupil).values_list("code_id", "source")) == {
            ("M", "leave")
        }
