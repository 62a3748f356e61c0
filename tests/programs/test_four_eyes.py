"""Four eyes on decisions: who proposed an application cannot approve it, who prepared a
recipient list cannot commit it; a programme may turn this off."""

from __future__ import annotations

import pytest

from depok_kds.errors import DomainError, Forbidden
from depok_kds.models import Job
from programs.imports import recipient_import_commit, recipient_import_start
from programs.models import Application, Programme, RecipientImport
from programs.services import application_approve, application_submit
from programs.services import application_verification_start as start
from tests.programs.factories import KIS, applicant, open_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def dinkes_colleague(dinkes_officer, colleague_of):
    return colleague_of(dinkes_officer)


def _proposed_by(actor) -> Application:
    cycle = open_cycle("kis-pbi-apbd")
    application = application_submit(
        actor=actor, cycle_id=cycle.pk, person_id=applicant().pk, channel="agency", detail=KIS
    )
    return start(actor=actor, application_id=application.pk)


def test_the_proposer_cannot_approve_their_own_application(dinkes_officer, dinkes_colleague):
    application = _proposed_by(dinkes_officer)
    with pytest.raises(Forbidden) as refused:
        application_approve(actor=dinkes_officer, application_id=application.pk, reason="Ok")
    assert refused.value.code == "four_eyes"
    approved = application_approve(
        actor=dinkes_colleague, application_id=application.pk, reason="Sesuai"
    )
    assert approved.state == Application.State.APPROVED


def test_a_programme_may_turn_four_eyes_off(dinkes_officer):
    Programme.objects.filter(code="kis-pbi-apbd").update(four_eyes=False)
    application = _proposed_by(dinkes_officer)
    approved = application_approve(actor=dinkes_officer, application_id=application.pk, reason="Ok")
    assert approved.state == Application.State.APPROVED


def _list(cycle, actor) -> RecipientImport:
    text = f"nik,jkn_segment\n{applicant().nik},none\n"
    recipient_import_start(
        actor=actor, cycle_id=cycle.pk, file_name="a.csv", content=text.encode(), commit=False
    )
    return RecipientImport.objects.get(cycle=cycle)


def test_who_prepared_a_list_cannot_commit_it(dinkes_officer, dinkes_colleague):
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    with pytest.raises(DomainError) as refused:
        recipient_import_start(
            actor=dinkes_officer, cycle_id=cycle.pk, file_name="a.csv", content=b"nik\n",
            commit=True,
        )  # fmt: skip
    assert refused.value.code == "four_eyes"
    upload = _list(cycle, dinkes_officer)
    with pytest.raises(Forbidden) as refused:
        recipient_import_commit(actor=dinkes_officer, import_id=upload.pk)
    assert refused.value.code == "four_eyes"
    job = recipient_import_commit(actor=dinkes_colleague, import_id=upload.pk)
    assert job.params == {"import_id": upload.pk, "commit": True}


def test_the_commit_button_is_offered_to_another_officer_only(
    client, dinkes_officer, dinkes_colleague
):
    cycle = open_cycle("kis-pbi-apbd", year=2025)
    upload = _list(cycle, dinkes_officer)
    client.force_login(dinkes_officer)
    page = client.get(f"/programs/cycles/{cycle.pk}/").content.decode()
    assert 'id="pending-imports"' in page and f"/imports/{upload.pk}/commit/" not in page
    client.post(f"/programs/imports/{upload.pk}/commit/")
    assert not Job.objects.filter(params__commit=True).exists()
    client.force_login(dinkes_colleague)
    page = client.get(f"/programs/cycles/{cycle.pk}/").content.decode()
    assert f"/imports/{upload.pk}/commit/" in page
    response = client.post(f"/programs/imports/{upload.pk}/commit/")
    job = Job.objects.get(params__commit=True)
    assert response.url == f"/jobs/{job.pk}/"


@pytest.mark.parametrize("persona", ["disrumkim_officer", "puskesos_a", "leader"])
def test_officers_of_other_agencies_cannot_commit_a_list(request, persona, dinkes_officer, client):
    upload = _list(open_cycle("kis-pbi-apbd", year=2025), dinkes_officer)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(f"/programs/imports/{upload.pk}/commit/").status_code in (302, 403, 404)
    assert not Job.objects.filter(params__commit=True).exists()
