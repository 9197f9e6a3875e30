"""What a rendered letter says: every kind, for a pupil with a known record."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled
from PIL import Image
from pypdf import PdfReader

from letters import kinds, rendering, sandbox, services
from letters.context import sample_context
from letters.models import IssuedLetter, Letterhead, LetterTemplate
from registers.tenancy import school_scope
from tests.factories import ContactFactory, PupilFactory, mark_days
from tests.letters.conftest import AS_OF, pdf_pages, pdf_text, year_marks

# The pupil of conftest: 58 sessions possible, 8 missed ill, 4 unauthorised, 1 late.
FIGURES = "6 days (12 sessions)"
EXPECTED = {
    "improvement": "46 of 58 sessions",
    "lateness_1": "late to school 1 time",
    "lateness_2": "arrived late 1 time",
    # Sample leave dates are set around the letter's date (AS_OF, Friday 11 October 2024):
    # the Monday four weeks on.
    "leave_granted": "Monday 11 November 2024",
    "leave_partly_granted": "only from Monday 11 November 2024 to Tuesday 12 November 2024",
    "certificate_100": "every one of 58 sessions",
    "missing_from_school": "6 days (12 sessions), of which 4 unauthorised",
}


@pytest.fixture
def letterhead(school):
    return Letterhead.objects.create(
        school=school,
        address="Oak Lane\nMilton Keynes\nMK1 1AA",
        contact_line="Ms Rivers, attendance officer, on 01632 960000",
        signatory_name="Jo Marsh",
        signatory_role="Headteacher",
        addressing=Letterhead.Addressing.TOGETHER,
        la_name="Children Missing Education team",
        la_address="Civic Offices\nMilton Keynes",
    )


@pytest.mark.parametrize("kind", kinds.Kind.values)
def test_every_kind_renders_with_the_pupils_name_and_figures(school, pupil, letterhead, kind):
    if kind == "certificate_100":
        pupil = PupilFactory(school=school, preferred_forename="Sammy", legal_surname="Okafor")
        ContactFactory(pupil=pupil, name="Grace Okafor")
        year_marks(pupil, absent=False)

    with school_scope(school):
        pdf, pages = services.letter_preview(school=school, pupil=pupil, kind=kind, as_of=AS_OF)

    text = " ".join(pdf_text(pdf).split())
    assert pdf_pages(pdf) == pages
    assert "Sammy" in text
    assert school.name in text
    assert "Jo Marsh" in text
    assert f"Page 1 of {pages}" in text
    assert EXPECTED.get(kind, FIGURES) in text
    if kind == "missing_from_school":
        assert "Dear Children Missing Education team" in text
        assert pupil.upn in text
    elif kind != "certificate_100":
        assert "Dear Grace Okafor and David Okafor" in text
        assert "Ms Rivers, attendance officer" in text
    if kinds.spec(kind).show_summary:
        assert "Missed in all 6 12" in text
        assert "Attendance: 79.31%" in text


def test_one_copy_per_parent_each_at_their_own_address(school, pupil):
    with school_scope(school):
        pdf, pages = services.letter_preview(
            school=school, pupil=pupil, kind="stage_1", as_of=AS_OF
        )

    text = pdf_text(pdf)
    assert pages == 2
    first, second = text.split("Dear ")[1:3]
    assert first.startswith("Grace Okafor")
    assert second.startswith("David Okafor")
    assert "12 Willow Way" in text
    assert "3 Birch Close" in text


def test_until_the_letterhead_is_set_up_the_headteacher_signs(school, pupil, make_staff):
    make_staff(school, "headteacher", first_name="Ada", last_name="Lovelace")

    with school_scope(school):
        pdf, _ = services.letter_preview(school=school, pupil=pupil, kind="lateness_1", as_of=AS_OF)

    assert "Yours sincerely, Ada Lovelace Headteacher" in " ".join(pdf_text(pdf).split())


def test_the_chart_has_a_bar_per_school_week_coloured_by_attendance():
    weeks = [
        {"week_start": dt.date(2024, 9, 2), "possible": 8, "attended": 8, "pct": Decimal(100)},
        {"week_start": dt.date(2024, 9, 9), "possible": 10, "attended": 9, "pct": Decimal(90)},
        {"week_start": dt.date(2024, 9, 16), "possible": 10, "attended": 4, "pct": Decimal(40)},
        {"week_start": dt.date(2024, 9, 23), "possible": 0, "attended": 0, "pct": None},
    ]

    svg = str(rendering.chart_svg(weeks, target=96))

    assert svg.count("<rect") == 3
    assert svg.index("#1d6b34") < svg.index("#b36b00") < svg.index("#a4161a")
    assert "<script" not in svg
    assert "Week of 16 Sep: 40%" in svg


def test_a_week_with_no_attendance_is_a_red_sliver_and_amber_starts_at_90():
    weeks = [
        {"week_start": dt.date(2024, 9, 2), "possible": 10, "attended": 0, "pct": Decimal(0)},
        {"week_start": dt.date(2024, 9, 9), "possible": 10, "attended": 9, "pct": Decimal(90)},
        {"week_start": dt.date(2024, 9, 16), "possible": 100, "attended": 89, "pct": Decimal(89)},
    ]

    svg = str(rendering.chart_svg(weeks, target=96))

    assert 'height="2.0" fill="#a4161a"><title>Week of 02 Sep: 0%' in svg
    assert 'fill="#b36b00"><title>Week of 09 Sep: 90%' in svg
    assert 'fill="#a4161a"><title>Week of 16 Sep: 89%' in svg


def test_a_pupil_who_joined_late_is_counted_from_the_day_they_joined(school, calendar):
    pupil = PupilFactory(school=school, preferred_forename="Nia", on_roll_from=dt.date(2024, 10, 1))
    ContactFactory(pupil=pupil)
    mark_days(pupil, {dt.date(2024, 10, 1): "/", dt.date(2024, 10, 2): "O"})

    with school_scope(school):
        pdf, _ = services.letter_preview(
            school=school, pupil=pupil, kind="stage_1", as_of=dt.date(2024, 10, 2)
        )

    text = " ".join(pdf_text(pdf).split())
    assert "1 day (2 sessions) of school since 1 October 2024" in text
    assert "Nia's attendance from 1 October 2024 to 2 October 2024" in text


def test_a_pupil_with_nothing_to_count_gets_no_table_or_chart(school, calendar):
    pupil = PupilFactory(school=school, preferred_forename="Nia")
    ContactFactory(pupil=pupil)

    with school_scope(school):
        pdf, _ = services.letter_preview(school=school, pupil=pupil, kind="stage_1", as_of=AS_OF)

    text = pdf_text(pdf)
    assert "Nia" in text
    assert "Could attend" not in text


def test_the_wording_cannot_make_the_server_fetch_files(school, tmp_path):
    image = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), "red").save(image)
    context = sample_context(kind="stage_1", school=school, letterhead=Letterhead(school=school))

    def images_in(body, logo=None):
        # The body goes into the layout as it is: the sandbox would refuse an <img> (below),
        # and this checks that WeasyPrint would not fetch it even then.
        wording = rendering.Wording(subject="Test", body="<p>BODY</p>", show_summary=False)
        _subject, html = rendering.letter_html(
            kind="stage_1", wording=wording, context=context, weeks=[], has_logo=bool(logo)
        )
        pdf, _pages, _missing = rendering.html_to_pdf(html.replace("<p>BODY</p>", body), logo=logo)
        return len(PdfReader(io.BytesIO(pdf)).pages[0].images)

    logo = io.BytesIO()
    Image.new("RGB", (40, 40), "blue").save(logo, format="PNG")
    smuggled = f'<p>{{{{ "<"|add:"img src=\'{image.as_uri()}\'>" }}}}</p>'

    assert images_in(f'<p><img src="{image.as_uri()}"></p>') == 0
    assert images_in("<p>Only the logo</p>", logo=logo.getvalue()) == 1
    with pytest.raises(sandbox.WordingError, match="HTML that letters cannot use: <img"):
        sandbox.render(smuggled, context)


def test_render_letter_command_writes_a_preview_and_issues_nothing(school, pupil, tmp_path):
    out = tmp_path / "letter.pdf"

    call_command(
        "render_letter",
        school.slug,
        "meeting_invitation",
        pupil.upn,
        str(out),
        "--as-of",
        "2024-10-11",
        "--cause",
        "meeting_date=2024-10-17",
        "--cause",
        "meeting_place=the library",
    )

    text = " ".join(pdf_text(out.read_bytes()).split())
    assert "Sammy" in text
    assert "Thursday 17 October 2024 at 3:30 p.m." in text
    assert "The library" in text
    with scopes_disabled():
        assert IssuedLetter.objects.count() == 0
        assert LetterTemplate.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-school", "stage_1", "UPN"], "No school with the slug"),
        (["{school}", "stage_9", "UPN"], "Unknown kind 'stage_9'"),
        (["{school}", "stage_1", "A000000000000"], "No pupil with the UPN"),
        (["{school}", "meeting_invitation", "{upn}", "--cause", "meeting_date=soon"], "valid date"),
        (["{school}", "stage_2", "{upn}", "--cause", "target_pct=inf"], "valid number"),
    ],
)
def test_render_letter_command_fails_with_a_message(school, pupil, tmp_path, args, message):
    args = [a.format(school=school.slug, upn=pupil.upn) for a in args]
    out = tmp_path / "letter.pdf"
    args.insert(3, str(out))

    with pytest.raises(CommandError, match=message):
        call_command("render_letter", *args)

    assert not out.exists()
