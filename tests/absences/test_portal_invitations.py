"""Parent portal invitations (the absences issue, "Parent portal": a parent with parental
responsibility is invited by email from the school, sets a password and sees their
children; a contact without parental responsibility gets no access).

The link carries a single-use token that expires; only its hash is stored; inviting the
same person again revokes the earlier link; an account that already holds the invited
address gets the children only after its own password is given."""

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from absences.events import PortalEvent
from absences.models import InvitedContact, PortalInvitation
from absences.services import portal as services
from registers.models import Contact, Event, Role
from registers.tenancy import school_scope
from tests.factories import (
    ContactFactory,
    PupilFactory,
    RegistrationGroupFactory,
    SchoolFactory,
    UserFactory,
    staff,
)

PASSWORD = "plum-orchard-lantern-7"


@pytest.fixture
def office(school):
    return staff(school, Role.OFFICE)


@pytest.fixture
def mother(school, group):
    pupil = PupilFactory(school=school, registration_group=group, legal_forename="Amara")
    return ContactFactory(pupil=pupil, name="Rosa Parks", email="Rosa@Example.org")


def invite(client, school, contacts, **extra):
    url = reverse("absences:portal_invitations", args=[school.slug])
    data = {"action": "invite", "contact": [c.pk for c in contacts], **extra}
    return client.post(url, data)


def emailed_link() -> str:
    body = mail.outbox[-1].body
    return re.search(r"https?://\S+/family/invitation/\S+/", body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def accept(link, *, client=None, password=PASSWORD, **data):
    client = client or Client()
    opened = client.get(path_of(link))
    assert opened.status_code == 302  # the token leaves the address bar
    payload = {"password1": password, "password2": password, "action": "accept", **data}
    return client, client.post(reverse("portal:invitation_accept"), payload)


def test_an_invited_parent_sets_a_password_and_lands_on_their_children(
    client, school, office, mother
):
    client.force_login(office)
    response = invite(client, school, [mother])
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rosa@example.org"]
    link = emailed_link()

    parent_client, response = accept(link)

    assert response.status_code == 302 and response.url == reverse("portal:home")
    home = parent_client.get(response.url).content.decode()
    assert "Amara" in home and school.name in home
    with scopes_disabled():
        mother.refresh_from_db()
        user = mother.user
        assert user.username == "rosa@example.org" and user.check_password(PASSWORD)
        assert user.first_name == "Rosa"
        assert Event.objects.filter(kind=PortalEvent.LINKED, pupil=mother.pupil).exists()


def test_only_the_hash_of_the_token_is_stored(client, school, office, mother):
    client.force_login(office)
    invite(client, school, [mother])
    token = emailed_link().rstrip("/").rsplit("/", 1)[1]

    with scopes_disabled():
        invitation = PortalInvitation.objects.get()
        stored = " ".join(str(v) for v in PortalInvitation.objects.values().get().values())
    assert token not in stored
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_an_invitation_link_works_once(client, school, office, mother):
    client.force_login(office)
    invite(client, school, [mother])
    link = emailed_link()
    accept(link)

    _, again = accept(link, password="another-password-99")

    assert again.status_code == 410
    assert "used already" in again.content.decode()
    assert get_user_model().objects.filter(email="rosa@example.org").count() == 1


def test_the_service_refuses_a_second_acceptance_of_the_same_token(school, mother):
    with school_scope(school):
        [made], _ = services.invitations_create(
            school=school, contacts=[mother], user=None, role=""
        )
    services.invitation_accept(token=made.token, password=PASSWORD)

    with pytest.raises(services.InvitationClosed) as closed:
        services.invitation_accept(token=made.token, password=PASSWORD + "x")
    assert closed.value.why == "accepted"


def test_an_expired_invitation_link_no_longer_works(client, school, office, mother):
    client.force_login(office)
    invite(client, school, [mother])
    link = emailed_link()

    with time_machine.travel(dt.timedelta(days=services.INVITATION_DAYS, seconds=1)):
        _, response = accept(link)

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    with scopes_disabled():
        mother.refresh_from_db()
    assert mother.user is None


def test_inviting_again_revokes_the_earlier_link(client, school, office, mother):
    client.force_login(office)
    invite(client, school, [mother])
    first = emailed_link()
    invite(client, school, [mother])
    second = emailed_link()

    _, old = accept(first)
    _, new = accept(second)

    assert old.status_code == 410 and "replaced or withdrawn" in old.content.decode()
    assert new.status_code == 302
    with scopes_disabled():
        assert PortalInvitation.objects.filter(revoked_reason="reinvited").count() == 1


def test_staff_withdrawing_an_invitation_closes_its_link(client, school, office, mother):
    client.force_login(office)
    invite(client, school, [mother])
    link = emailed_link()

    client.post(reverse("absences:portal_invitations", args=[school.slug]), {"revoke": mother.pk})

    _, response = accept(link)
    assert response.status_code == 410


def test_a_contact_without_parental_responsibility_is_never_invited(client, school, office, group):
    pupil = PupilFactory(school=school, registration_group=group)
    uncle = ContactFactory(pupil=pupil, parental_responsibility=False, relationship="Uncle")

    client.force_login(office)
    response = invite(client, school, [uncle])

    assert mail.outbox == []
    with scopes_disabled():
        assert not PortalInvitation.objects.exists()
    page = client.get(response.url).content.decode()
    assert "has no parental responsibility recorded" in page


def test_a_contact_who_lost_parental_responsibility_after_the_invitation_is_not_linked(
    client, school, office, mother
):
    client.force_login(office)
    invite(client, school, [mother])
    with scopes_disabled():
        Contact.objects.filter(pk=mother.pk).update(parental_responsibility=False)

    _, response = accept(emailed_link())

    assert response.status_code == 200
    assert "details for this invitation have changed" in response.content.decode()
    assert not get_user_model().objects.filter(email="rosa@example.org").exists()


def test_a_corrected_email_voids_the_invitation_sent_to_the_old_address(
    client, school, office, mother
):
    client.force_login(office)
    invite(client, school, [mother])
    with scopes_disabled():
        Contact.objects.filter(pk=mother.pk).update(email="rosa.parks@example.com")

    _, response = accept(emailed_link())

    assert "details for this invitation have changed" in response.content.decode()
    with scopes_disabled():
        mother.refresh_from_db()
    assert mother.user is None


def test_a_weak_password_is_refused_and_nothing_is_created(client, school, office, mother):
    client.force_login(office)
    invite(client, school, [mother])

    _, response = accept(emailed_link(), password="password")

    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not get_user_model().objects.filter(email="rosa@example.org").exists()
    with scopes_disabled():
        assert PortalInvitation.objects.get().accepted_at is None


def test_brothers_and_sisters_share_one_invitation_to_their_parent(client, school, office, group):
    older = PupilFactory(school=school, registration_group=group, legal_forename="Kofi")
    younger = PupilFactory(school=school, legal_forename="Esi")
    ContactFactory(pupil=older, email="ama@example.org", name="Ama Mensah")
    ContactFactory(pupil=younger, email="AMA@example.org", name="Ama Mensah")

    client.force_login(office)
    client.post(
        reverse("absences:portal_invitations", args=[school.slug]),
        {"action": "invite_group", "group": group.pk},
    )

    assert len(mail.outbox) == 1
    assert "Kofi and Esi" in mail.outbox[0].body or "Esi and Kofi" in mail.outbox[0].body
    parent_client, _ = accept(emailed_link())
    home = parent_client.get(reverse("portal:home")).content.decode()
    assert "Kofi" in home and "Esi" in home


def test_inviting_a_group_invites_only_parents_without_an_account(client, school, office, group):
    pupils = [PupilFactory(school=school, registration_group=group) for _ in range(3)]
    ContactFactory(pupil=pupils[0], email="one@example.org")
    ContactFactory(pupil=pupils[1], email="two@example.org", user=UserFactory())
    ContactFactory(pupil=pupils[2], email="", name="No Email")
    ContactFactory(pupil=pupils[2], email="three@example.org", parental_responsibility=False)
    other_group = RegistrationGroupFactory(school=school)
    ContactFactory(pupil=PupilFactory(school=school, registration_group=other_group))

    client.force_login(office)
    client.post(
        reverse("absences:portal_invitations", args=[school.slug]),
        {"action": "invite_group", "group": group.pk},
    )

    assert [m.to for m in mail.outbox] == [["one@example.org"]]


def test_an_account_with_the_invited_email_adds_the_child_only_with_its_password(client, db):
    # Two schools of one trust: the parent already sees Amara at the first.
    first = SchoolFactory()
    second = SchoolFactory(trust=first.trust)
    parent = UserFactory(username="rosa", email="rosa@example.org")
    ContactFactory(pupil=PupilFactory(school=first, legal_forename="Amara"), user=parent)
    brother = ContactFactory(
        pupil=PupilFactory(school=second, legal_forename="Kwame"), email="rosa@example.org"
    )
    with school_scope(second):
        [made], _ = services.invitations_create(
            school=second, contacts=[brother], user=None, role=""
        )
    link = f"http://testserver/family/invitation/{made.token}/"

    # Whoever holds the link cannot open the existing account with a new password.
    anonymous, response = accept(link)
    assert "sign in with it first" in response.content.decode()
    assert get_user_model().objects.filter(email__iexact="rosa@example.org").count() == 1

    # Signed in (a shared computer): the account's password is still asked for.
    signed_in = Client()
    signed_in.force_login(parent)
    signed_in.get(path_of(link))
    wrong = signed_in.post(
        reverse("portal:invitation_accept"), {"password": "not-it", "action": "accept"}
    )
    assert "not the password of this account" in wrong.content.decode()
    with scopes_disabled():
        brother.refresh_from_db()
    assert brother.user is None

    right = signed_in.post(
        reverse("portal:invitation_accept"),
        {"password": "correct-horse-battery", "action": "accept"},
    )
    assert right.status_code == 302
    home = signed_in.get(reverse("portal:home")).content.decode()
    assert "Amara" in home and "Kwame" in home
    assert first.name in home and second.name in home


def test_this_is_not_for_me_closes_the_link_and_tells_the_school(client, school, office, mother):
    client.force_login(office)
    invite(client, school, [mother])
    stranger = Client()
    stranger.get(path_of(emailed_link()))

    response = stranger.post(reverse("portal:invitation_accept"), {"action": "not_me"})

    assert "has been told" in response.content.decode()
    with scopes_disabled():
        assert PortalInvitation.objects.get().revoked_reason == "not_me"
        assert Event.objects.filter(
            kind=PortalEvent.INVITATION_REFUSED, pupil=mother.pupil
        ).exists()
    _, later = accept(emailed_link())
    assert later.status_code == 410


def test_an_unknown_link_says_so(client, db):
    _, response = accept("http://testserver/family/invitation/not-a-real-token/")
    assert response.status_code == 404
    assert "not one we know" in response.content.decode()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.SCHOOL_ADMIN, Role.HEADTEACHER])
def test_the_office_and_school_admins_invite_parents(client, school, role, mother):
    client.force_login(staff(school, role))
    page = client.get(reverse("absences:portal_invitations", args=[school.slug]))
    assert page.status_code == 200 and "Rosa Parks" in page.content.decode()


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ATTENDANCE_OFFICER])
def test_other_staff_cannot_invite_parents(client, school, role, mother):
    client.force_login(staff(school, role))
    url = reverse("absences:portal_invitations", args=[school.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "invite", "contact": [mother.pk]}).status_code == 403
    assert mail.outbox == []


def test_the_invitations_list_shows_each_contacts_state_in_few_queries(
    client, school, office, group, django_assert_max_num_queries
):
    for _ in range(12):
        ContactFactory(pupil=PupilFactory(school=school, registration_group=group))
    client.force_login(office)
    url = reverse("absences:portal_invitations", args=[school.slug])
    with django_assert_max_num_queries(14):
        page = client.get(url, {"group": group.pk})
    assert page.content.decode().count('name="contact"') == 12


def test_an_invitation_covers_contacts_of_its_own_school_only(school, other_school):
    mine = ContactFactory(pupil=PupilFactory(school=school), email="same@example.org")
    ContactFactory(pupil=PupilFactory(school=other_school), email="same@example.org")
    with school_scope(school):
        [made], _ = services.invitations_create(school=school, contacts=[mine], user=None, role="")
    with scopes_disabled():
        assert list(InvitedContact.objects.values_list("contact_id", flat=True)) == [mine.pk]
    user = services.invitation_accept(token=made.token, password=PASSWORD)
    with scopes_disabled():
        assert list(Contact.objects.filter(user=user).values_list("pk", flat=True)) == [mine.pk]


def test_accepting_links_every_child_at_the_school_with_the_parents_address(
    client, school, office, group, mother
):
    client.force_login(office)
    invite(client, school, [mother])
    # A brother joins after the email went out, his contact has the same address.
    teddy = PupilFactory(school=school, legal_forename="Teddy")
    brother = ContactFactory(pupil=teddy, name="Rosa Parks", email="rosa@EXAMPLE.org")
    no_pr = ContactFactory(
        pupil=PupilFactory(school=school), email="rosa@example.org", parental_responsibility=False
    )

    parent_client, _ = accept(emailed_link())

    home = parent_client.get(reverse("portal:home")).content.decode()
    assert "Amara" in home and "Teddy" in home
    with scopes_disabled():
        brother.refresh_from_db()
        no_pr.refresh_from_db()
        mother.refresh_from_db()
    assert brother.user_id == mother.user_id is not None
    assert no_pr.user_id is None  # never without parental responsibility


def test_the_invitations_page_shows_a_child_whose_parent_has_an_account_for_a_sibling(
    client, school, office, group
):
    parent = UserFactory(email="chloe@example.org")
    ash = PupilFactory(school=school, registration_group=group, legal_forename="Ash")
    ContactFactory(pupil=ash, name="Chloe Kowalski", email="chloe@example.org", user=parent)
    teddy = PupilFactory(school=school, registration_group=group, legal_forename="Teddy")
    unlinked = ContactFactory(pupil=teddy, name="Chloe Kowalski", email="Chloe@Example.org")
    client.force_login(office)
    url = reverse("absences:portal_invitations", args=[school.slug])

    page = client.get(url, {"group": group.pk}).content.decode()

    assert "Has an account for a brother or sister" in page
    assert f'value="{unlinked.pk}"' in page  # may be invited to add Teddy
    client.post(url, {"action": "invite_group", "group": group.pk})
    assert [m.to for m in mail.outbox] == [["chloe@example.org"]]
