"""Pupils' contacts for the people who call families (absences.selectors.contacts), and
the contacts table that the office page and the calling list include."""

from django.template.loader import render_to_string
from django_scopes import scope

from absences.selectors.contacts import ROLES_CONTACTS, may_see_contacts, pupil_contacts
from registers.api.permissions import ROLES_CONTACTS as API_ROLES_CONTACTS
from registers.models import Role
from tests.factories import ContactFactory, PupilFactory


def test_contacts_come_in_priority_order_for_many_pupils_in_one_query(
    school, other_school, django_assert_num_queries
):
    amir, ben, cara = PupilFactory.create_batch(3, school=school)
    ContactFactory(pupil=amir, priority=2, name="Second")
    ContactFactory(pupil=amir, priority=1, name="First")
    ContactFactory(pupil=ben, priority=1, name="Ben's")
    ContactFactory(pupil=PupilFactory(school=other_school), name="Elsewhere")
    with scope(school=school), django_assert_num_queries(1):
        found = pupil_contacts(school=school, pupil_ids=[amir.pk, ben.pk, cara.pk])
    assert {pk: [c.name for c in found[pk]] for pk in found} == {
        amir.pk: ["First", "Second"],
        ben.pk: ["Ben's"],
        cara.pk: [],
    }


def test_another_schools_pupil_gets_no_contacts(school, other_school):
    theirs = PupilFactory(school=other_school)
    ContactFactory(pupil=theirs)
    with scope(school=school):
        assert pupil_contacts(school=school, pupil_ids=[theirs.pk]) == {theirs.pk: []}


def test_the_office_side_sees_contacts_but_not_class_teachers_or_trust_leads():
    """The policies give the calls to the office (BS-10, BH-09, DS-11..13, BL-15, LE-08),
    directed by the attendance officer, and the DSL when nobody is reached; the API's
    pupil detail draws the same line."""
    assert ROLES_CONTACTS == API_ROLES_CONTACTS
    assert may_see_contacts({Role.OFFICE}) and may_see_contacts({Role.HEADTEACHER})
    assert not may_see_contacts({Role.TEACHER}) and not may_see_contacts({Role.TRUST_LEAD})


def test_the_contacts_table_has_tap_to_call_links_and_says_who_has_responsibility(school):
    pupil = PupilFactory(school=school, legal_forename="Amir", legal_surname="Ahmed")
    mum = ContactFactory(pupil=pupil, name="Rosa", relationship="Mother", phone="07700 900 123")
    gran = ContactFactory(
        pupil=pupil, priority=2, name="Nana", parental_responsibility=False, phone="", email=""
    )
    html = render_to_string("absences/_contacts.html", {"contacts": [mum, gran], "pupil": pupil})
    assert 'href="tel:07700900123"' in html
    assert "<caption>Contacts for Amir Ahmed" in html
    assert html.index("Rosa") < html.index("Nana")
    rows = html.split("<tr>")[2:]
    assert "Yes" in rows[0] and "No" in rows[1]
    assert "No contacts on file" in render_to_string("absences/_contacts.html", {"contacts": []})
