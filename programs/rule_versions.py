"""Use cases of a programme's versioned rules: draft a version, activate it.

A draft changes nothing. Activating one (from draft only) retires the active version and
puts the draft's rules and frequency limit in force on the programme, in one transaction,
with who and when on the version and an audit row; applications evaluated from then on
record it (`EligibilityResult.rules_version`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import User
from programs.eligibility import RuleError, validate_rules
from programs.models import Programme, ProgrammeRules


def _require(actor: User | None) -> None:
    if actor is not None and not actor.has_perm("programs.change_programme"):
        raise Forbidden(_("You may not change programme rules."))


@transaction.atomic
def programme_rules_draft(
    *,
    actor: User | None,
    programme_id: int,
    rules: Sequence[Mapping[str, Any]],
    frequency_years: int | None,
    note: str = "",
) -> ProgrammeRules:
    """Record a new version of a programme's rules as a draft (nothing is decided by it)."""
    _require(actor)
    programme = Programme.objects.select_for_update().get(pk=programme_id)
    try:
        validate_rules(rules)
    except RuleError as exc:
        raise DomainError(str(exc), code="invalid_rules") from exc
    latest = ProgrammeRules.objects.filter(programme=programme).aggregate(v=Max("version"))["v"]
    draft = ProgrammeRules.objects.create(
        programme=programme,
        version=(latest or 0) + 1,
        rules=[dict(rule) for rule in rules],
        frequency_years=frequency_years,
        note=note[:255],
        created_by=recorded_user(actor),
    )
    audit_record(
        actor=actor,
        action="programs.programme_rules_draft",
        target=draft,
        after={"version": draft.version, "rules": draft.rules, "frequency_years": frequency_years},
    )
    return draft


@transaction.atomic
def programme_rules_activate(*, actor: User | None, version_id: int) -> ProgrammeRules:
    """Put a draft in force: the active version retires, the programme takes the rules."""
    _require(actor)
    version = ProgrammeRules.objects.select_related("programme").get(pk=version_id)
    programme = Programme.objects.select_for_update().get(pk=version.programme_id)
    version = ProgrammeRules.objects.select_for_update().get(pk=version_id)
    if version.status != ProgrammeRules.Status.DRAFT:
        raise Conflict(
            _("Only a draft can be activated; version %(version)s is %(status)s.")
            % {"version": version.version, "status": version.get_status_display()},
            code="not_draft",
        )
    previous = ProgrammeRules.objects.filter(
        programme=programme, status=ProgrammeRules.Status.ACTIVE
    ).first()
    if previous is not None:
        previous.status = ProgrammeRules.Status.RETIRED
        previous.save(update_fields=["status", "updated_at"])
    version.status = ProgrammeRules.Status.ACTIVE
    version.activated_at = timezone.now()
    version.activated_by = recorded_user(actor)
    version.save(update_fields=["status", "activated_at", "activated_by", "updated_at"])
    before = {"rules": programme.rules, "frequency_years": programme.frequency_years}
    programme.rules = version.rules
    programme.frequency_years = version.frequency_years
    programme.save(update_fields=["rules", "frequency_years", "updated_at"])
    audit_record(
        actor=actor,
        action="programs.programme_rules_activate",
        target=version,
        before={**before, "version": previous.version if previous else None},
        after={
            "rules": version.rules,
            "frequency_years": version.frequency_years,
            "version": version.version,
        },
    )
    return version
