"""Letters made without WeasyPrint, for tests about pages and permissions (fast).

Tests about what a letter says render real ones through `letters.services`."""

import datetime as dt
import hashlib
import io

from django.core.files.base import ContentFile
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfWriter

from letters.models import IssuedLetter, LetterTemplate, PrintBatch, letter_pdf_path
from letters.selectors import default_template


def tiny_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@scopes_disabled()
def template_v1(school, kind="stage_1"):
    template = LetterTemplate.objects.filter(school=school, kind=kind, version=1).first()
    if template:
        return template
    default = default_template(school=school, kind=kind)
    return LetterTemplate.objects.create(
        school=school,
        kind=kind,
        version=1,
        subject=default.subject,
        body=default.body,
        show_summary=default.show_summary,
        created_at=timezone.now(),
    )


@scopes_disabled()
def issued_letter(pupil, *, kind="stage_1", status=IssuedLetter.Status.DRAFT, channel="post"):
    """A rendered letter (a blank one-page PDF) for `pupil`."""
    school = pupil.school
    template = template_v1(school, kind)
    letter = IssuedLetter(
        school=school,
        pupil=pupil,
        kind=kind,
        template=template,
        template_version=template.version,
        as_of=dt.date(2024, 10, 11),
        letter_date=dt.date(2024, 10, 11),
        recipients=[
            {
                "name": "Pat Parent",
                "relationship": "Parent",
                "email": "pat@example.org" if channel == "email" else "",
                "address_lines": ["1 Example Road", "Sampleton"],
            }
        ],
        channel=channel,
        status=status,
        created_at=timezone.now(),
    )
    letter.save()
    pdf = tiny_pdf()
    storage = IssuedLetter._meta.get_field("pdf").storage
    name = storage.save(letter_pdf_path(letter, f"{letter.pk}.pdf"), ContentFile(pdf))
    IssuedLetter.objects.filter(pk=letter.pk).update(
        pdf=name,
        sha256=hashlib.sha256(pdf).hexdigest(),
        subject="Attendance",
        html="<p>letter</p>",
        page_count=1,
        rendered_at=timezone.now(),
    )
    return IssuedLetter.objects.get(pk=letter.pk)


@scopes_disabled()
def print_batch(school, user=None):
    batch = PrintBatch(
        school=school,
        sha256="0" * 64,
        letter_count=1,
        page_count=1,
        created_by=user,
        created_at=timezone.now(),
    )
    batch.pdf.save("batch.pdf", ContentFile(tiny_pdf()), save=False)
    batch.save()
    return batch
