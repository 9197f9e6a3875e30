"""Events of the escalation app (DESIGN.md §2): one TextChoices of kinds per area, each
decorated `@register_kinds`, with its writers beside it; the pupil timeline reads them."""

# ---- The night (engine) -----------------------------------------------------------------
# Written by `escalation.services.run` in the transaction that stores each pupil's
# decisions, and by `escalation.services.legal` / the history import.

from datetime import date  # noqa: E402

from django.db import models  # noqa: E402

from registers.events import event, record, register_kinds, save_events  # noqa: E402


@register_kinds
class EngineEvent(models.TextChoices):
    # A rule fired for a pupil (params: rule, track, from/to stage, actions, evidence).
    DECIDED = "escalation_decided", "Escalation rule fired"
    # The calendar returned a track to none (new academic year, payment period ended).
    TRACK_RESET = "escalation_track_reset", "Escalation track reset"
    # A night's run finished for the school (params: as_of, decisions, per-rule counts).
    RUN_FINISHED = "escalation_run_finished", "Escalation run finished"
    # Earlier stages and penalty notices imported from a previous system.
    HISTORY_IMPORTED = "escalation_history_imported", "Escalation history imported"


def decisions_recorded(*, school_id: int, decisions, when) -> None:
    """One `escalation_decided` event per stored decision (one insert)."""
    save_events(
        [
            event(
                school_id=school_id,
                kind=EngineEvent.DECIDED,
                when=when,
                pupil_id=d.pupil_id,
                params={
                    "decision_id": d.pk,
                    "rule": d.rule,
                    "track": d.track,
                    "from_stage": d.from_stage,
                    "to_stage": d.to_stage,
                    "actions": d.actions,
                    "evidence": d.evidence,
                },
            )
            for d in decisions
        ]
    )


def track_reset(
    *, school_id: int, pupil_id: int, track: str, from_stage: str, reason: str, on: date, when
):
    return record(
        school_id=school_id,
        kind=EngineEvent.TRACK_RESET,
        when=when,
        pupil_id=pupil_id,
        params={"track": track, "from_stage": from_stage, "reason": reason, "on": on.isoformat()},
    )


def run_finished(*, school_id: int, as_of: date, decided: int, rules: dict, when):
    return record(
        school_id=school_id,
        kind=EngineEvent.RUN_FINISHED,
        when=when,
        params={"as_of": as_of.isoformat(), "decided": decided, "rules": rules},
    )


def history_imported(*, school_id: int, rows: int, user, role: str, when):
    return record(
        school_id=school_id,
        kind=EngineEvent.HISTORY_IMPORTED,
        user=user,
        role=role,
        when=when,
        params={"rows": rows},
    )


# ---- Casework by people (policy page, queue, cases, legal steps) -----------------------
# Written by `escalation.services.cases` and `escalation.services.policy_edit`, one per
# change, in the change's transaction. The night's own kinds are above (engine).


@register_kinds
class CaseworkEvent(models.TextChoices):
    # The school chose another preset: its whole ladder was replaced.
    POLICY_PRESET_CHOSEN = "escalation_policy_preset_chosen", "Escalation policy preset chosen"
    # One rule of the ladder edited (params: rule id, before and after as data).
    POLICY_RULE_EDITED = "escalation_policy_rule_edited", "Escalation rule edited"
    # One rule switched on or off.
    POLICY_RULE_SWITCHED = "escalation_policy_rule_switched", "Escalation rule switched on or off"
    # The policy's legal settings (issuer, default improvement period) changed.
    POLICY_SETTINGS_CHANGED = "escalation_policy_settings_changed", "Escalation settings changed"
    # A person moved a case to another stage (with a reason), or opened one by hand.
    CASE_MOVED = "escalation_case_moved", "Case moved by hand"
    # A person closed a case (with a reason).
    CASE_CLOSED = "escalation_case_closed", "Case closed by hand"
    # Notes of a meeting with the family recorded.
    MEETING_RECORDED = "escalation_meeting_recorded", "Meeting recorded"
    # A document kept with a case.
    ATTACHMENT_ADDED = "escalation_attachment_added", "Document added to a case"
    # A task the night (or a person) created was done or skipped (with a reason).
    TASK_DONE = "escalation_task_done", "Escalation task done"
    TASK_SKIPPED = "escalation_task_skipped", "Escalation task skipped"
    # A proposal (legal step, report) approved or skipped with a reason.
    PROPOSAL_APPROVED = "escalation_proposal_approved", "Escalation proposal approved"
    PROPOSAL_SKIPPED = "escalation_proposal_skipped", "Escalation proposal skipped"
    # A penalty notice moved status (params: from, to, reason).
    PENALTY_NOTICE_STATUS = "escalation_penalty_notice_status", "Penalty notice status changed"
    # A notice to improve issued, re-checked or withdrawn (params: from, to).
    NOTICE_TO_IMPROVE_STATUS = (
        "escalation_notice_to_improve_status",
        "Notice to improve status changed",
    )


def casework(*, school_id: int, kind: str, user, role: str, pupil_id=None, **params):
    """One casework event (`CaseworkEvent`), params as given (JSON-able values)."""
    return record(
        school_id=school_id, kind=kind, user=user, role=role, pupil_id=pupil_id, params=params
    )
