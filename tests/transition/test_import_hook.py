"""A desil import queues its quarter's impact as a job, proposed by whoever imported it."""

from __future__ import annotations

import pytest

from depok_kds.jobs import job_run
from depok_kds.models import Job, User
from programs.transition.models import ExitProposal
from programs.transition.tasks import KIND, impact_job
from registry.dtsen import household_desil_refresh
from registry.models import DesilRecord, Person
from tests.registry.test_dtsen import rank
from tests.registry.test_imports_support import media_root  # noqa: F401
from tests.transition.factories import BEFORE, QUARTER, kis, ranked

pytestmark = pytest.mark.django_db


def _kis_head_in_desil_3() -> Person:
    """A household head ranked desil 3 in the quarter before, holding KIS."""
    head = ranked(None, None)
    assert head.nik is not None and head.household_id is not None
    DesilRecord.objects.create(
        nik=head.nik, desil=3, period=BEFORE, person=head, household=head.household
    )
    household_desil_refresh(household_ids=[head.household_id])
    kis(head)
    return head


def test_a_desil_import_queues_the_impact_of_its_quarter(dinsos_operator: User) -> None:
    head = _kis_head_in_desil_3()
    assert BEFORE < QUARTER

    rank(dinsos_operator, (head.nik, "", "8", QUARTER))

    job = Job.objects.get(kind=KIND)
    assert job.params == {"periods": [QUARTER], "proposed_by": dinsos_operator.pk}
    finished = job_run(job_id=job.pk, handler=impact_job)
    assert finished is not None and finished.result["periods"][QUARTER]["proposed"] == 1
    proposal = ExitProposal.objects.get()
    assert (proposal.desil_before, proposal.desil_after) == (3, 8)
    assert proposal.proposed_by_id == dinsos_operator.pk


def test_a_quarter_that_changed_no_ranking_still_gets_its_impact_report(
    dinsos_operator: User,
) -> None:
    head = _kis_head_in_desil_3()

    rank(dinsos_operator, (head.nik, "", "3", QUARTER))  # the ranking in force, repeated

    assert DesilRecord.objects.filter(period=QUARTER).count() == 0  # nothing written
    job = Job.objects.get(kind=KIND)
    assert job.params == {"periods": [QUARTER], "proposed_by": dinsos_operator.pk}
    finished = job_run(job_id=job.pk, handler=impact_job)
    assert finished is not None and finished.result["periods"][QUARTER]["proposed"] == 0
    assert not ExitProposal.objects.exists()
