"""Aggregates of verification: the per-agency pipeline with ageing and overdue items, and
the agreement rates of the two verifiers. Counts only: leadership may see these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from depok_kds.access import scope_for
from programs.models import Application
from verification.models import HUMAN_CHECKS, Check, Complaint, FieldVisit, Verdict

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

PIPELINE = ["submitted", "in_verification", "approved", "rejected", "enrolled"]
AGEING = [(0, 7), (8, 30), (31, None)]
OPEN_COMPLAINTS = ["received", "in_progress", "escalated"]


@dataclass(frozen=True)
class AgencyPipeline:
    agency: str
    states: dict[str, int]
    checks: dict[str, int]
    ageing: list[int]  # applications waiting (submitted / in verification) per age bucket


def _agency_filter(user: User | AnonymousUser) -> str | None:
    return scope_for(user).agency_code


def pipeline(*, user: User | AnonymousUser) -> list[AgencyPipeline]:
    agency = _agency_filter(user)
    apps = Application.objects.all()
    checks = Check.objects.all()
    if agency is not None:
        apps = apps.filter(programme__agency__code=agency)
        checks = checks.filter(application__programme__agency__code=agency)
    now = timezone.now()
    buckets = {}
    for low, high in AGEING:
        window = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            window &= Q(created_at__gt=now - timedelta(days=high + 1))
        buckets[f"age_{low}"] = Count("pk", filter=window & Q(state__in=PIPELINE[:2]))
    rows = apps.values(code=F("programme__agency__code")).annotate(
        **{s: Count("pk", filter=Q(state=s)) for s in PIPELINE}, **buckets
    )
    check_rows = checks.values(code=F("application__programme__agency__code"), st=F("status"))
    check_counts: dict[str, dict[str, int]] = {}
    for row in check_rows.annotate(n=Count("pk")):
        check_counts.setdefault(row["code"], {})[row["st"]] = row["n"]
    return [
        AgencyPipeline(
            agency=row["code"],
            states={s: row[s] for s in PIPELINE},
            checks=check_counts.get(row["code"], {}),
            ageing=[row[f"age_{low}"] for low, _high in AGEING],
        )
        for row in rows.order_by("code")
    ]


def overdue_by_kelurahan(*, user: User | AnonymousUser) -> list[tuple[str, int, int]]:
    """(kelurahan, overdue visits, overdue complaints), most overdue first."""
    scope = scope_for(user)
    visits = FieldVisit.objects.filter(status="assigned", due_on__lt=timezone.localdate())
    complaints = Complaint.objects.filter(status__in=OPEN_COMPLAINTS, due_at__lt=timezone.now())
    if scope.kelurahan_codes is not None:
        visits = visits.filter(kelurahan_code__in=scope.kelurahan_codes)
        complaints = complaints.filter(kelurahan_code__in=scope.kelurahan_codes)
    if scope.agency_code is not None:
        return []
    counts: dict[str, list[int]] = {}
    for code, n in visits.values_list("kelurahan_code").annotate(n=Count("pk")):
        counts.setdefault(code, [0, 0])[0] = n
    for code, n in complaints.values_list("kelurahan_code").annotate(n=Count("pk")):
        counts.setdefault(code, [0, 0])[1] = n
    return sorted(((k, v[0], v[1]) for k, v in counts.items()), key=lambda r: -(r[1] + r[2]))


@dataclass(frozen=True)
class AgreementRow:
    who: str
    verdicts: int
    agreed: int

    @property
    def rate(self) -> float:
        return round(100 * self.agreed / self.verdicts, 1) if self.verdicts else 0.0


def agreement(*, user: User | AnonymousUser) -> tuple[list[AgreementRow], list[AgreementRow]]:
    """Per officer and per agency: of their verdicts on applications where both human checks
    were decided, the share that agreed with the other verifier."""
    other = Verdict.objects.filter(
        check_row__application_id=OuterRef("check_row__application_id"),
        check_row__kind__in=HUMAN_CHECKS,
    ).exclude(pk=OuterRef("pk"))
    verdicts = (
        Verdict.objects.filter(check_row__kind__in=HUMAN_CHECKS)
        .annotate(other=Subquery(other.values("passed")[:1]))
        .filter(other__isnull=False)
    )
    agency = _agency_filter(user)
    if agency is not None:
        verdicts = verdicts.filter(agency_code=agency)
    agreed = Count("pk", filter=Q(passed=F("other")))
    officers = [
        AgreementRow(r["decided_by__username"] or "-", r["n"], r["agreed"])
        for r in verdicts.values("decided_by__username")
        .annotate(n=Count("pk"), agreed=agreed)
        .order_by("decided_by__username")
    ]
    agencies = [
        AgreementRow(r["agency_code"], r["n"], r["agreed"])
        for r in verdicts.values("agency_code")
        .annotate(n=Count("pk"), agreed=agreed)
        .order_by("agency_code")
    ]
    return officers, agencies
