"""Complaints: tracking numbers, SLA by category, the status path, escalation, appeals
reopening an application; verivali generating visits set-based."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.jobs import Progress, job_claim
from depok_kds.models import Job
from programs.models import Application
from programs.services import application_enrol
from tests.conftest import KELURAHAN_TUGU
from tests.verification.factories import check_of, in_verification
from verification.models import Complaint, FieldVisit, VerivaliRound
from verification.selectors import complaint_public_status
from verification.services import (
    complaint_answer,
    complaint_assign,
    complaint_close,
    complaint_receive,
    complaints_escalate_overdue,
    verdict_record,
)
from verification.services.complaints import TRACKING_ALPHABET
from verification.services.verivali import verivali_generate

pytestmark = pytest.mark.django_db


def _receive(actor, household, **kwargs):
    kwargs.setdefault("kind", "complaint")
    kwargs.setdefault("category", "exclusion")
    return complaint_receive(
        actor=actor,
        channel="puskesos",
        description="Tidak dapat bantuan",
        household_id=household.pk,
        **kwargs,
    )


def test_tracking_numbers_are_random_unambiguous_and_sla_follows_category(puskesos_a):
    household = in_verification().household
    first, second = (
        _receive(puskesos_a, household),
        _receive(puskesos_a, household, category="service"),
    )
    for number in (first.tracking_number, second.tracking_number):
        assert len(number) == 10 and set(number) <= set(TRACKING_ALPHABET)
        assert not set(number) & set("01OIL")
    assert first.tracking_number != second.tracking_number
    assert round((first.due_at - first.created_at).total_seconds() / 86400) == 14
    assert round((second.due_at - second.created_at).total_seconds() / 86400) == 5


def test_complaint_walks_received_in_progress_answered_closed(puskesos_a):
    complaint = _receive(puskesos_a, in_verification().household)
    complaint_assign(actor=puskesos_a, complaint_id=complaint.pk, assignee_id=puskesos_a.pk)
    complaint_answer(
        actor=puskesos_a, complaint_id=complaint.pk, answer="Diusulkan", outcome="referred"
    )
    complaint = complaint_close(actor=puskesos_a, complaint_id=complaint.pk)
    assert complaint.status == "closed"
    assert list(complaint.events.values_list("to_status", flat=True)) == [
        "received",
        "in_progress",
        "answered",
        "closed",
    ]
    with pytest.raises(Conflict):
        complaint_answer(actor=puskesos_a, complaint_id=complaint.pk, answer="x", outcome="upheld")


def test_other_kelurahan_officer_cannot_receive_or_handle(puskesos_a, puskesos_b):
    household = in_verification().household
    with pytest.raises(DomainError):  # as for a household that does not exist
        _receive(puskesos_b, household)
    with pytest.raises(Forbidden):
        complaint_receive(
            actor=puskesos_b, kind="complaint", category="exclusion", channel="puskesos",
            description="Tidak dapat bantuan", kelurahan_code=household.kelurahan_id,
        )  # fmt: skip
    complaint = _receive(puskesos_a, household)
    with pytest.raises(Forbidden):
        complaint_assign(actor=puskesos_b, complaint_id=complaint.pk, assignee_id=puskesos_b.pk)


def test_overdue_complaints_escalate_in_one_pass(puskesos_a):
    household = in_verification().household
    late, fresh = _receive(puskesos_a, household), _receive(puskesos_a, household)
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert complaints_escalate_overdue() == 1
    late.refresh_from_db(), fresh.refresh_from_db()
    assert late.status == "escalated" and fresh.status == "received"
    assert (
        complaint_public_status(tracking_number=late.tracking_number.lower()).status == "escalated"
    )
    assert complaint_public_status(tracking_number="AAAAAAAAAA") is None


def test_an_escalated_complaint_taken_up_gets_a_fresh_deadline(puskesos_a):
    complaint = _receive(puskesos_a, in_verification().household)
    Complaint.objects.filter(pk=complaint.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert complaints_escalate_overdue() == 1
    complaint_assign(actor=puskesos_a, complaint_id=complaint.pk, assignee_id=puskesos_a.pk)
    complaint.refresh_from_db()
    assert complaint.status == "in_progress" and complaint.due_at > timezone.now()
    assert complaints_escalate_overdue() == 0  # not escalated again by the next beat


def test_appeal_reopens_a_rejected_application(puskesos_a, dinsos_admin):
    application = in_verification()
    verdict_record(
        actor=puskesos_a,
        check_id=check_of(application, "poverty").pk,
        passed=False,
        reason="Tidak miskin",
    )
    application.refresh_from_db()
    assert application.state == "rejected"
    appeal = _receive(
        dinsos_admin,
        application.household,
        kind="appeal",
        category="exclusion",
        application_id=application.pk,
    )
    appeal = complaint_answer(
        actor=dinsos_admin, complaint_id=appeal.pk, answer="Dibuka kembali", outcome="reopened"
    )
    reopened = appeal.reopened_application
    assert reopened.pk != application.pk and reopened.state == Application.State.SUBMITTED
    assert reopened.person_id == application.person_id and reopened.cycle_id == application.cycle_id


def test_verivali_generates_due_visits_once_per_round(puskesos_a, dinkes_officer, colleague_of):
    application = in_verification()
    verdict_record(
        actor=puskesos_a, check_id=check_of(application, "poverty").pk, passed=True, reason="Miskin"
    )
    verdict_record(
        actor=dinkes_officer,
        check_id=check_of(application, "technical").pk,
        passed=True,
        reason="Ok",
    )
    from programs.services import application_approve

    application_approve(
        actor=colleague_of(dinkes_officer), application_id=application.pk, reason="ok"
    )
    enrolment = application_enrol(
        actor=dinkes_officer,
        application_id=application.pk,
        on=timezone.localdate() - timedelta(days=400),
    )
    FieldVisit.objects.filter(household=application.household).update(
        status="done", visited_on=timezone.localdate() - timedelta(days=400)
    )
    in_verification(kelurahan=KELURAHAN_TUGU)  # not enrolled: never due
    job = Job.objects.create(kind="verification.verivali", total=0)
    verivali_round = VerivaliRound.objects.create(job=job, due_on=timezone.localdate())
    job = job_claim(job_id=job.pk)  # as a worker does: its writes need the lease
    result = verivali_generate(job, Progress(job))
    assert result["visits_created"] == 1
    visit = FieldVisit.objects.get(verivali_round=verivali_round)
    assert visit.household_id == enrolment.household_id and visit.purpose == "verivali"
    # a re-run (resumed or repeated) adds nothing: the household has an open visit now
    job.result = {}
    assert verivali_generate(job, Progress(job))["visits_created"] == 0


def test_verivali_runs_on_a_schedule(django_capture_on_commit_callbacks):
    from django.conf import settings

    from verification.tasks import verivali_scheduled

    entry = settings.CELERY_BEAT_SCHEDULE["verivali-weekly"]
    assert entry["task"] == "verification.verivali_scheduled"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        round_id = verivali_scheduled()
    verivali_round = VerivaliRound.objects.get(pk=round_id)
    assert (
        verivali_round.programme_id is None and verivali_round.job.kind == "verification.verivali"
    )
    assert len(queued) == 1  # the generation job is queued once the round is recorded


def test_a_case_outside_the_officers_kelurahan_is_answered_as_a_missing_one(puskesos_a):
    other = in_verification(kelurahan=KELURAHAN_TUGU)
    missing = Application.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    answers = []
    for ids in ({"household_id": other.household_id}, {"household_id": missing}):
        with pytest.raises(DomainError) as refused:
            complaint_receive(
                actor=puskesos_a, kind="complaint", category="exclusion", channel="puskesos",
                description="Tidak dapat bantuan", **ids,
            )  # fmt: skip
        answers.append((refused.value.code, str(refused.value.message)))
    assert answers[0] == answers[1] and answers[0][0] == "unknown_case"


def test_an_application_of_another_household_is_refused(dinsos_operator):
    mine, theirs = in_verification(), in_verification(kelurahan=KELURAHAN_TUGU)
    with pytest.raises(DomainError) as refused:
        complaint_receive(
            actor=dinsos_operator, kind="appeal", category="exclusion", channel="puskesos",
            description="Banding", household_id=mine.household_id, application_id=theirs.pk,
        )  # fmt: skip
    assert refused.value.code == "not_one_household"
    assert not Complaint.objects.exists()
