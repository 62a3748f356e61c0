from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone, translation

from depok_kds.errors import DomainError
from depok_kds.models import AuditEntry, User
from registry.models import Assessment, CurrentAssessment, Household, HouseholdEvent
from registry.scoring import PROVISIONAL_RULESET_PATH
from registry.selectors import assessment_current, assessment_explain, assessment_history
from registry.services import assessment_record, household_register
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU, family_members, make_kk

pytestmark = pytest.mark.django_db

PROVISIONAL = json.loads(PROVISIONAL_RULESET_PATH.read_text(encoding="utf-8"))
# Every parameter answered with its 0-point option: a household that is not poor at all.
NOT_POOR = {
    parameter["code"]: min(parameter["options"], key=lambda option: option["score"])["code"]
    for parameter in PROVISIONAL["parameters"]
}
# 10 + 5 + 5 + 4 = 24 points (miskin from 26, rentan from 14 in the provisional rules).
POOR_24 = {
    "income": "below_poverty_line",
    "tenure": "no_right",
    "education_access": "dropped_out",
    "floor": "earth_bamboo",
}


def answers(**chosen: str) -> dict[str, str]:
    return {**NOT_POOR, **chosen}


def register(*, kelurahan: str = KELURAHAN_DEPOK, kk: int = 1) -> Household:
    kecamatan = kelurahan[:8].replace(".", "")
    return household_register(
        actor=None,
        kelurahan_code=kelurahan,
        rw=2,
        rt=3,
        address="Jl. Dahlia 4",
        kk_number=make_kk(kk, kecamatan=kecamatan),
        members=family_members(),
    ).household


def record(actor: User | None, household: Household, **kwargs: Any) -> Assessment:
    return assessment_record(
        actor=actor,
        household_id=household.pk,
        answers=kwargs.pop("answers", answers(**POOR_24)),
        source=kwargs.pop("source", Assessment.Source.FIELD_VISIT),
        **kwargs,
    )


def test_record_scores_stores_and_updates_the_household(puskesos_a: User) -> None:
    household = register()

    assessment = record(puskesos_a, household, assessed_on=date(2026, 3, 2))

    assert assessment_current(household=household) == assessment
    assert assessment.source == "field_visit"
    assert assessment.ruleset.version == "PROVISIONAL-2026.1"
    assert (assessment.score, assessment.max_score) == (Decimal(24), Decimal(62))
    assert assessment.poverty_class == "rentan"
    assert assessment.answers == answers(**POOR_24)
    assert assessment.assessor == puskesos_a
    assert assessment.contributions[0] == {
        "parameter": "income",
        "option": "below_poverty_line",
        "points": 10,
    }
    assert len(assessment.contributions) == 14
    household.refresh_from_db()
    assert household.poverty_class == "rentan"
    assert household.poverty_score == Decimal("24.00")
    assert household.assessed_on == date(2026, 3, 2)
    event = HouseholdEvent.objects.get(household=household, kind="assessed")
    assert event.details["poverty_class"] == "rentan" and event.actor == puskesos_a
    audit = AuditEntry.objects.get(action="assessment.record")
    assert audit.target_id == str(assessment.pk) and audit.before is None
    assert audit.after["poverty_class"] == "rentan"
    # The stored row explains itself in the scoring module's Indonesian sentences.
    sentences = assessment_explain(assessment)
    assert sentences[0].startswith("Skor 24 dari 62: kelas Rentan Miskin")
    assert "Penghasilan rata-rata per bulan" in sentences[1]
    assert "sementara" in sentences[-1]  # the provisional note


def test_record_again_moves_current_and_keeps_history(dinsos_operator: User) -> None:
    household = register()
    first = record(dinsos_operator, household, assessed_on=date(2026, 1, 5))

    second = record(
        dinsos_operator,
        household,
        answers=answers(**POOR_24, dependants="two_to_three", sewage="pit"),
        source=Assessment.Source.SELF_REPORT,
    )

    assert list(Assessment.objects.current().filter(household=household)) == [second]
    assert first.pk != second.pk
    assert Assessment.objects.filter(household=household).count() == 2
    assert second.poverty_class == "miskin"
    household.refresh_from_db()
    assert household.poverty_class == "miskin" and household.assessed_on == timezone.localdate()
    audit = AuditEntry.objects.filter(action="assessment.record").latest("pk")
    assert audit.before["assessment_id"] == first.pk
    # The previous row is history, as it was recorded: only the mark moved.
    history = list(assessment_history(household=household).values_list("pk", "is_current"))
    assert history == [(second.pk, True), (first.pk, False)]


def test_the_database_keeps_one_current_assessment_of_the_household_itself(
    dinsos_operator: User,
) -> None:
    household, other = register(kk=1), register(kk=2)
    own = record(dinsos_operator, household)
    foreign = record(dinsos_operator, other)

    # A second current assessment of one household: refused by the primary key.
    with pytest.raises(IntegrityError), transaction.atomic():
        CurrentAssessment.objects.create(household=household, assessment=own)
    # Another household's assessment as the current one: refused by the (household,
    # assessment) foreign key, checked here at once rather than at commit.
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        CurrentAssessment.objects.filter(household=household).update(assessment=foreign)
    assert assessment_current(household=household) == own


@pytest.mark.parametrize(
    ("chosen", "points", "poverty_class"),
    [
        ({**POOR_24, "dependants": "two_to_three", "sewage": "pit"}, 26, "miskin"),
        ({**POOR_24, "sewage": "pit"}, 25, "rentan"),
        ({"income": "below_poverty_line", "floor": "earth_bamboo"}, 14, "rentan"),
        ({"income": "below_poverty_line", "roof": "damaged"}, 13, "tidak_miskin"),
    ],
)
def test_class_at_the_thresholds(
    dinsos_operator: User, chosen: dict[str, str], points: int, poverty_class: str
) -> None:
    assessment = record(dinsos_operator, register(), answers=answers(**chosen))
    assert assessment.score == points
    assert assessment.poverty_class == poverty_class


def test_unknown_option_is_refused_naming_the_parameter(dinsos_operator: User) -> None:
    household = register()
    with translation.override("en"), pytest.raises(DomainError) as refused:
        record(dinsos_operator, household, answers=answers(floor="marmer"))
    assert refused.value.code == "unknown_option"
    assert refused.value.details["field"] == "floor"
    assert "'marmer'" in str(refused.value.message)
    assert "Floor type" in str(refused.value.message)  # the ruleset's English label
    assert not Assessment.objects.exists()
    household.refresh_from_db()
    assert household.poverty_class == ""


def test_missing_answer_is_refused_naming_the_parameter(dinsos_operator: User) -> None:
    incomplete = answers()
    del incomplete["medical_cost"]
    with pytest.raises(DomainError) as refused:
        record(dinsos_operator, register(), answers=incomplete)
    assert refused.value.code == "missing_answer"
    assert refused.value.details["parameters"] == ["medical_cost"]
    # Indonesian by default: the parameter is named with the ruleset's Indonesian label.
    assert "Kesanggupan biaya pengobatan" in str(refused.value.message)


def test_unknown_parameter_is_refused(dinsos_operator: User) -> None:
    with pytest.raises(DomainError) as refused:
        record(dinsos_operator, register(), answers=answers(savings="none"))
    assert refused.value.code == "unknown_parameter"
    assert "savings" in str(refused.value.message)


def test_puskesos_of_another_kelurahan_is_refused(puskesos_a: User, puskesos_b: User) -> None:
    household = register(kelurahan=KELURAHAN_TUGU)
    with pytest.raises(Http404):
        record(puskesos_a, household)
    recorded = record(puskesos_b, household)
    assert assessment_current(household=household) == recorded
    assert not Assessment.objects.filter(assessor=puskesos_a).exists()


def test_dates_and_sources_are_checked(dinsos_operator: User) -> None:
    household = register()
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(DomainError) as future:
        record(dinsos_operator, household, assessed_on=tomorrow)
    assert future.value.details == {"field": "assessed_on"}
    with pytest.raises(DomainError) as rescore:
        record(dinsos_operator, household, source=Assessment.Source.RESCORE)
    assert rescore.value.code == "invalid_source"
    record(dinsos_operator, household, assessed_on=date(2026, 2, 1))
    with pytest.raises(DomainError) as older:
        record(dinsos_operator, household, assessed_on=date(2026, 1, 31))
    assert older.value.code == "invalid_date"
    assert Assessment.objects.filter(household=household).count() == 1


def test_record_takes_a_fixed_number_of_queries(
    dinsos_operator: User, django_assert_max_num_queries: Any
) -> None:
    household = register()
    record(dinsos_operator, household)
    with django_assert_max_num_queries(14):
        record(dinsos_operator, household)
