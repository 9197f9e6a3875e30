"""Open escalation cases by track and stage (escalation.models.Case), for the
dashboard's "pupils to look at": where each pupil stands on the school's ladder."""

from __future__ import annotations

from dataclasses import dataclass, field

from escalation.models import Case, Stage, Track


@dataclass
class StageGroup:
    track: str
    stage: str
    pupils: list[tuple[int, str]] = field(default_factory=list)  # (pupil id, name)
    upns: dict[int, str] = field(default_factory=dict)  # for the download


def open_cases(*, school) -> list[StageGroup]:
    """Open cases grouped by track then stage (in the ladder's order), each with its
    pupils by name. One query."""
    cases = (
        Case.objects.filter(school=school, closed_on__isnull=True)
        .select_related("pupil")
        .only(
            "track", "stage", "pupil__upn", "pupil__legal_forename", "pupil__legal_surname",
            "pupil__preferred_forename", "pupil__preferred_surname",
        )
    )  # fmt: skip
    groups: dict[tuple[str, str], StageGroup] = {}
    for case in cases:
        key = (case.track, case.stage)
        group = groups.setdefault(key, StageGroup(Track(case.track).label, Stage(case.stage).label))
        group.pupils.append((case.pupil_id, case.pupil.display_name))
        group.upns[case.pupil_id] = case.pupil.upn
    tracks, stages = list(Track.values), list(Stage.values)
    ordered = sorted(
        groups.items(), key=lambda kv: (tracks.index(kv[0][0]), stages.index(kv[0][1]))
    )
    for _, group in ordered:
        group.pupils.sort(key=lambda p: p[1].casefold())
    return [group for _, group in ordered]
