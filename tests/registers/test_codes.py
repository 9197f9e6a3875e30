"""The national codes are seeded exactly as the reference file says, and every code is
counted by the statistics module the way the file says."""

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from registers import stats
from registers.models import AttendanceCode
from registers.tenancy import school_scope
from tests.factories import PupilFactory, SessionFactory, mark_days

SHARED_REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "attendance-codes.csv"
OUR_COPY = Path(settings.BASE_DIR) / "registers" / "data" / "attendance-codes.csv"


def reference_rows():
    path = SHARED_REFERENCE if SHARED_REFERENCE.exists() else OUR_COPY
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_our_copy_of_the_reference_file_is_unchanged():
    if not SHARED_REFERENCE.exists():
        pytest.skip("../shared is not beside this checkout")
    assert OUR_COPY.read_text() == SHARED_REFERENCE.read_text()


@pytest.mark.django_db
def test_migration_seeds_every_national_code_with_its_flags():
    rows = reference_rows()
    assert len(rows) == 34
    seeded = {c.code: c for c in AttendanceCode.objects.all()}
    assert set(seeded) == {r["code"] for r in rows}
    for row in rows:
        code = seeded[row["code"]]
        assert code.category == row["category"], row["code"]
        assert code.possible == (row["possible"] == "Y"), row["code"]
        assert code.attended == (row["attended"] == "Y"), row["code"]
        assert code.authorised_absence == (row["authorised_absence"] == "Y"), row["code"]
        assert code.unauthorised_absence == (row["unauthorised_absence"] == "Y"), row["code"]


@pytest.mark.django_db
@pytest.mark.parametrize("row", reference_rows(), ids=lambda r: r["code"])
def test_each_code_counts_as_the_reference_file_says(school, row):
    day = dt.date(2024, 9, 9)
    SessionFactory(school=school, date=day, period="AM")
    pupil = PupilFactory(school=school)
    mark_days(pupil, {day: (row["code"], None)})

    with school_scope(school):
        summary = stats.summarise(school=school, start=day, end=day, pupils=[pupil])[pupil.pk]

    yes = {"Y": 1, "N": 0}
    assert summary.possible == yes[row["possible"]]
    assert summary.attended == yes[row["attended"]]
    assert summary.authorised == yes[row["authorised_absence"]]
    assert summary.unauthorised == yes[row["unauthorised_absence"]]
    assert summary.present == (1 if row["category"] == "present" else 0)
    assert summary.approved_activity == (1 if row["category"] == "approved_activity" else 0)
    assert summary.lates == (1 if row["code"] == "L" else 0)
    assert summary.codes == {row["code"]: 1}
    if summary.possible:
        assert summary.attendance_pct == (100 if summary.attended else 0)
    else:
        assert summary.attendance_pct is None
