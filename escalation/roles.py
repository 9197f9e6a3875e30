"""Who may do what on the escalation pages and API (DESIGN.md §1, §3); views, the API
and the main menu read these sets.

- Casework (cases, meeting notes, documents, tasks, the evidence pack): the attendance
  officer, the attendance lead and the headteacher. Meeting notes name family barriers:
  not the office, teachers or a trust lead.
- Deciding (the morning queue's approvals and skips, moving or closing a case by hand,
  recording a notice's progress): the attendance lead and the headteacher, who approve
  letters too (`letters.models.ROLES_APPROVE`).
- Legal steps (approving a penalty notice, a notice to improve or alternative action,
  withdrawing one, referring for prosecution): the headteacher (DESIGN.md §1: "approve
  penalty-notice referrals"; RULES.md BS-35 "agreed by executive head").
- The policy (the ladder of rules, the preset): read by casework roles and the school
  admin, edited by the school's settings roles (attendance lead, headteacher, admin);
  the simulator is theirs too.
"""

from registers.models import ROLES_SCHOOL_SETTINGS, Role

ROLES_CASEWORK = frozenset({Role.ATTENDANCE_OFFICER, Role.ATTENDANCE_LEAD, Role.HEADTEACHER})
ROLES_DECIDE = frozenset({Role.ATTENDANCE_LEAD, Role.HEADTEACHER})
ROLES_LEGAL = frozenset({Role.HEADTEACHER})
ROLES_POLICY_VIEW = ROLES_CASEWORK | {Role.SCHOOL_ADMIN}
ROLES_POLICY_EDIT = ROLES_SCHOOL_SETTINGS
ROLES_SIMULATE = ROLES_POLICY_EDIT


# Proposals that are legal steps (the headteacher's); reports are the lead's too.
LEGAL_PROPOSALS = ("penalty_notice", "notice_to_improve", "alternative_action")


def may_decide(roles, proposal) -> bool:
    """May someone with these roles approve or skip this proposal? Legal steps are the
    headteacher's; a proposal naming its approver (the rule's `approver`) is theirs or
    the headteacher's; anything else the attendance lead's or headteacher's."""
    if proposal.kind in LEGAL_PROPOSALS:
        return bool(roles & ROLES_LEGAL)
    if proposal.approver and proposal.approver not in roles and not roles & ROLES_LEGAL:
        return False
    return bool(roles & ROLES_DECIDE)
