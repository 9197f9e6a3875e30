"""The policy page: the ladder as plain-English sentences, edited rule by rule in the
browser with the ladder's validation (one transaction, one event, the version raised),
switched on and off, and another preset chosen only after confirming."""

import pytest
from django import forms
from django.urls import reverse
from django_scopes import scopes_disabled

from escalation import presets
from escalation.events import CaseworkEvent
from escalation.models import EscalationPolicy
from escalation.rule_forms import RuleEditor
from registers.models import Event, Role
from tests.escalation.casework import night_school, person


@pytest.fixture
def night(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return night_school()


def _url(school, name, **kwargs):
    return reverse(f"escalation:{name}", kwargs={"school_slug": school.slug, **kwargs})


def _policy(school) -> EscalationPolicy:
    with scopes_disabled():
        return EscalationPolicy.objects.get(school=school)


def _put(data, name, value, field=None):
    if value is None and field is not None and type(field) is forms.ChoiceField:
        # A browser posts a select's first option when nothing is chosen.
        first = field.choices[0][0]
        value = first if not isinstance(field.choices[0][1], (list, tuple)) else None
    if value is None or value is False:
        return
    if value is True:
        data[name] = "on"
    elif isinstance(value, (list, tuple)):
        data[name] = [str(v) for v in value]
    else:
        data[name] = str(value)


def posted(rule: dict, version: int, **changes) -> dict:
    """The rule's edit form as the browser posts it, unchanged but for `changes`
    (field names as posted: `test-0-value`, `approver`)."""
    editor = RuleEditor(rule)
    data = {"version": str(version)}
    for name, field in editor.form.fields.items():
        _put(data, name, editor.form.initial.get(name, field.initial))
    for prefix, formset in (("test", editor.tests), ("action", editor.actions)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(formset.forms))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(formset.initial or []))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, form in enumerate(formset.forms):
            for name, field in form.fields.items():
                _put(data, f"{prefix}-{i}-{name}", form.initial.get(name, field.initial), field)
    for name, value in changes.items():
        data.pop(name, None)
        _put(data, name, value)
    return data


def test_the_policy_reads_as_one_plain_english_sentence_per_rule(client, night):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_OFFICER))

    html = client.get(_url(school, "policy")).content.decode()

    assert (
        "Each school day, when attendance over this academic year to date is at or below "
        "90%: move the attendance track to stage 1 and draft the stage 1 letter for the "
        "attendance lead to approve."
    ) in html
    assert "3 of 3 switched on" in html
    assert "Edit" not in html  # the officer reads; the settings roles edit


def test_a_rule_edited_in_the_browser_is_saved_with_its_version_and_an_event(client, night):
    school, _alex, _sam = night
    policy = _policy(school)
    rule = policy.rules[0]
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = client.post(
        _url(school, "rule_edit", rule_id="TL-01"),
        posted(rule, policy.version, **{"test-0-value": "85", "test-0-op": "<"}),
        follow=True,
    )

    assert "is below 85%" in response.content.decode()
    saved = _policy(school)
    assert saved.version == policy.version + 1
    assert saved.rules[0]["tests"][0]["op"] == "<"
    assert saved.rules[0]["tests"][0]["value"] == "85"
    assert saved.rules[1:] == policy.rules[1:]
    with scopes_disabled():
        event = Event.objects.get(kind=CaseworkEvent.POLICY_RULE_EDITED)
    assert event.params["rule"] == "TL-01"
    assert event.params["before"]["tests"][0]["value"] == "90"
    assert event.params["after"]["tests"][0]["value"] == "85"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"test-0-value": "150"}, "A percentage is a number from 0 to 100"),
        ({"test-0-value": "ninety"}, "A percentage is a number from 0 to 100"),
        ({"test-0-value": "1e9"}, "A percentage is a number from 0 to 100"),
        ({"test-0-window": ""}, "Attendance % needs a period: choose one in “Over”."),
        ({"action-0-type": "legal", "action-0-kind": "penalty_notice"}, "Legal actions belong"),
        ({"action-0-type": "task", "action-0-kind": "stage_1"}, "A task is one of: phone call"),
        ({"when_point": "block_end"}, "“End of each block of weeks” needs the block length"),
    ],
)
def test_a_rule_the_ladder_refuses_is_not_saved_and_the_page_says_why(
    client, night, changes, message
):
    school, _alex, _sam = night
    policy = _policy(school)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = client.post(
        _url(school, "rule_edit", rule_id="TL-01"),
        posted(policy.rules[0], policy.version, **changes),
    )

    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert message in response.content.decode()
    assert _policy(school).rules == policy.rules and _policy(school).version == policy.version
    with scopes_disabled():
        assert not Event.objects.filter(kind=CaseworkEvent.POLICY_RULE_EDITED).exists()


def test_two_people_editing_at_once_cannot_undo_each_other(client, night):
    school, _alex, _sam = night
    policy = _policy(school)
    client.force_login(person(school, Role.HEADTEACHER))
    url = _url(school, "rule_edit", rule_id="TL-01")

    client.post(url, posted(policy.rules[0], policy.version, **{"test-0-value": "88"}))
    stale = client.post(url, posted(policy.rules[0], policy.version, **{"test-0-value": "80"}))

    assert stale.status_code == 400
    assert "Someone else saved the policy" in stale.content.decode()
    assert _policy(school).rules[0]["tests"][0]["value"] == "88"


def test_the_live_sentence_follows_the_form(client, night):
    school, _alex, _sam = night
    policy = _policy(school)
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    response = client.post(
        _url(school, "rule_preview", rule_id="TL-01"),
        posted(policy.rules[0], policy.version, **{"test-0-value": "92.5"}),
    )

    assert "at or below 92.5%" in response.content.decode()
    assert _policy(school).version == policy.version


def test_a_rule_switched_off_says_so_and_once_only(client, night):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    url = _url(school, "rule_switch", rule_id="TL-10")

    client.post(url, {"version": "1"})
    again = client.post(url, {"version": "2"}, follow=True)

    assert "Rule TL-10 was already switched off." in again.content.decode()
    policy = _policy(school)
    assert policy.rules[1]["enabled"] is False and policy.version == 2
    page = client.get(_url(school, "policy")).content.decode()
    assert "2 of 3 switched on" in page and "[switched off]" in page


def test_another_preset_replaces_the_ladder_only_once_confirmed(client, night):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    url = _url(school, "preset_switch")

    ask = client.get(url, {"preset": "dsat"})
    unconfirmed = client.post(url, {"preset": "dsat", "version": "1"})
    assert "replaced by the dsat preset's" in ask.content.decode()
    assert unconfirmed.status_code == 400
    assert _policy(school).preset == "test"
    client.post(url, {"preset": "dsat", "version": "1", "confirm": "on"})

    policy = _policy(school)
    assert policy.preset == "dsat"
    assert [r["id"] for r in policy.rules] == [r["id"] for r in presets.data("dsat")]
    assert policy.issuer == presets.settings("dsat")["issuer"]
    with scopes_disabled():
        event = Event.objects.get(kind=CaseworkEvent.POLICY_PRESET_CHOSEN)
    assert (event.params["previous_preset"], event.params["preset"]) == ("test", "dsat")


def test_a_rule_goes_back_to_its_presets_wording(client, db, settings, tmp_path):
    school, _alex, _sam = night_school()
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    client.post(
        _url(school, "preset_switch"), {"preset": "blue-sky", "version": "1", "confirm": "on"}
    )
    policy = _policy(school)
    original = next(r for r in policy.rules if r["id"] == "BS-25")
    edited = posted(original, policy.version, **{"test-0-value": "6"})
    client.post(_url(school, "rule_edit", rule_id="BS-25"), edited)
    assert next(r for r in _policy(school).rules if r["id"] == "BS-25") != original

    client.post(_url(school, "rule_reset", rule_id="BS-25"), {"version": str(policy.version + 1)})

    assert next(r for r in _policy(school).rules if r["id"] == "BS-25") == original


def _blue_sky(client):
    school, _alex, _sam = night_school()
    client.force_login(person(school, Role.ATTENDANCE_LEAD))
    client.post(
        _url(school, "preset_switch"), {"preset": "blue-sky", "version": "1", "confirm": "on"}
    )
    return school


def test_a_rule_saved_unchanged_is_saved_with_its_blank_extra_test_and_action_ignored(
    client, db, settings, tmp_path
):
    school = _blue_sky(client)
    policy = _policy(school)
    rule = next(r for r in policy.rules if r["id"] == "BS-25")

    response = client.post(
        _url(school, "rule_edit", rule_id="BS-25"), posted(rule, policy.version), follow=True
    )

    assert "Nothing was saved" not in response.content.decode()
    saved = next(r for r in _policy(school).rules if r["id"] == "BS-25")
    assert saved["tests"] == rule["tests"] and saved["actions"] == rule["actions"]


def test_one_change_to_a_rule_is_saved_and_nothing_else_changes(client, db, settings, tmp_path):
    school = _blue_sky(client)
    policy = _policy(school)
    rule = next(r for r in policy.rules if r["id"] == "BS-25")

    response = client.post(
        _url(school, "rule_edit", rule_id="BS-25"),
        posted(rule, policy.version, **{"test-0-value": "6"}),
    )

    assert response.status_code == 302
    saved = _policy(school)
    assert saved.version == policy.version + 1
    after = next(r for r in saved.rules if r["id"] == "BS-25")
    assert after["tests"][0]["value"] == "6"
    assert {**after, "tests": None} == {**rule, "tests": None}
    assert after["tests"][1:] == rule["tests"][1:]
    assert [r for r in saved.rules if r["id"] != "BS-25"] == [
        r for r in policy.rules if r["id"] != "BS-25"
    ]


@pytest.mark.parametrize("value", ["-5", "1e9", "4.5", "abc"])
def test_a_count_in_a_rule_is_a_whole_number_of_zero_or_more(client, db, settings, tmp_path, value):
    school = _blue_sky(client)
    policy = _policy(school)
    rule = next(r for r in policy.rules if r["id"] == "BS-25")  # late arrivals, a count
    assert rule["tests"][0]["metric"]["kind"] == "lates"

    response = client.post(
        _url(school, "rule_edit", rule_id="BS-25"),
        posted(rule, policy.version, **{"test-0-value": value}),
    )

    assert response.status_code == 400
    assert "A count is a whole number, 0 or more" in response.content.decode()
    assert _policy(school).version == policy.version


def test_the_rule_editor_speaks_plain_words_and_shows_the_sentence_on_load(
    client, db, settings, tmp_path
):
    school = _blue_sky(client)

    html = client.get(_url(school, "rule_edit", rule_id="BS-25")).content.decode()

    assert "DESIGN" not in html and "RULES.md" not in html
    assert ">la<" not in html and ">certificate 100<" not in html
    assert "The local authority" in html and "Second lateness letter" in html
    sentence = html.split('id="sentence"')[1].split("</div>")[0]
    assert "late" in sentence.lower()


def test_switching_presets_lists_the_rules_it_adds_and_removes_and_a_fresh_preset_is_not_edited(
    client, night
):
    school, _alex, _sam = night
    client.force_login(person(school, Role.ATTENDANCE_LEAD))

    ask = client.get(_url(school, "preset_switch"), {"preset": "dsat"}).content.decode()
    client.post(_url(school, "preset_switch"), {"preset": "dsat", "version": "1", "confirm": "on"})
    page = client.get(_url(school, "policy")).content.decode()

    assert "Rules added" in ask and "Rules removed" in ask
    first = presets.data("dsat")[0]["id"]
    assert f"<strong>{first}</strong>" in ask and "<strong>TL-01</strong>" in ask
    assert "edited since it was chosen" not in page


def test_changing_a_rules_figures_warns_when_its_title_no_longer_fits(
    client, db, settings, tmp_path
):
    school = _blue_sky(client)
    policy = _policy(school)
    rule = next(r for r in policy.rules if r["id"] == "BS-25")

    response = client.post(
        _url(school, "rule_edit", rule_id="BS-25"),
        posted(rule, policy.version, **{"test-0-value": "5"}),
        follow=True,
    )

    assert f"Its title still reads “{rule['title']}”" in response.content.decode()
