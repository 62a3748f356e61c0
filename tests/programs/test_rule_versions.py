"""Programme rules are versioned: draft, activate (who and when, audit), and each eligibility
result records the version that decided it."""

from __future__ import annotations

import pytest

from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import AuditEntry
from programs.models import EligibilityResult, ProgrammeRules
from programs.rule_versions import programme_rules_activate, programme_rules_draft
from programs.services import application_submit
from tests.programs.factories import KIS, applicant, open_cycle, programme

pytestmark = pytest.mark.django_db

RICH_ONLY = [{"rule": "depok_resident"}, {"rule": "poverty", "desil_max": 9}]


def _submit():
    cycle = open_cycle("kis-pbi-apbd")
    return application_submit(
        actor=None, cycle_id=cycle.pk, person_id=applicant(desil=8).pk, channel="agency",
        detail=KIS,
    )  # fmt: skip


def test_every_programme_starts_with_its_rules_in_force_as_version_1():
    kis = programme("kis-pbi-apbd")
    active = ProgrammeRules.objects.get(programme=kis, status="active")
    assert active.version == 1 and active.rules == kis.rules


def test_a_draft_changes_nothing_until_activated(dinsos_admin):
    kis = programme("kis-pbi-apbd")
    draft = programme_rules_draft(
        actor=dinsos_admin, programme_id=kis.pk, rules=RICH_ONLY, frequency_years=None
    )
    assert draft.version == 2 and draft.status == "draft"
    with pytest.raises(DomainError):  # desil 8 is outside desil 1-5 of version 1
        _submit()
    programme_rules_activate(actor=dinsos_admin, version_id=draft.pk)
    application = _submit()
    results = EligibilityResult.objects.filter(application=application)
    assert {r.rules_version.version for r in results} == {2}
    assert ProgrammeRules.objects.get(programme=kis, version=1).status == "retired"
    draft.refresh_from_db()
    assert draft.activated_by == dinsos_admin and draft.activated_at is not None
    assert AuditEntry.objects.filter(action="programs.programme_rules_activate").exists()
    with pytest.raises(Conflict):
        programme_rules_activate(actor=dinsos_admin, version_id=draft.pk)


def test_a_malformed_draft_or_an_officer_without_the_right_is_refused(dinkes_officer, dinsos_admin):
    kis = programme("kis-pbi-apbd")
    with pytest.raises(DomainError):
        programme_rules_draft(
            actor=dinsos_admin, programme_id=kis.pk, rules=[{"rule": "nope"}], frequency_years=None
        )
    with pytest.raises(Forbidden):
        programme_rules_draft(
            actor=dinkes_officer, programme_id=kis.pk, rules=RICH_ONLY, frequency_years=None
        )
