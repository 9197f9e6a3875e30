"""The decider's steps on a leave request and the marks they write (issue 9; see
`absences.services.leave` for the workflow)."""

from __future__ import annotations

from absences.models import LeaveRequest
from registers.services.planned import planned_withdraw

from .leave import request_sessions


def withdraw_planned(*, request: LeaveRequest) -> int:
    """Withdraw the planned entries the request's grant wrote for days still to come.
    Marks already written are legal records and stay (a person amends them).
    Returns how many were withdrawn."""
    sessions = request_sessions(request)
    return planned_withdraw(school=request.school, pupil=request.pupil, sessions=sessions)
