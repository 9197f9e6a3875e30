"""`manage.py import_roll SCHOOL FILE.csv`: the roll, all or nothing, updated by UPN."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from registers.imports import ROLL_COLUMNS, ImportRefused, roll_import
from registers.models import GroupMembership, Pupil, RegistrationGroup, build_upn
from registers.selectors import local_today, register_roll
from registers.tenancy import school_scope
from tests.factories import PupilFactory, RegistrationGroupFactory, SchoolFactory

D = dt.date


def upn(serial):
    return build_upn(la_code="826", estab="2001", year=24, serial=serial)


def pupil_row(serial, **changes):
    row = {
        "upn": upn(serial),
        "forename": f"Ada{serial}",
        "surname": "Lovelace",
        "date_of_birth": "2017-03-04",
        "gender": "F",
        "year_group": "3",
        "registration_group": "3A",
        "on_roll_from": "2021-09-01",
        "on_roll_to": "",
        "sen": "N",
        "fsm": "N",
        "eal": "N",
        "looked_after": "N",
        "child_in_need": "N",
        "young_carer": "N",
    }
    row.update(changes)
    return row


def write_csv(tmp_path, rows, columns=ROLL_COLUMNS, name="roll.csv"):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(school, path):
    out = io.StringIO()
    call_command("import_roll", school.slug, str(path), stdout=out)
    return out.getvalue()


def refused(school, path) -> str:
    with pytest.raises(CommandError) as exc:
        run(school, path)
    return str(exc.value)


def test_a_roll_is_imported_with_its_groups(school, tmp_path):
    path = write_csv(
        tmp_path,
        [
            pupil_row(1),
            pupil_row(
                2,
                forename="Grace",
                gender="m",
                year_group="Y4",
                registration_group="4B",
                on_roll_to="2025-07-22",
                sen="k",
                fsm="Y",
                eal="yes",
                looked_after="y",
                child_in_need="Y",
                young_carer="1",
            ),
            pupil_row(3, year_group="Reception", registration_group="RC", gender="X", sen="E"),
        ],
    )

    output = run(school, path)

    with scopes_disabled():
        grace = Pupil.objects.get(school=school, upn=upn(2))
        assert (grace.legal_forename, grace.legal_surname, grace.gender) == (
            "Grace",
            "Lovelace",
            "M",
        )
        assert (grace.year_group, grace.registration_group.name) == ("4", "4B")
        assert (grace.on_roll_from, grace.on_roll_to) == (D(2021, 9, 1), D(2025, 7, 22))
        assert grace.sen == "K"
        assert grace.fsm and grace.eal and grace.looked_after and grace.child_in_need
        assert grace.young_carer
        ada = Pupil.objects.get(school=school, upn=upn(1))
        assert ada.on_roll_to is None and not ada.fsm and ada.sen == "N"
        assert Pupil.objects.get(school=school, upn=upn(3)).year_group == "R"
        groups = dict(
            RegistrationGroup.objects.filter(school=school).values_list("name", "year_group")
        )
        assert groups == {"3A": "3", "4B": "4", "RC": "R"}
        assert "3 pupils added" in output
        assert "3A, 4B, RC" in output


def test_reimporting_updates_pupils_by_upn_and_leaves_others_alone(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1), pupil_row(2)]))
    with scopes_disabled():
        ada = Pupil.objects.get(upn=upn(1))
        ada.preferred_forename = "Addie"
        ada.save()
        elsewhere = PupilFactory(school=school, upn=upn(9))

    output = run(
        school,
        write_csv(
            tmp_path,
            [
                pupil_row(1, surname="Byron", on_roll_to="2025-03-31", registration_group="4B"),
                pupil_row(2),
                pupil_row(3),
            ],
        ),
    )
    with scopes_disabled():
        ada.refresh_from_db()
        assert (ada.legal_surname, ada.on_roll_to, ada.registration_group.name) == (
            "Byron",
            D(2025, 3, 31),
            "4B",
        )
        assert ada.preferred_forename == "Addie"  # not in the file, so kept
        assert Pupil.objects.filter(school=school).count() == 4
        assert Pupil.objects.get(pk=elsewhere.pk).legal_surname == elsewhere.legal_surname
        assert "1 pupils added, 1 updated, 1 unchanged" in output


def test_importing_the_same_file_twice_changes_nothing(school, tmp_path):
    path = write_csv(tmp_path, [pupil_row(1), pupil_row(2)])
    run(school, path)
    output = run(school, path)
    assert "0 pupils added, 0 updated, 2 unchanged" in output
    with scopes_disabled():
        assert RegistrationGroup.objects.filter(school=school).count() == 1


def test_a_blank_registration_group_takes_the_pupil_out_of_their_group(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1)]))
    run(school, write_csv(tmp_path, [pupil_row(1, registration_group="")]))
    with scopes_disabled():
        assert Pupil.objects.get(upn=upn(1)).registration_group is None


def test_an_existing_group_is_reused_and_keeps_its_year(school, tmp_path):
    group = RegistrationGroupFactory(school=school, name="Oak", year_group="")
    run(school, write_csv(tmp_path, [pupil_row(1, registration_group="Oak")]))
    group.refresh_from_db()
    with scopes_disabled():
        assert Pupil.objects.get(upn=upn(1)).registration_group == group
        assert group.year_group == ""


def test_a_new_mixed_age_group_gets_no_year(school, tmp_path):
    rows = [pupil_row(1, registration_group="Oak"), pupil_row(2, registration_group="Oak")]
    rows[1]["year_group"] = "4"
    run(school, write_csv(tmp_path, rows))
    with scopes_disabled():
        assert RegistrationGroup.objects.get(school=school, name="Oak").year_group == ""


def test_the_same_upn_may_be_on_two_schools_rolls(school, tmp_path):
    other = SchoolFactory()
    PupilFactory(school=other, upn=upn(1), legal_surname="Elsewhere")
    run(school, write_csv(tmp_path, [pupil_row(1)]))
    with scopes_disabled():
        assert Pupil.objects.get(school=other, upn=upn(1)).legal_surname == "Elsewhere"
        assert Pupil.objects.get(school=school, upn=upn(1)).legal_surname == "Lovelace"


def row_lines(error: str, row: int) -> list[str]:
    return [line.strip() for line in error.splitlines() if line.strip().startswith(f"row {row}:")]


def bad_check_letter():
    good = upn(2)
    return ("B" if good[0] != "B" else "C") + good[1:]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"upn": bad_check_letter()}, "check letter is wrong"),
        ({"upn": "A12345"}, "must be 13 characters"),
        ({"upn": ""}, "upn is missing"),
        ({"date_of_birth": "04/03/2017"}, "date_of_birth '04/03/2017' is not a date"),
        ({"on_roll_from": "2021-02-30"}, "on_roll_from '2021-02-30' is not a date"),
        ({"on_roll_from": ""}, "on_roll_from is missing"),
        ({"year_group": "14"}, "year_group '14' is not one of N1, N2, R, 1 ... 13"),
        ({"gender": "Q"}, "gender 'Q' is not one of F, M or X"),
        ({"sen": "Z"}, "sen 'Z' is not one of N, K or E"),
        ({"fsm": "maybe"}, "fsm 'maybe' must be Y or N"),
        ({"forename": ""}, "forename is missing"),
        ({"surname": "x" * 101}, "surname: Ensure this value has at most 100 characters"),
        ({"on_roll_to": "2021-08-31"}, "on_roll_to 2021-08-31 is before on_roll_from 2021-09-01"),
        ({"upn": upn(1)}, "This UPN is already on row 2"),
    ],
)
def test_a_bad_row_refuses_the_whole_file_with_its_row_number(school, tmp_path, changes, reason):
    path = write_csv(tmp_path, [pupil_row(1), pupil_row(2, **changes), pupil_row(3)])

    error = refused(school, path)

    assert any(reason in line for line in row_lines(error, 3))
    assert "nothing was imported" in error
    assert "row 2:" not in error and "row 4:" not in error
    with scopes_disabled():
        assert not Pupil.objects.filter(school=school).exists()
        assert not RegistrationGroup.objects.filter(school=school).exists()


def test_a_refused_reimport_leaves_the_roll_as_it_was(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1), pupil_row(2)]))

    error = refused(
        school,
        write_csv(
            tmp_path,
            [
                pupil_row(1, surname="Byron", registration_group="New"),
                pupil_row(2, date_of_birth="soon"),
                pupil_row(4),
            ],
        ),
    )

    assert "row 3: date_of_birth 'soon'" in error
    with scopes_disabled():
        assert Pupil.objects.get(upn=upn(1)).legal_surname == "Lovelace"
        assert not Pupil.objects.filter(upn=upn(4)).exists()
        assert not RegistrationGroup.objects.filter(name="New").exists()


def test_every_bad_row_is_listed(school, tmp_path):
    path = write_csv(
        tmp_path,
        [pupil_row(1, gender="?"), pupil_row(2), pupil_row(3, year_group="", on_roll_from="x")],
    )
    error = refused(school, path)
    assert "row 2: gender" in error
    assert "row 4: on_roll_from 'x'" in error
    assert "row 4: year_group ''" in error
    assert "3 problem(s) in 2 row(s)" in error


def test_a_missing_column_is_named(school, tmp_path):
    columns = [c for c in ROLL_COLUMNS if c not in ("gender", "fsm")]
    error = refused(school, write_csv(tmp_path, [pupil_row(1)], columns=columns))
    assert "row 1: Missing column(s): gender, fsm." in error


def test_row_numbers_are_the_files_own_even_with_blank_lines(school, tmp_path):
    path = write_csv(tmp_path, [pupil_row(1), pupil_row(2, gender="?")])
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], ",,,", "", lines[2]]) + "\n")

    assert "row 5: gender" in refused(school, path)


def test_excel_csv_with_a_byte_order_mark_and_capitalised_headers_is_read(school, tmp_path):
    path = write_csv(tmp_path, [pupil_row(1)])
    text = path.read_text()
    header, rest = text.split("\n", 1)
    path.write_text("\ufeff" + header.upper().replace("_", " ") + "\n" + rest, encoding="utf-8")

    run(school, path)

    with scopes_disabled():
        assert Pupil.objects.filter(school=school, upn=upn(1)).exists()


def test_a_file_that_is_not_utf8_is_refused_clearly(school, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_bytes(",".join(ROLL_COLUMNS).encode() + b"\n\xff\xfe\n")
    assert "not UTF-8" in refused(school, path)


def test_a_nul_character_is_refused_with_its_row_not_a_crash(school, tmp_path):
    path = write_csv(tmp_path, [pupil_row(1), pupil_row(2, forename="Ada\x00")])
    error = refused(school, path)
    assert "row 3: A value holds a NUL character" in error
    assert not Pupil.objects.exists()


def test_an_unknown_school_is_an_error(db, tmp_path):
    path = write_csv(tmp_path, [pupil_row(1)])
    with pytest.raises(CommandError, match="no school with the slug 'nowhere'"):
        call_command("import_roll", "nowhere", str(path))


def test_the_import_service_takes_python_rows_with_typed_values(school):
    row = pupil_row(1, date_of_birth=D(2017, 3, 4), on_roll_from=D(2021, 9, 1), fsm=True)
    done = roll_import(school=school, rows=[row])
    assert done.created == 1
    with scopes_disabled():
        assert Pupil.objects.get(upn=upn(1)).fsm

    with pytest.raises(ImportRefused) as exc:
        roll_import(school=school, rows=[pupil_row(2, gender="?")])
    assert [str(e) for e in exc.value.row_errors] == ["row 2: gender '?' is not one of F, M or X."]


def test_queries_do_not_grow_with_the_number_of_pupils(school, tmp_path):
    def queries_for(serials, group):
        rows = [pupil_row(n, registration_group=f"{group}{n % 3}") for n in serials]
        with CaptureQueriesContext(connection) as ctx:
            roll_import(school=school, rows=rows)
        return len(ctx.captured_queries)

    # 40 pupils stay inside one INSERT batch even on SQLite (999 parameters).
    small = queries_for(range(1, 6), "G")
    large = queries_for(range(100, 140), "H")
    assert large == small


# ---- Registration groups are dated (DESIGN.md §4, §9 --effective) -------------------------


def run_effective(school, path, effective):
    out = io.StringIO()
    call_command("import_roll", school.slug, str(path), "--effective", effective, stdout=out)
    return out.getvalue()


def spells_of(serial):
    with scopes_disabled():
        return [
            (s.group.name, s.starts, s.ends)
            for s in GroupMembership.objects.filter(pupil__upn=upn(serial)).order_by("starts")
        ]


def on_register(school, group_name, day):
    with school_scope(school):
        group = RegistrationGroup.objects.get(school=school, name=group_name)
        return {p.upn for p in register_roll(school=school, group=group, day=day)}


def test_a_new_pupils_first_group_starts_on_their_first_day_on_roll(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1, on_roll_from="2024-01-08")]))
    assert spells_of(1) == [("3A", D(2024, 1, 8), None)]


def test_a_changed_group_takes_effect_today_by_default(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1)]))
    output = run(school, write_csv(tmp_path, [pupil_row(1, registration_group="3B")]))

    today = local_today(school)
    assert spells_of(1) == [
        ("3A", D(2021, 9, 1), today - dt.timedelta(days=1)),
        ("3B", today, None),
    ]
    assert f"1 pupils changed registration group from {today:%Y-%m-%d}" in output


def test_a_changed_group_takes_effect_on_the_effective_date_and_past_registers_keep_it(
    school, tmp_path
):
    run(school, write_csv(tmp_path, [pupil_row(1), pupil_row(2)]))
    run_effective(
        school, write_csv(tmp_path, [pupil_row(1, registration_group="3B")]), "2024-10-01"
    )

    assert on_register(school, "3A", D(2024, 9, 30)) == {upn(1), upn(2)}
    assert on_register(school, "3A", D(2024, 10, 1)) == {upn(2)}
    assert on_register(school, "3B", D(2024, 9, 30)) == set()
    assert on_register(school, "3B", D(2024, 10, 1)) == {upn(1)}


def test_a_change_dated_before_the_current_group_started_refuses_the_file(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1), pupil_row(2)]))
    run_effective(
        school, write_csv(tmp_path, [pupil_row(1, registration_group="3B")]), "2024-10-01"
    )
    before = spells_of(1)

    path = write_csv(
        tmp_path,
        [pupil_row(2, registration_group="3C"), pupil_row(1, registration_group="3C")],
    )
    with pytest.raises(CommandError) as exc:
        run_effective(school, path, "2024-09-15")

    assert "row 3:" in str(exc.value)
    assert "in 3B from 2024-10-01" in str(exc.value)
    assert spells_of(1) == before
    assert spells_of(2) == [("3A", D(2021, 9, 1), None)]  # row 2 was fine, but not applied
    with scopes_disabled():
        assert not RegistrationGroup.objects.filter(school=school, name="3C").exists()


def test_reimporting_the_same_groups_never_rewrites_the_past(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1)]))
    path = write_csv(tmp_path, [pupil_row(1, registration_group="3B")])
    run_effective(school, path, "2024-10-01")
    output = run_effective(school, path, "2025-01-06")

    assert "1 unchanged" in output
    assert spells_of(1) == [("3A", D(2021, 9, 1), D(2024, 9, 30)), ("3B", D(2024, 10, 1), None)]


def test_a_pupil_not_yet_on_roll_changes_group_from_their_first_day(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1, on_roll_from="2025-01-06")]))
    path = write_csv(tmp_path, [pupil_row(1, on_roll_from="2025-01-06", registration_group="3B")])
    run_effective(school, path, "2024-12-02")
    assert spells_of(1) == [("3B", D(2025, 1, 6), None)]


def test_a_leaver_keeps_their_group_and_stays_on_its_past_registers(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1)]))
    run(school, write_csv(tmp_path, [pupil_row(1, on_roll_to="2024-12-20")]))

    assert spells_of(1) == [("3A", D(2021, 9, 1), None)]
    assert on_register(school, "3A", D(2024, 12, 20)) == {upn(1)}
    assert on_register(school, "3A", D(2025, 1, 6)) == set()


def test_an_unreadable_effective_date_is_a_usage_error(school, tmp_path):
    with pytest.raises(CommandError, match="is not a date"):
        run_effective(school, write_csv(tmp_path, [pupil_row(1)]), "2024-13-01")


def test_moving_many_pupils_costs_the_same_queries_as_moving_a_few(school):
    def queries_to_move(serials, to):
        roll_import(school=school, rows=[pupil_row(n) for n in serials], effective=D(2024, 9, 2))
        rows = [pupil_row(n, registration_group=to) for n in serials]
        with CaptureQueriesContext(connection) as ctx:
            done = roll_import(school=school, rows=rows, effective=D(2024, 10, 1))
        assert done.moved == len(serials)
        return len(ctx.captured_queries)

    # Each moves its pupils to a group the import creates.
    assert queries_to_move(range(200, 240), "3B") == queries_to_move(range(1, 6), "3C")


def test_a_corrected_first_day_on_roll_moves_the_first_groups_start_with_it(school, tmp_path):
    run(school, write_csv(tmp_path, [pupil_row(1, on_roll_from="2024-09-04")]))
    run(school, write_csv(tmp_path, [pupil_row(1, on_roll_from="2024-09-02")]))

    assert spells_of(1) == [("3A", D(2024, 9, 2), None)]
    assert on_register(school, "3A", D(2024, 9, 2)) == {upn(1)}


OPTIONAL = (*ROLL_COLUMNS, "ethnicity", "previously_looked_after", "expected_leaving_date")


def test_the_census_columns_may_follow_the_required_ones(school, tmp_path):
    path = write_csv(
        tmp_path,
        [
            pupil_row(
                1,
                ethnicity="wbri",
                previously_looked_after="Y",
                expected_leaving_date="2027-07-21",
            ),
            pupil_row(2),
        ],
        columns=OPTIONAL,
    )

    run(school, path)

    with scopes_disabled():
        ada = Pupil.objects.get(school=school, upn=upn(1))
        assert (ada.ethnicity, ada.previously_looked_after) == ("WBRI", True)
        assert ada.expected_leaving_date == D(2027, 7, 21)
        other = Pupil.objects.get(school=school, upn=upn(2))
        assert (other.ethnicity, other.previously_looked_after) == ("", False)
        assert other.expected_leaving_date is None


def test_a_file_without_the_census_columns_keeps_what_the_school_holds(school, tmp_path):
    PupilFactory(
        school=school,
        upn=upn(1),
        ethnicity="APKN",
        previously_looked_after=True,
        flagged_vulnerable=True,
    )

    run(school, write_csv(tmp_path, [pupil_row(1, forename="Renamed")]))

    with scopes_disabled():
        pupil = Pupil.objects.get(school=school, upn=upn(1))
        assert pupil.legal_forename == "Renamed"
        assert (pupil.ethnicity, pupil.previously_looked_after) == ("APKN", True)
        assert pupil.flagged_vulnerable


def test_a_bad_census_value_refuses_the_file_with_its_row(school, tmp_path):
    path = write_csv(
        tmp_path,
        [
            pupil_row(1, ethnicity="White British"),
            pupil_row(2, previously_looked_after="maybe", expected_leaving_date="2027-13-01"),
        ],
        columns=OPTIONAL,
    )

    message = refused(school, path)

    assert "row 2: ethnicity 'White British'" in message
    assert "row 3: previously_looked_after 'maybe'" in message
    assert "row 3: expected_leaving_date '2027-13-01'" in message
    with scopes_disabled():
        assert not Pupil.objects.filter(school=school).exists()
