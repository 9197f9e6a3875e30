"""Escalation history from a previous system (DESIGN.md §9 `import_escalation_history`).

Columns `upn, date, track, to_stage, kind, parent_priority, notice_number`: earlier
stages of the attendance, punctuality and legal tracks, and issued penalty notices (a
row with track `legal` and to_stage `penalty_notice` is a notice issued that day to the
contact of that priority, numbered 1 or 2). All or nothing: any bad row refuses the
file with row numbers and reasons, and nothing is written.

Each pupil's rows per track become one case with its stage history (entries marked
imported; `kind` is kept as the entry's reason, e.g. the letter sent), open at the last
row's stage, or closed when that stage is `none`. The nightly run then takes over:
tracks still open from an earlier academic year return to none on its first night
(RULES.md §0.4), while notices keep counting towards the 3-year limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from registers.imports.common import (
    Row,
    RowError,
    as_table,
    check_columns,
    refuse_if,
)
from registers.models import Contact, Pupil

from .. import events, ladder
from ..engine.evaluate import NOTICE_AMOUNTS
from ..models import Case, NoticeStatus, PenaltyNotice, StageEntry
from .run import policy_for

COLUMNS = ("upn", "date", "track", "to_stage", "kind", "parent_priority", "notice_number")
REQUIRED = ("upn", "date", "track", "to_stage")
TRACKS = ("attendance", "punctuality", "legal")


@dataclass
class Imported:
    stages: int = 0
    notices: int = 0
    cases: int = 0


@dataclass
class _Line:
    number: int
    pupil: Pupil
    day: date
    track: str
    to_stage: str
    kind: str
    priority: int | None
    notice_number: int | None


def _whole(row: Row, column: str, low: int, high: int) -> int | None:
    value = row.text(column)
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        row.error(f"{column} {value!r} must be a whole number from {low} to {high}.")
        return None
    return int(value)


def history_import(*, school, rows, user=None, role: str = "") -> Imported:
    """Import the rows (a `registers.imports.Table` or mappings). Raises
    `ImportRefused` listing every bad row; writes nothing then."""
    table = as_table(rows)
    check_columns(table, REQUIRED)
    errors: list[RowError] = []
    pupils = {p.upn: p for p in Pupil.objects.filter(school=school)}
    today = timezone.localdate()
    lines: list[_Line] = []
    seen: dict[tuple, int] = {}
    for number, values in table.rows:
        row = Row(number, values, errors)
        upn = row.upn()
        day = row.date("date")
        track = row.text("track", required=True).lower()
        to_stage = row.text("to_stage", required=True).lower()
        kind = row.text("kind")[:200]
        priority = _whole(row, "parent_priority", 1, 99)
        notice_number = _whole(row, "notice_number", 1, 2)
        pupil = pupils.get(upn) if upn else None
        if upn and pupil is None:
            row.error(f"upn {upn} is not a pupil of this school.")
        if track and track not in TRACKS:
            row.error(f"track {track!r} is not one of {', '.join(TRACKS)} (welfare has no stages).")
        elif track and to_stage not in ladder.STAGES[track]:
            row.error(
                f"to_stage {to_stage!r} is not a stage of the {track} track "
                f"({', '.join(ladder.STAGES[track])})."
            )
        if day and day > today:
            row.error(f"date {day.isoformat()} is in the future.")
        notice = track == "legal" and to_stage == "penalty_notice"
        if notice and priority is None:
            row.error("A penalty notice needs parent_priority (the contact it was issued to).")
        if notice and notice_number is None:
            row.error("A penalty notice needs notice_number (1 or 2).")
        if not notice and (notice_number is not None):
            row.error("notice_number is only for penalty notices (track legal, penalty_notice).")
        if row.failed:
            continue
        key = (pupil.pk, track, day, priority if notice else None)
        if key in seen:
            row.error(
                f"the same {track} step for this pupil on this day is already on row {seen[key]}."
            )
            continue
        seen[key] = number
        lines.append(_Line(number, pupil, day, track, to_stage, kind, priority, notice_number))
    refuse_if(errors)
    _check_against_database(school=school, lines=lines, errors=errors)
    refuse_if(errors)
    return _write(school=school, lines=lines, user=user, role=role)


def _check_against_database(*, school, lines: list[_Line], errors: list[RowError]) -> None:
    open_cases = set(
        Case.objects.filter(school=school, closed_on__isnull=True).values_list("pupil_id", "track")
    )
    notices = set(
        PenaltyNotice.objects.filter(school=school).values_list(
            "pupil_id", "parent_priority", "proposed_on"
        )
    )
    for line in lines:
        if (line.pupil.pk, line.track) in open_cases:
            errors.append(
                RowError(
                    line.number,
                    f"{line.pupil.upn} already has an open {line.track} case here: import the "
                    "history before the first escalation run, or close the case first.",
                )
            )
        if line.notice_number and (line.pupil.pk, line.priority, line.day) in notices:
            errors.append(
                RowError(line.number, "this penalty notice is already recorded (imported before?).")
            )


def _write(*, school, lines: list[_Line], user, role: str) -> Imported:
    done = Imported()
    issuer = policy_for(school=school).issuer
    contacts = {
        (c.pupil_id, c.priority): c
        for c in Contact.objects.filter(
            school=school,
            pupil_id__in={line.pupil.pk for line in lines},
            parental_responsibility=True,
        ).order_by("-pk")
    }
    by_case: dict[tuple[int, str], list[_Line]] = {}
    for line in sorted(lines, key=lambda item: (item.day, item.number)):
        by_case.setdefault((line.pupil.pk, line.track), []).append(line)
    with transaction.atomic():
        for (pupil_id, track), case_lines in by_case.items():
            last = case_lines[-1]
            case = Case(
                school=school,
                pupil_id=pupil_id,
                track=track,
                stage=last.to_stage,
                stage_since=last.day,
                opened_on=case_lines[0].day,
                closed_on=last.day if last.to_stage == "none" else None,
                close_reason="Imported history" if last.to_stage == "none" else "",
            )
            case.full_clean(exclude=["school", "pupil"], validate_constraints=False)
            case.save()
            done.cases += 1
            previous = "none"
            entries = []
            for line in case_lines:
                entries.append(
                    StageEntry(
                        school=school,
                        case=case,
                        on=line.day,
                        from_stage=previous,
                        to_stage=line.to_stage,
                        reason=f"Imported: {line.kind}" if line.kind else "Imported",
                        by=user,
                        role=role,
                        imported=True,
                    )
                )
                previous = line.to_stage
                if line.notice_number:
                    PenaltyNotice.objects.create(
                        school=school,
                        pupil_id=pupil_id,
                        contact=contacts.get((pupil_id, line.priority)),
                        parent_priority=line.priority,
                        case=case,
                        notice_number=line.notice_number,
                        amount_gbp=NOTICE_AMOUNTS[line.notice_number],
                        issuer=issuer,
                        status=NoticeStatus.ISSUED,
                        proposed_on=line.day,
                        issued_on=line.day,
                        imported=True,
                        reason=line.kind,
                    )
                    done.notices += 1
            StageEntry.objects.bulk_create(entries)
            done.stages += len(entries)
        events.history_imported(
            school_id=school.pk, rows=len(lines), user=user, role=role, when=timezone.now()
        )
    return done
