"""Demo data of the absences app (demo/extras.py)."""


def add(ctx) -> dict[str, int]:
    counts: dict[str, int] = {}
    counts.update(add_leave(ctx))
    return counts


# ---- Leave of absence (absences.services.leave, leave_decide) -------------------------------


def add_leave(ctx) -> dict[str, int]:
    """Pending and decided leave requests: the parent login's two children (one waiting,
    one refused holiday with its letter), and a few others (submitted, under review, more
    information requested)."""
    from datetime import timedelta

    from django.core.exceptions import ValidationError

    from absences.services.leave import leave_request_submit
    from absences.services.leave_decide import leave_ask_information, leave_decide, leave_review
    from registers.models import Contact, Membership, Pupil, Role, Session

    school = ctx.school
    head = (
        Membership.objects.filter(school=school, role=Role.HEADTEACHER)
        .select_related("user")
        .first()
    )
    head = head.user if head else None
    days = list(
        Session.objects.filter(school=school, date__gte=ctx.today + timedelta(days=21))
        .order_by("date")
        .values_list("date", flat=True)
        .distinct()[:15]
    )
    if len(days) < 10:
        return {}
    parents = list(
        Contact.objects.filter(school=school, user__isnull=False, parental_responsibility=True)
        .select_related("pupil", "user")
        .order_by("pupil_id")[:2]
    )
    family = {c.pupil_id for c in parents}
    others = list(Pupil.objects.filter(school=school).exclude(pk__in=family).order_by("pk")[:3])
    made = 0

    def ask(pupil, user, first, last, ground, reason, role=""):
        nonlocal made
        try:
            request = leave_request_submit(
                school=school,
                pupil=pupil,
                user=user,
                role=role,
                first_day=first,
                first_period="AM",
                last_day=last,
                last_period="PM",
                ground=ground,
                reason=reason,
            )
        except ValidationError:
            return None
        made += 1
        return request

    if parents:
        ask(
            parents[0].pupil,
            parents[0].user,
            days[0],
            days[1],
            "C",
            "My sister's wedding in Dublin; we fly out on the Thursday morning.",
        )
    if len(parents) > 1 and head:
        refused = ask(
            parents[1].pupil,
            parents[1].user,
            days[5],
            days[9],
            "G",
            "A family holiday: flights are a third of the price in term time.",
        )
        if refused:
            leave_decide(
                request=refused,
                user=head,
                role=Role.HEADTEACHER,
                status="refused",
                decision="Family holidays are not granted in term time.",
            )
    office = ctx.office
    if others and office:
        ask(
            others[0],
            office,
            days[2],
            days[2],
            "J1",
            "Interview for a place at the music school.",
            role=Role.OFFICE,
        )
    if len(others) > 1 and office and head:
        review = ask(others[1], office, days[3], days[4], "R", "Eid al-Adha.", role=Role.OFFICE)
        if review:
            leave_review(request=review, user=head, role=Role.HEADTEACHER)
    if len(others) > 2 and office and head:
        # Not granted here: tests/demo pins the demo's planned entries to the office's.
        asked = ask(
            others[2], office, days[6], days[6], "C", "Grandfather's funeral.", role=Role.OFFICE
        )
        if asked:
            leave_ask_information(
                request=asked,
                user=head,
                role=Role.HEADTEACHER,
                message="Please send the date and place of the funeral.",
            )
    return {"leave requests": made}
