"""Models of the escalation app: one module per area (each engineer adds one import line)."""

from .cases import Attachment, Case, Meeting, Stage, StageEntry, Track  # noqa: E402, F401
from .legal import ISSUED_STATUSES, NoticeStatus, NoticeToImprove, PenaltyNotice  # noqa: E402, F401
from .policy import EscalationPolicy, Issuer  # noqa: F401
from .queue import (  # noqa: E402, F401
    EscalationTask,
    Proposal,
    ProposalKind,
    ProposalStatus,
    TaskKind,
    TaskStatus,
)
from .runs import Decision, Run, RunStatus  # noqa: E402, F401
from .simulation import SimulationRun, SimulationStatus  # noqa: E402, F401
