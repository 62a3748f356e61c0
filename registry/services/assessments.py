"""Use case of the 14-parameter poverty assessment: recording a household's answers.

The household's answers are scored with the active ruleset by `registry.scoring`; the raw
answers, the version, the points per parameter and the class are stored together, so that the
class can be explained and recomputed when the official lampiran of Perwal 31/2022 arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import DomainError
from registry import scoring
from registry.models import Assessment, CurrentAssessment, HouseholdEvent, Ruleset
from registry.rescore import json_number
from registry.selectors import parameter_label, ruleset_rules
from registry.services.common import Actor, event_record, household_lock

# Re-scoring rows are written by the re-scoring job only.
RECORDABLE_SOURCES = frozenset(
    {Assessment.Source.FIELD_VISIT, Assessment.Source.SELF_REPORT, Assessment.Source.IMPORT}
)


def contributions_json(result: scoring.ScoreResult) -> list[dict[str, Any]]:
    """Per parameter, in ruleset order: the option chosen and the points it added."""
    return [
        {
            "parameter": item.parameter_code,
            "option": item.option_code,
            "points": json_number(item.weighted_points),
        }
        for item in result.contributions
    ]


def scoring_refusal(
    error: scoring.ScoringError, rules: scoring.Ruleset, answers: Mapping[str, str]
) -> DomainError:
    """The scoring module's refusal, told in the page's language, naming the parameters."""
    parameters = {parameter.code: parameter for parameter in rules.parameters}
    named = [parameters[code] for code in error.parameters if code in parameters]
    labels = ", ".join(parameter_label(parameter) for parameter in named)
    message: Any
    if error.code == "missing_answer":
        message = _("No answer given for: %(parameters)s.") % {"parameters": labels}
    elif error.code == "unknown_option" and named:
        message = _(
            "%(option)r is not an answer to %(parameter)s; the answers are: %(options)s."
        ) % {
            "option": answers.get(named[0].code, ""),
            "parameter": labels,
            "options": ", ".join(option.code for option in named[0].options),
        }
    elif error.code == "unknown_parameter":
        message = _("Ruleset %(version)s has no parameter %(codes)s.") % {
            "version": rules.version,
            "codes": ", ".join(error.parameters),
        }
    else:
        message = error.message
    details = {
        "field": error.parameters[0] if error.parameters else None,
        "parameters": list(error.parameters),
    }
    return DomainError(message, code=error.code, details=details)


def ruleset_active_locked() -> Ruleset:
    """The active ruleset, share-locked until commit.

    An activation locks the same row to retire it: it waits until this assessment is stored,
    and this waits for it. If an activation committed while we waited, the row is no longer
    active: look again with a fresh snapshot. (A re-scoring chunk share-locks the row too, then
    its households: the household's lock is where an assessment and a chunk meet.)
    """
    for _attempt in range(3):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM registry_ruleset WHERE status = %s FOR SHARE",
                [Ruleset.Status.ACTIVE],
            )
            row = cursor.fetchone()
        if row is not None:
            return Ruleset.objects.get(pk=row[0])
    raise no_active_ruleset()


def no_active_ruleset() -> DomainError:
    """The refusal of an assessment (by hand or imported) while no ruleset is active."""
    return DomainError(
        _("No poverty ruleset is active; Dinas Sosial has to activate one first."),
        code="no_active_ruleset",
    )


def _state(assessment: Assessment) -> dict[str, Any]:
    return {
        "assessment_id": assessment.pk,
        "ruleset": assessment.ruleset.version,
        "poverty_class": assessment.poverty_class,
        "score": str(assessment.score),
        "max_score": str(assessment.max_score),
        "source": assessment.source,
        "assessed_on": assessment.assessed_on,
    }


@transaction.atomic
def assessment_record(
    *,
    actor: Actor,
    household_id: int,
    answers: Mapping[str, str],
    source: str,
    assessed_on: date | None = None,
) -> Assessment:
    """Score `answers` (parameter code -> option code) with the active ruleset and make the
    result the household's current assessment.

    Every parameter needs one of its options. An assessment dated in the future, or before
    the household's current one, is refused: it would hide the later finding.
    """
    if source not in RECORDABLE_SOURCES:
        raise DomainError(
            _("%(value)r is not an allowed source of an assessment.") % {"value": source},
            code="invalid_source",
            details={"field": "source"},
        )
    today = timezone.localdate()
    assessed_on = assessed_on or today
    if assessed_on > today:
        raise DomainError(
            _("The assessment date is in the future."),
            code="invalid_date",
            details={"field": "assessed_on"},
        )
    # The ruleset before the household: a re-scoring chunk locks them in this order too.
    ruleset = ruleset_active_locked()
    household = household_lock(actor=actor, household_id=household_id)
    rules = ruleset_rules(ruleset)
    try:
        result = scoring.score(rules, answers)
    except scoring.ScoringError as error:
        raise scoring_refusal(error, rules, answers) from error
    mark = (
        CurrentAssessment.objects.select_for_update(of=("self",))
        .select_related("assessment__ruleset")
        .filter(household=household)
        .first()
    )
    previous = mark.assessment if mark is not None else None
    if previous is not None and assessed_on < previous.assessed_on:
        raise DomainError(
            _("The household's current assessment is of %(date)s; a new one cannot be older.")
            % {"date": previous.assessed_on.isoformat()},
            code="invalid_date",
            details={"field": "assessed_on"},
        )
    assessment = Assessment.objects.create(
        household=household,
        ruleset=ruleset,
        answers={parameter.code: answers[parameter.code] for parameter in rules.parameters},
        score=result.total,
        max_score=result.max_possible,
        poverty_class=result.poverty_class,
        contributions=contributions_json(result),
        source=source,
        assessor=recorded_user(actor),
        assessed_on=assessed_on,
    )
    # The new row becomes current; the previous one stays as it was, as history.
    if mark is None:
        CurrentAssessment.objects.create(household=household, assessment=assessment)
    else:
        mark.assessment = assessment
        mark.save(update_fields=["assessment"])
    household.poverty_class = result.poverty_class
    household.poverty_score = result.total
    household.assessed_on = assessed_on
    household.save(update_fields=["poverty_class", "poverty_score", "assessed_on", "updated_at"])
    event_record(
        household=household,
        kind=HouseholdEvent.Kind.ASSESSED,
        actor=actor,
        poverty_class=result.poverty_class,
        score=str(result.total),
        max_score=str(result.max_possible),
        ruleset=ruleset.version,
        source=source,
    )
    audit_record(
        actor=actor,
        action="assessment.record",
        target=assessment,
        before=_state(previous) if previous is not None else None,
        after=_state(assessment),
    )
    return assessment
