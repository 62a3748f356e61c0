"""Read queries of overlap detection, scoped once here.

Findings are routed by copies on the row: `agency_code` (the owning agency of the programme
the finding is about; Dinas Sosial for registry-wide findings) and `kelurahan_code`.
Agency officers see their agency's findings, Puskesos officers those of households in their
kelurahan, Dinsos and auditors all, leadership none (the aggregate report only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Left

from depok_kds.access import aggregate_queryset, get_in_scope, scope_queryset
from programs.kinds import Candidate
from programs.models import Application, Enrolment, Programme
from programs.one_per_cycle import per_household
from programs.overlap.models import (
    DEFAULT_HOUSEHOLD_CAP,
    LIVE_STATUSES,
    DeathBenefitProposal,
    ExclusivePair,
    Finding,
    FindingStatus,
    OverlapSettings,
)
from programs.overlap.rules import WHOLE_BENEFICIARY_RULES
from programs.selectors import enrolment_list
from programs.services import application_candidate

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

KECAMATAN_PREFIX = 8  # "32.76.01"


def finding_scope(*, user: User | AnonymousUser) -> QuerySet[Finding]:
    return scope_queryset(
        Finding.objects.all(),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field="agency_code",
    )


def finding_list(
    *,
    user: User | AnonymousUser,
    rule: str = "",
    status: str = "",
    programme_id: int | None = None,
    household_id: int | None = None,
    application_id: int | None = None,
    kelurahan: str = "",
) -> QuerySet[Finding]:
    findings = finding_scope(user=user).select_related("programme__agency", "household", "person")
    if rule:
        findings = findings.filter(rule=rule)
    if status:
        findings = findings.filter(status=status)
    if programme_id:
        findings = findings.filter(programme_id=programme_id)
    if household_id:
        findings = findings.filter(household_id=household_id)
    if application_id:
        findings = findings.filter(application_id=application_id)
    if kelurahan:
        findings = findings.filter(kelurahan_code=kelurahan)
    return findings.order_by("-last_seen", "-pk")


def finding_get(*, user: User | AnonymousUser, finding_id: int) -> Finding:
    return get_in_scope(
        finding_scope(user=user).select_related(
            "programme__agency", "household", "person", "enrolment", "application"
        ),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field="agency_code",
        pk=finding_id,
    )


def household_findings(*, user: User | AnonymousUser, household_id: int) -> list[Finding]:
    """Open and confirmed findings about a household or any of its members."""
    return list(
        finding_scope(user=user)
        .filter(household_id=household_id, status__in=LIVE_STATUSES)
        .select_related("programme")
        .order_by("rule", "pk")[:200]
    )


def application_findings(*, user: User | AnonymousUser, application_id: int) -> list[Finding]:
    """Live findings that would block or concern this application (see the approval gate)."""
    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        return []
    ids = [f.pk for f in blocking_findings(application)]
    return list(finding_scope(user=user).filter(pk__in=ids).select_related("programme"))


def death_benefit_proposal(*, household_id: int) -> DeathBenefitProposal | None:
    return (
        DeathBenefitProposal.objects.filter(
            household_id=household_id, status=DeathBenefitProposal.Status.PROPOSED
        )
        .select_related("deceased", "heir", "cycle")
        .order_by("-created_at")
        .first()
    )


# --- the approval gate's view ---------------------------------------------------------


def _blocks(finding: Finding, candidate: Candidate) -> bool:
    """Whether a live blocking finding stops this candidate: it is about the application
    itself, about the beneficiary in the same programme, or about the beneficiary as a whole
    (identity, death, move, the household cap)."""
    if candidate.application_id is not None and finding.application_id == candidate.application_id:
        return True
    household_id = candidate.household.pk if candidate.household else None
    household_unit = per_household(candidate.programme)
    beneficiary = finding.person_id == candidate.person.pk or (
        household_id is not None
        and finding.household_id == household_id
        and (finding.person_id is None or household_unit)
    )
    return beneficiary and (
        finding.programme_id == candidate.programme.pk or finding.rule in WHOLE_BENEFICIARY_RULES
    )


def blocking_findings_many(candidates: Sequence[Candidate]) -> list[list[Finding]]:
    """Open or confirmed blocking findings that stop each candidate's approval (or import),
    read in one query for the whole list."""
    persons = sorted({c.person.pk for c in candidates})
    households = sorted({c.household.pk for c in candidates if c.household})
    applications = sorted({c.application_id for c in candidates if c.application_id})
    live = Finding.objects.filter(blocks=True, status__in=LIVE_STATUSES).extra(
        where=["(person_id = ANY(%s) OR household_id = ANY(%s) OR application_id = ANY(%s))"],
        params=[persons, households, applications],
    )
    by_key: defaultdict[tuple[str, int], list[Finding]] = defaultdict(list)
    for finding in live.order_by("pk"):
        for key in (
            ("p", finding.person_id),
            ("h", finding.household_id),
            ("a", finding.application_id),
        ):
            if key[1] is not None:
                by_key[(key[0], key[1])].append(finding)
    found: list[list[Finding]] = []
    for candidate in candidates:
        near = [
            *by_key[("p", candidate.person.pk)],
            *(by_key[("h", candidate.household.pk)] if candidate.household else []),
            *(by_key[("a", candidate.application_id)] if candidate.application_id else []),
        ]
        unique = {f.pk: f for f in near if _blocks(f, candidate)}
        found.append([unique[pk] for pk in sorted(unique)])
    return found


def blocking_findings(application: Application) -> list[Finding]:
    """Open or confirmed blocking findings that stop this application's approval."""
    return blocking_findings_many([application_candidate(application, None)])[0]


# --- configuration ------------------------------------------------------------------------


def household_cap() -> Decimal:
    """The household yearly benefit cap detection compares against (the one place read)."""
    row = OverlapSettings.objects.filter(pk=1).first()
    return row.household_year_cap if row else DEFAULT_HOUSEHOLD_CAP


@dataclass(frozen=True)
class OverlapConfiguration:
    """What the configuration page shows: the cap and every exclusive pair, by origin."""

    household_cap: Decimal
    programme_pairs: list[ExclusivePair]  # configurable here
    list_pairs: list[ExclusivePair]  # a programme and a national list: read-only
    declared_pairs: list[tuple[Programme, Programme]]  # on the programme itself: read-only


def overlap_configuration() -> OverlapConfiguration:
    pairs = ExclusivePair.objects.select_related("programme", "other_programme").order_by(
        "programme__name", "other_programme__name", "national_list"
    )
    declared = (
        Programme.excludes.through.objects.filter(from_programme_id__lt=F("to_programme_id"))
        .select_related("from_programme", "to_programme")
        .order_by("from_programme__name", "to_programme__name")
    )
    return OverlapConfiguration(
        household_cap=household_cap(),
        programme_pairs=[p for p in pairs if p.other_programme_id is not None],
        list_pairs=[p for p in pairs if p.other_programme_id is None],
        declared_pairs=[(d.from_programme, d.to_programme) for d in declared],
    )


# --- reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingCounts:
    """Live findings per rule: `open` still wait for a decision; `live` are open or
    confirmed (what the inclusion/exclusion report counts)."""

    open: dict[str, int]
    live: dict[str, int]

    @property
    def open_total(self) -> int:
        return sum(self.open.values())

    @property
    def inclusion_errors(self) -> int:
        return self.live.get("inclusion_error", 0)

    @property
    def exclusion_errors(self) -> int:
        return self.live.get("exclusion_error", 0)


def finding_counts(*, user: User | AnonymousUser) -> FindingCounts:
    """Counts only, over what the user may count: their agency's or kelurahan's findings,
    the whole city for Dinsos, auditors and leadership. One GROUP BY rule over the live
    statuses: `finding_rule_status_idx` (rule, status) city-wide, `finding_agency_idx`
    (agency_code, status) for an agency, `finding_kelurahan_idx` (kelurahan_code, status)
    for a Puskesos officer."""
    findings = aggregate_queryset(
        Finding.objects.filter(status__in=LIVE_STATUSES),
        user=user,
        kelurahan_field="kelurahan_code",
        agency_field="agency_code",
    )
    rows = (
        findings.order_by()
        .values("rule")
        .annotate(open=Count("status", filter=Q(status=FindingStatus.OPEN)), live=Count("status"))
    )
    open_counts: dict[str, int] = {}
    live_counts: dict[str, int] = {}
    for row in rows:
        live_counts[row["rule"]] = row["live"]
        if row["open"]:
            open_counts[row["rule"]] = row["open"]
    return FindingCounts(open=open_counts, live=live_counts)


@dataclass
class TargetingReport:
    """Live inclusion and exclusion errors, by programme and by kecamatan/kelurahan."""

    by_programme: list[tuple[str, int]] = field(default_factory=list)
    by_area: list[tuple[str, int, int]] = field(default_factory=list)  # code, incl., excl.
    inclusion_total: int = 0
    exclusion_total: int = 0


def targeting_report(*, kecamatan: str = "", year: int | None = None) -> TargetingReport:
    """Aggregates only (leadership may see it): counts, never a household."""
    findings = Finding.objects.filter(
        rule__in=["inclusion_error", "exclusion_error"], status__in=LIVE_STATUSES
    )
    if year:
        findings = findings.filter(year=year)
    if kecamatan:
        findings = findings.filter(kelurahan_code__startswith=f"{kecamatan}.")
    report = TargetingReport()
    for row in (
        findings.filter(rule="inclusion_error")
        .values("programme__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "programme__name")
    ):
        report.by_programme.append((row["programme__name"], row["n"]))
    area = (
        findings.values("kelurahan_code", "rule")
        if kecamatan
        else findings.annotate(
            kelurahan_code_prefix=Left("kelurahan_code", KECAMATAN_PREFIX)
        ).values("kelurahan_code_prefix", "rule")
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    key = "kelurahan_code" if kecamatan else "kelurahan_code_prefix"
    for row in area.annotate(n=Count("pk")):
        counts[row[key] or "-"][0 if row["rule"] == "inclusion_error" else 1] += row["n"]
    report.by_area = sorted((code, inc, exc) for code, (inc, exc) in counts.items())
    report.inclusion_total = sum(r[1] for r in report.by_area)
    report.exclusion_total = sum(r[2] for r in report.by_area)
    return report


@dataclass(frozen=True)
class LedgerRow:
    household_id: int | None
    year: int
    agency: str
    programme: str
    enrolments: int
    amount: Decimal


def benefit_ledger(
    *,
    user: User | AnonymousUser,
    household_id: int | None = None,
    kelurahan: str = "",
    year: int | None = None,
) -> list[LedgerRow]:
    """What each household received, from which agency, in which year (scoped)."""
    enrolments: QuerySet[Enrolment] = enrolment_list(user=user, household_id=household_id)
    if kelurahan:
        enrolments = enrolments.filter(kelurahan_code=kelurahan)
    if year:
        enrolments = enrolments.filter(year=year)
    rows = (
        enrolments.order_by()
        .values("household_id", "year", "programme__agency__short_name", "programme__name")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("household_id", "-year", "programme__agency__short_name", "programme__name")
    )
    return [
        LedgerRow(
            r["household_id"],
            r["year"],
            r["programme__agency__short_name"],
            r["programme__name"],
            r["n"],
            r["amount"] or Decimal(0),
        )
        for r in rows
    ]


def paired_programme_ids(programme: Programme) -> list[int]:
    """The programmes configured as exclusive with `programme` (either way round)."""
    pairs = ExclusivePair.objects.filter(
        Q(programme=programme) | Q(other_programme=programme), other_programme__isnull=False
    ).values_list("programme_id", "other_programme_id")
    return [other if first == programme.pk else first for first, other in pairs]
