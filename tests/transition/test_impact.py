"""The impact rules of a DTSEN quarter: entering, leaving, newly eligible, re-runs."""

from __future__ import annotations

import pytest

from depok_kds.models import AuditEntry
from programs.transition.impact import impact_compute
from programs.transition.models import Change, ExitProposal, ImpactEntry
from registry.dtsen import household_desil_refresh
from registry.models import DesilRecord
from tests.programs.factories import programme
from tests.transition.factories import KIS, QUARTER, kis, ranked

pytestmark = pytest.mark.django_db


def _entries(change: str) -> set[int]:
    return set(
        ImpactEntry.objects.filter(
            period=QUARTER, programme=programme(KIS), change=change
        ).values_list("household_id", flat=True)
    )


def test_a_household_ranked_out_of_desil_1_5_left_kis_and_its_enrolment_is_proposed_to_exit() -> (
    None
):
    head = ranked(3, 7)
    enrolment = kis(head)

    result = impact_compute(period=QUARTER, actor_id=None)

    assert _entries(Change.LEFT) == {head.household_id}
    proposal = ExitProposal.objects.get()
    assert (proposal.enrolment_id, proposal.status) == (enrolment.pk, "proposed")
    assert (proposal.desil_before, proposal.desil_after) == (3, 7)
    assert proposal.kelurahan_code == head.household.kelurahan_id
    assert proposal.agency_code == "DINKES"
    assert result.proposed == 1


def test_a_household_ranked_into_desil_1_5_entered_and_is_newly_eligible_unless_enrolled() -> None:
    newcomer = ranked(8, 4)
    enrolled = ranked(None, 2)
    kis(enrolled)

    result = impact_compute(period=QUARTER, actor_id=None)

    assert _entries(Change.ENTERED) == {newcomer.household_id, enrolled.household_id}
    newly = ImpactEntry.objects.filter(programme=programme(KIS), change="entered", enrolled=False)
    assert set(newly.values_list("household_id", flat=True)) == {newcomer.household_id}
    assert result.newly_eligible >= 1
    assert not ExitProposal.objects.exists()


def test_a_desil_that_stays_on_the_same_side_changes_nothing() -> None:
    inside = ranked(2, 5)
    outside = ranked(6, 9)
    kis(inside)

    impact_compute(period=QUARTER, actor_id=None)

    touched = set(ImpactEntry.objects.values_list("household_id", flat=True))
    assert not touched & {inside.household_id, outside.household_id}
    assert not ExitProposal.objects.exists()


def test_a_rerun_keeps_one_proposal_and_withdraws_it_when_a_correction_undoes_the_leave() -> None:
    head = ranked(3, 7)
    kis(head)
    impact_compute(period=QUARTER, actor_id=None)
    impact_compute(period=QUARTER, actor_id=None)
    assert ExitProposal.objects.count() == 1

    # A corrected ranking, as a re-import writes and refreshes it.
    DesilRecord.objects.filter(period=QUARTER, household=head.household).update(desil=4)
    household_desil_refresh(household_ids=[head.household_id])
    result = impact_compute(period=QUARTER, actor_id=None)

    withdrawn = ExitProposal.objects.get()
    assert withdrawn.status == "withdrawn"
    assert result.withdrawn == 1
    # Its event and its audit row, as every other move of a proposal.
    assert withdrawn.events.filter(from_status="proposed", to_status="withdrawn").count() == 1
    assert AuditEntry.objects.filter(
        action="transition.exit_withdrawn", target_id=str(withdrawn.pk)
    ).exists()
    assert not _entries(Change.LEFT)
