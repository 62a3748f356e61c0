"""Helpers for verification tests: applications in verification with their checks opened,
complaints received and answered."""

from __future__ import annotations

import json
from typing import Any

from programs.models import Application
from programs.services import application_submit, application_verification_start
from registry.scoring import PROVISIONAL_RULESET_PATH
from tests.programs.factories import KIS, applicant, open_cycle
from tests.registry.factories import KELURAHAN_DEPOK
from verification.models import Check, Complaint
from verification.services import complaint_answer, complaint_receive

HOUSE = {"owner_first_house": True, "land_and_building_in_owner_name": True,
         "in_dispute": False, "damage_from_disaster": False, "no_sale_within_three_years": True,
         "roof_damaged": True, "partner_shop": "TB Sumber Rezeki"}  # fmt: skip
DETAILS = {"kis-pbi-apbd": KIS, "rtlh": HOUSE}

_PROVISIONAL = json.loads(PROVISIONAL_RULESET_PATH.read_text(encoding="utf-8"))
# Every parameter answered with its lowest option (not poor) ...
NOT_POOR = {
    p["code"]: min(p["options"], key=lambda o: o["score"])["code"]
    for p in _PROVISIONAL["parameters"]
}
# ... and with its highest (poor).
POOR = {
    p["code"]: max(p["options"], key=lambda o: o["score"])["code"]
    for p in _PROVISIONAL["parameters"]
}


def submitted(code: str = "kis-pbi-apbd", *, kelurahan: str = KELURAHAN_DEPOK, **person: Any):
    return application_submit(
        actor=None,
        cycle_id=open_cycle(code).pk,
        person_id=applicant(kelurahan=kelurahan, **person).pk,
        channel="puskesos",
        detail=DETAILS[code],
    )


def in_verification(code: str = "kis-pbi-apbd", *, kelurahan: str = KELURAHAN_DEPOK) -> Application:
    """An application in verification: starting it opened its checks (and poverty visit)."""
    application = submitted(code, kelurahan=kelurahan)
    application_verification_start(actor=None, application_id=application.pk)
    application.refresh_from_db()
    return application


def check_of(application: Application, kind: str) -> Check:
    return Check.objects.get(application=application, kind=kind)


def received_complaint(
    application: Application,
    *,
    description: str = "Keluarga Pak Joko belum menerima bantuan",
    complainant_name: str = "Bu Siti",
) -> Complaint:
    """A complaint of exclusion about `application`'s household, received at a Puskesos; the
    complainant and the person the description names are never to be shown publicly."""
    return complaint_receive(
        actor=None,
        kind=Complaint.Kind.COMPLAINT,
        category=Complaint.Category.EXCLUSION,
        channel=Complaint.Channel.PUSKESOS,
        description=description,
        household_id=application.household_id,
        kelurahan_code=application.household.kelurahan_id,
        complainant_name=complainant_name,
    )


def answered_complaint(application: Application, *, actor: Any) -> Complaint:
    """A received complaint (`received_complaint`) answered by `actor`: the household will be
    visited again."""
    complaint = received_complaint(application)
    return complaint_answer(
        actor=actor,
        complaint_id=complaint.pk,
        answer="Keluarga akan dikunjungi ulang oleh Puskesos.",
        outcome=Complaint.Outcome.REVISIT,
    )
