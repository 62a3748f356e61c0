"""Each scorecard measure finds the cases planted for it and nothing in a clean household;
the snapshot writes one count per kelurahan per measure and replaces a same-day count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from depok_kds.jobs import job_run
from depok_kds.models import Job
from programs.scorecard.measures import MEASURES
from programs.scorecard.models import ScorecardCount
from programs.scorecard.selectors import scorecard_items
from programs.scorecard.services import scorecard_snapshot_take
from programs.scorecard.tasks import KIND, scorecard_snapshot_job
from registry.dukcapil.models import MatchOutcome, MatchRun
from registry.models import DesilRecord, Household, Person
from registry.nik import today_wib
from tests.overlap.factories import enrol
from tests.registry.factories import (
    KELURAHAN_DEPOK,
    KELURAHAN_TUGU,
    HouseholdFactory,
    PersonFactory,
    make_nik,
)

pytestmark = pytest.mark.django_db
TODAY = today_wib()


def _outcome(person: Person, outcome: str, review: str = "not_needed") -> MatchOutcome:
    job = Job.objects.create(kind="dukcapil.match")
    run = MatchRun.objects.create(job=job, source="web_service", scope="all")
    return MatchOutcome.objects.create(
        run=run,
        person=person,
        outcome=outcome,
        score=1.0,
        review_status=review,
        kelurahan_code=person.household.kelurahan_id if person.household_id else "",
        candidate_nik=person.nik if outcome == "nik_mistyped" else None,
    )


def _household(kelurahan: str = KELURAHAN_DEPOK) -> Household:
    """A household with nothing to fix: assessed this year, a current desil."""
    return HouseholdFactory(
        kelurahan_id=kelurahan, assessed_on=TODAY, desil=3, desil_period="2026Q1"
    )


def _member(household: Household | None = None, **fields: object) -> Person:
    """A member whose NIK agrees with sex and birth date and was confirmed by Dukcapil."""
    person = PersonFactory(household=household or _household(), **fields)
    if person.nik is not None:
        _outcome(person, "matched")
    return person


def _found(measure: str, user: object, kelurahan: str = KELURAHAN_DEPOK) -> set[tuple[int, str]]:
    items, _more = scorecard_items(user=user, measure=measure, kelurahan=kelurahan)
    return {(item.person_id or 0, item.detail) for item in items}


@pytest.fixture
def clean(dinsos_admin: object) -> Person:
    return _member()


def test_member_without_nik(dinsos_admin, clean):
    planted = PersonFactory(household=_household(), nik=None, nik_status="missing")
    dead = PersonFactory(household=_household(), nik=None, nik_status="missing", is_deceased=True)
    assert _found("nik_missing", dinsos_admin) == {(planted.pk, "missing")}
    assert dead.pk not in {p for p, _d in _found("nik_missing", dinsos_admin)}


def test_nik_not_confirmed_by_dukcapil(dinsos_admin, clean):
    never = PersonFactory(household=_household())
    not_found = PersonFactory(household=_household())
    _outcome(not_found, "not_found")
    later_confirmed = PersonFactory(household=_household())
    _outcome(later_confirmed, "not_found")
    _outcome(later_confirmed, "matched")
    assert _found("nik_unconfirmed", dinsos_admin) == {
        (never.pk, "never_matched"),
        (not_found.pk, "not_found"),
    }


def test_nik_disagreeing_with_sex_or_birth_date(dinsos_admin, clean):
    born = date(1980, 5, 17)
    wrong_sex = _member(sex="F", birth_date=born, nik=make_nik(born, "M", 11))
    wrong_date = _member(birth_date=born, nik=make_nik(date(1980, 5, 18), "M", 12))
    woman = _member(sex="F", birth_date=born, nik=make_nik(born, "F", 13))
    found = _found("nik_disagrees", dinsos_admin)
    assert found == {(wrong_sex.pk, "sex"), (wrong_date.pk, "birth_date")}
    assert woman.pk not in {p for p, _d in found}


def test_damaged_nik(dinsos_admin, clean):
    zero_serial = _member(nik="3276011705800000")
    bad_month = _member(nik="3276011713800001")
    unknown_region = _member(nik="9999011705800001")
    mistyped = PersonFactory(household=_household())
    _outcome(mistyped, "nik_mistyped", "pending")
    kept = _member(nik=None, nik_status="missing", nik_unverified="3276991705800001")
    _member(nik=None, nik_status="missing")  # nothing typed: missing, not damaged
    assert _found("nik_damaged", dinsos_admin) == {
        (kept.pk, "kept_as_typed"),
        (zero_serial.pk, "structure"),
        (bad_month.pk, "structure"),
        (unknown_region.pk, "structure"),
        (mistyped.pk, "nik_mistyped"),
    }


def test_household_never_or_long_ago_assessed(dinsos_admin, clean):
    never = HouseholdFactory(assessed_on=None, desil=3, desil_period="2026Q1")
    old = HouseholdFactory(assessed_on=TODAY - timedelta(days=400), desil=3, desil_period="2026Q1")
    HouseholdFactory(assessed_on=TODAY - timedelta(days=300), desil=3, desil_period="2026Q1")
    items, _ = scorecard_items(
        user=dinsos_admin, measure="assessment_stale", kelurahan=KELURAHAN_DEPOK
    )
    assert {(i.household_id, i.detail) for i in items} == {(never.pk, "never"), (old.pk, "old")}
    assert items[0].fix_url.endswith("/assess/")


def test_household_without_a_current_desil(dinsos_admin, clean):
    DesilRecord.objects.create(nik="3276011705800001", desil=4, period="2026Q2")
    none = HouseholdFactory(assessed_on=TODAY, desil=None)
    # A ranking holds until a later one replaces it: one of an earlier quarter is current.
    earlier = HouseholdFactory(assessed_on=TODAY, desil=3, desil_period="2026Q1")
    current = HouseholdFactory(assessed_on=TODAY, desil=3, desil_period="2026Q2")
    items, _ = scorecard_items(
        user=dinsos_admin, measure="desil_missing", kelurahan=KELURAHAN_DEPOK
    )
    found = {(i.household_id, i.detail) for i in items}
    assert (none.pk, "none") in found
    assert not {earlier.pk, current.pk, clean.household_id} & {h for h, _d in found}


def test_deceased_or_moved_person_still_enrolled(dinsos_admin, clean):
    enrol(clean, "kis-pbi-apbd")
    dead = _member()
    enrol(dead, "kis-pbi-apbd")
    Person.objects.filter(pk=dead.pk).update(is_deceased=True, death_date=date(2026, 1, 5))
    reported = _member()
    enrol(reported, "kis-pbi-apbd")
    _outcome(reported, "moved_out", "pending")
    assert _found("gone_enrolled", dinsos_admin) == {
        (dead.pk, "deceased_recipient"),
        (reported.pk, "moved_out_recipient"),
    }


def test_one_person_in_two_households(dinsos_admin, clean):
    copy = PersonFactory(
        household=_household(),
        nik=None,
        nik_status="missing",
        full_name=clean.full_name,
        name_normalized=clean.name_normalized,
        birth_date=clean.birth_date,
    )
    assert _found("two_households", dinsos_admin) == {(copy.pk, "copy_without_nik")}


def test_dukcapil_review_items_waiting(dinsos_admin, clean):
    waiting = _member()
    _outcome(waiting, "deceased", "pending")
    decided = _member()
    _outcome(decided, "deceased", "confirmed")
    items, _ = scorecard_items(
        user=dinsos_admin, measure="dukcapil_review", kelurahan=KELURAHAN_DEPOK
    )
    assert {(i.person_id, i.detail) for i in items} == {(waiting.pk, "deceased")}
    assert "/dukcapil/outcomes/" in items[0].fix_url


def test_snapshot_counts_per_kelurahan_and_replaces_a_same_day_count(clean):
    PersonFactory(household=_household(), nik=None, nik_status="missing")
    PersonFactory(household=_household(KELURAHAN_TUGU), nik=None, nik_status="missing")
    scorecard_snapshot_take(on=TODAY)
    PersonFactory(household=_household(), nik=None, nik_status="missing")
    result = scorecard_snapshot_take(on=TODAY)
    depok = ScorecardCount.objects.get(
        on_date=TODAY, kelurahan_code=KELURAHAN_DEPOK, measure="nik_missing"
    )
    assert (depok.count, depok.base) == (2, 3)
    assert result["totals"]["nik_missing"] == 3
    # Every kelurahan has a row for every measure, zeros included.
    assert ScorecardCount.objects.filter(on_date=TODAY).count() == 63 * 9


def test_snapshot_runs_each_measure_in_one_statement(clean, django_assert_max_num_queries):
    with django_assert_max_num_queries(2 + 9):
        scorecard_snapshot_take(on=TODAY)


def test_the_nightly_snapshot_is_scheduled_and_runs_as_a_job(clean, settings):
    assert settings.CELERY_BEAT_SCHEDULE["scorecard-nightly"]["task"] == (
        "scorecard.snapshot_nightly"
    )
    finished = job_run(job_id=Job.objects.create(kind=KIND).pk, handler=scorecard_snapshot_job)
    assert finished is not None and finished.status == Job.Status.SUCCEEDED
    assert finished.done == len(MEASURES)
    assert ScorecardCount.objects.filter(on_date=TODAY, measure="nik_missing").count() == 63
