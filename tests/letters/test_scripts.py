"""Every script families in England write in prints; a character no font has refuses the
letter (never a letter of empty boxes)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled
from pypdf import PdfReader

from letters import printable, services
from letters.models import IssuedLetter, LetterTemplate
from registers.tenancy import school_scope
from tests.factories import ContactFactory, PupilFactory
from tests.letters.conftest import AS_OF, pdf_text, year_marks

# (script, pupil's forename, surname, parent's name, a word of the embedded font's name)
NAMES = [
    ("Chinese", "小明", "王", "王丽华", "CJK"),
    ("Arabic", "محمد", "الهاشمي", "فاطمة الهاشمي", "Arabic"),
    ("Bengali", "রহিম", "উদ্দিন", "সালমা বেগম", "Bengali"),
    ("Urdu", "عائشہ", "خان", "نسرین خان", "Arabic"),
    ("Polish", "Łucja", "Wąsowska-Żółć", "Małgorzata Wąsowska", None),
    ("Greek", "Ελένη", "Παπαδοπούλου", "Μαρία Παπαδοπούλου", None),
    ("Devanagari", "अनन्या", "शर्मा", "सुनीता शर्मा", "Devanagari"),
]
# A private-use character (an old MIS's custom glyph, pasted in): no font has it.
NO_FONT = "\ue000"


def _pupil(school, forename, surname, parent):
    pupil = PupilFactory(school=school, legal_forename=forename, legal_surname=surname)
    ContactFactory(pupil=pupil, name=parent, email="", address="1 High Street\nMilton Keynes")
    year_marks(pupil)
    return pupil


def _fonts(pdf: bytes) -> str:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return " ".join(str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values())


@pytest.mark.parametrize(
    ("script", "forename", "surname", "parent", "font"), NAMES, ids=[n[0] for n in NAMES]
)
def test_a_name_in_any_script_prints_in_a_font_that_has_it(
    school, calendar, script, forename, surname, parent, font
):
    pupil = _pupil(school, forename, surname, parent)

    with school_scope(school):
        pdf, pages = services.letter_preview(
            school=school, pupil=pupil, kind="stage_1", as_of=AS_OF
        )

    assert pages == 1
    if font:
        assert font in _fonts(pdf)
    if script in ("Chinese", "Polish", "Greek", "Bengali"):  # left to right: extracts in order
        text = pdf_text(pdf)
        assert f"{forename} {surname}" in text or forename in text
        assert parent in text


def test_a_character_no_font_has_refuses_the_preview_and_names_it(school, calendar):
    pupil = _pupil(school, f"Ma{NO_FONT}ya", "Kowalska", "Anna Kowalska")

    with school_scope(school), pytest.raises(printable.Unprintable) as refused:
        services.letter_preview(school=school, pupil=pupil, kind="stage_1", as_of=AS_OF)

    assert refused.value.chars == [NO_FONT]
    assert f"“{NO_FONT}” (U+E000) in the pupil's name" in str(refused.value)


def test_a_character_no_font_has_in_a_parents_address_names_the_address(school, calendar):
    pupil = PupilFactory(school=school)
    ContactFactory(pupil=pupil, name="Anna Nowak", email="", address=f"1 Ul{NO_FONT}ca\nKraków")

    with school_scope(school), pytest.raises(printable.Unprintable) as refused:
        services.letter_preview(school=school, pupil=pupil, kind="stage_1", as_of=AS_OF)

    assert "(U+E000) in the postal address" in str(refused.value)


def test_a_drafted_letter_that_cannot_be_printed_is_not_issued_and_says_why(
    school, calendar, run_on_commit
):
    pupil = _pupil(school, f"Ma{NO_FONT}ya", "Kowalska", "Anna Kowalska")

    with school_scope(school):
        [letter] = run_on_commit(
            services.letter_draft, school=school, pupil=pupil, kind="stage_1", as_of=AS_OF
        )
        approved = services.letters_approve(school=school, letter_ids=[letter.pk], user=None)

    with scopes_disabled():
        letter = IssuedLetter.objects.get(pk=letter.pk)
    assert approved == 0
    assert (letter.status, letter.sha256, letter.pdf.name) == ("draft", "", "")
    assert letter.render_error.startswith(f"No font on this server can print “{NO_FONT}”")
    assert "in the pupil's name" in letter.render_error


def test_render_letter_refuses_an_unprintable_name_with_the_character(school, calendar, tmp_path):
    pupil = _pupil(school, f"Ma{NO_FONT}ya", "Kowalska", "Anna Kowalska")
    out = tmp_path / "letter.pdf"

    with pytest.raises(CommandError, match=r"U\+E000\) in the pupil's name"):
        call_command("render_letter", school.slug, "stage_1", pupil.upn, str(out))

    assert not out.exists()


@pytest.mark.parametrize(
    ("as_of", "missed"), [("2024-09-20", "3 days (6 sessions)"), ("2024-10-11", "6 days")]
)
def test_render_letter_counts_the_figures_as_of_the_day_asked_for(
    school, pupil, tmp_path, as_of, missed
):
    out = tmp_path / "letter.pdf"

    call_command("render_letter", school.slug, "stage_1", pupil.upn, str(out), "--as-of", as_of)

    assert missed in " ".join(pdf_text(out.read_bytes()).split())


def test_render_letter_refuses_a_date_it_cannot_read(school, pupil, tmp_path):
    with pytest.raises(CommandError, match="'20/09/2024' is not a date like"):
        call_command(
            "render_letter",
            school.slug,
            "stage_1",
            pupil.upn,
            str(tmp_path / "x.pdf"),
            "--as-of",
            "20/09/2024",
        )


def test_a_wording_with_a_character_no_font_has_is_refused_when_saved(school, make_staff):
    with school_scope(school), pytest.raises(ValidationError) as refused:
        services.template_save(
            school=school,
            kind="stage_1",
            subject="Attendance",
            body=f"<p>Dear parent {NO_FONT}</p>",
            show_summary=True,
            user=make_staff(school, "attendance_lead"),
        )

    [message] = refused.value.message_dict["body"]
    assert "(U+E000) in the letter's wording" in message
    with scopes_disabled():
        assert not LetterTemplate.objects.exists()
