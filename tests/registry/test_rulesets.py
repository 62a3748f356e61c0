from __future__ import annotations

import copy
import json
import random
import re
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from depok_kds import job_chunks
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.job_chunks import chunks_requeue_stale, job_chunk_claim, job_chunk_run
from depok_kds.jobs import job_run
from depok_kds.models import AuditEntry, Job, JobChunk, User
from registry import rescore, scoring
from registry.models import Assessment, Household, Ruleset
from registry.services import (
    assessment_record,
    ruleset_activate,
    ruleset_create,
    ruleset_simulate,
)
from registry.services.assessments import contributions_json
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU
from tests.registry.test_services_assessments import (
    POOR_24,
    PROVISIONAL,
    answers,
    record,
    register,
)

pytestmark = pytest.mark.django_db


def draft_definition(version: str = "TEST-2026.2", **changes: Any) -> dict[str, Any]:
    """The provisional rules under another version, with `changes` to the top-level keys."""
    definition = copy.deepcopy(PROVISIONAL)
    definition.update(version=version, is_provisional=False, **changes)
    return definition


def with_points(definition: dict[str, Any], parameter: str, option: str, score: float) -> None:
    target = next(p for p in definition["parameters"] if p["code"] == parameter)
    next(o for o in target["options"] if o["code"] == option)["score"] = score


PARAMETER_ORDER = [parameter["code"] for parameter in PROVISIONAL["parameters"]]


def fan_out(job: Job, *, chunk_size: int = 2) -> list[int]:
    """Run the re-scoring job's own task: it plans the chunks and queues them (returned)."""
    Job.objects.filter(pk=job.pk).update(params={**job.params, "chunk_size": chunk_size})
    queued: list[int] = []
    with patch.object(job_chunks, "job_chunk_task", SimpleNamespace(delay=queued.append)):
        job_run(job_id=job.pk, handler=rescore.rescore)
    return queued


def run_job(job: Job, *, chunk_size: int = 2) -> Job:
    """Run the re-scoring job as workers would, its chunks taken in any order."""
    for chunk_id in reversed(fan_out(job, chunk_size=chunk_size)):
        job_chunk_run(chunk_id=chunk_id)
    return Job.objects.get(pk=job.pk)


# --- create ----------------------------------------------------------------------------------


def test_create_loads_a_draft_and_audits_it(dinsos_admin: User) -> None:
    ruleset = ruleset_create(actor=dinsos_admin, definition=draft_definition())
    assert ruleset.status == Ruleset.Status.DRAFT
    assert (ruleset.version, ruleset.is_provisional) == ("TEST-2026.2", False)
    assert ruleset.definition["thresholds"] == {"miskin": 26, "rentan": 14}
    entry = AuditEntry.objects.get(action="ruleset.create")
    assert entry.actor == dinsos_admin and entry.after["version"] == "TEST-2026.2"


def test_invalid_definition_is_refused_with_every_reason(dinsos_admin: User) -> None:
    definition = draft_definition(
        version=PROVISIONAL["version"], thresholds={"miskin": 10, "rentan": 20}
    )
    with pytest.raises(DomainError) as refused:
        ruleset_create(actor=dinsos_admin, definition=definition)
    reasons = refused.value.details["errors"]
    assert len(reasons) == 2
    assert reasons[0].startswith("thresholds:")  # the scoring module's own words
    assert PROVISIONAL["version"] in reasons[1]  # the version is taken
    assert Ruleset.objects.count() == 1


@pytest.mark.parametrize(
    ("definition", "problem"),
    [
        ([1, 2], None),
        ({"version": "X"}, "basis"),
        ({**PROVISIONAL, "version": "X", "parameters": []}, "parameters"),
    ],
)
def test_malformed_definitions_are_refused(
    dinsos_admin: User, definition: Any, problem: str | None
) -> None:
    with pytest.raises(DomainError) as refused:
        ruleset_create(actor=dinsos_admin, definition=definition)
    assert refused.value.code == "invalid_ruleset"
    if problem:
        assert problem in refused.value.details["errors"][0]


def test_only_dinsos_admin_may_create_or_activate(
    dinsos_operator: User, puskesos_a: User, dinsos_admin: User
) -> None:
    for outsider in (dinsos_operator, puskesos_a):
        with pytest.raises(Forbidden):
            ruleset_create(actor=outsider, definition=draft_definition())
    draft = ruleset_create(actor=dinsos_admin, definition=draft_definition())
    with pytest.raises(Forbidden):
        ruleset_activate(actor=dinsos_operator, ruleset=draft)
    draft.refresh_from_db()
    assert draft.status == Ruleset.Status.DRAFT


# --- simulate --------------------------------------------------------------------------------


def test_simulate_counts_transitions_and_writes_nothing(
    dinsos_admin: User, django_assert_max_num_queries: Any
) -> None:
    # Under the provisional rules: 26 points miskin, 24 rentan, 13 and 0 tidak miskin.
    cases = [
        (KELURAHAN_DEPOK, {**POOR_24, "dependants": "two_to_three", "sewage": "pit"}),
        (KELURAHAN_DEPOK, POOR_24),
        (KELURAHAN_DEPOK, {"income": "below_poverty_line", "roof": "damaged"}),
        (KELURAHAN_TUGU, {}),
        (KELURAHAN_TUGU, POOR_24),
    ]
    for kk, (kelurahan, chosen) in enumerate(cases, start=1):
        record(None, register(kelurahan=kelurahan, kk=kk), answers=answers(**chosen))
    # Lower thresholds: 24 becomes miskin, 13 becomes rentan.
    draft = ruleset_create(
        actor=dinsos_admin, definition=draft_definition(thresholds={"miskin": 24, "rentan": 12})
    )
    before = (Assessment.objects.count(), AuditEntry.objects.count())
    households = list(Household.objects.values_list("pk", "poverty_class", "updated_at"))

    with django_assert_max_num_queries(3):
        simulation = ruleset_simulate(ruleset=draft)

    city = simulation.city
    assert city.total == 5 and city.changed == 3 and city.unscorable == 0
    assert city.count("miskin", "miskin") == 1
    assert city.count("rentan", "miskin") == 2
    assert city.count("tidak_miskin", "rentan") == 1
    assert city.count("tidak_miskin", "tidak_miskin") == 1
    depok, tugu = simulation.kelurahan
    assert (depok.code, depok.name, depok.changed) == (KELURAHAN_DEPOK, "Depok", 2)
    assert (tugu.code, tugu.changed, tugu.count("rentan", "miskin")) == (KELURAHAN_TUGU, 1, 1)
    assert simulation.chart_rows() == [("Depok", [2.0, 0.0]), ("Tugu", [1.0, 0.0])]
    assert (city.poorer, city.less_poor) == (3, 0)
    assert city.matrix()[1][1:] == ([2, 0, 0, 0], 2)  # rentan now: both would be miskin
    assert (Assessment.objects.count(), AuditEntry.objects.count()) == before
    assert list(Household.objects.values_list("pk", "poverty_class", "updated_at")) == households


def test_simulate_agrees_with_the_scoring_module(dinsos_admin: User) -> None:
    rng = random.Random(31)
    provisional = scoring.load_provisional_ruleset()
    definition = draft_definition(thresholds={"miskin": 21.5, "rentan": 9})
    with_points(definition, "income", "near_poverty_line", 7.5)
    with_points(definition, "floor", "cement", 0)
    definition["parameters"][3]["weight"] = 1.5
    # A household answering "vendor" for water cannot be scored under the draft.
    water = next(p for p in definition["parameters"] if p["code"] == "water")
    water["options"] = [o for o in water["options"] if o["code"] != "vendor"]
    draft = ruleset_create(actor=dinsos_admin, definition=definition)
    rules = scoring.load_ruleset(definition)
    expected: Counter[tuple[str, str, str]] = Counter()
    for kk in range(1, 61):
        kelurahan = rng.choice([KELURAHAN_DEPOK, KELURAHAN_TUGU])
        chosen = {p.code: rng.choice(p.options).code for p in provisional.parameters}
        assessment = record(None, register(kelurahan=kelurahan, kk=kk), answers=chosen)
        try:
            new = scoring.score(rules, chosen).poverty_class
        except scoring.ScoringError:
            new = "unscorable"
        expected[(kelurahan, assessment.poverty_class, new)] += 1

    simulation = ruleset_simulate(ruleset=draft)

    found = Counter(
        {
            (area.code, old, new): n
            for area in simulation.kelurahan
            for (old, new), n in area.counts.items()
        }
    )
    assert found == expected
    assert simulation.city.unscorable == sum(
        n for (_k, _o, new), n in expected.items() if new == "unscorable"
    )
    assert simulation.city.unscorable > 0


# --- activate and re-score -------------------------------------------------------------------


@pytest.fixture
def scored_households() -> list[Household]:
    """Seven households under the provisional rules, three of them rentan at 24 points."""
    chosen = [POOR_24, POOR_24, POOR_24, {}, {"income": "low"}, {}, {"income": "adequate"}]
    households = []
    for kk, choice in enumerate(chosen, start=1):
        household = register(kelurahan=KELURAHAN_DEPOK if kk % 2 else KELURAHAN_TUGU, kk=kk)
        record(None, household, answers=answers(**choice))
        households.append(household)
    return households


@pytest.fixture
def stricter(dinsos_admin: User) -> Ruleset:
    """Income below the poverty line worth 12: 24 points become 26, miskin."""
    definition = draft_definition()
    with_points(definition, "income", "below_poverty_line", 12)
    return ruleset_create(actor=dinsos_admin, definition=definition)


def test_activate_rescores_every_household_and_keeps_history(
    dinsos_admin: User, scored_households: list[Household], stricter: Ruleset
) -> None:
    provisional = Ruleset.objects.get(version=PROVISIONAL["version"])

    job = ruleset_activate(actor=dinsos_admin, ruleset=stricter)

    stricter.refresh_from_db()
    provisional.refresh_from_db()
    assert stricter.status == Ruleset.Status.ACTIVE and stricter.activated_by == dinsos_admin
    assert provisional.status == Ruleset.Status.RETIRED
    assert job.kind == "registry.rescore" and job.requested_by == dinsos_admin
    assert AuditEntry.objects.get(action="ruleset.activate").after["job_id"] == job.pk

    finished = run_job(job)

    assert finished.status == Job.Status.SUCCEEDED, finished.error_message
    assert finished.done == finished.total == 7
    assert finished.result["changed_class"] == 3
    assert finished.result["transitions"]["rentan>miskin"] == 3
    for household in scored_households:
        current = Assessment.objects.current().get(household=household)
        assert current.ruleset == stricter and current.source == "rescore"
        old = Assessment.objects.with_is_current().get(household=household, is_current=False)
        assert old.ruleset == provisional
        assert current.answers == old.answers and current.assessed_on == old.assessed_on
        # What the scoring module says, stored the way a recorded assessment stores it.
        expected = scoring.score(scoring.load_ruleset(stricter.definition), current.answers)
        assert current.score == expected.total
        assert current.poverty_class == expected.poverty_class
        assert current.contributions == contributions_json(expected)
        assert [c["parameter"] for c in current.contributions] == PARAMETER_ORDER
        household.refresh_from_db()
        assert household.poverty_class == current.poverty_class
        assert household.poverty_score == current.score
    assert Household.objects.filter(poverty_class="miskin").count() == 3
    # A new assessment is scored with the new version.
    again = assessment_record(
        actor=dinsos_admin,
        household_id=scored_households[0].pk,
        answers=answers(**POOR_24),
        source="field_visit",
    )
    assert again.ruleset == stricter and again.poverty_class == "miskin"


def test_rescoring_resumes_after_a_killed_worker_without_duplicates(
    dinsos_admin: User, scored_households: list[Household], stricter: Ruleset
) -> None:
    job = ruleset_activate(actor=dinsos_admin, ruleset=stricter)
    queued = fan_out(job, chunk_size=2)
    assert len(queued) == 4  # 7 households, 2 a chunk

    job_chunk_run(chunk_id=queued[0])
    # A worker takes the second chunk and is killed before its transaction commits.
    assert job_chunk_claim(chunk_id=queued[1]) is not None
    for chunk_id in queued[2:]:
        job_chunk_run(chunk_id=chunk_id)
    assert Assessment.objects.filter(ruleset=stricter).count() == 5
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING

    # Its lease runs out; the sweeper queues it again and another worker takes it.
    JobChunk.objects.filter(pk=queued[1]).update(lease_until=timezone.now() - timedelta(seconds=1))
    again: list[int] = []
    with patch.object(job_chunks, "job_chunk_task", SimpleNamespace(delay=again.append)):
        assert chunks_requeue_stale() == 1
    job_chunk_run(chunk_id=again[0])

    finished = Job.objects.get(pk=job.pk)
    assert finished.status == Job.Status.SUCCEEDED, finished.error_message
    assert finished.done == finished.total == 7
    assert finished.result["households"] == 7 and finished.result["changed_class"] == 3
    assert Assessment.objects.filter(ruleset=stricter).count() == 7
    assert Assessment.objects.current().count() == 7
    assert Assessment.objects.count() == 14


def test_a_rerun_that_lost_its_checkpoint_changes_nothing(
    dinsos_admin: User, scored_households: list[Household], stricter: Ruleset
) -> None:
    job = ruleset_activate(actor=dinsos_admin, ruleset=stricter)
    run_job(job)
    rows = list(Assessment.objects.with_is_current().order_by("pk").values_list("pk", "is_current"))

    JobChunk.objects.filter(job=job).delete()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.QUEUED, done=0, total=0, result={}, lease_until=None
    )
    rerun = run_job(job, chunk_size=3)

    assert rerun.status == Job.Status.SUCCEEDED
    assert rerun.result["households"] == 0
    assert (
        list(Assessment.objects.with_is_current().order_by("pk").values_list("pk", "is_current"))
        == rows
    )


def test_an_officer_saving_a_form_meets_a_chunk_at_the_household(
    dinsos_admin: User, scored_households: list[Household], stricter: Ruleset
) -> None:
    """A household assessed under the new version before its chunk runs is left as it is."""
    job = ruleset_activate(actor=dinsos_admin, ruleset=stricter)
    queued = fan_out(job, chunk_size=7)
    fresh = assessment_record(
        actor=dinsos_admin,
        household_id=scored_households[0].pk,
        answers=answers(**POOR_24),
        source="field_visit",
    )
    job_chunk_run(chunk_id=queued[0])

    finished = Job.objects.get(pk=job.pk)
    assert finished.result["households"] == 6
    assert Assessment.objects.current().get(household=scored_households[0]) == fresh
    assert Assessment.objects.current().filter(ruleset=stricter).count() == 7


def test_the_plan_counts_only_households_not_yet_under_the_ruleset(
    dinsos_admin: User, scored_households: list[Household], stricter: Ruleset
) -> None:
    ruleset_activate(actor=dinsos_admin, ruleset=stricter)
    fresh = scored_households[2]
    assessment_record(
        actor=dinsos_admin, household_id=fresh.pk, answers=answers(), source="field_visit"
    )
    waiting = sorted(household.pk for household in scored_households if household != fresh)

    chunks = rescore.chunk_ranges(ruleset=stricter, size=4)

    assert chunks == [(0, waiting[3], 4), (waiting[3], waiting[5], 2)]


def test_a_chunk_is_the_same_few_statements_for_few_households_or_many(
    dinsos_admin: User, scored_households: list[Household], stricter: Ruleset
) -> None:
    """Set-based: a chunk of two households and one of five run the same statements."""
    ruleset_activate(actor=dinsos_admin, ruleset=stricter)
    ids = sorted(household.pk for household in scored_households)
    statements = []
    for after, last, households in ((0, ids[1], 2), (ids[1], ids[-1], 5)):
        with CaptureQueriesContext(connection) as captured:
            chunk = rescore.rescore_chunk(ruleset=stricter, after=after, last=last)
        assert chunk.taken == chunk.rescored == households
        # The statements, their ids and savepoint names aside.
        statements.append([re.sub(r"\d+", "N", query["sql"]) for query in captured])
    assert statements[0] == statements[1] and len(statements[0]) <= 14
    assert Assessment.objects.current().filter(ruleset=stricter).count() == 7
    assert Assessment.objects.filter(ruleset=stricter).count() == 7


def test_households_whose_answers_do_not_fit_are_reported_and_kept(
    dinsos_admin: User, scored_households: list[Household]
) -> None:
    definition = draft_definition()
    income = definition["parameters"][0]
    income["options"] = [o for o in income["options"] if o["code"] != "low"]
    draft = ruleset_create(actor=dinsos_admin, definition=definition)

    finished = run_job(ruleset_activate(actor=dinsos_admin, ruleset=draft))

    assert finished.result["unscorable"] == 1 and finished.result["rescored"] == 6
    misfit = scored_households[4]
    assert [(e["row"], e["column"]) for e in finished.error_rows] == [
        (misfit.registry_number, "answers")
    ]
    assert draft.version in finished.error_rows[0]["reason"]
    assert (
        Assessment.objects.current().get(household=misfit).ruleset.version
        == (PROVISIONAL["version"])
    )


def test_activation_is_refused_for_non_drafts_and_while_rescoring(
    dinsos_admin: User, scored_households: list[Household], stricter: Ruleset
) -> None:
    provisional = Ruleset.objects.get(version=PROVISIONAL["version"])
    with pytest.raises(Conflict):
        ruleset_activate(actor=dinsos_admin, ruleset=provisional)  # active, not a draft
    ruleset_activate(actor=dinsos_admin, ruleset=stricter)  # its job is queued
    third = ruleset_create(actor=dinsos_admin, definition=draft_definition(version="TEST-3"))
    with pytest.raises(Conflict) as refused:
        ruleset_activate(actor=dinsos_admin, ruleset=third)
    assert refused.value.code == "rescore_running"
    third.refresh_from_db()
    assert third.status == Ruleset.Status.DRAFT


def test_a_superseded_job_stops(
    dinsos_admin: User, scored_households: list[Household], stricter: Ruleset
) -> None:
    job = ruleset_activate(actor=dinsos_admin, ruleset=stricter)
    Ruleset.objects.filter(pk=stricter.pk).update(status=Ruleset.Status.RETIRED)

    finished = run_job(job)

    assert finished.result["superseded"] is True and finished.result["households"] == 0
    assert not Assessment.objects.filter(ruleset=stricter).exists()


# --- the admin ---------------------------------------------------------------------------------


def test_admin_adds_a_version_through_the_service(client: Client, dinsos_admin: User) -> None:
    client.force_login(dinsos_admin)
    add = reverse("admin:registry_ruleset_add")
    file = SimpleUploadedFile("rules.json", json.dumps(draft_definition()).encode())

    response = client.post(add, {"file": file})

    draft = Ruleset.objects.get(version="TEST-2026.2")
    assert response.status_code == 302 and draft.status == Ruleset.Status.DRAFT
    assert AuditEntry.objects.filter(action="ruleset.create", actor=dinsos_admin).exists()
    change = reverse("admin:registry_ruleset_change", args=[draft.pk])
    assert "TEST-2026.2" in client.get(change).content.decode()
    assert client.post(change, {"version": "X"}).status_code == 403


def test_admin_refuses_an_invalid_version_with_its_reasons(
    client: Client, dinsos_admin: User
) -> None:
    client.force_login(dinsos_admin)
    bad = draft_definition(thresholds={"miskin": 99, "rentan": 14})
    file = SimpleUploadedFile("rules.json", json.dumps(bad).encode())

    response = client.post(reverse("admin:registry_ruleset_add"), {"file": file})

    assert response.status_code == 200
    assert "thresholds.miskin" in response.content.decode()
    assert Ruleset.objects.count() == 1


def test_admin_lists_assessments_read_only(client: Client, dinsos_admin: User) -> None:
    assessment = record(None, register())
    client.force_login(dinsos_admin)
    listing = client.get(reverse("admin:registry_assessment_changelist")).content.decode()
    assert assessment.household.registry_number in listing
    change = reverse("admin:registry_assessment_change", args=[assessment.pk])
    assert client.post(change, {"score": "1"}).status_code == 403
