"""Editing a school's ladder in the browser (DESIGN.md §7): switch preset, edit one rule,
switch a rule on or off, put a rule back as its preset has it, the legal settings.

Each is one transaction: the whole ladder is validated (`escalation.ladder`) before it
is saved, the policy's `version` goes up (a decision names the wording that fired), and
one event records the change with the rule as it was and as it is
(`escalation.events.CaseworkEvent`). A refused edit changes nothing and raises
ValidationError (field "rules", each message naming the rule and what is wrong).

The save is conditional on the version the page was shown at: two people editing at
once cannot silently undo each other (the second is told to reload).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from registers.models import School

from .. import ladder, presets
from ..events import CaseworkEvent, casework
from ..models import EscalationPolicy, Issuer


def _check(rules: list[dict]) -> list[dict]:
    """The ladder, validated as a whole (ids unique, every rule usable); returned as
    given, so rules nobody edited keep their stored form."""
    try:
        ladder.ladder_from_data(rules)
    except ladder.LadderError as exc:
        raise ValidationError({"rules": exc.messages}) from exc
    return rules


def _save(
    *, policy: EscalationPolicy, version: int, changes: dict, kind: str, user, role, **params
) -> bool:
    """Write `changes` if the policy is still at `version`; False if someone else saved
    meanwhile (nothing written)."""
    saved = EscalationPolicy.objects.filter(pk=policy.pk, version=version).update(
        version=F("version") + 1, **changes
    )
    if not saved:
        return False
    casework(
        school_id=policy.school_id,
        kind=kind,
        user=user,
        role=role,
        preset=changes.get("preset", policy.preset),
        version=version + 1,
        **params,
    )
    return True


def _stale() -> ValidationError:
    return ValidationError(
        {
            "rules": "Someone else saved the policy since this page was opened: reload it and "
            "make the change again."
        }
    )


def _same(before: dict, after: dict) -> bool:
    try:
        return ladder.rule_from_data(before) == ladder.rule_from_data(after)
    except ladder.LadderError:  # the stored rule no longer validates: the edit mends it
        return False


def rule_index(rules: list[dict], rule_id: str) -> int | None:
    return next((i for i, r in enumerate(rules) if r.get("id") == rule_id), None)


def preset_choose(
    *, school: School, policy: EscalationPolicy, preset: str, version: int, user, role: str
) -> None:
    """Replace the ladder and legal settings by a preset's (every edit is lost: the page
    asks for confirmation). Raises ValidationError for an unknown preset."""
    if preset not in presets.PRESETS:
        raise ValidationError({"preset": "Choose one of the presets."})
    rules = _check(presets.data(preset))
    values = presets.settings(preset)
    changes = {"preset": preset, "rules": rules}
    for name in ("issuer", "nti_weeks", "payment_period_days"):
        if name in values:
            changes[name] = values[name]
    with transaction.atomic():
        if not _save(
            policy=policy,
            version=version,
            changes=changes,
            kind=CaseworkEvent.POLICY_PRESET_CHOSEN,
            user=user,
            role=role,
            previous_preset=policy.preset,
            rules=len(rules),
        ):
            raise _stale()


def rule_save(
    *, policy: EscalationPolicy, rule_id: str, data: dict, version: int, user, role: str
) -> None:
    """Replace one rule (by id; its id cannot change) by `data`, validated with the
    whole ladder."""
    rules = list(policy.rules)
    i = rule_index(rules, rule_id)
    if i is None:
        raise ValidationError({"rules": f"There is no rule {rule_id} in the policy."})
    try:
        data = ladder.rule_to_data(ladder.rule_from_data({**data, "id": rule_id}))
    except ladder.LadderError as exc:
        raise ValidationError({"rules": exc.messages}) from exc
    before = rules[i]
    # Unchanged in meaning (only its stored form would differ): nothing to save.
    if _same(before, data):
        return
    rules[i] = data
    rules = _check(rules)
    with transaction.atomic():
        if not _save(
            policy=policy,
            version=version,
            changes={"rules": rules},
            kind=CaseworkEvent.POLICY_RULE_EDITED,
            user=user,
            role=role,
            rule=rule_id,
            before=before,
            after=rules[i],
        ):
            raise _stale()


def rule_switch(
    *, policy: EscalationPolicy, rule_id: str, enabled: bool, version: int, user, role: str
) -> bool:
    """Switch a rule on or off; False when it already was (nothing written)."""
    rules = [dict(r) for r in policy.rules]
    i = rule_index(rules, rule_id)
    if i is None:
        raise ValidationError({"rules": f"There is no rule {rule_id} in the policy."})
    if rules[i].get("enabled", True) == enabled:
        return False
    rules[i]["enabled"] = enabled
    rules = _check(rules)
    with transaction.atomic():
        if not _save(
            policy=policy,
            version=version,
            changes={"rules": rules},
            kind=CaseworkEvent.POLICY_RULE_SWITCHED,
            user=user,
            role=role,
            rule=rule_id,
            enabled=enabled,
        ):
            raise _stale()
    return True


def rule_reset(*, policy: EscalationPolicy, rule_id: str, version: int, user, role: str) -> bool:
    """Put one rule back as the policy's preset has it; False when it already is."""
    if policy.preset not in presets.PRESETS:
        raise ValidationError({"rules": "This policy has no preset to take the rule from."})
    original = next((r for r in presets.data(policy.preset) if r.get("id") == rule_id), None)
    if original is None:
        raise ValidationError({"rules": f"The {policy.preset} preset has no rule {rule_id}."})
    rules = list(policy.rules)
    i = rule_index(rules, rule_id)
    if i is None:
        raise ValidationError({"rules": f"There is no rule {rule_id} in the policy."})
    before = rules[i]
    rules[i] = original
    rules = _check(rules)
    if rules[i] == before:
        return False
    with transaction.atomic():
        if not _save(
            policy=policy,
            version=version,
            changes={"rules": rules},
            kind=CaseworkEvent.POLICY_RULE_EDITED,
            user=user,
            role=role,
            rule=rule_id,
            before=before,
            after=rules[i],
            reset_to_preset=True,
        ):
            raise _stale()
    return True


def settings_save(
    *, policy: EscalationPolicy, issuer: str, nti_weeks: int, version: int, user, role: str
) -> bool:
    """Who issues penalty notices and the default improvement period (3-6 weeks)."""
    errors = {}
    if issuer not in Issuer.values:
        errors["issuer"] = "Choose who issues penalty notices."
    if nti_weeks not in (3, 4, 5, 6):
        errors["nti_weeks"] = "The improvement period is 3, 4, 5 or 6 weeks."
    if errors:
        raise ValidationError(errors)
    if policy.issuer == issuer and policy.nti_weeks == nti_weeks:
        return False
    with transaction.atomic():
        if not _save(
            policy=policy,
            version=version,
            changes={"issuer": issuer, "nti_weeks": nti_weeks},
            kind=CaseworkEvent.POLICY_SETTINGS_CHANGED,
            user=user,
            role=role,
            issuer=issuer,
            nti_weeks=nti_weeks,
        ):
            raise _stale()
    return True
