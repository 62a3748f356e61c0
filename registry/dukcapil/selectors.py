"""Read queries of Dukcapil matching, scoped to what the user may see.

Outcomes carry the kelurahan of the person's household at the time of the run; a Puskesos
officer sees the outcomes (and the counts) of their own kelurahan only; an agency-scoped
caller those of the persons its programmes hold or are deciding. Extracts and runs
are visible to roles holding the view permission; runs of another officer's kelurahan are
hidden like missing rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from depok_kds.access import get_in_scope, scope_for, scope_queryset
from registry.dukcapil.models import DkbExtract, MatchOutcome, MatchRun, Outcome
from registry.models import FamilyCard, Kelurahan

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User


def may_act(user: User | AnonymousUser | None, perm: str, scope: str) -> bool:
    """A person needs the permission; an API client's key needs the scope (None: a system job)."""
    if user is None:
        return True
    if not user.is_authenticated:
        return False
    client = getattr(user, "api_client", None)
    if client is not None:
        return scope in client.scopes
    return user.has_perm(perm)


def extract_active() -> DkbExtract | None:
    return DkbExtract.objects.filter(status=DkbExtract.Status.ACTIVE).first()


def extract_list(*, user: User | AnonymousUser) -> QuerySet[DkbExtract]:
    extracts = DkbExtract.objects.select_related("loaded_by", "job")
    if not may_act(user, "dukcapil.view_dkbextract", "dukcapil:read"):
        return extracts.none()
    if not scope_for(user).city_wide:
        return extracts.none()
    return extracts


def extract_get(*, user: User | AnonymousUser, extract_id: int) -> DkbExtract:
    extract = extract_list(user=user).filter(pk=extract_id).first()
    if extract is None:
        raise Http404
    return extract


def run_list(*, user: User | AnonymousUser) -> QuerySet[MatchRun]:
    """Runs the user may see: city-wide roles all; a kelurahan-scoped user the runs over
    everyone, over a list of persons, or over one of their kelurahan."""
    runs = MatchRun.objects.select_related("job", "extract", "started_by")
    if not may_act(user, "dukcapil.view_matchrun", "dukcapil:read"):
        return runs.none()
    scope = scope_for(user)
    if not scope.rows:
        return runs.none()
    if scope.kelurahan_codes is not None:
        runs = runs.filter(
            ~Q(scope=MatchRun.Scope.KELURAHAN) | Q(kelurahan_code__in=scope.kelurahan_codes)
        )
    return runs


def run_get(*, user: User | AnonymousUser, run_id: int) -> MatchRun:
    run = run_list(user=user).filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


# Who an agency works with is known to the programme core, which the registry may not import
# (programmes depend on the registry, not the reverse): it registers its source at start.
AgencyPersons = Callable[[str], QuerySet[Any]]
AGENCY_PERSONS: list[AgencyPersons] = []


def agency_persons_register(source: AgencyPersons) -> None:
    """Add a source of the persons an agency works with (an agency code to a Person query)."""
    if source not in AGENCY_PERSONS:
        AGENCY_PERSONS.append(source)


def outcomes_of_agency_persons(
    outcomes: QuerySet[MatchOutcome], user: User | AnonymousUser
) -> QuerySet[MatchOutcome]:
    """An agency-scoped caller sees the outcomes of the persons its programmes hold or are
    deciding; with no source registered, none (closed, not city-wide)."""
    agency = scope_for(user).agency_code
    if agency is None:
        return outcomes
    if not AGENCY_PERSONS:
        return outcomes.none()
    held = Q()
    for source in AGENCY_PERSONS:
        held |= Q(person__in=source(agency).values("pk"))
    return outcomes.filter(held)


def outcome_list(
    *,
    user: User | AnonymousUser,
    run_id: int | None = None,
    outcome: str = "",
    review_status: str = "",
    kelurahan: str = "",
) -> QuerySet[MatchOutcome]:
    """Outcomes of persons in the user's kelurahan (all for city-wide roles), newest first."""
    outcomes = MatchOutcome.objects.select_related("person", "run", "reviewed_by")
    if not may_act(user, "dukcapil.view_matchoutcome", "dukcapil:read"):
        return outcomes.none()
    outcomes = scope_queryset(outcomes, user=user, kelurahan_field="kelurahan_code")
    outcomes = outcomes_of_agency_persons(outcomes, user)
    if run_id is not None:
        outcomes = outcomes.filter(run_id=run_id)
    if outcome:
        outcomes = outcomes.filter(outcome=outcome)
    if review_status:
        outcomes = outcomes.filter(review_status=review_status)
    if kelurahan:
        outcomes = outcomes.filter(kelurahan_code=kelurahan)
    return outcomes.order_by("-run_id", "person_id")


def outcome_get(*, user: User | AnonymousUser, outcome_id: int) -> MatchOutcome:
    if not may_act(user, "dukcapil.view_matchoutcome", "dukcapil:read"):
        raise Http404
    return get_in_scope(
        outcomes_of_agency_persons(
            MatchOutcome.objects.select_related("person__household", "run", "reviewed_by"), user
        ),
        user=user,
        kelurahan_field="kelurahan_code",
        pk=outcome_id,
    )


def review_queue(
    *, user: User | AnonymousUser, outcome: str = "", run_id: int | None = None
) -> QuerySet[MatchOutcome]:
    """Outcomes waiting for a person's decision, oldest run first."""
    return (
        outcome_list(user=user, run_id=run_id, outcome=outcome)
        .filter(review_status=MatchOutcome.Review.PENDING)
        .order_by("run_id", "outcome", "person_id")
    )


@dataclass
class RunSummary:
    """A run's counts as the user may see them (their kelurahan only, if they are scoped)."""

    persons: int = 0
    per_outcome: dict[str, int] = field(default_factory=dict)
    per_kelurahan: list[tuple[str, str, dict[str, int]]] = field(default_factory=list)
    pending: int = 0

    def outcome_rows(self) -> list[tuple[str, Any, int]]:
        return [
            (code, Outcome(code).label, self.per_outcome.get(code, 0)) for code in Outcome.values
        ]


def run_summary(*, user: User | AnonymousUser, run: MatchRun) -> RunSummary:
    """Counts per outcome and per kelurahan: stored with the run when it finished, counted
    from the outcomes so far while it runs."""
    scope = scope_for(user)
    # An agency-scoped caller counts only the outcomes it may see, never the stored city totals.
    stored = (run.summary or {}) if scope.agency_code is None else {}
    if not stored:
        counts = (
            outcome_list(user=user, run_id=run.pk)
            .order_by()
            .values_list("outcome", "kelurahan_code")
        )
        per_kel: dict[str, Counter[str]] = {}
        for outcome, code in counts:
            per_kel.setdefault(code or "-", Counter())[outcome] += 1
        stored = {"per_kelurahan": {k: dict(v) for k, v in per_kel.items()}}
    per_kelurahan: dict[str, dict[str, int]] = stored.get("per_kelurahan", {})
    if scope.kelurahan_codes is not None:
        per_kelurahan = {k: v for k, v in per_kelurahan.items() if k in scope.kelurahan_codes}
    names = dict(Kelurahan.objects.filter(code__in=per_kelurahan).values_list("code", "name"))
    total: Counter[str] = Counter()
    for counts_of in per_kelurahan.values():
        total.update(counts_of)
    pending = outcome_list(
        user=user, run_id=run.pk, review_status=MatchOutcome.Review.PENDING
    ).count()
    return RunSummary(
        persons=sum(total.values()),
        per_outcome=dict(total),
        per_kelurahan=[
            (code, names.get(code, code), dict(counts_of))
            for code, counts_of in sorted(per_kelurahan.items())
        ],
        pending=pending,
    )


def open_kk_numbers(household_ids: list[int]) -> dict[int, str]:
    """The current No. KK of each household (for showing the registry side of an outcome)."""
    return dict(
        FamilyCard.objects.filter(
            household_id__in=household_ids, valid_to__isnull=True
        ).values_list("household_id", "number")
    )
