"""Demo data of the absences app (demo/extras.py)."""


def add(ctx) -> dict[str, int]:
    counts: dict[str, int] = {}
    counts.update(add_family(ctx))
    counts.update(add_leads(ctx))
    counts.update(add_leave(ctx))
    counts.update(add_calling(ctx))
    counts.update(add_reports(ctx))
    counts.update(add_portal(ctx))
    return counts


# ---- The demo's clock -------------------------------------------------------------------------


def built_at(ctx):
    """The moment the demo is built, as the demo's day sees it: now when the demo's day is
    today, the end of that day when it is in the past (tests build a fixed day)."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    zone = ZoneInfo(ctx.school.timezone)
    now = timezone.localtime(timezone.now(), zone)
    if ctx.today < now.date():
        return datetime.combine(ctx.today, time(23, 59), tzinfo=zone)
    return now


def at_or_before(ctx, hh: int, mm: int, *, margin: int = 1):
    """Today at hh:mm, or `margin` minutes before the demo was built if that is earlier:
    nothing in the demo happens after the moment it was built (never before midnight)."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ctx.school.timezone)
    midnight = datetime.combine(ctx.today, time(0, 0), tzinfo=zone)
    fixed = datetime.combine(ctx.today, time(hh, mm), tzinfo=zone)
    return max(midnight, min(fixed, built_at(ctx) - timedelta(minutes=margin)))


# ---- The parent login's family and the safeguarding leads ------------------------------------


def add_family(ctx) -> dict[str, int]:
    """The parent login sees every child of theirs at the school: each contact with
    parental responsibility and the address of a contact the login is linked to (any
    case), and no account, is linked to it (as accepting an invitation would)."""
    from django.db.models import Q

    from registers.models import Contact

    linked = list(
        Contact.objects.filter(
            school=ctx.school, user__isnull=False, parental_responsibility=True
        ).exclude(email="")
    )
    added = 0
    for user_id, email in {(c.user_id, c.email.strip().lower()) for c in linked}:
        added += Contact.objects.filter(
            Q(email__iexact=email),
            school=ctx.school,
            parental_responsibility=True,
            user__isnull=True,
        ).update(user_id=user_id)
    return {"brothers and sisters linked to their parent's account": added} if added else {}


def add_leads(ctx) -> dict[str, int]:
    """The school's procedure names its designated safeguarding leads: the attendance
    lead (else the headteacher), so the lead's view of pupils not accounted for has
    someone."""
    from absences.models import procedure_for
    from registers.models import Membership, Role

    procedure = procedure_for(ctx.school)
    for role in (Role.ATTENDANCE_LEAD, Role.HEADTEACHER):
        leads = list(
            Membership.objects.filter(school=ctx.school, role=role).values_list(
                "user_id", flat=True
            )
        )
        if leads:
            procedure.safeguarding_leads.add(*leads)
            return {"safeguarding leads": len(leads)}
    return {}


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


# ---- First-day calling and N codes (absences.services.calling, ncodes) ---------------------


def add_calling(ctx) -> dict[str, int]:
    """Today's unexplained absences for the calling list: N in the morning session for a
    few pupils (the most often absent lately, so never one the office pre-enters for
    today: demo/marks.py picks from pupils usually in school), one of them vulnerable and
    most of them in a second or later day of absence; the registers themselves are left
    for the teachers to take. A few call attempts after the register closed, and two N
    codes left past their 5-school-day deadline for the N-code queue."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.db.models import Count, Q

    from absences.models import CallAttempt
    from absences.services.calling import call_attempt_record
    from registers.models import GroupMembership, Mark, Pupil, Role, Session
    from registers.services.marks import MarkEntry, marks_write

    school, today = ctx.school, ctx.today
    zone = ZoneInfo(school.timezone)
    am = Session.objects.filter(school=school, date=today, period="AM").first()
    recent = list(
        Session.objects.filter(school=school, date__lt=today)
        .order_by("-date")
        .values_list("date", flat=True)
        .distinct()[:20]
    )
    if am is None or ctx.office is None or not recent:
        return {}
    logins = {u.pk for u in ctx.users.values()}
    group_of = {
        m.pupil_id: m.group_id
        for m in GroupMembership.objects.covering(today).filter(school=school)
    }
    # Unauthorised absence: pupils usually in school have little of it.
    absent = Q(marks__code__unauthorised_absence=True)
    ranked = (
        Pupil.objects.filter(school=school, on_roll_from__lte=today)
        .filter(Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=today))
        .annotate(away=Count("marks", filter=absent & Q(marks__date__gte=recent[-1])))
        .filter(away__gte=4)
        .order_by("-away", "pk")
    )
    absentees = [
        p
        for p in ranked[:40]
        if p.pk in group_of
        and ctx.teachers.get(group_of[p.pk]) is not None
        and ctx.teachers[group_of[p.pk]].pk not in logins
    ][:4]
    if not absentees:
        return {}
    if not any(p.is_vulnerable for p in absentees):
        # The school's own flag (a concern short of a plan) on one of them.
        Pupil.objects.filter(pk=absentees[-1].pk).update(flagged_vulnerable=True)
        absentees[-1].flagged_vulnerable = True
    closed = datetime.combine(today, am.closes, tzinfo=zone)
    built = built_at(ctx)
    if built < closed + timedelta(minutes=5):
        return {}  # built before this morning's register closed: nobody to call yet
    taken_at = datetime.combine(today, am.opens, tzinfo=zone) + timedelta(minutes=8)
    for pupil in absentees:
        marks_write(
            school=school,
            entries=[MarkEntry(pupil_id=pupil.pk, code="N")],
            actor=ctx.teachers[group_of[pupil.pk]],
            role=Role.TEACHER,
            source=Mark.Source.REGISTER,
            session=am,
            now=taken_at,
        )
    # Minutes after the register closed; squeezed to end 2 minutes before the demo was
    # built when it was built sooner (nothing happens after that moment). The note of the
    # call that reached someone names who was reached.
    plan = [
        (0, 1, CallAttempt.Outcome.NO_ANSWER, 6, ""),
        (0, 2, CallAttempt.Outcome.VOICEMAIL, 11, "Asked them to ring the office"),
        (1, 1, CallAttempt.Outcome.SPOKE, 9, "{who}: at the dentist, back after lunch"),
        (2, 1, CallAttempt.Outcome.TEXT_SENT, 4, ""),
    ]
    room = (built - timedelta(minutes=2) - closed).total_seconds() / 60
    squeeze = min(1.0, room / 11)
    ordered = sorted(absentees, key=lambda p: (not p.is_vulnerable, p.pk))
    attempts = 0
    for index, priority, outcome, minutes, note in plan:
        if index >= len(ordered):
            continue
        pupil = ordered[index]
        contact = pupil.contacts.filter(priority=priority).first() or pupil.contacts.first()
        if contact is None:
            continue
        call_attempt_record(
            school=school,
            pupil=pupil,
            outcome=outcome,
            user=ctx.office,
            role=Role.OFFICE,
            contact=contact,
            note=note.format(who=f"{contact.name} ({contact.relationship or 'contact'})"),
            at=closed + timedelta(minutes=minutes * squeeze),
        )
        attempts += 1
    return {
        "unexplained absences today": len(absentees),
        "call attempts": attempts,
        "overdue N codes": _overdue_n(ctx),
    }


def _overdue_n(ctx) -> int:
    """Two O codes of 7 school days ago back to N, as if the office reopened them on a
    parent's word and then let them lapse: the N-code queue shows them overdue."""
    from registers.models import Mark, Role, Session
    from registers.services.marks import MarkEntry, marks_write

    days = list(
        Session.objects.filter(school=ctx.school, date__lt=ctx.today)
        .order_by("-date")
        .values_list("date", flat=True)
        .distinct()[:8]
    )
    if len(days) < 8:
        return 0
    marks = list(
        Mark.objects.filter(school=ctx.school, date=days[-1], code_id="O")
        .select_related("session")
        .order_by("pk")[:2]
    )
    if not marks:
        return 0
    marks_write(
        school=ctx.school,
        entries=[
            MarkEntry(
                pupil_id=m.pupil_id,
                code="N",
                session=m.session,
                seen_version=m.version,
                amendment_reason="Parent says they rang that morning: N until the office checks.",
            )
            for m in marks
        ],
        actor=ctx.office,
        role=Role.OFFICE,
        source=Mark.Source.OFFICE,
    )
    return len(marks)


# ---- Absence reports: the office's calls, a parent's report (absences.services.reports) ----


def add_reports(ctx) -> dict[str, int]:
    """The office's list of reports for today, built so that the demo's marks and planned
    entries keep their counts (tests/demo pins them):
    - a mother's email explaining one of this morning's unexplained absences (the N that
      first-day calling is chasing becomes I, with an amendment by the office);
    - a call about a hospital appointment on a day to come, withdrawn when the parent
      rang back (its planned entry goes: nothing is left behind);
    - a parent's report from the portal waiting for the office: the parent login's first
      child, a doctor's appointment on a morning still to come (nothing pre-entered)."""
    from django.core.exceptions import ValidationError

    from absences.models import AbsenceReport
    from absences.selectors.contacts import pupil_contacts
    from absences.services.reports import report_absence, report_reasons, report_withdraw
    from registers.models import Contact, Mark, Role, Session

    school, today, office = ctx.school, ctx.today, ctx.office
    if office is None:
        return {}
    listed = report_reasons(school=school)
    reasons = {r.code_id: r for r in listed}
    by_name = {r.name: r for r in listed}
    reported = set(
        AbsenceReport.objects.filter(
            school=school, first_day__lte=today, last_day__gte=today
        ).values_list("pupil_id", flat=True)
    )
    unexplained = [
        m
        for m in Mark.objects.filter(school=school, date=today, code_id="N", session__period="AM")
        .select_related("pupil")
        .order_by("pupil_id")
        if m.pupil_id not in reported
    ]
    days = list(
        Session.objects.filter(school=school, date__gt=today)
        .order_by("date")
        .values_list("date", flat=True)
        .distinct()[:5]
    )
    counts = {"absence reports": 0, "absence reports withdrawn": 0}

    def log(**kwargs):
        try:
            made = report_absence(school=school, **kwargs)
        except ValidationError:
            return None  # the demo's calendar or register did not allow it
        counts["absence reports"] += 1
        return made

    if unexplained and "I" in reasons:
        pupil = unexplained[-1].pupil
        contact = (pupil_contacts(school=school, pupil_ids=[pupil.pk])[pupil.pk] or [None])[0]
        log(
            pupil=pupil,
            reason=reasons["I"],
            first_day=today,
            first_period="AM",
            last_day=today,
            last_period="AM",
            channel=AbsenceReport.Channel.EMAIL,
            source=AbsenceReport.Source.OFFICE,
            actor=office,
            role=Role.OFFICE,
            contact=contact,
            reporter="" if contact else "Parent",
            note="Sick in the night; will bring him in after lunch if he keeps food down.",
            now=at_or_before(ctx, 9, 40),
        )
    others = list(
        Contact.objects.filter(school=school, user__isnull=True)
        .select_related("pupil")
        .order_by("pupil_id", "priority")[:6]
    )
    moved = caller = None
    if len(days) > 3 and "M" in reasons:
        for caller in others:  # the first whose register allows it
            moved = log(
                pupil=caller.pupil,
                reason=by_name.get("Hospital appointment", reasons.get("M")),
                first_day=days[3],
                first_period="AM",
                last_day=days[3],
                last_period="AM",
                channel=AbsenceReport.Channel.PHONE,
                source=AbsenceReport.Source.OFFICE,
                actor=office,
                role=Role.OFFICE,
                contact=caller,
                note="Hospital appointment (fracture clinic) at 10:00.",
                now=at_or_before(ctx, 8, 5, margin=3),
            )
            if moved is not None:
                break
    if moved is not None:
        report_withdraw(
            report=moved,
            actor=office,
            role=Role.OFFICE,
            why=f"{caller.name} rang back: the clinic moved the appointment to the half term.",
            now=at_or_before(ctx, 11, 20),
        )
        counts["absence reports withdrawn"] += 1
    parent = (
        Contact.objects.filter(school=school, user__isnull=False, parental_responsibility=True)
        .select_related("pupil", "user")
        .order_by("pupil_id")
        .first()
    )
    if parent is not None and len(days) > 2 and "M" in reasons:
        log(
            pupil=parent.pupil,
            reason=by_name.get("Doctor's appointment", reasons.get("M")),
            first_day=days[2],
            first_period="AM",
            last_day=days[2],
            last_period="AM",
            channel=AbsenceReport.Channel.PORTAL,
            source=AbsenceReport.Source.PARENT,
            actor=parent.user,
            role="",
            contact=parent,
            note="Doctor's appointment at 10:20; back in school for lunch.",
            accept=False,
            now=at_or_before(ctx, 7, 5, margin=5),
        )
    return counts


# ---- Parent portal (absences.services.portal) ------------------------------------------------


def add_portal(ctx) -> dict[str, int]:
    """The portal's own part: the parent login's latest past absence of a child (illness,
    an appointment, or an N it explained) as reported in the portal that morning and
    accepted by the office (I and M are what the register holds, so nothing changes; an
    N becomes the reason, with an amendment), and invitations on the staff page: three
    parents of the children's group invited today, one whose link expired unused."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.core.exceptions import ValidationError

    from absences.models import AbsenceReport
    from absences.services.portal import invitable, invitations_create
    from absences.services.reports import report_absence, report_accept, report_reasons
    from registers.models import Contact, Mark, Role

    school, office = ctx.school, ctx.office
    zone = ZoneInfo(school.timezone)
    counts: dict[str, int] = {}
    parents = list(
        Contact.objects.filter(school=school, user__isnull=False, parental_responsibility=True)
        .select_related("pupil", "user")
        .order_by("pupil_id")
    )
    # The children's latest past absence that a parent would have reported: illness, an
    # appointment, or an N the report then explained (replaced with an amendment).
    reasons = {r.code_id: r for r in report_reasons(school=school)}
    absence = (
        Mark.objects.filter(
            school=school,
            pupil_id__in=[c.pupil_id for c in parents],
            date__lt=ctx.today,
            code_id__in=("I", "M", "N"),
        )
        .order_by("-date", "pupil_id")
        .values_list("pupil_id", "date")
        .first()
    )
    replace = absence is None and parents
    if replace:
        # Children who missed nothing yet: ten school days ago the parent reported an
        # illness before school, and the register (taken first) is corrected on accepting.
        past = list(
            Mark.objects.filter(school=school, pupil_id=parents[0].pupil_id, date__lt=ctx.today)
            .order_by("-date")
            .values_list("date", flat=True)
            .distinct()[:10]
        )
        absence = (parents[0].pupil_id, past[-1]) if len(past) == 10 else None
    if absence and office:
        pupil_id, day = absence
        periods = dict(
            Mark.objects.filter(school=school, pupil_id=pupil_id, date=day).values_list(
                "session__period", "code_id"
            )
        )
        said = [p for p in ("AM", "PM") if replace or periods.get(p) in ("I", "M", "N")]
        code = "M" if "M" in {periods.get(p) for p in said} else "I"
        contact = next(c for c in parents if c.pupil_id == pupil_id)
        try:
            reported = report_absence(
                school=school,
                pupil=contact.pupil,
                reason=reasons[code],
                first_day=day,
                first_period=said[0],
                last_day=day,
                last_period=said[-1],
                channel=AbsenceReport.Channel.PORTAL,
                source=AbsenceReport.Source.PARENT,
                actor=contact.user,
                role="",
                contact=contact,
                note=(
                    "Dentist at 10:00, then back to school."
                    if code == "M"
                    else "Sick in the night; keeping them at home today."
                ),
                accept=False,
                now=datetime.combine(day, time(7, 12), tzinfo=zone),
            )
            report_accept(
                report=reported,
                actor=office,
                role=Role.OFFICE,
                # The register's marks of that day stand, unless they said present.
                on_conflict="replace" if replace else "keep",
                now=datetime.combine(day, time(9, 40), tzinfo=zone),
            )
            counts["portal reports accepted"] = 1
        except (ValidationError, KeyError):
            pass  # the register said otherwise that day: nothing to show
    group_ids = {c.pupil.registration_group_id for c in parents} - {None}
    others = [
        c
        for c in Contact.objects.filter(
            school=school, pupil__registration_group_id__in=group_ids, priority=1
        )
        .select_related("pupil")
        .order_by("pupil__legal_surname", "pk")
        if not invitable(c)
    ][:4]
    if len(others) == 4:
        now = at_or_before(ctx, 9, 30)
        invitations_create(
            school=school,
            contacts=others[:1],
            user=office,
            role=Role.OFFICE,
            now=now - timedelta(days=20),
        )
        made, _ = invitations_create(
            school=school, contacts=others[1:], user=office, role=Role.OFFICE, now=now
        )
        counts["portal invitations"] = len(made) + 1
    return counts
