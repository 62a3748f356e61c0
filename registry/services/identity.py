"""Use cases on a person's identity numbers: correcting a mistyped or missing NIK."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record
from depok_kds.errors import Conflict, DomainError
from registry.models import HouseholdEvent, Person
from registry.nik import NikError, parse_nik
from registry.selectors import mask_nik
from registry.services.common import (
    Actor,
    event_record,
    household_lock,
    member_lock,
    nik_conflicts_check,
    person_household_id,
    person_state,
)


@transaction.atomic
def person_nik_correct(*, actor: Actor, person_id: int, nik: str, reason: str) -> Person:
    """Replace a person's NIK (mistyped, or missing until now) with the right one.

    The new number must be well-formed and held by nobody else in the registry; the reason
    (for instance the Dukcapil matching run that found it) is kept in the history and the
    audit log. Deceased persons may be corrected too: their records still have to be right.
    """
    if not reason.strip():
        raise DomainError(
            _("Give the reason for correcting the NIK."),
            code="reason_required",
            details={"field": "reason"},
        )
    try:
        parsed = parse_nik(nik, reference_date=timezone.localdate())
    except NikError as exc:
        raise DomainError(exc.message, code="invalid_nik", details={"field": "nik"}) from exc
    household_id = person_household_id(actor=actor, person_id=person_id)
    household = (
        household_lock(actor=actor, household_id=household_id, active=False)
        if household_id is not None
        else None
    )
    if household is not None:
        person = member_lock(household=household, person_id=person_id, alive=False)
    else:
        person = Person.objects.select_for_update().get(pk=person_id)
    if person.nik == parsed.nik:
        raise DomainError(
            _("This is already the person's NIK."), code="nik_unchanged", details={"field": "nik"}
        )
    nik_conflicts_check(actor=actor, niks={None: parsed.nik})
    before = person_state(person)
    old_nik = person.nik
    person.nik, person.nik_status = parsed.nik, Person.NikStatus.VALID
    person.nik_unverified = ""  # the typed value was evidence until now
    try:
        with transaction.atomic():
            person.save(update_fields=["nik", "nik_status", "nik_unverified", "updated_at"])
    except IntegrityError as exc:
        raise Conflict(
            _("This NIK was registered by someone else a moment ago; search first."),
            code="duplicate",
            details={"field": "nik"},
        ) from exc
    if household is not None:
        event_record(
            household=household,
            kind=HouseholdEvent.Kind.EDITED,
            actor=actor,
            person=person,
            changed={"NIK": [mask_nik(old_nik), mask_nik(parsed.nik)]},
            reason=reason.strip(),
        )
    audit_record(
        actor=actor,
        action="person.nik_correct",
        target=person,
        before=before,
        after={**person_state(person), "reason": reason.strip()},
    )
    return person
