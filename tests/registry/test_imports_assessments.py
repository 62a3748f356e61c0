"""Import of poverty assessments: scored with the active ruleset, one per household."""

from __future__ import annotations

from datetime import date

import pytest

from registry import scoring
from registry.imports.assessments import active_ruleset
from registry.models import Assessment, HouseholdEvent
from registry.services import household_register
from tests.registry.factories import KELURAHAN_DEPOK, family_members, make_kk
from tests.registry.test_imports_support import (
    commit,
    csv_bytes,
    errors_by_row,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
    preview,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules() -> scoring.Ruleset:
    return active_ruleset()[1]


def registered(kk: int):
    return household_register(
        actor=None,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=1,
        address="Jl. Nusa 1",
        kk_number=make_kk(kk),
        members=family_members(),
    ).household


def poorest(rules: scoring.Ruleset) -> dict[str, str]:
    """For every parameter, the option worth the most points."""
    return {p.code: max(p.options, key=lambda option: option.score).code for p in rules.parameters}


def assessment_file(rules: scoring.Ruleset, rows: list[dict[str, str]]) -> bytes:
    header = ["no_kk", "nomor_registrasi", "tanggal", *(p.code for p in rules.parameters)]
    return csv_bytes([{key: row.get(key, "") for key in header} for row in rows], header)


def test_assessments_are_scored_written_and_reimport_is_a_no_op(dinsos_operator, rules):
    first, second = registered(1), registered(2)
    answers = poorest(rules)
    rows = [
        {"no_kk": make_kk(1), "tanggal": "2026-02-14", **answers},
        {"nomor_registrasi": second.registry_number, "tanggal": "14-02-2026", **answers},
    ]
    content = assessment_file(rules, rows)

    checked = preview(dinsos_operator, "assessments", content)
    assert checked.result["assessments_new"] == 2 and not Assessment.objects.exists()
    commit(dinsos_operator, checked)

    expected = scoring.score(rules, answers)
    for household in (first, second):
        household.refresh_from_db()
        assessment = Assessment.objects.current().get(household=household)
        assert assessment.source == Assessment.Source.IMPORT
        assert assessment.assessor == dinsos_operator
        assert assessment.score == expected.total
        assert household.poverty_class == expected.poverty_class
        assert household.assessed_on == date(2026, 2, 14)
    assert HouseholdEvent.objects.filter(kind=HouseholdEvent.Kind.ASSESSED).count() == 2

    again = preview(dinsos_operator, "assessments", content)
    commit(dinsos_operator, again)
    assert again.result["assessments_unchanged"] == 2
    assert Assessment.objects.count() == 2
    assert HouseholdEvent.objects.filter(kind=HouseholdEvent.Kind.ASSESSED).count() == 2


def test_a_new_assessment_becomes_current_and_the_old_one_stays(dinsos_operator, rules):
    household = registered(1)
    answers = poorest(rules)
    first = {"no_kk": make_kk(1), "tanggal": "2026-01-10", **answers}
    commit(
        dinsos_operator, preview(dinsos_operator, "assessments", assessment_file(rules, [first]))
    )
    later = {**first, "tanggal": "2026-03-10"}
    later[rules.parameters[0].code] = rules.parameters[0].options[-1].code

    commit(
        dinsos_operator, preview(dinsos_operator, "assessments", assessment_file(rules, [later]))
    )

    assert Assessment.objects.filter(household=household).count() == 2
    current = Assessment.objects.current().get(household=household)
    assert current.assessed_on == date(2026, 3, 10)


def test_bad_assessment_rows_are_listed(dinsos_operator, rules):
    registered(1)
    answers = poorest(rules)
    first_code = rules.parameters[0].code
    rows = [
        {"no_kk": make_kk(1), "tanggal": "2026-02-14", **answers, first_code: "mewah"},  # row 2
        {"no_kk": make_kk(9), "tanggal": "2026-02-14", **answers},  # row 3: nobody holds it
        {"nomor_registrasi": "KDS-12", "tanggal": "2030-01-01", **answers},  # row 4: future
        {"no_kk": make_kk(1), "tanggal": "2026-02-14", **answers},  # row 5: good
        {"no_kk": make_kk(1), "tanggal": "2026-02-15", **answers},  # row 6: twice
    ]

    checked = preview(dinsos_operator, "assessments", assessment_file(rules, rows))
    commit(dinsos_operator, checked)

    errors = errors_by_row(checked)
    assert set(errors) == {2, 3, 4, 6}
    assert first_code in dict(errors[2]) and "mewah" in dict(errors[2])[first_code]
    assert "no_kk" in dict(errors[3])
    assert "tanggal" in dict(errors[4])
    assert Assessment.objects.count() == 1
