"""Dual verification: required checks, verdicts by the right officers, the approval gate,
failed checks rejecting, blind mode and the supervisor's resolution queue."""

from __future__ import annotations

import pytest

from depok_kds.errors import Conflict, DomainError, Forbidden
from programs.models import Application
from programs.services import (
    application_approve,
    application_reject,
    application_verification_start,
)
from tests.conftest import KELURAHAN_TUGU
from tests.verification.factories import check_of, in_verification, submitted
from verification.models import Check, FieldVisit, Resolution
from verification.selectors import checks_for
from verification.services import (
    checks_open,
    disagreement_resolve,
    identity_refresh,
    verdict_record,
)

pytestmark = pytest.mark.django_db
S = Application.State


def _approve(application, actor):
    return application_approve(actor=actor, application_id=application.pk, reason="Lengkap")


def test_opening_creates_the_policy_checks_and_a_poverty_visit_in_the_kelurahan():
    application = in_verification("rtlh")
    kinds = set(Check.objects.filter(application=application).values_list("kind", "agency_code"))
    assert kinds == {("poverty", "DINSOS"), ("technical", "DISRUMKIM"), ("identity", "")}
    visit = FieldVisit.objects.get(check_row__application=application)
    assert visit.kelurahan_code == application.kelurahan_code and visit.status == "assigned"
    # idempotent: opening again adds nothing
    checks_open(actor=None, application_id=application.pk)
    assert Check.objects.filter(application=application).count() == 3
    assert FieldVisit.objects.filter(check_row__application=application).count() == 1


def test_starting_verification_opens_the_required_checks_by_itself(dinkes_officer):
    application = submitted()
    application_verification_start(actor=dinkes_officer, application_id=application.pk)
    kinds = set(Check.objects.filter(application=application).values_list("kind", flat=True))
    assert {"poverty", "technical"} <= kinds
    assert FieldVisit.objects.filter(check_row__application=application).exists()


def test_identity_check_is_not_available_without_dukcapil_results():
    application = in_verification()
    assert check_of(application, "identity").status == Check.Status.NOT_AVAILABLE


def test_approval_refused_naming_the_missing_and_pending_checks(dinkes_officer):
    application = in_verification()
    with pytest.raises(DomainError) as refused:
        _approve(application, dinkes_officer)
    assert refused.value.code == "gate_failed"
    message = str(refused.value.message)  # rendered in the default language, Indonesian
    assert "Pemeriksaan kemiskinan" in message and "Pemeriksaan teknis" in message, message


def test_approval_refused_when_checks_were_never_opened(dinkes_officer):
    application = submitted()
    application_verification_start(actor=None, application_id=application.pk)
    with pytest.raises(DomainError) as refused:
        _approve(application, dinkes_officer)
    assert refused.value.code == "gate_failed"


def test_both_checks_passed_lets_the_agency_approve(puskesos_a, dinkes_officer, colleague_of):
    application = in_verification()
    verdict_record(
        actor=puskesos_a,
        check_id=check_of(application, "poverty").pk,
        passed=True,
        reason="Desil 2, rumah sederhana",
    )
    verdict_record(
        actor=dinkes_officer,
        check_id=check_of(application, "technical").pk,
        passed=True,
        reason="Bukan PBI-APBN",
    )
    with pytest.raises(Forbidden) as refused:  # four eyes: the verifier does not approve
        _approve(application, dinkes_officer)
    assert refused.value.code == "four_eyes"
    assert _approve(application, colleague_of(dinkes_officer)).state == S.APPROVED


def test_a_failed_check_rejects_with_its_reason(puskesos_a):
    application = in_verification()
    verdict_record(
        actor=puskesos_a,
        check_id=check_of(application, "poverty").pk,
        passed=False,
        reason="Rumah permanen, mobil dua",
    )
    application.refresh_from_db()
    assert application.state == S.REJECTED
    assert "Rumah permanen, mobil dua" in application.decision_reason


def test_a_rejected_application_leaves_no_visit_waiting(disrumkim_officer):
    application = in_verification("rtlh")  # its poverty check waits for a field visit
    application_reject(
        actor=disrumkim_officer, application_id=application.pk, reason="Rumah layak huni"
    )
    visit = FieldVisit.objects.get(check_row__application=application)
    assert visit.status == "cancelled"


def test_second_verdict_on_the_same_check_is_refused(puskesos_a, dinsos_operator):
    application = in_verification()
    check = check_of(application, "poverty")
    verdict_record(actor=puskesos_a, check_id=check.pk, passed=True, reason="Layak")
    with pytest.raises(Conflict) as refused:
        verdict_record(actor=dinsos_operator, check_id=check.pk, passed=False, reason="Tidak")
    assert refused.value.code == "already_decided"


@pytest.mark.parametrize(
    "persona, kind",
    [
        ("disrumkim_officer", "technical"),  # wrong agency for a Dinkes programme
        ("dinkes_officer", "poverty"),  # the poverty check is Dinsos's
        ("puskesos_b", "poverty"),  # wrong kelurahan
        ("dinsos_operator", "technical"),  # Dinsos may not do Dinkes's check
        ("auditor_user", "poverty"),  # read-only
    ],
)
def test_verdict_by_the_wrong_agency_or_kelurahan_is_forbidden(request, persona, kind):
    application = in_verification()
    with pytest.raises(Forbidden):
        verdict_record(
            actor=request.getfixturevalue(persona),
            check_id=check_of(application, kind).pk,
            passed=True,
            reason="x",
        )
    assert check_of(application, kind).status == Check.Status.PENDING


def test_one_officer_cannot_decide_both_checks_of_a_dinsos_programme(dinsos_operator):
    application = in_verification()
    # As for a Dinsos-owned programme, where Dinsos does the technical check too.
    Check.objects.filter(application=application, kind="technical").update(agency_code="DINSOS")
    verdict_record(
        actor=dinsos_operator,
        check_id=check_of(application, "poverty").pk,
        passed=True,
        reason="Miskin",
    )
    with pytest.raises(Forbidden) as refused:
        verdict_record(
            actor=dinsos_operator,
            check_id=check_of(application, "technical").pk,
            passed=True,
            reason="Ok",
        )
    assert refused.value.code == "same_verifier"


def test_blind_mode_hides_the_first_verdict_and_does_not_reject_until_both(
    puskesos_a, disrumkim_officer
):
    application = in_verification("rtlh")
    verdict_record(
        actor=puskesos_a,
        check_id=check_of(application, "poverty").pk,
        passed=False,
        reason="Tidak miskin",
    )
    application.refresh_from_db()
    assert application.state == S.IN_VERIFICATION  # nothing revealed yet
    views = {v.check.kind: v for v in checks_for(user=disrumkim_officer, application=application)}
    assert views["poverty"].hidden and views["poverty"].verdict is None
    assert views["poverty"].status == "decided"
    own = {v.check.kind: v for v in checks_for(user=puskesos_a, application=application)}
    assert not own["poverty"].hidden and own["poverty"].verdict.passed is False


def test_blind_disagreement_goes_to_the_supervisor(
    puskesos_a, disrumkim_officer, dinsos_admin, dinsos_operator, colleague_of
):
    application = in_verification("rtlh")
    verdict_record(
        actor=puskesos_a,
        check_id=check_of(application, "poverty").pk,
        passed=False,
        reason="Tidak miskin",
    )
    verdict_record(
        actor=disrumkim_officer,
        check_id=check_of(application, "technical").pk,
        passed=True,
        reason="Atap rusak berat",
        findings={"roof": "severe"},
    )
    resolution = Resolution.objects.get(application=application)
    assert {
        c.status
        for c in Check.objects.filter(application=application, kind__in=["poverty", "technical"])
    } == {"disputed"}
    views = {v.check.kind: v for v in checks_for(user=disrumkim_officer, application=application)}
    assert views["poverty"].verdict.passed is False  # both decided: visible now
    with pytest.raises(Forbidden):
        disagreement_resolve(
            actor=dinsos_operator, resolution_id=resolution.pk, passed=True, reason="x"
        )
    with pytest.raises(DomainError):
        application_approve(actor=disrumkim_officer, application_id=application.pk, reason="x")
    disagreement_resolve(
        actor=dinsos_admin, resolution_id=resolution.pk, passed=True, reason="Survei ulang: layak"
    )
    assert (
        application_approve(
            actor=colleague_of(disrumkim_officer), application_id=application.pk, reason="ok"
        ).state
        == S.APPROVED
    )


def test_blind_disagreement_resolved_as_failed_rejects(puskesos_a, disrumkim_officer, dinsos_admin):
    application = in_verification("rtlh")
    verdict_record(
        actor=puskesos_a, check_id=check_of(application, "poverty").pk, passed=True, reason="Miskin"
    )
    verdict_record(
        actor=disrumkim_officer,
        check_id=check_of(application, "technical").pk,
        passed=False,
        reason="Sengketa tanah",
    )
    resolution = Resolution.objects.get(application=application)
    disagreement_resolve(
        actor=dinsos_admin, resolution_id=resolution.pk, passed=False, reason="Tanah sengketa"
    )
    application.refresh_from_db()
    assert application.state == S.REJECTED and "Tanah sengketa" in application.decision_reason


def test_kelurahan_b_application_is_verified_by_puskesos_b(puskesos_a, puskesos_b):
    application = in_verification(kelurahan=KELURAHAN_TUGU)
    with pytest.raises(Forbidden):
        verdict_record(
            actor=puskesos_a, check_id=check_of(application, "poverty").pk, passed=True, reason="x"
        )
    verdict_record(
        actor=puskesos_b, check_id=check_of(application, "poverty").pk, passed=True, reason="Layak"
    )


def test_refreshing_the_identity_of_an_application_not_in_verification_is_refused(
    dinsos_operator,
):
    application = submitted()  # its checks are not open yet
    with pytest.raises(DomainError) as refused:
        identity_refresh(actor=dinsos_operator, application_id=application.pk)
    assert refused.value.code == "no_identity_check"
