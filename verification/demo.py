"""Demo verification data for `make run`: a few visits and complaints in kelurahan Depok."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from registry.models import Household
from verification.models import Complaint, FieldVisit
from verification.services import complaint_receive, visit_create

DEMO_KELURAHAN = "32.76.01.1006"  # Depok, Pancoran Mas (the demo Puskesos officer's)


@transaction.atomic
def seed(*, households: int) -> str:
    if FieldVisit.objects.exists() or Complaint.objects.exists():
        return "verification demo data already present, none added"
    chosen = list(Household.objects.filter(kelurahan_id=DEMO_KELURAHAN).order_by("pk")[:5])
    today = timezone.localdate()
    for offset, household in enumerate(chosen[:3]):
        visit_create(
            actor=None,
            household_id=household.pk,
            kelurahan_code=DEMO_KELURAHAN,
            purpose=FieldVisit.Purpose.VERIVALI,
            due_on=today + timedelta(days=7 * offset - 3),
        )
    samples = [
        ("complaint", "exclusion", "Keluarga kami miskin tetapi tidak menerima bantuan apa pun."),
        ("complaint", "inclusion", "Penerima ini memiliki dua mobil dan rumah besar."),
        ("appeal", "data_error", "Desil kami salah; mohon cek ulang."),
    ]
    for (kind, category, text), household in zip(samples, chosen[2:], strict=False):
        complaint_receive(
            actor=None,
            kind=kind,
            category=category,
            channel=Complaint.Channel.PUSKESOS,
            description=text,
            household_id=household.pk,
            complainant_name="Warga (demo)",
        )
    return (
        f"{min(len(chosen), 3)} field visits and {len(chosen[2:5])} complaints in kelurahan Depok"
    )
