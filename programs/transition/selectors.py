"""Read queries of a DTSEN quarter's impact and its proposed exits, scoped once here.

Rows carry copies of their routing: agency officers see their agency's programmes, Puskesos
officers the households of their kelurahan, Dinsos and auditors all; leadership sees the
counts of the whole city and no row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from depok_kds.access import aggregate_queryset, scope_for, scope_queryset
from programs.models import Programme
from programs.transition.models import Change, ExitProposal, ImpactEntry, ProposalStatus
from registry.models import Kelurahan

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

SCOPE = {"kelurahan_field": "kelurahan_code", "agency_field": "agency_code"}


def impact_choices(
    *, user: User | AnonymousUser
) -> tuple[QuerySet[Programme], QuerySet[Kelurahan]]:
    """The programmes with a poverty rule and the kelurahan a reader may filter by."""
    scope = scope_for(user)
    programmes = Programme.objects.filter(rules__contains=[{"rule": "poverty"}])
    if scope.agency_code is not None:
        programmes = programmes.filter(agency__code=scope.agency_code)
    kelurahan = Kelurahan.objects.select_related("kecamatan").order_by("name")
    if scope.kelurahan_codes is not None:
        kelurahan = kelurahan.filter(code__in=scope.kelurahan_codes)
    return programmes, kelurahan


def impact_periods() -> list[str]:
    """The quarters with a computed impact, newest first."""
    return list(ImpactEntry.objects.order_by("-period").values_list("period", flat=True).distinct())


@dataclass
class Counts:
    entered: int = 0
    left: int = 0
    newly_eligible: int = 0
    affected: int = 0

    def add(self, other: Counts) -> None:
        self.entered += other.entered
        self.left += other.left
        self.newly_eligible += other.newly_eligible
        self.affected += other.affected


@dataclass
class ProgrammeImpact:
    programme: Programme
    total: Counts = field(default_factory=Counts)
    kelurahan: dict[str, Counts] = field(default_factory=dict)


def impact_report(
    *, user: User | AnonymousUser, period: str, programme_id: int | None = None, kelurahan: str = ""
) -> list[ProgrammeImpact]:
    """Per programme (and per kelurahan): households that entered or left its target
    deciles, those newly eligible and not enrolled, and the active enrolments affected (exits
    proposed). Counts only: within the reader's aggregate scope."""
    entries = aggregate_queryset(ImpactEntry.objects.filter(period=period), user=user, **SCOPE)
    proposals = aggregate_queryset(
        ExitProposal.objects.filter(period=period).exclude(status=ProposalStatus.WITHDRAWN),
        user=user,
        **SCOPE,
    )
    if programme_id:
        entries = entries.filter(programme_id=programme_id)
        proposals = proposals.filter(programme_id=programme_id)
    if kelurahan:
        entries = entries.filter(kelurahan_code=kelurahan)
        proposals = proposals.filter(kelurahan_code=kelurahan)
    report: dict[int, ProgrammeImpact] = {}
    programmes = Programme.objects.select_related("agency").in_bulk()

    def cell(programme_id: int, code: str) -> Counts:
        row = report.setdefault(programme_id, ProgrammeImpact(programmes[programme_id]))
        return row.kelurahan.setdefault(code, Counts())

    for row in entries.values("programme_id", "kelurahan_code").annotate(
        entered=Count("pk", filter=Q(change=Change.ENTERED)),
        left=Count("pk", filter=Q(change=Change.LEFT)),
        newly=Count("pk", filter=Q(change=Change.ENTERED, enrolled=False)),
    ):
        counts = cell(row["programme_id"], row["kelurahan_code"])
        counts.entered, counts.left, counts.newly_eligible = (
            row["entered"],
            row["left"],
            row["newly"],
        )
    for row in proposals.values("programme_id", "kelurahan_code").annotate(n=Count("pk")):
        cell(row["programme_id"], row["kelurahan_code"]).affected = row["n"]
    for impact in report.values():
        for counts in impact.kelurahan.values():
            impact.total.add(counts)
        impact.kelurahan = dict(sorted(impact.kelurahan.items()))
    return sorted(report.values(), key=lambda r: (r.programme.report_order, r.programme.code))


def impact_entry_list(
    *,
    user: User | AnonymousUser,
    period: str,
    programme_id: int | None = None,
    change: str = "",
    kelurahan: str = "",
    newly_eligible: bool = False,
) -> QuerySet[ImpactEntry]:
    entries = scope_queryset(ImpactEntry.objects.filter(period=period), user=user, **SCOPE)
    if programme_id:
        entries = entries.filter(programme_id=programme_id)
    if change:
        entries = entries.filter(change=change)
    if newly_eligible:
        entries = entries.filter(change=Change.ENTERED, enrolled=False)
    if kelurahan:
        entries = entries.filter(kelurahan_code=kelurahan)
    return entries.select_related("programme", "household__head").order_by(
        "programme__report_order", "kelurahan_code", "household_id"
    )


def exit_proposal_scope(*, user: User | AnonymousUser) -> QuerySet[ExitProposal]:
    return scope_queryset(ExitProposal.objects.all(), user=user, **SCOPE)


def exit_proposal_list(
    *,
    user: User | AnonymousUser,
    period: str,
    programme_id: int | None = None,
    status: str = "",
    kelurahan: str = "",
) -> QuerySet[ExitProposal]:
    proposals = exit_proposal_scope(user=user).filter(period=period)
    if programme_id:
        proposals = proposals.filter(programme_id=programme_id)
    if status:
        proposals = proposals.filter(status=status)
    if kelurahan:
        proposals = proposals.filter(kelurahan_code=kelurahan)
    return proposals.select_related("programme__agency", "person", "enrolment").order_by(
        "kelurahan_code", "person__full_name", "pk"
    )
