"""Models of the absences app: one module per area (each engineer adds one import line)."""

from .calling import CallAttempt, CallingDay, LeadAction, WelfareTask  # noqa: E402, F401
from .leave import LeaveChecks, LeaveEvidence, LeaveGround, LeaveRequest  # noqa: E402, F401
from .portal import INVITATION_DAYS, InvitedContact, PortalInvitation  # noqa: E402, F401
from .procedure import (  # noqa: E402, F401
    AbsenceProcedure,
    FirstContact,
    ProcedureAction,
    TriggerTask,
    procedure_for,
)
from .reports import AbsenceReport  # noqa: F401
