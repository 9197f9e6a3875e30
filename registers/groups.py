"""Moving pupils between registration groups, dated (DESIGN.md §4, §9 import_roll).

A move takes effect on a date and never rewrites the past: the spell in the old group
ends the day before, the new one starts on the date, marks stay where they are (a mark
belongs to a session, not to a group). A second move on the same date replaces the first.
A move dated before the pupil's latest spell started is refused: it would rewrite
registers already kept for that spell.

`group_moves` takes any number of moves in a fixed number of queries (the roll import
moves hundreds of pupils at once); `group_move` is one move.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import GroupMembership, Pupil, RegistrationGroup, School


@dataclass(frozen=True)
class GroupMove:
    pupil: Pupil
    group: RegistrationGroup | None  # None: in no group from `effective`
    effective: date


class MoveRefused(ValidationError):
    """Moves that would rewrite the past: `problems` is {pupil id: message}."""

    def __init__(self, problems: dict[int, str]):
        self.problems = problems
        super().__init__(list(problems.values()))


@dataclass
class MovesDone:
    moved: int = 0
    unchanged: int = 0


def group_move(
    *, school: School, pupil: Pupil, group: RegistrationGroup | None, effective: date
) -> MovesDone:
    """Move one pupil to `group` (None: out of any group) from `effective` on.

    Raises MoveRefused if `effective` is before the start of the pupil's latest spell.
    Also sets `pupil.registration_group` (the latest group).
    """
    return group_moves(school=school, moves=[GroupMove(pupil, group, effective)])


@transaction.atomic
def group_moves(*, school: School, moves: list[GroupMove]) -> MovesDone:
    """Apply many moves (one per pupil) or none: six queries whatever their number.

    The pupils' rows are locked first, so two moves of one pupil at once are applied
    one after the other, and spells never overlap.
    """
    done = MovesDone()
    if not moves:
        return done
    for move in moves:
        if move.pupil.school_id != school.pk or (
            move.group is not None and move.group.school_id != school.pk
        ):
            raise ValidationError("That pupil or group is not at this school.")
    ids = [m.pupil.pk for m in moves]
    if len(set(ids)) != len(ids):
        raise ValidationError("A pupil can be moved only once at a time.")
    list(Pupil.objects.select_for_update().filter(school=school, pk__in=ids).values_list("pk"))
    spells: dict[int, list[GroupMembership]] = defaultdict(list)
    for spell in GroupMembership.objects.filter(school=school, pupil_id__in=ids).order_by("starts"):
        spells[spell.pupil_id].append(spell)

    plan = _Plan()
    problems = {}
    for move in moves:
        problem = plan.move(move, spells[move.pupil.pk])
        if problem:
            problems[move.pupil.pk] = problem
    if problems:
        raise MoveRefused(problems)
    for spell in plan.created + plan.updated:
        # The dates are checked here; keys and uniqueness by the database for the batch.
        spell.full_clean(
            exclude=["school", "pupil", "group"], validate_unique=False, validate_constraints=False
        )
    GroupMembership.objects.filter(school=school, pk__in=[s.pk for s in plan.deleted]).delete()
    GroupMembership.objects.bulk_update(plan.updated, ["group", "ends"])
    GroupMembership.objects.bulk_create(plan.created)
    # The latest group, for lists and letters.
    for move in moves:
        move.pupil.registration_group = move.group
    Pupil.objects.bulk_update([m.pupil for m in moves], ["registration_group"])
    done.moved = len(plan.moved)
    done.unchanged = len(moves) - done.moved
    return done


class _Plan:
    """The rows a set of moves changes, worked out before anything is written."""

    def __init__(self):
        self.created: list[GroupMembership] = []
        self.updated: list[GroupMembership] = []
        self.deleted: list[GroupMembership] = []
        self.moved: set[int] = set()

    def move(self, move: GroupMove, spells: list[GroupMembership]) -> str:
        pupil, group, effective = move.pupil, move.group, move.effective
        group_id = group.pk if group else None
        last = spells[-1] if spells else None
        if last and last.starts > effective:
            return (
                f"{pupil.upn}: in {last.group} from {last.starts:%Y-%m-%d}, so a change of "
                f"group cannot take effect on {effective:%Y-%m-%d} (it would rewrite that "
                "group's registers)."
            )
        before = [s for s in spells if s.starts < effective]
        previous = before[-1] if before else None
        if last and last.starts == effective:
            return self._same_day(last, previous, group_id, effective, pupil.pk)
        current = previous if previous and previous.covers(effective) else None
        if (current.group_id if current else None) == group_id:
            return ""
        if current:
            current.ends = effective - timedelta(days=1)
            self.updated.append(current)
        if group_id:
            self.created.append(
                GroupMembership(
                    school_id=pupil.school_id, pupil=pupil, group_id=group_id, starts=effective
                )
            )
        self.moved.add(pupil.pk)
        return ""

    def _same_day(self, last, previous, group_id, effective: date, pupil_id: int) -> str:
        """A second move on the same date replaces the first."""
        if last.group_id == group_id:
            return ""
        self.moved.add(pupil_id)
        back_to_previous = (
            previous is not None
            and previous.group_id == group_id
            and previous.ends == effective - timedelta(days=1)
        )
        if group_id is None or back_to_previous:
            self.deleted.append(last)
            if back_to_previous:
                previous.ends = last.ends
                self.updated.append(previous)
            return ""
        last.group_id = group_id
        self.updated.append(last)
        return ""


def first_spells(*, school: School, pupils: list[Pupil]) -> int:
    """Each new pupil's first group, from their first day on roll (DESIGN.md §9: "a new
    pupil's first group starts on their on_roll_from"). One insert."""
    spells = [
        GroupMembership(
            school=school,
            pupil=p,
            group_id=p.registration_group_id,
            starts=p.on_roll_from,
            ends=None,
        )
        for p in pupils
        if p.registration_group_id
    ]
    GroupMembership.objects.bulk_create(spells, batch_size=2000)
    return len(spells)


def first_spells_follow_roll(*, school: School, moved_from: dict[int, tuple[date, date]]) -> int:
    """When the roll corrects a pupil's first day ({pupil id: (old on_roll_from, new)}),
    the spell that started on the old first day starts on the new one, so that the pupil
    is in a group on every day on roll. A spell that would then end before it starts is
    left alone (the pupil's later groups already hold those days). Two queries."""
    if not moved_from:
        return 0
    spells = GroupMembership.objects.filter(school=school, pupil_id__in=list(moved_from))
    changed = []
    for spell in spells:
        old, new = moved_from[spell.pupil_id]
        if spell.starts == old and (spell.ends is None or new <= spell.ends):
            spell.starts = new
            changed.append(spell)
    GroupMembership.objects.bulk_update(changed, ["starts"])
    return len(changed)
