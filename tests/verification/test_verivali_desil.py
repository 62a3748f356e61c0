"""Verivali on a desil change: due when the household's current desil differs from the one
before its quarter, not when a quarter only repeats it."""

from __future__ import annotations

import pytest

from depok_kds.jobs import Progress, job_claim
from depok_kds.models import Job
from tests.transition.factories import KIS, kis, ranked
from verification.models import FieldVisit, Policy, VerivaliRound
from verification.services.verivali import verivali_generate

pytestmark = pytest.mark.django_db


def test_verivali_visits_the_households_whose_quarter_changed_their_desil() -> None:
    Policy.objects.filter(programme__code=KIS).update(
        reverify_on_desil_change=True, reverify_months=None
    )
    changed, repeated, first = ranked(3, 7), ranked(3, 3), ranked(None, 4)
    for head in (changed, repeated, first):
        kis(head)
    job = Job.objects.create(kind="verification.verivali", total=0)
    verivali_round = VerivaliRound.objects.create(job=job, due_on=job.created_at.date())
    claimed = job_claim(job_id=job.pk)
    assert claimed is not None

    verivali_generate(claimed, Progress(claimed))

    visited = FieldVisit.objects.filter(verivali_round=verivali_round)
    assert set(visited.values_list("household_id", flat=True)) == {changed.household_id}
