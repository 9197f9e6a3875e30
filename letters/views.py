"""Letter pages. The middleware has already refused other schools (404) and selected the
school's scope; each view checks the role (403) and still filters by `request.school`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from registers.events import acting_role
from registers.models import Pupil
from registers.permissions import roles_required
from registers.selectors import pupil_search

from . import context, kinds, rendering, sandbox, selectors, services
from .forms import DraftForm, LetterheadForm, TemplateForm, letter_ids
from .models import (
    ROLES_APPROVE,
    ROLES_DRAFT,
    ROLES_EDIT_TEMPLATES,
    ROLES_PRINT,
    ROLES_VIEW,
    IssuedLetter,
    PrintBatch,
)


def _kind_or_404(kind: str) -> str:
    if kind not in kinds.Kind.values:
        raise Http404("No such kind of letter.")
    return kind


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return exc.messages


@roles_required(ROLES_VIEW)
def index(request, school_slug):
    school = request.school
    query = request.GET.get("q", "").strip()[:100]
    return render(
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
    return render(
        request,
        "letters/template_edit.html",
        {
            "kind": kinds.Kind(kind),
            "form": form,
            "current": current,
            "versions": selectors.template_versions(school=school, kind=kind),
            "variables": context.documentation(kind),
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
    pdf = services.sample_pdf(
        school=request.school,
        kind=kind,
        wording=rendering.Wording(
            subject=data["subject"], body=data["body"], show_summary=data["show_summary"]
        ),
    )
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
    return FileResponse(letterhead.logo.open("rb"))


# ---- Drafts, approval, printing -----------------------------------------------------


@roles_required(ROLES_APPROVE)
def approve(request, school_slug):
    school = request.school
    if request.method == "POST":
        ids = letter_ids(request.POST.getlist("letter"))
        action = request.POST.get("action")
        if not ids:
            messages.warning(request, "Tick at least one letter first.")
        elif action == "approve":
            n = services.letters_approve(
                school=school,
                letter_ids=ids,
                user=request.user,
                role=acting_role(request.roles, ROLES_APPROVE),
            )
            messages.success(
                request,
                f"{n} letter{'' if n == 1 else 's'} approved: email copies go now, "
                "the others wait for the next print batch.",
            )
        elif action == "cancel":
            n = services.letters_cancel(
                school=school,
                letter_ids=ids,
                user=request.user,
                role=acting_role(request.roles, ROLES_APPROVE),
            )
            messages.success(request, f"{n} letter{'' if n == 1 else 's'} cancelled.")
        else:
            messages.warning(request, "Choose to approve or to cancel.")
        return redirect("letters:approve", school_slug=school.slug)
    return render(request, "letters/approve.html", {"letters": selectors.drafts(school=school)})


@roles_required(ROLES_PRINT)
def print_batches(request, school_slug):
    school = request.school
    if request.method == "POST":
        try:
            batch = services.print_batch_create(
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
    return render(
        request,
        "letters/print.html",
        {
            "waiting": selectors.awaiting_print(school=school),
            "batches": selectors.print_batches(school=school)[:20],
        },
    )


@roles_required(ROLES_VIEW)
def batch_pdf(request, school_slug, batch_id):
    batch = get_object_or_404(PrintBatch, school=request.school, pk=batch_id)
    return FileResponse(
        batch.pdf.open("rb"),
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
    return render(
        request,
        "letters/pupil_letters.html",
        {
            "pupil": pupil,
            "letters": selectors.letters_for_pupil(school=request.school, pupil=pupil),
            "can_draft": bool(request.roles & ROLES_DRAFT),
        },
    )


@roles_required(ROLES_VIEW)
def letter_pdf(request, school_slug, letter_id):
    letter = get_object_or_404(
        IssuedLetter, school=request.school, pk=letter_id, rendered_at__isnull=False
    )
    return FileResponse(
        letter.pdf.open("rb"),
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
    return render(
        request,
        "letters/letter_new.html",
        {"pupil": pupil, "form": form, "kind_chosen": kind in kinds.Kind.values},
        status=status,
    )
