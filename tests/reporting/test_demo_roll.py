"""The demo's pupils carry DfE ethnicity codes (so the daily extract and the census show
them), drawn the same way every build and without moving the demo's own random draws."""

from random import Random
from types import SimpleNamespace

from django_scopes import scopes_disabled

from demo.reporting import ETHNICITY_WEIGHTS, pupil_ethnicities
from registers.models import Pupil
from registers.tenancy import school_scope
from tests.factories import PupilFactory


def test_demo_pupils_get_real_dfe_ethnicity_codes_deterministically(school):
    with scopes_disabled():
        pupils = [PupilFactory(school=school, ethnicity="") for _ in range(12)]
        PupilFactory(school=school, ethnicity="CHNE")  # one the roll already gave
    rng = Random(2026)
    before = rng.getstate()
    with school_scope(school):
        counts = pupil_ethnicities(SimpleNamespace(school=school, rng=rng))
    assert counts == {"pupils' ethnicity (DfE codes)": 12}
    assert rng.getstate() == before  # the rest of the demo draws as it always did
    with scopes_disabled():
        codes = dict(Pupil.objects.filter(school=school).values_list("pk", "ethnicity"))
    drawn = [codes[p.pk] for p in pupils]
    assert all(code in ETHNICITY_WEIGHTS and len(code) == 4 for code in drawn)
    assert "CHNE" in codes.values()
    # the same seed draws the same codes again
    again = Random()
    again.setstate(before)
    weights = list(ETHNICITY_WEIGHTS.values())
    assert drawn == [again.choices(list(ETHNICITY_WEIGHTS), weights)[0] for _ in pupils]
