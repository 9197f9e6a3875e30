"""Schools' wordings: versions, and mistakes refused when saving, not when sending."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from letters import kinds, sandbox, selectors, services
from letters.context import documented_paths, sample_context
from letters.models import IssuedLetter, Letterhead, LetterTemplate
from registers.tenancy import school_scope
from tests.letters.conftest import AS_OF

# Each {% with %} doubles the text: 30 levels would be 10 GB.
DOUBLING = (
    '{% with a0="xxxxxxxxxx" %}'
    + "".join(f"{{% with a{i}=a{i - 1}|add:a{i - 1} %}}" for i in range(1, 31))
    + "{{ a30|length }}"
    + "{% endwith %}" * 31
)


def save(school, user=None, *, kind="stage_1", subject="About {{ pupil.forename }}", body):
    with school_scope(school):
        return services.template_save(
            school=school, kind=kind, subject=subject, body=body, show_summary=True, user=user
        )


def errors_of(school, body, kind="stage_1"):
    with pytest.raises(ValidationError) as info:
        save(school, kind=kind, body=body)
    with scopes_disabled():
        assert LetterTemplate.objects.count() == 0
        return " ".join(m for ms in info.value.message_dict.values() for m in ms)


def test_editing_adds_a_version_and_an_unchanged_save_adds_none(school, make_staff):
    lead = make_staff(school, "attendance_lead")

    first = save(school, lead, body="<p>Hello {{ pupil.forename }}.</p>")
    again = save(school, lead, body="<p>Hello {{ pupil.forename }}.</p>\r\n")
    second = save(school, lead, body="<p>Dear {{ pupil.forename }}.</p>")

    assert (first.version, again.pk, second.version) == (1, first.pk, 2)
    with school_scope(school):
        assert selectors.template_current(school=school, kind="stage_1").pk == second.pk
    first.refresh_from_db()
    assert first.body == "<p>Hello {{ pupil.forename }}.</p>"


def test_a_saved_version_cannot_be_changed(school):
    template = save(school, body="<p>Hello.</p>")
    template.body = "<p>Changed.</p>"

    with pytest.raises(PermissionError):
        template.save()


def test_an_issued_letter_keeps_its_version_and_wording_after_an_edit(school, pupil, run_on_commit):
    [letter, _] = run_on_commit(
        services.letter_draft, school=school, pupil=pupil, kind="stage_1", as_of=AS_OF
    )
    letter.refresh_from_db()
    before = (letter.template_id, letter.template_version, letter.html, letter.sha256)

    edited = save(school, body="<p>New wording for {{ pupil.forename }}.</p>")

    letter.refresh_from_db()
    assert edited.version == 2
    assert (letter.template_id, letter.template_version, letter.html, letter.sha256) == before
    assert "New wording" not in letter.html
    assert letter.template.body == selectors.default_body("stage_1")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<p>{% if attendance.late_sessions %}late</p>", "Unclosed tag"),
        ("<p>{{ pupil.nickname }}</p>", "{{ pupil.nickname }} is not one of the letter's"),
        ("<p>{{ pupil.school.memberships }}</p>", "{{ pupil.school.memberships }} is not"),
        ("<p>{% if pupil.school %}x{% endif %}</p>", "{{ pupil.school }} is not"),
        ("<p>{% if False %}{{ secret }}{% endif %}</p>", "{{ secret }} is not"),
        ("{% for c in contacts %}{{ c.password }}{% endfor %}", "{{ c.password }} is not"),
        ("<p>{{ pupil.items }}</p>", "{{ pupil.items }} is not"),
        ("<p>{{ cause.meeting_date }}</p>", "{{ cause.meeting_date }} is not"),
        ("{% load static %}", "{% load %} cannot be used in letters"),
        ('{% include "base.html" %}', "{% include %} cannot be used in letters"),
        ("{% debug %}", "{% debug %} cannot be used in letters"),
        ("<p>{{ pupil.forename|pprint }}</p>", "|pprint cannot be used in letters"),
        ("<p>{{ pupil.forename|safe }}</p>", "|safe cannot be used in letters"),
        ('<img src="file:///etc/passwd">', "<img> cannot be used in letters"),
        ("<script>alert(1)</script>", "<script> cannot be used"),
        ('<p onclick="x()">Hi</p>', 'onclick="..." cannot be used'),
        ('<p style="color:red">Hi</p>', 'style="..." cannot be used'),
        ("   ", "The letter needs some wording"),
        # Literals are "safe" in Django: markup built from them is caught in the output.
        ('<p>{{ "<"|add:"script>x()<"|add:"/script>" }}</p>', "cannot use: <script>x()"),
        ('<p>{% firstof "<" %}img src=x onerror=x()></p>', "cannot use: <img src=x"),
        ("<p>Hi<!-- a note --></p>", "cannot use: <!-- a note"),
        # Work that grows without bound is refused before it is done.
        (DOUBLING, "makes more than 2,000 characters"),
        ('{% for c in "0123456789" %}{{ c }}{% endfor %}', "{% for %} can only go through a list"),
        ("{% for c in pupil.forename %}{{ c }}{% endfor %}", "can only go through a list"),
        (
            "{% for a in contacts %}{% for b in contacts %}x{% endfor %}{% endfor %}",
            "a {% for %} cannot be inside another one",
        ),
        ("<p>" + "x" * 10_000 + "</p>", "The wording is too long: at most 10,000 characters"),
    ],
)
def test_a_wording_with_a_mistake_is_refused_with_a_message(school, body, message):
    assert message in errors_of(school, body)


def test_lists_of_lines_can_be_looped_and_indexed(school):
    body = (
        "<p>{% for line in recipient.address_lines %}{{ line }}<br>{% endfor %}</p>"
        "<p>{{ school.address_lines.0 }}</p>"
        "{% with people=contacts %}{% for c in people %}<p>{{ c.name }}</p>{% endfor %}"
        "{% endwith %}"
    )

    template = save(school, body=body)

    context = sample_context(kind="stage_1", school=school, letterhead=Letterhead(school=school))
    out = sandbox.render(template.body, context)
    assert "<p>1 Example Road<br>Sampleton<br>AB1 2CD<br></p>" in out
    assert "<p>Alex Sample</p>" in out


def test_messages_say_which_line_is_wrong(school):
    errors = errors_of(school, "<p>Fine</p>\n<p>{{ pupil.nickname }}</p>")

    assert errors.startswith("Line 2:")


def test_documented_variables_loops_and_the_kinds_own_details_are_accepted(school):
    body = (
        "<p>{{ pupil.forename }} {{ date|date:'j F Y' }} {{ attendance.time_missed }}</p>"
        "{% for contact in contacts %}<p>{{ contact.name }} {{ forloop.counter }}</p>{% endfor %}"
        "{% with missed=attendance.sessions_missed %}<p>{{ missed|add:1 }}</p>{% endwith %}"
        "{% if recent.attendance_pct is not None %}<p>{{ recent.attendance_pct }}</p>{% endif %}"
        "<p>{{ cause.meeting_date|date:'l' }} {{ cause.meeting_place|capfirst }}</p>"
    )

    template = save(school, kind="meeting_invitation", body=body)

    assert template.version == 1


@pytest.mark.parametrize("kind", kinds.Kind.values)
def test_every_default_wording_passes_its_own_checks(school, kind):
    default = selectors.default_template(school=school, kind=kind)

    with school_scope(school):
        errors = services.template_check(
            school=school, kind=kind, subject=default.subject, body=default.body
        )

    assert errors == {}


def test_the_documented_context_is_exactly_what_a_letter_gets(school):
    context = sample_context(kind="stage_2", school=school, letterhead=Letterhead(school=school))

    def paths(value, prefix=""):
        found = set()
        for key, item in value.items():
            path = f"{prefix}{key}"
            found.add(path)
            if isinstance(item, dict):
                found |= paths(item, f"{path}.")
            elif isinstance(item, list) and item and isinstance(item[0], dict):
                found |= paths(item[0], f"{path}[].")
        return found

    leaves = {
        p for p in paths(context) if not any(q.startswith(p + ".") for q in paths(context))
    } | {"contacts"}
    assert leaves == documented_paths("stage_2")


def test_the_sandbox_has_only_plain_read_only_data_to_walk(school):
    context = sample_context(kind="stage_1", school=school, letterhead=Letterhead(school=school))

    out = sandbox.render(
        "[{{ pupil.school }}][{{ pupil.clear }}][{{ contacts.pop }}][{{ pupil.forename }}]",
        context,
    )

    assert out == "[][][][Sam]"
    assert context["pupil"]["forename"] == "Sam"
    assert len(context["contacts"]) == 1


def test_values_are_escaped(school):
    context = sample_context(kind="stage_1", school=school, letterhead=Letterhead(school=school))
    context["pupil"]["forename"] = "<b>Sam</b>"

    assert sandbox.render("{{ pupil.forename }}", context) == "&lt;b&gt;Sam&lt;/b&gt;"


def test_a_letter_needing_a_meeting_date_is_refused_without_one(school, pupil):
    with pytest.raises(ValidationError) as info, school_scope(school):
        services.letter_draft(
            school=school,
            pupil=pupil,
            kind="meeting_invitation",
            cause={"meeting_time": "15:30", "meeting_place": "Library", "colour": "red"},
        )

    assert "meeting_date" in info.value.message_dict
    assert info.value.message_dict["colour"] == ["This letter does not use this detail."]
    with scopes_disabled():
        assert IssuedLetter.objects.count() == 0
