from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from . import forms, selectors, services
from .models import (
    ROLES_ALL_STAFF,
    ROLES_REGISTER_ANY_GROUP,
    ROLES_SCHOOL_SETTINGS,
    AbsenceReason,
    Mark,
    Period,
    Role,
    Session,
)
from .permissions import open_to_members, roles_required
from .tenancy import parent_schools, staff_schools
from .validation import date_problem


@login_required
def home(request):
    """Where everyone lands: staff go to their school (or choose one); a parent goes to
    the parent portal (their children); a superuser with no school gets the way to the
    admin."""
    schools = list(staff_schools(request.user).order_by("name"))
    if len(schools) == 1:
        return redirect("registers:school_home", school_slug=schools[0].slug)
    children_at = [] if schools else parent_schools(request.user)
    if children_at and (portal := _parent_portal()):
        return portal
    return render(request, "registers/home.html", {"schools": schools, "children_at": children_at})


def _parent_portal():
    """Parents land on the parent portal (absences, named by URL: the core imports no
    other app); None without it (the page then lists their children's schools)."""
    try:
        return redirect("portal:home")
    except NoReverseMatch:
        return None


@open_to_members
def school_home(request, school_slug):
    """A landing page: the pages the person's roles open (the menu), as cards. A parent
    (no role here) goes to the parent portal."""
    if request.is_parent and not request.roles and (portal := _parent_portal()):
        return portal
    return render(
        request,
        "registers/school_home.html",
        {"today": selectors.local_today(request.school), "is_parent": request.is_parent},
    )


def _day_from_query(request) -> tuple[date, str]:
    """?date=YYYY-MM-DD, or today at the school; and a message if the date was unreadable."""
    today = selectors.local_today(request.school)
    value = request.GET.get("date", "").strip()
    if not value:
        return today, ""
    for read in (date.fromisoformat, _uk_date):
        try:
            day = read(value)
        except ValueError:
            continue
        problem = date_problem(day)
        return (today, f"{problem}, so this is today.") if problem else (day, "")
    return today, f"“{value}” is not a date like 30/11/2026, so this is today."


def _uk_date(value: str) -> date:
    """30/11/2026 (the form people write); ISO is read too (links carry it)."""
    return datetime.strptime(value, "%d/%m/%Y").date()


@roles_required(ROLES_ALL_STAFF)
def my_registers(request, school_slug):
    school = request.school
    day, problem = _day_from_query(request)
    group_days = selectors.my_registers(
        school=school, user=request.user, roles=request.roles, day=day
    )
    sessions = {st.session.period: st.session for gd in group_days for st in gd.statuses}
    if not sessions:
        sessions = selectors.sessions_on(school=school, day=day)
    school_day = bool(sessions)
    today = selectors.local_today(school)
    context = {
        "day": day,
        "today": today,
        "problem": problem,
        "group_days": group_days,
        "school_day": school_day,
        "sees_all": bool(request.roles & ROLES_REGISTER_ANY_GROUP),
        "current_period": (
            selectors.current_period(school, sessions=sessions) if day == today else None
        ),
        "previous_day": selectors.previous_school_day(school=school, before=day),
        "next_day": selectors.next_school_day(school=school, after=day),
    }
    return render(request, "registers/my_registers.html", context)


@roles_required(ROLES_REGISTER_ANY_GROUP)
def outstanding(request, school_slug):
    school = request.school
    day, problem = _day_from_query(request)
    period = request.GET.get("period", "")
    if period not in Period.values:
        period = selectors.current_period(school) if day == selectors.local_today(school) else "AM"
    session = Session.objects.filter(school=school, date=day, period=period).first()
    not_taken, taken = (
        ([], []) if session is None else selectors.outstanding(school=school, session=session)
    )
    context = {
        "day": day,
        "period": period,
        "periods": Period.choices,
        "problem": problem,
        "session": session,
        "not_taken": [(s, selectors.teacher_names(s.group)) for s in not_taken],
        "taken": taken,
        "next_day": None if session else selectors.next_school_day(school=school, after=day),
    }
    return render(request, "registers/outstanding.html", context)


# ---- The register itself ---------------------------------------------------------------


def _register_url(school, group, session) -> str:
    return reverse(
        "registers:register",
        kwargs={
            "school_slug": school.slug,
            "group_id": group.pk,
            "day": session.date,
            "period": session.period,
        },
    )


@roles_required(ROLES_ALL_STAFF)
def register(request, school_slug, group_id, day, period):
    school = request.school
    group = selectors.group_for(school=school, group_id=group_id, user=request.user)
    if group is None:
        raise Http404("No such group.")
    session = get_object_or_404(Session.objects.filter(school=school), date=day, period=period)
    teaches = Role.TEACHER in request.roles and selectors.teaches(group=group, user=request.user)
    any_group = bool(request.roles & ROLES_REGISTER_ANY_GROUP)
    if not (teaches or any_group):
        raise PermissionDenied("This is another group's register.")
    saving = request.method == "POST" and request.POST.get("action") != "all_present"
    # A register being saved: the writer reads the marks itself, under lock.
    lines = selectors.register_lines(
        school=school,
        group=group,
        session=session,
        can_change_pre_entered=any_group,
        with_marks=not saving,
    )
    page = RegisterPage(request, group=group, session=session, lines=lines)
    if request.method != "POST":
        return page.render()
    if not saving:
        return _fill_present(page)
    role = selectors.acting_role(roles=request.roles, teaches_group=teaches)
    return _save(page, role=role, can_change_pre_entered=any_group)


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _fill_present(page):
    """Without JavaScript, "mark all unmarked present" fills the form; it saves nothing."""
    forms.read_register(page.request.POST, lines=page.lines, session=page.session)
    for line in page.lines:
        line.errors.clear()
    filled = forms.fill_present(page.lines, session=page.session)
    page.notice = f"{filled} unmarked pupil{_s(filled)} set to present. Check, then save."
    return page.render()


def _save(page, *, role: str, can_change_pre_entered: bool):
    request, session, lines = page.request, page.session, page.lines
    entries = forms.read_register(request.POST, lines=lines, session=session)
    entries += forms.strangers(request.POST, lines=lines)
    if any(line.errors for line in lines):
        return page.refreshed().render(status=400)
    if not entries and not any(line.planned for line in lines):
        page.problems.append("Nothing to save yet: choose a code for at least one pupil.")
        return page.refreshed().render(status=400)
    try:
        result = services.marks_write(
            school=request.school,
            session=session,
            entries=entries,
            actor=request.user,
            role=role,
            source=Mark.Source.REGISTER,
            registration_group=page.group,
            pupils={line.pupil.pk: line.pupil for line in lines},
            allowed_pupil_ids={line.pupil.pk for line in lines},
            planned=[line.planned for line in lines if line.planned],
            can_change_pre_entered=can_change_pre_entered,
        )
    except ValidationError as exc:
        page.refreshed().add_errors(exc)
        return page.render(status=400)
    except services.RegisterConflict as exc:
        page.show_conflicts(exc.conflicts)
        return page.render(status=409)
    count = result.created + result.converted + result.amended + result.unchanged
    for text in _what_changed(result, lines):
        messages.info(request, text)
    if result.planned:
        messages.success(
            request,
            f"Entered in advance: {result.planned} absence{_s(result.planned)} for "
            f"{session.date:%A %d/%m/%Y}. They become marks when the register is taken.",
        )
    else:
        messages.success(request, f"Register saved: {count} mark{_s(count)}")
    # Marked now: written by this save, entered ahead, or saved before (the form carries
    # the version of each mark the person saw, 0 for none; a locked row carries none, and
    # is locked because a mark or planned entry stands there).
    marked = {e.pupil_id for e in entries} | {line.pupil.pk for line in lines if line.planned}
    unmarked = sum(
        1
        for line in lines
        if line.pupil.pk not in marked and request.POST.get(f"version-{line.pupil.pk}") == "0"
    )
    if unmarked and not result.planned:
        messages.warning(request, f"{unmarked} pupil{_s(unmarked)} not marked yet.")
    return redirect(_register_url(request.school, page.group, session))


def _what_changed(result, lines) -> list[str]:
    """The save in words: which saved marks changed code ("3 marks changed: Ava Moss N to
    I, ..."), and each late whose arrival time made it present or U (the school's clock
    decides; the person should see what it decided)."""
    names = {line.pupil.pk: line.pupil.display_name for line in lines}
    said = []
    if result.changes:
        each = ", ".join(
            f"{names.get(pid, pid)} {old} to {new}" for pid, old, new in result.changes
        )
        said.append(f"{len(result.changes)} mark{_s(len(result.changes))} changed: {each}.")
    said.extend(f"{line.pupil.display_name} {line.clock}." for line in lines if line.clock)
    return said


class RegisterPage:
    """What the register template needs, and the messages gathered on the way."""

    def __init__(self, request, *, group, session, lines):
        self.request = request
        self.group = group
        self.session = session
        self.lines = lines
        self.problems: list[str] = []
        self.notice = ""
        self.conflicts: list = []

    def refreshed(self) -> RegisterPage:
        """Read the saved marks onto the lines (a save that did not happen shows them)."""
        current = selectors.session_marks(
            school=self.request.school,
            session=self.session,
            pupil_ids=[line.pupil.pk for line in self.lines],
        )
        for line in self.lines:
            version = line.version
            line.show_saved(current.get(line.pupil.pk))
            # The version the person saw stands until they have seen the newer one.
            line.version = version
        return self

    def add_errors(self, exc: ValidationError) -> None:
        """Put the service's messages next to the pupils they are about."""
        if not hasattr(exc, "error_dict"):
            self.problems.extend(exc.messages)
            return
        by_pupil = {str(line.pupil.pk): line for line in self.lines}
        for key, texts in exc.message_dict.items():
            line = by_pupil.get(key)
            if line is None:
                self.problems.extend(f"Pupil {key}: {text}" for text in texts)
            else:
                line.errors.extend(texts)

    def show_conflicts(self, conflicts: list[services.Conflict]) -> None:
        """Show each real difference (what is saved now, by whom and when, beside the
        person's own entry) for the person to decide pupil by pupil; keep every entry.
        The lines take the versions now saved, so the next save is about what they saw."""
        school = self.request.school
        current = selectors.session_marks(
            school=school, session=self.session, pupil_ids=[line.pupil.pk for line in self.lines]
        )
        mine = {c.pupil_id: c.mine for c in conflicts}
        for line in self.lines:
            line.show_saved(current.get(line.pupil.pk))
            if line.pupil.pk in mine:
                line.conflicted = True
                line.conflict = line.mark
                line.mine = mine[line.pupil.pk].code if mine[line.pupil.pk] else line.code
                line.resolve = ""
                # A reason typed before is about another change: this one needs its own.
                line.amend = ""
        self.conflicts = [line for line in self.lines if line.conflicted]

    def render(self, status: int = 200):
        school = self.request.school
        lines = self.lines
        reasons = selectors.reason_choices(school=school)
        selectors.name_reasons(lines, reasons)
        picker = selectors.code_picker(school=school, session=self.session)
        marked = sum(1 for line in lines if line.mark)
        pupil_ids = [line.pupil.pk for line in lines]
        recent = selectors.recent_marks(
            school=school, pupil_ids=pupil_ids, before=self.session.date
        )
        for line in lines:
            line.recent = recent.strip(line.pupil.pk)
        now = selectors.local_now(school)
        any_group = bool(self.request.roles & ROLES_REGISTER_ANY_GROUP)
        context = {
            "recent_days": recent.days,
            # The school's clock, not the device's: a late's arrival time starts from it.
            "now": now,
            "arrives_today": now.date() == self.session.date,
            "history": (
                selectors.register_amendments(
                    school=school, session=self.session, pupil_ids=pupil_ids
                )
                if any_group and marked
                else None
            ),
            "group": self.group,
            "session": self.session,
            "lines": lines,
            "picker": picker,
            "reasons": reasons,
            "register": selectors.register_taken(
                school=school, group=self.group, session=self.session
            ),
            "marked": marked,
            "filled": sum(1 for line in lines if line.code or line.entered),
            "taken": bool(lines) and marked == len(lines),
            "unmarked": [line for line in lines if line.unmarked],
            "future": self.session.date > selectors.local_today(school),
            "problems": self.problems,
            "errors": [line for line in lines if line.errors],
            "notice": self.notice,
            "conflicts": self.conflicts,
            "status": status,
            "back_url": reverse("registers:my_registers", kwargs={"school_slug": school.slug})
            + f"?date={self.session.date.isoformat()}",
        }
        return render(self.request, "registers/register.html", context, status=status)


# ---- Settings: the school's own absence reasons ----------------------------------------


@roles_required(ROLES_SCHOOL_SETTINGS)
def reasons(request, school_slug):
    action = request.POST.get("action")
    if action in ("retire", "restore"):
        return _reason_set_active(request, active=action == "restore")
    codes = selectors.reason_codes()
    if request.method != "POST":
        return _reasons_page(request, forms.ReasonForm(codes=codes))
    form = forms.ReasonForm(request.POST, codes=codes)
    if form.is_valid() and _reason_add(request, form):
        return redirect("registers:reasons", school_slug=request.school.slug)
    return _reasons_page(request, form, status=400)


def _reasons_page(request, form, status: int = 200):
    context = {"reasons": selectors.school_reasons(school=request.school), "form": form}
    return render(request, "registers/reasons.html", context, status=status)


def _reason_add(request, form) -> bool:
    try:
        reason = services.reason_create(school=request.school, **form.cleaned_data)
    except ValidationError as exc:
        _form_errors(form, exc)
        return False
    messages.success(
        request, f"“{reason.name}” ({reason.code_id}) added: the register offers it from now on."
    )
    return True


def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's messages on the form's fields, the rest at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, texts in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, texts)


def _reason_set_active(request, *, active: bool):
    school = request.school
    reason_id = forms.record_id(request.POST.get("reason"))
    if reason_id is None:
        raise Http404("No such reason.")
    reason = get_object_or_404(AbsenceReason.objects.filter(school=school), pk=reason_id)
    if services.reason_set_active(school=school, reason=reason, active=active):
        done = (
            "offered on the register again"
            if active
            else "retired: the register no longer offers it, and marks already recorded keep it"
        )
        messages.success(request, f"“{reason.name}” is {done}.")
    else:
        messages.info(request, f"“{reason.name}” was already {'in use' if active else 'retired'}.")
    return redirect("registers:reasons", school_slug=school.slug)
