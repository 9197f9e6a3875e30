# ruff: noqa: F811  (the fixtures of test_leave.py are imported by name, then requested)
"""Leave of absence, the forms a person can get wrong (tester's findings): a refused form
shows an error summary (#error-summary, focused by static/js/error-summary.js) linking to
each field, every input names its own error and hint by real ids (aria-describedby), the
paper form's defaults and limits, the decision "taken back" only before the leave begins,
and the letters' wording for one day, half days and grounds other than a holiday.
Fixtures and helpers are those of test_leave.py; the same frozen clock (07:30 on Monday
13 January 2025, London)."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scopes_disabled

from absences.selectors.leave import decision_letters
from absences.services.leave_decide import leave_reopen
from letters import sandbox
from letters.kinds import cause_clean
from letters.selectors import default_body
from registers.models import Role
from registers.tenancy import school_scope
from tests.absences.test_leave import (  # noqa: F401  (fixtures)
    Status,
    ask,
    clock,
    day,
    decide,
    head,
    parent,
    pupil,
    year,
)
from tests.factories import staff


class _Page(HTMLParser):
    """Each element's attributes by id and by name, and the text inside each id'd element."""

    def __init__(self, html: str):
        super().__init__()
        self.by_name, self.text, self.open, self.summary_links = {}, {}, [], []
        self.by_id = {}
        self._in_summary = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("name") and tag in ("input", "textarea", "select"):
            self.by_name.setdefault(attrs["name"], attrs)
        if attrs.get("id"):
            self.text.setdefault(attrs["id"], "")
            self.by_id.setdefault(attrs["id"], attrs)
        if tag not in ("input", "br", "link", "meta", "img"):
            self.open.append((tag, attrs.get("id")))
            if attrs.get("id") == "error-summary":
                self.summary = attrs
                self._in_summary = len(self.open)
        if tag == "a" and self._in_summary:
            self.summary_links.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        while self.open:
            if len(self.open) == self._in_summary:
                self._in_summary = 0
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, element_id in self.open:
            if element_id:
                self.text[element_id] += data


def described_errors(page: _Page, name: str) -> str:
    """The text of every element the field's aria-describedby names (none missing)."""
    ids = page.by_name[name].get("aria-describedby", "").split()
    assert ids, f"{name} names no description"
    assert all(i in page.text for i in ids), f"{name} names a missing id: {ids}"
    return " ".join(page.text[i] for i in ids)


def letter_body(letter) -> str:
    """The letter's default wording rendered with its cause (as letters.rendering does)."""
    cause = cause_clean(letter.kind, letter.cause)
    context = {"cause": cause, "pupil": {"forename": "Sam"}, "school": {}, "attendance": {}}
    return str(sandbox.render(default_body(letter.kind), context))


def enter_url(school, pupil):
    url = reverse("absences:leave_enter", kwargs={"school_slug": school.slug})
    return f"{url}?pupil={pupil.pk}"


def detail_url(request):
    return reverse(
        "absences:leave_detail",
        kwargs={"school_slug": request.school.slug, "request_id": request.pk},
    )


# ---- Error summaries and errors tied to their fields ----------------------------------------


def test_a_refused_paper_form_has_a_focusable_summary_linking_to_each_field(client, school, pupil):
    client.force_login(staff(school, Role.OFFICE))
    response = client.post(
        enter_url(school, pupil),
        {"pupil": pupil.pk, "first_day": "2025-02-10", "last_day": "2025-02-10"},
    )
    assert response.status_code == 400
    page = _Page(response.content.decode())
    assert (page.summary["tabindex"], page.summary["role"]) == ("-1", "alert")
    assert {"#id_reason", "#id_ground", "#id_requested_on"} <= set(page.summary_links)
    # The reason box names its own error (and its hint, where it has one) by real ids.
    assert "This field is required." in described_errors(page, "reason")
    requested = described_errors(page, "requested_on")
    assert "notice period counts from it" in requested and "required" in requested


def test_the_checks_page_refused_shows_a_summary_and_ties_the_error_to_its_box(client, school):
    client.force_login(staff(school, Role.ATTENDANCE_LEAD))
    url = reverse("absences:leave_checks", kwargs={"school_slug": school.slug})
    response = client.post(url, {"notice_days": "soon", "authorised_limit_pct": "10"})
    assert response.status_code == 400
    page = _Page(response.content.decode())
    assert page.summary["tabindex"] == "-1" and "#id_notice_days" in page.summary_links
    assert "whole number" in described_errors(page, "notice_days")


def test_a_refusal_without_a_reason_names_the_error_on_the_message_box(
    client, school, pupil, parent, head
):
    request = ask(school, pupil, parent)
    client.force_login(head)
    response = client.post(detail_url(request), {"action": "refuse", "version": 1})
    page = _Page(response.content.decode())
    assert "#id_decision" in page.summary_links
    assert "Give the reason" in described_errors(page, "decision")


def test_a_partial_grant_without_sessions_links_to_the_first_session_box(
    client, school, pupil, parent, head
):
    request = ask(school, pupil, parent)
    client.force_login(head)
    response = client.post(
        detail_url(request), {"action": "partly_grant", "version": 1, "decision": "Part."}
    )
    page = _Page(response.content.decode())
    links = [link for link in page.summary_links if link != "#id_decision"]
    assert links and all(link[1:] in page.text or link[1:] in page.by_id for link in links)


# ---- The paper form ------------------------------------------------------------------------


def test_the_paper_form_is_received_today_by_default_and_tells_the_upload_limit(
    client, school, pupil, settings
):
    settings.LEAVE_EVIDENCE_MAX_BYTES = 3 * 1024 * 1024
    client.force_login(staff(school, Role.OFFICE))
    page = _Page(client.get(enter_url(school, pupil)).content.decode())
    assert page.by_name["requested_on"]["value"] == "2025-01-13"  # a date picker's format
    assert "up to 3 MB" in described_errors(page, "files")


# ---- Taking a decision back ----------------------------------------------------------------


def test_a_decision_is_taken_back_only_before_the_leave_s_first_session(
    client, clock, school, pupil, parent, head
):
    request = ask(school, pupil, parent, first=day(28), last=day(29), ground="J1")
    decide(request, head, Status.GRANTED)
    clock.move_to(dt.datetime(2025, 2, 9, 20, 0, tzinfo=dt.UTC))  # the evening before
    client.force_login(head)  # signed in at the time (a session from weeks ago expired)
    assert 'value="reopen"' in client.get(detail_url(request)).content.decode()
    clock.move_to(dt.datetime(2025, 2, 10, 7, 30, tzinfo=dt.UTC))  # the first morning
    client.force_login(head)
    page = client.get(detail_url(request)).content.decode()
    assert 'value="reopen"' not in page and "can no longer be taken back" in page
    response = client.post(
        detail_url(request), {"action": "reopen", "version": 2, "decision": "Wrong pupil."}
    )
    assert response.status_code == 400 and "The leave has begun" in response.content.decode()
    with scopes_disabled():
        request.refresh_from_db()
        assert request.status == Status.GRANTED


def test_leave_from_the_afternoon_can_be_taken_back_that_morning_only(
    clock, school, pupil, parent, head
):
    request = ask(school, pupil, parent, first=day(28), last=day(28), first_period="PM")
    decide(request, head, Status.GRANTED)
    clock.move_to(dt.datetime(2025, 2, 10, 15, 0, tzinfo=dt.UTC))
    with school_scope(school), pytest.raises(ValidationError) as refused:
        leave_reopen(request=request, user=head, role=Role.HEADTEACHER, why="Mistake.")
    assert "The leave has begun" in refused.value.message_dict["status"][0]
    clock.move_to(dt.datetime(2025, 2, 10, 8, 0, tzinfo=dt.UTC))
    with school_scope(school):
        reopened = leave_reopen(request=request, user=head, role=Role.HEADTEACHER, why="Mistake.")
    assert reopened.status == Status.UNDER_REVIEW


# ---- What the parent and the head read -----------------------------------------------------


def test_an_answered_question_is_not_shown_as_the_decision(client, school, pupil, parent, head):
    from absences.services.leave import leave_provide_information
    from absences.services.leave_decide import leave_ask_information

    request = ask(school, pupil, parent)
    with school_scope(school):
        leave_ask_information(
            request=request, user=head, role=Role.HEADTEACHER, message="Send the programme."
        )
        leave_provide_information(request=request, user=parent, message="Attached.")
    client.force_login(head)
    page = client.get(detail_url(request)).content.decode()
    assert "<dt>Question to the parents</dt>" in page and "<dt>Decision</dt>" not in page
    client.force_login(parent)
    portal = client.get(
        reverse(
            "absences:portal_leave",
            kwargs={"school_slug": school.slug, "pupil_id": pupil.pk, "request_id": request.pk},
        )
    ).content.decode()
    assert "The school asked" in portal and "The school&#x27;s answer" not in portal


def test_a_one_day_partial_grant_says_for_that_day_and_no_holiday_warning(
    school, pupil, parent, head
):
    request = ask(school, pupil, parent, first=day(28), last=day(29), ground="C")
    decided = decide(
        request,
        head,
        Status.PARTLY_GRANTED,
        decision="The Tuesday morning only.",
        sessions=[f"{day(29)} AM"],
    )
    with school_scope(school):
        [letter] = decision_letters(school=school, request=decided.request)
    html = letter_body(letter)
    assert "only for the morning of Tuesday 11 February 2025" in html
    assert " to " not in html.split("only for", 1)[1].split("</strong>", 1)[0]
    assert "holiday" not in html


def test_an_overlap_is_told_with_the_day_without_a_leading_zero(school, pupil, parent):
    ask(school, pupil, parent, first=day(23), last=day(24))  # Wednesday 5 February 2025
    with pytest.raises(ValidationError) as refused:
        ask(school, pupil, parent, first=day(24), last=day(25))
    said = refused.value.message_dict["first_day"][0]
    assert "Leave from 5 February 2025 to 6 February 2025 is already submitted" in said


def test_an_overlap_with_one_half_day_says_which_half(school, pupil, parent):
    ask(school, pupil, parent, first=day(23), last=day(23), first_period="PM")
    with pytest.raises(ValidationError) as refused:
        ask(school, pupil, parent, first=day(23), last=day(24))
    assert (
        "Leave for the afternoon of 5 February 2025 is"
        in (refused.value.message_dict["first_day"][0])
    )


def test_a_refused_holiday_still_warns_of_a_penalty_notice(school, pupil, parent, head):
    request = ask(school, pupil, parent, ground="G")
    decided = decide(request, head, Status.REFUSED, decision="Not exceptional.")
    with school_scope(school):
        [letter] = decision_letters(school=school, request=decided.request)
    assert "penalty notice" in letter_body(letter)


def test_the_decider_is_told_of_the_letter_in_one_sentence(client, school, pupil, parent, head):
    request = ask(school, pupil, parent, ground="J1")
    client.force_login(head)
    response = client.post(detail_url(request), {"action": "grant", "version": 1}, follow=True)
    page = response.content.decode()
    assert "The decision letter goes to the parent by email." in page
    assert "by email.." not in page
