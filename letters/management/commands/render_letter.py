"""Preview a letter as PDF: `manage.py render_letter SCHOOL KIND UPN OUT.pdf`.

Renders the school's current wording of KIND for the pupil, every copy (one per parent,
or one for all, as the school's letterhead says) in one PDF. Nothing is issued or sent.
Details the kind needs from a case or request (a meeting date, leave dates) take sample
values unless given with --cause name=value. --as-of DATE counts the figures up to that
day (default: today) and dates the letter then, so any point of the year can be previewed.
"""

import argparse
import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from letters import kinds, printable, services
from registers.models import Pupil, School
from registers.tenancy import school_scope


class Command(BaseCommand):
    help = "Render a preview PDF of a kind of letter for one pupil (nothing is issued)."

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("kind", help=", ".join(kinds.Kind.values))
        parser.add_argument("upn", help="the pupil's UPN")
        parser.add_argument("out", help="where to write the PDF")
        parser.add_argument(
            "--as-of",
            type=_date,
            metavar="YYYY-MM-DD",
            help="count attendance up to this day and date the letter then (default: today)",
        )
        parser.add_argument(
            "--cause",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a detail of the case or request, e.g. --cause meeting_date=2025-03-20",
        )

    def handle(self, *args, school, kind, upn, out, as_of, cause, **options):
        if kind not in kinds.Kind.values:
            raise CommandError(f"Unknown kind {kind!r}. Kinds: {', '.join(kinds.Kind.values)}.")
        school_obj = School.objects.filter(slug=school).first()
        if school_obj is None:
            raise CommandError(f"No school with the slug {school!r}.")
        details = {}
        for item in cause:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--cause {item!r}: write it as name=value.")
            details[name.strip()] = value.strip()
        with school_scope(school_obj):
            pupil = Pupil.objects.filter(school=school_obj, upn=upn.strip().upper()).first()
            if pupil is None:
                raise CommandError(f"No pupil with the UPN {upn!r} at {school_obj.name}.")
            try:
                pdf, pages = services.letter_preview(
                    school=school_obj, pupil=pupil, kind=kind, cause=details, as_of=as_of
                )
            except ValidationError as exc:
                raise CommandError(" ".join(_messages(exc))) from exc
            except (printable.Unprintable, printable.PrintingUnavailable) as exc:
                raise CommandError(str(exc)) from exc
        path = Path(out)
        try:
            path.write_bytes(pdf)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}.") from exc
        self.stdout.write(f"Wrote {path} ({pages} page{'' if pages == 1 else 's'}).")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-03-20") from None


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms]
    return exc.messages
