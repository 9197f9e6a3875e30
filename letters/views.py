"""Letter pages. The middleware has already refused other schools (404) and selected the
school's scope; each view checks the role (403) and still filters by `request.school`.

Who opens what (roles in `letters.models`): a letter's PDF and the print batches carry
parents' names and addresses, so only ROLES_OPEN_LETTERS open them; a trust lead sees the
lists (which letters, what kind, when) without addressees or links. Pages say so, in
words, when this server cannot print letters at all (`letters.printable`)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from registers.access import access_record
from registers.events import acting_role
from registers.models import AccessEvent, Pupil
from registers.permissions import roles_required
from registers.selectors import pupil_search

from . import approval, context, delivery, kinds, printable, rendering, sandbox, selectors, services
from .forms import DraftForm, LetterheadForm, TemplateForm, letter_ids
from .models import (
    ROLES_APPROVE,
    ROLES_DRAFT,
    ROLES_EDIT_TEMPLATES,
    ROLES_OPEN_LETTERS,
    ROLES_PRINT,
    ROLES_VIEW,
    IssuedLetter,
    PrintBatch,
)


def _kind_or_404(kind: str) -> str:
    if kind not in kinds.Kind.values:
        raise Http404("No such kind of letter.")
    return kind


def _page(request, template: str, context: dict, status: int = 200):
    """A letters page, with the reason letters cannot be printed here, if there is one."""
    context = {**context, "printing_problem": printable.problem()}
    return render(request, template, context, status=status)


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return exc.messages


@roles_required(ROLES_VIEW)
def index(request, school_slug):
    school = request.school
    query = request.GET.get("q", "").strip()[:100]
    return _page(
        request,
        "letters/index.html",
        {
            "query": query,
            "found": pupil_search(school=school, query=query) if query else None,
            "counts": selectors.status_counts(school=school),
            "recent": selectors.recent_letters(school=school),
            "can_edit": bool(request.roles & ROLES_EDIT_TEMPLATES),
            "can_approve": bool(request.roles & ROLES_APPROVE),
            "can_print": bool(request.roles & ROLES_PRINT),
            "can_open": bool(request.roles & ROLES_OPEN_LETTERS),
        },
    )


# ---- Templates and letterhead ------------------------------------------------------


@roles_required(ROLES_EDIT_TEMPLATES)
def template_list(request, school_slug):
    current = selectors.templates_current(school=request.school)
    return render(
        request,
        "letters/template_list.html",
        {"templates": [(kinds.Kind(kind), template) for kind, template in current.items()]},
    )


@roles_required(ROLES_EDIT_TEMPLATES)
def template_edit(request, school_slug, kind):
    school, kind = request.school, _kind_or_404(kind)
    current = selectors.template_current(school=school, kind=kind)
    status = 200
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                saved = services.template_save(
                    school=school, kind=kind, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            form.add_error(field if field in form.fields else None, error)
                else:
                    form.add_error(None, exc)
            else:
                if saved.pk == current.pk:
                    messages.info(request, "Nothing changed, so no new version was saved.")
                else:
                    messages.success(request, f"Saved as version {saved.version}.")
                return redirect("letters:template_edit", school_slug=school.slug, kind=kind)
        status = 400
    else:
        form = TemplateForm(
            initial={
                "subject": current.subject,
                "body": current.body,
                "show_summary": current.show_summary,
            }
        )
    return _page(
        request,
        "letters/template_edit.html",
        {
            "kind": kinds.Kind(kind),
            "form": form,
            "current": current,
            "versions": selectors.template_versions(school=school, kind=kind),
            "variables": context.documentation(kind),
            "fields": context.insertable(kind),
            "preview": _preview(request, kind, current.subject, current.body, current.show_summary)
            if status == 200
            else None,
        },
        status=status,
    )


def _preview(request, kind, subject, body, show_summary):
    letterhead = selectors.letterhead_for(school=request.school)
    sample = context.sample_context(kind=kind, school=request.school, letterhead=letterhead)
    wording = rendering.Wording(subject=subject, body=body, show_summary=show_summary)
    try:
        return rendering.body_preview(wording=wording, context=sample)
    except sandbox.WordingError as exc:
        # A version saved before a rule was tightened: say so rather than fail the page.
        return format_html('<p class="message message--error" role="alert">{}</p>', exc)


@require_POST
@roles_required(ROLES_EDIT_TEMPLATES)
def template_preview(request, school_slug, kind):
    """The live preview (htmx): the wording for a made-up pupil, or what is wrong with it."""
    kind = _kind_or_404(kind)
    subject, body = request.POST.get("subject", ""), request.POST.get("body", "")
    errors = services.template_check(school=request.school, kind=kind, subject=subject, body=body)
    preview = None if errors else _preview(request, kind, subject, body, True)
    return render(
        request,
        "letters/_preview.html",
        {"errors": [m for ms in errors.values() for m in ms], "preview": preview},
        status=200,
    )


@require_POST
@roles_required(ROLES_EDIT_TEMPLATES)
def template_preview_pdf(request, school_slug, kind):
    kind = _kind_or_404(kind)
    form = TemplateForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Fill in the heading and the wording first.", status=400)
    data = form.cleaned_data
    errors = services.template_check(
        school=request.school, kind=kind, subject=data["subject"], body=data["body"]
    )
    if errors:
        text = "\n".join(m for ms in errors.values() for m in ms)
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    try:
        pdf = services.sample_pdf(
            school=request.school,
            kind=kind,
            wording=rendering.Wording(
                subject=data["subject"], body=data["body"], show_summary=data["show_summary"]
            ),
        )
    except printable.PrintingUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    except printable.Unprintable as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="preview-{kind}.pdf"'
    return response


@roles_required(ROLES_EDIT_TEMPLATES)
def letterhead(request, school_slug):
    school = request.school
    instance = selectors.letterhead_for(school=school)
    form = LetterheadForm(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in LetterheadForm.Meta.fields}
            try:
                services.letterhead_save(
                    school=school,
                    user=request.user,
                    values=values,
                    logo=form.cleaned_data.get("logo"),
                    remove_logo=form.cleaned_data.get("remove_logo", False),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Letterhead saved. New letters will use it.")
                return redirect("letters:letterhead", school_slug=school.slug)
        return render(request, "letters/letterhead.html", {"form": form}, status=400)
    return render(request, "letters/letterhead.html", {"form": form, "letterhead": instance})


@roles_required(ROLES_VIEW)
def logo(request, school_slug):
    letterhead = selectors.letterhead_for(school=request.school)
    if not letterhead.logo:
        raise Http404("No logo.")
    return FileResponse(_stored_file(letterhead.logo))


def _stored_file(field_file):
    """The open file, or 404 when it has gone from storage (a lost volume, a restore
    without the media directory): a missing file is not a server error."""
    try:
        return field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None


# ---- Drafts, approval, printing -----------------------------------------------------


def _plural(n: int, word: str = "letter") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@roles_required(ROLES_APPROVE)
def approve(request, school_slug):
    """Drafts with each pupil's figures; approving is confirmed (count and kinds), then
    held so it can be undone until the email is handed over (`letters.approval`)."""
    school = request.school
    if request.method == "POST":
        ids = letter_ids(request.POST.getlist("letter"))
        action = request.POST.get("action")
        if not ids:
            messages.warning(request, "Tick at least one letter first.")
        elif action == "approve":
            return _confirm(request, ids)
        elif action == "confirm":
            n = services.letters_approve(
                school=school,
                letter_ids=ids,
                user=request.user,
                role=acting_role(request.roles, ROLES_APPROVE),
            )
            messages.success(request, f"{_plural(n)} approved.")
        elif action == "undo":
            n = approval.letters_unapprove(school=school, letter_ids=ids)
            gone = len(ids) - n
            text = f"{_plural(n)} returned to the drafts; nothing was sent."
            if gone:
                text += f" {_plural(gone)} had already gone out or been printed, and stayed so."
            messages.success(request, text)
        elif action == "send_now":
            n = approval.letters_send_now(school=school, letter_ids=ids)
            messages.success(request, f"{_plural(n, 'email')} handed to the mail server.")
        elif action == "cancel":
            n = services.letters_cancel(
                school=school,
                letter_ids=ids,
                user=request.user,
                role=acting_role(request.roles, ROLES_APPROVE),
            )
            messages.success(request, f"{_plural(n)} cancelled.")
        else:
            messages.warning(request, "Choose to approve or to cancel.")
        return redirect("letters:approve", school_slug=school.slug)
    held = selectors.held_letters(school=school)
    return _page(
        request,
        "letters/approve.html",
        {
            "rows": selectors.drafts_with_figures(school=school),
            "held": held,
            "held_emails": sum(1 for letter in held if letter.channel == "email"),
            "hold_minutes": int(approval.hold().total_seconds() // 60),
            "sent_automatically": approval.sent_automatically(),
        },
    )


def _confirm(request, ids: list[int]):
    """The confirmation step of a bulk approval: how many, of which kinds, which warn."""
    chosen = set(ids)
    rows = [
        (letter, figures)
        for letter, figures in selectors.drafts_with_figures(school=request.school)
        if letter.pk in chosen and letter.is_rendered
    ]
    if not rows:
        messages.warning(request, "None of the ticked letters is a draft ready to approve.")
        return redirect("letters:approve", school_slug=request.school.slug)
    return _page(
        request,
        "letters/approve_confirm.html",
        {
            "rows": rows,
            "batch": approval.batch(rows),
            "hold_minutes": int(approval.hold().total_seconds() // 60),
            "sent_automatically": approval.sent_automatically(),
        },
    )


@roles_required(ROLES_PRINT)
def print_batches(request, school_slug):
    school = request.school
    if request.method == "POST":
        try:
            batch = delivery.print_batch_create(
                school=school, user=request.user, role=acting_role(request.roles, ROLES_PRINT)
            )
        except ValidationError as exc:
            messages.warning(request, " ".join(_messages_of(exc)))
        else:
            messages.success(
                request,
                f"Print batch ready: {batch.letter_count} letters, {batch.page_count} pages.",
            )
        return redirect("letters:print", school_slug=school.slug)
    return _page(
        request,
        "letters/print.html",
        {
            "waiting": selectors.awaiting_print(school=school),
            "batches": selectors.print_batches(school=school)[:20],
        },
    )


@roles_required(ROLES_OPEN_LETTERS)
def batch_pdf(request, school_slug, batch_id):
    batch = get_object_or_404(PrintBatch, school=request.school, pk=batch_id)
    pdf = _stored_file(batch.pdf)
    access_record(
        request=request,
        kind=AccessEvent.Kind.PRINT_BATCH_DOWNLOADED,
        description=f"print batch {batch.pk} ({batch.letter_count} letters)",
    )
    return FileResponse(
        pdf,
        as_attachment=True,
        filename=f"letters-print-batch-{batch.pk}.pdf",
        content_type="application/pdf",
    )


# ---- A pupil's letters -------------------------------------------------------------


@roles_required(ROLES_VIEW)
def pupil_letters(request, school_slug, pupil_id):
    pupil = get_object_or_404(
        Pupil.objects.select_related("registration_group"), school=request.school, pk=pupil_id
    )
    return _page(
        request,
        "letters/pupil_letters.html",
        {
            "pupil": pupil,
            "letters": selectors.letters_for_pupil(school=request.school, pupil=pupil),
            "can_draft": bool(request.roles & ROLES_DRAFT),
            "can_open": bool(request.roles & ROLES_OPEN_LETTERS),
        },
    )


@roles_required(ROLES_OPEN_LETTERS)
def letter_pdf(request, school_slug, letter_id):
    letter = get_object_or_404(
        IssuedLetter, school=request.school, pk=letter_id, rendered_at__isnull=False
    )
    pdf = _stored_file(letter.pdf)
    access_record(
        request=request,
        kind=AccessEvent.Kind.LETTER_DOWNLOADED,
        pupil_id=letter.pupil_id,
        description=f"letter {letter.pk}, {letter.kind}, {letter.letter_date:%Y-%m-%d}",
    )
    return FileResponse(
        pdf,
        as_attachment=bool(request.GET.get("download")),
        filename=f"{letter.kind}-{letter.letter_date:%Y-%m-%d}-{letter.pk}.pdf",
        content_type="application/pdf",
    )


@roles_required(ROLES_DRAFT)
def letter_new(request, school_slug, pupil_id):
    pupil = get_object_or_404(Pupil, school=request.school, pk=pupil_id)
    kind = request.POST.get("kind") or request.GET.get("kind")
    form = DraftForm(request.POST or None, kind=kind)
    if request.method == "POST" and "cause_ready" in request.POST and form.is_valid():
        try:
            letters = services.letter_draft(
                school=request.school,
                pupil=pupil,
                kind=form.cleaned_data["kind"],
                user=request.user,
                cause=form.cause(),
                role=acting_role(request.roles, ROLES_DRAFT),
            )
        except ValidationError as exc:
            for message in _messages_of(exc):
                form.add_error(None, message)
        else:
            n = len(letters)
            messages.success(
                request,
                f"{n} letter{'' if n == 1 else 's'} drafted; "
                "a headteacher or attendance lead approves them before they go out.",
            )
            return redirect("letters:pupil", school_slug=request.school.slug, pupil_id=pupil.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    chosen = kind if kind in kinds.Kind.values else None
    figures = selectors.figures_for(
        school=request.school, pupil_ids=[pupil.pk], as_of=timezone.localdate(), kind=chosen
    )[pupil.pk]
    return _page(
        request,
        "letters/letter_new.html",
        {"pupil": pupil, "form": form, "kind_chosen": bool(chosen), "figures": figures},
        status=status,
    )
