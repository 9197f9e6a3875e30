"""The policy page: the school's ladder as plain-English sentences (`ladder.describe`),
chosen from a preset (switching is confirmed: every edit is replaced) and edited rule by
rule (validated by `escalation.ladder`; a live sentence while editing), switched on or
off, put back as the preset has it; the legal settings (who issues penalty notices, the
default improvement period). Read by casework roles and the school admin; changed by the
school's settings roles (`escalation.roles`). Each change is one transaction and one
event (`escalation.services.policy_edit`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registers.permissions import roles_required

from .. import ladder, presets
from ..forms import PresetForm
from ..models import Issuer
from ..roles import ROLES_POLICY_EDIT, ROLES_POLICY_VIEW
from ..rule_forms import RuleEditor, plain
from ..services import policy_edit
from ..services.run import policy_for
from ._common import messages_of, page, refused, role_for

TRACK_WORDS = {
    "attendance": "Attendance",
    "punctuality": "Punctuality",
    "legal": "Legal steps",
    "welfare": "Welfare and reports to the local authority",
}


class SettingsForm(forms.Form):
    issuer = forms.ChoiceField(
        label="Who issues penalty notices", choices=Issuer.choices, widget=forms.RadioSelect
    )
    nti_weeks = forms.TypedChoiceField(
        label="Default improvement period of a notice to improve",
        choices=[(n, f"{n} weeks") for n in (3, 4, 5, 6)],
        coerce=int,
    )


def _version(request) -> int:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else -1


def _rows(policy):
    """[(track words, [(rule data, sentence, problem)])] in ladder order, by track. A
    stored rule that no longer validates is shown with its problem, not hidden."""
    by_track: dict[str, list] = {t: [] for t in ladder.TRACKS}
    for data in policy.rules:
        try:
            rule = ladder.rule_from_data(data)
        except ladder.LadderError as exc:
            by_track.setdefault(data.get("track", "welfare"), []).append(
                (data, "", "; ".join(exc.messages))
            )
            continue
        by_track[rule.track].append((data, ladder.describe(rule), ""))
    return [(TRACK_WORDS[t], t, rows) for t, rows in by_track.items() if rows]


def _edited(policy) -> bool:
    """The ladder differs from its preset's (a version number alone says nothing: choosing
    a preset raises it too)."""
    return policy.preset not in presets.PRESETS or presets.data(policy.preset) != policy.rules


def _said(data: dict) -> str:
    try:
        return ladder.describe(ladder.rule_from_data(data))
    except ladder.LadderError:
        return data.get("title", "")


def _changes(old: list[dict], new: list[dict]) -> dict:
    """What switching does, rule by rule: {"added"|"removed"|"changed": [(id, sentence)]}
    (a changed rule with its new sentence)."""
    before = {r.get("id"): r for r in old}
    after = {r.get("id"): r for r in new}
    return {
        "added": [(i, _said(r)) for i, r in after.items() if i not in before],
        "removed": [(i, _said(r)) for i, r in before.items() if i not in after],
        "changed": [(i, _said(r)) for i, r in after.items() if i in before and before[i] != r],
    }


@roles_required(ROLES_POLICY_VIEW)
def policy(request, school_slug):
    policy = policy_for(school=request.school)
    return page(
        request,
        "escalation/policy.html",
        {
            "policy": policy,
            "tracks": _rows(policy),
            "presets": presets.PRESETS,
            "preset_form": PresetForm(initial={"preset": policy.preset}),
            "settings_form": SettingsForm(
                initial={"issuer": policy.issuer, "nti_weeks": policy.nti_weeks}
            ),
            "rule_count": len(policy.rules),
            "edited": _edited(policy),
            "enabled_count": sum(1 for r in policy.rules if r.get("enabled", True)),
        },
    )


@roles_required(ROLES_POLICY_EDIT)
def preset_switch(request, school_slug):
    """GET: what switching to the chosen preset replaces, and a confirmation; POST with
    the box ticked: switch."""
    policy = policy_for(school=request.school)
    form = PresetForm(request.POST or request.GET or None)
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data["preset"]
        if request.method == "POST" and form.cleaned_data["confirm"]:
            try:
                policy_edit.preset_choose(
                    school=request.school,
                    policy=policy,
                    preset=chosen,
                    version=_version(request),
                    user=request.user,
                    role=role_for(request, ROLES_POLICY_EDIT),
                )
            except ValidationError as exc:
                refused(request, exc)
            else:
                messages.success(request, f"The policy now follows the {chosen} preset.")
                return redirect("escalation:policy", school_slug=request.school.slug)
        elif request.method == "POST":
            form.add_error("confirm", "Tick the box to confirm: every rule is replaced.")
        new_ids = [r["id"] for r in presets.data(chosen)]
        old_ids = [r.get("id") for r in policy.rules]
        edited = chosen == policy.preset and presets.data(chosen) != policy.rules
        return page(
            request,
            "escalation/policy_preset.html",
            {
                "policy": policy,
                "form": form,
                "chosen": chosen,
                "new_count": len(new_ids),
                "old_count": len(old_ids),
                "edited": edited,
                "changes": _changes(policy.rules, presets.data(chosen)),
                "ladder_edited": _edited(policy),
                "switched_off": sum(1 for r in policy.rules if not r.get("enabled", True)),
            },
            status=400 if form.errors else 200,
        )
    messages.error(request, "Choose one of the presets.")
    return redirect("escalation:policy", school_slug=request.school.slug)


def _rule_or_404(policy, rule_id: str) -> dict:
    i = policy_edit.rule_index(policy.rules, rule_id)
    if i is None:
        raise Http404("No such rule in this policy.")
    return policy.rules[i]


def _sentence(editor: RuleEditor) -> tuple[str, list[str]]:
    """The rule as edited in words, or what is wrong with it."""
    if not editor.is_bound:  # the rule as saved: its sentence from the first load
        try:
            return ladder.describe(ladder.rule_from_data(editor.rule)), []
        except ladder.LadderError as exc:
            return "", plain(exc.messages)
    if not editor.is_valid():
        return "", editor.errors()
    try:
        return ladder.describe(ladder.rule_from_data(editor.data())), []
    except ladder.LadderError as exc:
        return "", plain(exc.messages)


@roles_required(ROLES_POLICY_EDIT)
def rule_edit(request, school_slug, rule_id):
    policy = policy_for(school=request.school)
    rule = _rule_or_404(policy, rule_id)
    editor = RuleEditor(rule, request.POST if request.method == "POST" else None)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        sentence, problems = _sentence(editor)
        if not problems:
            try:
                policy_edit.rule_save(
                    policy=policy,
                    rule_id=rule_id,
                    data=editor.data(),
                    version=_version(request),
                    user=request.user,
                    role=role_for(request, ROLES_POLICY_EDIT),
                )
            except ValidationError as exc:
                problems = messages_of(exc)
            else:
                messages.success(request, f"Rule {rule_id} saved: {sentence}")
                saved = editor.data()
                if saved["title"] == rule.get("title") and any(
                    saved.get(k) != rule.get(k, []) for k in ("tests", "any_of", "actions")
                ):
                    messages.warning(
                        request,
                        f"Its title still reads “{saved['title']}”: check it still fits "
                        "the rule, and edit it if not.",
                    )
                return redirect("escalation:policy", school_slug=request.school.slug)
        status = 400
    else:
        sentence, problems = _sentence(editor)
    return page(
        request,
        "escalation/policy_rule.html",
        {
            "policy": policy,
            "rule": rule,
            "editor": editor,
            "sentence": sentence,
            "problems": problems if request.method == "POST" else [],
            "in_preset": policy.preset in presets.PRESETS
            and any(r.get("id") == rule_id for r in presets.data(policy.preset)),
        },
        status=status,
    )


@require_POST
@roles_required(ROLES_POLICY_EDIT)
def rule_preview(request, school_slug, rule_id):
    """The live sentence while editing (htmx): the rule as it would read, or why not."""
    policy = policy_for(school=request.school)
    editor = RuleEditor(_rule_or_404(policy, rule_id), request.POST)
    sentence, problems = _sentence(editor)
    return render(
        request, "escalation/_rule_sentence.html", {"sentence": sentence, "problems": problems}
    )


@require_POST
@roles_required(ROLES_POLICY_EDIT)
def rule_switch(request, school_slug, rule_id):
    policy = policy_for(school=request.school)
    _rule_or_404(policy, rule_id)
    enabled = request.POST.get("enabled") == "on"
    try:
        changed = policy_edit.rule_switch(
            policy=policy,
            rule_id=rule_id,
            enabled=enabled,
            version=_version(request),
            user=request.user,
            role=role_for(request, ROLES_POLICY_EDIT),
        )
    except ValidationError as exc:
        refused(request, exc)
    else:
        state = "on" if enabled else "off"
        if changed:
            messages.success(request, f"Rule {rule_id} switched {state}.")
        else:
            messages.info(request, f"Rule {rule_id} was already switched {state}.")
    return redirect(f"/{request.school.slug}/escalation/policy/#rule-{rule_id}")


@require_POST
@roles_required(ROLES_POLICY_EDIT)
def rule_reset(request, school_slug, rule_id):
    policy = policy_for(school=request.school)
    _rule_or_404(policy, rule_id)
    try:
        changed = policy_edit.rule_reset(
            policy=policy,
            rule_id=rule_id,
            version=_version(request),
            user=request.user,
            role=role_for(request, ROLES_POLICY_EDIT),
        )
    except ValidationError as exc:
        refused(request, exc)
    else:
        if changed:
            messages.success(
                request, f"Rule {rule_id} is back as the {policy.preset} preset has it."
            )
        else:
            messages.info(request, f"Rule {rule_id} already reads as the preset has it.")
    return redirect(f"/{request.school.slug}/escalation/policy/#rule-{rule_id}")


@require_POST
@roles_required(ROLES_POLICY_EDIT)
def settings_save(request, school_slug):
    policy = policy_for(school=request.school)
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            changed = policy_edit.settings_save(
                policy=policy,
                version=_version(request),
                user=request.user,
                role=role_for(request, ROLES_POLICY_EDIT),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(request, "Settings saved." if changed else "Nothing changed.")
    else:
        messages.error(request, "Choose who issues penalty notices and a period of 3 to 6 weeks.")
    return redirect("escalation:policy", school_slug=request.school.slug)
