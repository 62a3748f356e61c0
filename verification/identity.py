"""The identity check read from the person's latest Dukcapil matching outcome."""

from __future__ import annotations

from django.utils.translation import gettext

from registry.dukcapil.models import MatchOutcome, Outcome
from verification.models import Check

PASSING = frozenset({Outcome.MATCHED, Outcome.MATCHED_WITH_DIFFERENCES})
# Findings that end eligibility once a reviewer confirms them.
FAILING_WHEN_CONFIRMED = frozenset({Outcome.DECEASED, Outcome.MOVED_OUT})
# Findings about the registry's own data: they hold the check until reviewed.
HOLDING_UNTIL_REVIEWED = frozenset({Outcome.NIK_MISTYPED, Outcome.KK_DIFFERS})


def identity_status(person_id: int) -> tuple[str, str]:
    """(check status, note) from the latest outcome; "not available" when never matched."""
    latest = (
        MatchOutcome.objects.filter(person_id=person_id)
        .order_by("-created_at", "-pk")
        .only("outcome", "review_status", "run_id")
        .first()
    )
    if latest is None or latest.outcome == Outcome.NOT_VERIFIED:
        return Check.Status.NOT_AVAILABLE, gettext("No Dukcapil matching result yet.")
    label = f"Dukcapil: {latest.get_outcome_display()}"
    review = latest.review_status
    if latest.outcome in PASSING:
        return Check.Status.PASSED, label
    if latest.outcome == Outcome.NOT_FOUND:
        return Check.Status.FAILED, label
    if latest.outcome in FAILING_WHEN_CONFIRMED:
        if review == MatchOutcome.Review.CONFIRMED:
            return Check.Status.FAILED, label
        if review == MatchOutcome.Review.REJECTED:
            return Check.Status.PASSED, label
        return Check.Status.PENDING, label
    if latest.outcome in HOLDING_UNTIL_REVIEWED and review == MatchOutcome.Review.PENDING:
        return Check.Status.PENDING, label
    return Check.Status.PASSED, label
