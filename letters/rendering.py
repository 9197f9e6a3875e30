"""Letter HTML and PDF: the school's wording inside our layout, printed by WeasyPrint.

The wording is rendered by the sandbox (`letters.sandbox`); the layout around it is our
own trusted template (`letters/pdf/letter.html`). WeasyPrint fetches nothing but the
school's logo: a school's wording cannot make the server read a file or a URL.

WeasyPrint is imported only when a PDF is made (`letters.printable`), so the app starts on
a server without Pango. A letter with a character no font can print is refused
(`printable.Unprintable`), never issued with empty boxes.
"""

from __future__ import annotations

import functools
import html as html_lib
from dataclasses import dataclass
from io import BytesIO

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from pypdf import PdfReader, PdfWriter

from registers import stats

from . import kinds, printable, sandbox
from .context import days_figure

LOGO_URL = "school-logo:letterhead"


@dataclass
class Rendered:
    subject: str
    html: str
    pdf: bytes
    page_count: int


@dataclass
class Wording:
    """What a template contributes: a saved LetterTemplate, or text being edited."""

    subject: str
    body: str
    show_summary: bool


# ---- Chart -------------------------------------------------------------------------

# Drawn at 62 x 30 mm in the letter (letter.css); the viewBox keeps that shape.
_W, _H = 360, 174
_LEFT, _RIGHT, _TOP, _BOTTOM = 38, 354, 8, 148


# Below this a week's bar is red: the persistent-absence line (`registers.stats`).
AMBER_FROM = float(100 * (1 - stats.PERSISTENT_ABSENCE))
# A week with no attendance still shows a sliver of red, not a gap like a holiday.
_MIN_BAR = 2.0


def _y(pct: float) -> float:
    return _BOTTOM - (_BOTTOM - _TOP) * pct / 100


def chart_svg(weeks: list[dict], *, target) -> SafeString:
    """A bar per school week (from `registers.stats.weekly`), inline SVG, no script."""
    weeks = [w for w in weeks if w["pct"] is not None]
    if not weeks:
        return SafeString("")
    slot = (_RIGHT - _LEFT) / len(weeks)
    target = float(target)
    bars, labels, month, last_label_x = [], [], None, -100.0
    for i, week in enumerate(weeks):
        pct = float(week["pct"])
        x = _LEFT + i * slot
        colour = "#1d6b34" if pct >= target else "#b36b00" if pct >= AMBER_FROM else "#a4161a"
        height = max(_BOTTOM - _y(pct), _MIN_BAR)
        bars.append(
            (
                f"{x + slot * 0.15:.1f}",
                f"{_BOTTOM - height:.1f}",
                f"{slot * 0.7:.1f}",
                f"{height:.1f}",
                colour,
                f"Week of {week['week_start']:%d %b}: {pct:g}%",
            )
        )
        if week["week_start"].month != month:
            month = week["week_start"].month
            # Holidays leave no bars, so months can crowd: skip a label that would touch.
            if x - last_label_x >= 30:
                labels.append((f"{x + 1:.1f}", week["week_start"].strftime("%b")))
                last_label_x = x
    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d5dbe2" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#4a5361">{}%</text>',
        (
            (_LEFT, _RIGHT, f"{_y(p):.1f}", f"{_y(p):.1f}", _LEFT - 4, f"{_y(p) + 4:.1f}", p)
            for p in (0, 50, 100)
        ),
    )
    bar_svg = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        bars,
    )
    month_svg = format_html_join(
        "", '<text x="{}" y="166" font-size="12" fill="#4a5361">{}</text>', labels
    )
    target_y = f"{_y(target):.1f}"
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-label="Attendance week by week">{}{}'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#0b4f8a" stroke-width="1.5" '
        'stroke-dasharray="5 3"/>{}</svg>',
        _W,
        _H,
        grid,
        bar_svg,
        _LEFT,
        _RIGHT,
        target_y,
        target_y,
        month_svg,
    )


# ---- HTML --------------------------------------------------------------------------


def render_subject(source: str, context: dict) -> str:
    # Rendered escaped like the body, then unescaped: the subject is plain text, on one
    # line (it is also the email's subject header).
    return " ".join(html_lib.unescape(str(sandbox.render(source, context))).split())


def letter_html(
    *, kind: str, wording: Wording, context: dict, weeks: list[dict], has_logo: bool
) -> tuple[str, str]:
    """(subject, full HTML document) of one copy of a letter."""
    subject = render_subject(wording.subject, context)
    attendance = context["attendance"]
    show_summary = wording.show_summary and attendance["possible_sessions"] > 0
    layout = {
        **context,
        "kind": kind,
        "audience": kinds.spec(kind).audience,
        "subject": subject,
        "body": sandbox.render(wording.body, context),
        "show_summary": show_summary,
        "chart": chart_svg(weeks, target=context["school"]["attendance_target"])
        if show_summary
        else "",
        "days": {
            "possible": days_figure(attendance["possible_sessions"]),
            "attended": days_figure(attendance["attended_sessions"]),
            "authorised": days_figure(attendance["authorised_sessions"]),
            "unauthorised": days_figure(attendance["unauthorised_sessions"]),
            "missed": days_figure(attendance["sessions_missed"]),
        },
        "amber_from": f"{AMBER_FROM:g}",
        "has_logo": has_logo,
        "logo_url": LOGO_URL,
    }
    return subject, render_to_string("letters/pdf/letter.html", layout)


# ---- PDF ---------------------------------------------------------------------------


@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LetterFetcher(URLFetcher):
        """Serves the school's logo and refuses every other URL (files, web, data)."""

        def __init__(self, logo: bytes | None):
            super().__init__(allowed_protocols=set())
            self.logo = logo

        def fetch(self, url, headers=None):
            if url == LOGO_URL and self.logo:
                mime = "image/png" if self.logo.startswith(b"\x89PNG") else "image/jpeg"
                return URLFetcherResponse(url, body=self.logo, headers={"Content-Type": mime})
            raise ValueError(f"Letters do not load {url!r}.")

    return LetterFetcher


def html_to_pdf(html: str, *, logo: bytes | None = None) -> tuple[bytes, int, list[str]]:
    """(PDF, pages, characters drawn as empty boxes because no font has them)."""
    html_class = printable.weasyprint_html()
    with printable.missing_glyphs() as missing:
        document = html_class(string=html, url_fetcher=_fetcher_class()(logo)).render()
        pdf = document.write_pdf()
    return pdf, len(document.pages), list(missing)


def render(
    *, kind: str, wording: Wording, context: dict, weeks: list[dict], logo: bytes | None
) -> Rendered:
    """One copy of a letter. Raises printable.Unprintable (naming each character and where
    it is) when a font is missing, and printable.PrintingUnavailable without WeasyPrint."""
    subject, html = letter_html(
        kind=kind, wording=wording, context=context, weeks=weeks, has_logo=bool(logo)
    )
    pdf, pages, missing = html_to_pdf(html, logo=logo)
    if missing:
        source = f"{wording.subject}\n{wording.body}"
        raise printable.Unprintable(
            missing, printable.where(missing, context=context, wording=source)
        )
    return Rendered(subject=subject, html=html, pdf=pdf, page_count=pages)


def merge_pdfs(files) -> tuple[bytes, int]:
    """One PDF of many, in the order given (file-like objects or bytes)."""
    writer = PdfWriter()
    for f in files:
        writer.append(PdfReader(BytesIO(f) if isinstance(f, bytes) else f))
    out = BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def body_preview(*, wording: Wording, context: dict) -> SafeString:
    """The wording alone, for the live preview on the edit page."""
    subject = render_subject(wording.subject, context)
    return format_html("<h2>{}</h2>{}", subject, sandbox.render(wording.body, context))
