"""Writes to the register (HackSoft services), split by seam:

- `marks`: THE mark writer (`marks_write`; `marks_save`, `mark_record` call it);
- `rules`: the register's law, one function (`mark_errors`) every source is checked by;
- `planned`: planned entries for sessions still to come, and the beat job that turns
  them into marks once their register has closed;
- `sessions`: the clock of a late arrival (sessions: `registers.calendar_changes`);
- `reasons`: the school's own absence reasons.

The public names are re-exported here so `from registers.services import ...` keeps working.
"""

from .marks import (  # noqa: F401
    Conflict,
    MarkEntry,
    MarksInvalid,
    RegisterConflict,
    SaveResult,
    mark_from_plan,
    mark_record,
    marks_save,
    marks_write,
    pre_entered_message,
)
from .planned import PlannedDue, planned_entries_due, planned_withdraw  # noqa: F401
from .reasons import REASONLESS_CODES, reason_create, reason_set_active  # noqa: F401
from .rules import (  # noqa: F401
    MAX_AMENDMENT_REASON,
    MAX_MINUTES_LATE,
    MAX_NOTE,
    MINUTES_LATE_CODES,
    Writing,
    compulsory_school_age_ends,
    compulsory_school_age_starts,
    mark_errors,
    of_compulsory_school_age,
)
from .sessions import PRESENT_CODE, code_for_arrival  # noqa: F401
