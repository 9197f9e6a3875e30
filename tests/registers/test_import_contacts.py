"""`manage.py import_contacts SCHOOL FILE.csv`: contacts by (pupil, priority), all or nothing."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from registers.imports import CONTACT_COLUMNS, contacts_import
from registers.models import Contact
from tests.factories import ContactFactory, PupilFactory, SchoolFactory, UserFactory


@pytest.fixture
def ada(school):
    return PupilFactory(school=school, legal_forename="Ada")


@pytest.fixture
def grace(school):
    return PupilFactory(school=school, legal_forename="Grace")


def contact_row(pupil, number=1, **changes):
    priority = number
    row = {
        "upn": pupil.upn,
        "priority": str(priority),
        "name": f"Parent {priority} of {pupil.legal_forename}",
        "relationship": "Mother",
        "parental_responsibility": "Y",
        "phone": "07700 900123",
        "email": f"parent{priority}@example.org",
        "address": "1 Example Road; Milton Keynes; MK1 1AA",
    }
    row.update(changes)
    return row


def write_csv(tmp_path, rows, columns=(*CONTACT_COLUMNS, "address")):
    path = tmp_path / "contacts.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(school, path):
    out = io.StringIO()
    call_command("import_contacts", school.slug, str(path), stdout=out)
    return out.getvalue()


def refused(school, path) -> str:
    with pytest.raises(CommandError) as exc:
        run(school, path)
    return str(exc.value)


def row_lines(error: str, row: int) -> list[str]:
    return [line.strip() for line in error.splitlines() if line.strip().startswith(f"row {row}:")]


def test_contacts_are_imported_in_priority_order(school, ada, grace, tmp_path):
    path = write_csv(
        tmp_path,
        [
            contact_row(ada, 2, relationship="Father", parental_responsibility="n", phone=""),
            contact_row(ada, 1),
            contact_row(grace, 1, email="", address=""),
        ],
    )

    output = run(school, path)

    with scopes_disabled():
        first, second = Contact.objects.filter(school=school, pupil=ada).order_by("priority")
        assert (first.name, first.relationship, first.parental_responsibility) == (
            "Parent 1 of Ada",
            "Mother",
            True,
        )
        assert first.address == "1 Example Road\nMilton Keynes\nMK1 1AA"
        assert (second.relationship, second.parental_responsibility, second.phone) == (
            "Father",
            False,
            "",
        )
        assert Contact.objects.get(pupil=grace).email == ""
        assert "3 added" in output


def test_reimport_updates_the_contact_at_that_priority_and_keeps_the_rest(school, ada, tmp_path):
    portal_user = UserFactory()
    kept = ContactFactory(school=school, pupil=ada, priority=1, user=portal_user)
    other = ContactFactory(school=school, pupil=ada, priority=3, name="Aunt")

    output = run(
        school,
        write_csv(tmp_path, [contact_row(ada, 1, name="New Name"), contact_row(ada, 2)]),
    )

    kept.refresh_from_db()
    assert (kept.name, kept.email, kept.user) == ("New Name", "parent1@example.org", portal_user)
    with scopes_disabled():
        assert Contact.objects.get(pk=other.pk).name == "Aunt"
        assert Contact.objects.filter(pupil=ada).count() == 3
        assert "1 added, 1 updated, 0 unchanged" in output


def test_the_same_file_twice_changes_nothing(school, ada, tmp_path):
    path = write_csv(tmp_path, [contact_row(ada, 1), contact_row(ada, 2)])
    run(school, path)
    assert "0 added, 0 updated, 2 unchanged" in run(school, path)
    with scopes_disabled():
        assert Contact.objects.filter(pupil=ada).count() == 2


def test_without_an_address_column_the_saved_address_stays(school, ada, tmp_path):
    saved = ContactFactory(school=school, pupil=ada, priority=1, address="2 Old Lane\nOlney")
    run(school, write_csv(tmp_path, [contact_row(ada, 1, phone="01234 567890")], CONTACT_COLUMNS))
    saved.refresh_from_db()
    assert (saved.phone, saved.address) == ("01234 567890", "2 Old Lane\nOlney")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"upn": "A123456789012"}, "is not a pupil on this school's roll"),
        ({"upn": ""}, "upn is missing"),
        ({"email": "parent.example.org"}, "email 'parent.example.org' is not an email address"),
        ({"priority": "0"}, "priority '0' must be a whole number from 1"),
        ({"priority": "first"}, "priority 'first' must be a whole number"),
        ({"priority": "100"}, "priority '100' must be a whole number"),
        ({"priority": ""}, "priority is missing"),
        ({"name": ""}, "name is missing"),
        ({"parental_responsibility": ""}, "parental_responsibility is missing (Y or N)"),
        ({"parental_responsibility": "P"}, "parental_responsibility 'P' must be Y or N"),
        ({"phone": "call me"}, "phone 'call me' may hold only digits"),
        ({"relationship": "x" * 61}, "relationship: Ensure this value has at most 60"),
        ({"priority": "1"}, "A contact for this upn and priority is already on row 2"),
    ],
)
def test_a_bad_row_refuses_the_whole_file(school, ada, grace, tmp_path, changes, reason):
    existing = ContactFactory(school=school, pupil=grace, priority=1, name="Unchanged")
    path = write_csv(
        tmp_path,
        [contact_row(ada, 1), contact_row(ada, 2, **changes), contact_row(grace, 1, name="X")],
    )

    error = refused(school, path)

    assert any(reason in line for line in row_lines(error, 3)), error
    assert not row_lines(error, 2) and not row_lines(error, 4)
    with scopes_disabled():
        assert list(Contact.objects.filter(school=school)) == [existing]
        assert Contact.objects.get(pk=existing.pk).name == "Unchanged"


def test_a_pupil_of_another_school_is_not_on_this_roll(school, ada, tmp_path):
    stranger = PupilFactory(school=SchoolFactory())
    error = refused(school, write_csv(tmp_path, [contact_row(stranger)]))
    assert f"row 2: upn '{stranger.upn}' is not a pupil on this school's roll" in error
    assert not Contact.objects.exists()


def test_a_missing_column_is_named(school, ada, tmp_path):
    columns = [c for c in CONTACT_COLUMNS if c != "parental_responsibility"]
    error = refused(school, write_csv(tmp_path, [contact_row(ada)], columns))
    assert "row 1: Missing column(s): parental_responsibility." in error


def test_an_unknown_school_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="no school"):
        call_command("import_contacts", "nowhere", str(tmp_path / "contacts.csv"))


def test_the_import_service_takes_python_rows(school, ada):
    done = contacts_import(school=school, rows=[contact_row(ada, 1, parental_responsibility=True)])
    assert done.created == 1
    with scopes_disabled():
        assert Contact.objects.get(pupil=ada).parental_responsibility
