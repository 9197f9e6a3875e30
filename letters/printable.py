"""Can this server print letters, and can it print every character of this one?

Two ways a letter can fail to print, both reported in words a school understands:

- The server has no WeasyPrint (Pango is missing): the app still starts, because WeasyPrint
  is imported only where a PDF is made (`weasyprint_html`); letter pages say so
  (`problem()`), and making a PDF raises `PrintingUnavailable`.
- No installed font has a character of the letter (a name in a script the server has no
  font for): WeasyPrint would draw an empty box (".notdef") and carry on. We refuse the
  letter instead (`Unprintable`), naming the character and where it is. A school's
  wording is checked the same way when it is saved (`missing_in`), so a stray character
  there is refused at once rather than in every letter.

How missing glyphs are detected: while a PDF is drawn, WeasyPrint (70+) logs a warning
for every glyph Pango could not find in any font after fontconfig's fallback, with the
character and its code point (weasyprint/draw/text.py). `missing_glyphs()` listens to
that warning for the current thread only, so it costs nothing extra (no second pass over
the text, no font lookups of our own) and it is exactly what was drawn.
`tests/letters/test_scripts.py` pins the behaviour, so a WeasyPrint that words it
differently fails the tests rather than printing boxes.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

FIX = (
    "run scripts/system-packages.sh on the server to install Pango and the fonts, "
    "then restart the app"
)


class PrintingUnavailable(RuntimeError):
    """WeasyPrint cannot be loaded on this server; the message says what to do."""


class Unprintable(ValueError):
    """A letter has characters no installed font can print. `chars` in text order."""

    def __init__(self, chars: list[str], where: dict[str, str]):
        self.chars = chars
        self.where = where
        parts = [f"“{c}” (U+{ord(c):04X}) in {where.get(c, 'the letter')}" for c in chars]
        super().__init__(
            f"No font on this server can print {'; '.join(parts)}, so the letter was not "
            "made (it would show empty boxes). Check the spelling, or install a font "
            f"for it ({FIX})."
        )


@functools.cache
def problem() -> str:
    """Why letters cannot be printed on this server, or "" when they can (checked once)."""
    try:
        import weasyprint  # noqa: F401  (OSError: Pango or HarfBuzz missing)
    except (ImportError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"Letters cannot be printed on this server: {first}. To fix it, {FIX}."
    return ""


def weasyprint_html():
    """WeasyPrint's HTML class, or PrintingUnavailable with what to do."""
    if message := problem():
        raise PrintingUnavailable(message)
    from weasyprint import HTML

    return HTML


# The letters' font stack (letters/pdf/letter.css), for checking text on its own.
FONT_STACK = (
    '"Liberation Sans", Arial, "Noto Sans", "Noto Naskh Arabic", "Noto Sans CJK SC", '
    '"DejaVu Sans", sans-serif'
)


def missing_in(text: str) -> list[str]:
    """The characters of `text` no installed font can print, in order (empty when all
    can, or when WeasyPrint is missing: the letter pages say that already). Each distinct
    character is drawn once in the letters' fonts, so this takes a few milliseconds."""
    chars = sorted({c for c in text if not c.isspace()})
    if not chars or problem():
        return []
    from django.utils.html import escape

    html_class = weasyprint_html()
    html = f"<p style='font-family: {FONT_STACK}'>{escape(''.join(chars))}</p>"
    with missing_glyphs() as missing:
        html_class(string=html).render().write_pdf()
    order = {c: text.index(c) for c in missing}
    return sorted(missing, key=order.get)


def failure_text(exc: Exception) -> str:
    """What a failed render records on the letter: our own messages as they are."""
    if isinstance(exc, Unprintable | PrintingUnavailable):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class _Collector(logging.Handler):
    # WeasyPrint's wording of the warning (draw/text.py); args are (character, code point).
    PREFIX = ".notdef glyph rendered"

    def __init__(self, thread: int):
        super().__init__(logging.WARNING)
        self.thread = thread
        self.chars: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread or not str(record.msg).startswith(self.PREFIX):
            return
        char = record.args[0] if record.args else ""
        if isinstance(char, str) and char and char not in self.chars:
            self.chars.append(char)


@contextmanager
def missing_glyphs() -> Iterator[list[str]]:
    """Collects the characters WeasyPrint drew as empty boxes in this thread, in order."""
    logger = logging.getLogger("weasyprint")
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)  # a quieter LOG_LEVEL must not hide the warning
    collector = _Collector(threading.get_ident())
    logger.addHandler(collector)
    try:
        yield collector.chars
    finally:
        logger.removeHandler(collector)


# Where a character can come from, in the order a reader would look (context paths of
# `letters.context`, and the wording).
_PLACES = (
    (
        "the pupil's name",
        ("pupil.forename", "pupil.surname", "pupil.full_name", "pupil.legal_name"),
    ),
    ("the name of the person the letter is addressed to", ("recipient.name",)),
    ("the postal address", ("recipient.address_lines", "pupil.home_address_lines")),
    ("a contact's details", ("contacts",)),
    ("the school's letterhead", ("school",)),
    ("the details of this letter", ("cause",)),
)


def _texts(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _at(context: dict, path: str):
    value = context
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def where(chars: list[str], *, context: dict, wording: str = "") -> dict[str, str]:
    """For each character, the first place of the letter it appears in, in words."""
    found: dict[str, str] = {}
    for place, paths in _PLACES:
        text = "".join(t for path in paths for t in _texts(_at(context, path)))
        for c in chars:
            if c in text:
                found.setdefault(c, place)
    for c in chars:
        if c in wording:
            found.setdefault(c, "the letter's wording")
    return found
