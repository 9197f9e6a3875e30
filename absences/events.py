"""Events of the absences app (DESIGN.md §2): one TextChoices of kinds per area, each
decorated `@register_kinds`, with its writers beside it; the pupil timeline reads them."""


# ---- Leave of absence (absences.services.leave) ----------------------------------------

from django.db import models  # noqa: E402

from registers.events import record, register_kinds  # noqa: E402


@register_kinds
class LeaveEvent(models.TextChoices):
    # A parent (or the office for them) asked for leave of absence.
    SUBMITTED = "leave_submitted", "Leave requested"
    # A decider started looking at the request.
    UNDER_REVIEW = "leave_under_review", "Leave request under review"
    # The decider asked the parent for more information (the message is in params).
    INFORMATION_REQUESTED = "leave_information_requested", "More information asked for"
    # The parent answered (and may have sent more evidence): back under review.
    INFORMATION_PROVIDED = "leave_information_provided", "More information given"
    # Decisions: granted in full, in part (the sessions), or refused (the reason).
    GRANTED = "leave_granted", "Leave granted"
    PARTLY_GRANTED = "leave_partly_granted", "Leave partly granted"
    REFUSED = "leave_refused", "Leave refused"
    # Withdrawn by the parent or the office (why); future planned entries withdrawn.
    WITHDRAWN = "leave_withdrawn", "Leave request withdrawn"
    # A decision reversed by the decider (why): back under review, marks taken back.
    REOPENED = "leave_reopened", "Leave decision reopened"
    # Sessions of refused leave the pupil was absent for were recorded as G.
    REFUSED_TAKEN = "leave_refused_taken", "Refused leave taken (recorded as G)"


def leave_changed(*, request, kind: str, user, role: str, when, why: str = "", **params):
    """One status change of a leave request: who, in which role, when, why, from and to.
    Written in the transaction of the change (`registers.events.record`)."""
    return record(
        school_id=request.school_id,
        kind=kind,
        user=user,
        role=role,
        when=when,
        pupil_id=request.pupil_id,
        params={"request_id": request.pk, "status": request.status, "why": why, **params},
    )


# ---- Parent portal invitations (absences.services.portal) ---------------------------------

from registers.events import event, save_events  # noqa: E402


@register_kinds
class PortalEvent(models.TextChoices):
    # The school invited a parent with parental responsibility to the portal (by email).
    INVITED = "portal_invited", "Parent invited to the portal"
    # An invitation was withdrawn by the school or replaced by a newer one.
    INVITATION_REVOKED = "portal_invitation_revoked", "Portal invitation withdrawn"
    # The person who received an invitation said it was not meant for them.
    INVITATION_REFUSED = "portal_invitation_refused", "Portal invitation not for the recipient"
    # The parent accepted: their account now sees this child.
    LINKED = "portal_linked", "Parent's portal account linked"


def portal_changed(*, kind: str, contacts, user, role: str, when, **params) -> list:
    """One event per contact's pupil (the pupil timeline shows who was given access),
    written with one insert in the transaction of the change."""
    return save_events(
        [
            event(
                school_id=contact.school_id,
                kind=kind,
                user=user,
                role=role,
                when=when,
                pupil_id=contact.pupil_id,
                params={"contact_id": contact.pk, "contact": contact.name, **params},
            )
            for contact in contacts
        ]
    )


# ---- Absence reports (absences.services.reports) -----------------------------------------

from django.db import models  # noqa: E402, F811

from registers.events import record, register_kinds  # noqa: E402, F811


@register_kinds
class ReportEvent(models.TextChoices):
    # A report logged by the office (a call, email, text, app message, visit) or filed by
    # a parent in the portal; params say whether it was accepted as it was logged.
    LOGGED = "absence_report_logged", "Absence reported"
    # A report that overlapped a live one with the same reason was merged into it: the
    # earlier report now covers both spans.
    EXTENDED = "absence_report_extended", "Absence report extended"
    # A parent's pending report accepted by the office: its sessions are pre-entered.
    ACCEPTED = "absence_report_accepted", "Absence report accepted"
    # Taken back (why in params): planned entries withdrawn, marks kept or amended.
    WITHDRAWN = "absence_report_withdrawn", "Absence report withdrawn"
    # The register held another code for some of the sessions; the office chose to keep
    # the register's marks or to replace them (with amendments).
    CONFLICT_RESOLVED = "absence_report_conflict_resolved", "Absence report conflict resolved"


def report_event(*, report, kind: str, user, role: str, when, **params):
    """One event about an absence report, in the transaction of the change."""
    return record(
        school_id=report.school_id,
        kind=kind,
        user=user,
        role=role,
        when=when,
        pupil_id=report.pupil_id,
        params={
            "report_id": report.pk,
            "status": report.status,
            "source": report.source,
            "channel": report.channel,
            "reason": report.reason.name,
            "code": report.reason.code_id,
            "first_day": report.first_day,
            "first_period": report.first_period,
            "last_day": report.last_day,
            "last_period": report.last_period,
            **params,
        },
    )


# ---- First-day calling and N codes (absences.services.calling, absences.services.ncodes) ----


@register_kinds
class CallingEvent(models.TextChoices):
    # The office recorded an attempt to reach a contact (outcome in params).
    CALL_ATTEMPTED = "call_attempted", "Call attempt recorded"
    # The deadline passed or the attempts ran out: shown to the safeguarding lead.
    NOT_ACCOUNTED_FOR = "calling_not_accounted_for", "Not accounted for (to the safeguarding lead)"
    # A contact was reached, the absence explained, or the lead closed it.
    ACCOUNTED_FOR = "calling_accounted_for", "Absence accounted for"
    # The safeguarding lead recorded an action (home visit, police welfare check...).
    LEAD_ACTION = "calling_lead_action", "Safeguarding lead's action"
    # A welfare trigger raised a task, and a person closed it.
    WELFARE_TASK_RAISED = "welfare_task_raised", "Welfare task raised"
    WELFARE_TASK_CLOSED = "welfare_task_closed", "Welfare task closed"
    # The school's first-day calling procedure was changed (fields in params).
    PROCEDURE_CHANGED = "absence_procedure_changed", "Absence procedure changed"
    # The nightly job replaced an overdue N by O (DESIGN §5; the amendment is the record).
    N_REPLACED = "n_replaced_by_o", "Overdue N replaced by O"


def calling_event(*, school_id: int, kind: str, user, role: str, when, pupil_id=None, **params):
    """One first-day calling event, in the transaction of the change it records."""
    return record(
        school_id=school_id,
        kind=kind,
        user=user,
        role=role,
        when=when,
        pupil_id=pupil_id,
        params=params,
    )
