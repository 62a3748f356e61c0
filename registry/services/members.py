"""Use cases on the members of a household: join, leave, move, split off, death."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record
from depok_kds.errors import Conflict, DomainError
from registry.dtsen import desil_follow_members
from registry.household_hooks import HouseholdSplit, split_notify
from registry.life_events import LifeEvent, life_events_notify
from registry.models import FamilyCard, Household, HouseholdEvent, Person
from registry.selectors import mask_nik
from registry.services.common import (
    HEAD,
    Actor,
    MemberData,
    RegistryWarning,
    address_check,
    event_record,
    household_lock,
    households_lock,
    kelurahan_in_scope,
    kk_check,
    member_check,
    member_lock,
    nik_conflicts_check,
    person_build,
    person_household_id,
    person_state,
    relationship_check,
)

Kind = HouseholdEvent.Kind


@dataclass
class MemberAddition:
    person: Person
    warnings: list[RegistryWarning] = field(default_factory=list)


def _head_refusal(person: Person) -> DomainError:
    return DomainError(
        _("%(name)s is the head of family: choose a new head first.") % {"name": person.full_name},
        code="is_head",
        details={"field": "person"},
    )


def _head_taken(household: Household) -> DomainError:
    return DomainError(
        _("Household %(number)s already has a head of family; change the head instead.")
        % {"number": household.registry_number},
        code="head_taken",
        details={"field": "relationship"},
    )


@transaction.atomic
def household_member_add(*, actor: Actor, household_id: int, member: MemberData) -> MemberAddition:
    """Add a new person (a birth, a newcomer); code "1" only to a household without a head."""
    household = household_lock(actor=actor, household_id=household_id)
    nik, warnings = member_check(member, member=None, today=timezone.localdate())
    if member.relationship == HEAD and household.head_id is not None:
        raise _head_taken(household)
    nik_conflicts_check(actor=actor, niks={None: nik} if nik else {})
    try:
        with transaction.atomic():
            person = person_build(member, nik=nik, household=household)
            person.save()
    except IntegrityError as exc:
        raise Conflict(
            _("This NIK was registered by someone else a moment ago; search first."),
            code="duplicate",
            details={"field": "nik"},
        ) from exc
    if member.relationship == HEAD:
        household.head = person
        household.save(update_fields=["head", "updated_at"])
    event_record(
        household=household,
        kind=Kind.MEMBER_ADDED,
        actor=actor,
        person=person,
        relationship=person.relationship,
        nik_missing=nik is None,
        nik_missing_reason=member.nik_missing_reason.strip() if nik is None else "",
    )
    audit_record(actor=actor, action="person.add", target=person, after=person_state(person))
    return MemberAddition(person=person, warnings=warnings)


@transaction.atomic
def household_member_remove(
    *, actor: Actor, person_id: int, reason: str, moved_out_on: date | None = None
) -> Person:
    """Take a person off their household (left Depok, wrongly listed); the head stays.

    With `moved_out_on` the person is recorded as having moved away on that date.
    """
    household_id = person_household_id(actor=actor, person_id=person_id)
    if household_id is None:
        raise DomainError(_("This person is not in a household."), code="not_a_member")
    household = household_lock(actor=actor, household_id=household_id, active=False)
    person = member_lock(household=household, person_id=person_id, alive=False)
    if not reason.strip():
        raise DomainError(
            _("Give the reason for removing the member."),
            code="reason_required",
            details={"field": "reason"},
        )
    if household.head_id == person.pk:
        raise _head_refusal(person)
    if moved_out_on is not None and moved_out_on > timezone.localdate():
        raise DomainError(
            _("The move-out date is in the future."),
            code="invalid_date",
            details={"field": "moved_out_on"},
        )
    before = person_state(person)
    person.household = None
    person.moved_out_on = moved_out_on
    person.save(update_fields=["household", "moved_out_on", "updated_at"])
    event_record(
        household=household,
        kind=Kind.MEMBER_REMOVED,
        actor=actor,
        person=person,
        reason=reason.strip(),
        moved_out_on=moved_out_on.isoformat() if moved_out_on else None,
    )
    audit_record(
        actor=actor,
        action="person.remove",
        target=person,
        before=before,
        after={**person_state(person), "reason": reason.strip()},
    )
    if moved_out_on is not None:
        life_events_notify(LifeEvent("moved_out", person.pk, moved_out_on, actor))
    return person


@transaction.atomic
def person_move(*, actor: Actor, person_id: int, to_household_id: int, relationship: str) -> Person:
    """Move a living person into another household (scope over both is needed).

    A person outside any household (removed earlier) may join one this way too.
    """
    from_id = person_household_id(actor=actor, person_id=person_id)
    if from_id == to_household_id:
        raise DomainError(
            _("The person is already a member of this household."),
            code="same_household",
            details={"field": "household"},
        )
    relationship_check(relationship)
    locked = households_lock(
        actor=actor, household_ids=[to_household_id, *([from_id] if from_id else [])]
    )
    target = locked[to_household_id]
    source = locked.get(from_id) if from_id else None
    person = (
        member_lock(household=source, person_id=person_id) if source else _detached_lock(person_id)
    )
    if source is not None and source.head_id == person.pk:
        raise _head_refusal(person)
    if relationship == HEAD and target.head_id is not None:
        raise _head_taken(target)
    before = person_state(person)
    person.household, person.relationship, person.moved_out_on = target, relationship, None
    person.save(update_fields=["household", "relationship", "moved_out_on", "updated_at"])
    if relationship == HEAD:
        target.head = person
        target.save(update_fields=["head", "updated_at"])
    if source is not None:
        event_record(
            household=source,
            kind=Kind.MEMBER_MOVED_OUT,
            actor=actor,
            person=person,
            to_household=target.registry_number,
        )
    event_record(
        household=target,
        kind=Kind.MEMBER_MOVED_IN,
        actor=actor,
        person=person,
        from_household=source.registry_number if source else None,
        relationship=relationship,
    )
    audit_record(
        actor=actor, action="person.move", target=person, before=before, after=person_state(person)
    )
    desil_follow_members(
        person_ids=[person.pk], household_ids=[target.pk, *([source.pk] if source else [])]
    )
    return person


def _detached_lock(person_id: int) -> Person:
    """Lock a person who belongs to no household (checked again under the lock)."""
    person = Person.objects.select_for_update().filter(pk=person_id, household=None).first()
    if person is None:
        raise Conflict(_("This person changed a moment ago; reload and try again."))
    if person.is_deceased:
        raise DomainError(
            _("%(name)s is recorded as deceased.") % {"name": person.full_name},
            code="person_deceased",
        )
    return person


@transaction.atomic
def household_split(
    *,
    actor: Actor,
    household_id: int,
    person_ids: Sequence[int],
    head_id: int,
    kk_number: str,
    relationships: Mapping[int, str] | None = None,
    address: str | None = None,
    rw: int | None = None,
    rt: int | None = None,
    kelurahan_code: str | None = None,
) -> Household:
    """Pecah KK: members leave with a new No. KK to a new household, one of them its head.

    The old head stays (change the head first if they are the one leaving). The others keep
    their relationship code unless `relationships` (person id -> code) gives a new one.
    The new household lives at the old address unless another is given.
    """
    household = household_lock(actor=actor, household_id=household_id)
    ids = list(dict.fromkeys(person_ids))
    if head_id not in ids:
        raise DomainError(
            _("The new head must be one of the members who leave."),
            code="head_not_leaving",
            details={"field": "head"},
        )
    leaving = [member_lock(household=household, person_id=pk) for pk in ids]
    for person in leaving:
        if person.pk == household.head_id:
            raise _head_refusal(person)
    relationships = relationships or {}
    for pk, code in relationships.items():
        if pk != head_id and (code == HEAD or pk not in ids):
            raise DomainError(
                _("Only the new head takes relationship code 1."),
                code="invalid_member",
                details={"field": "relationships", "person": pk},
            )
        relationship_check(code, field="relationships")
    today = timezone.localdate()
    kelurahan = (
        kelurahan_in_scope(actor=actor, code=kelurahan_code)
        if kelurahan_code and kelurahan_code != household.kelurahan_id
        else household.kelurahan
    )
    new_address = address if address is not None else household.address
    new_rw = rw if rw is not None else household.rw
    new_rt = rt if rt is not None else household.rt
    address_check(rw=new_rw, rt=new_rt, address=new_address)
    kk, _warnings = kk_check(actor=actor, raw=kk_number, today=today)

    try:
        with transaction.atomic():  # a concurrent use of the same No. KK ends here
            new = Household.objects.create(
                kelurahan=kelurahan, rw=new_rw, rt=new_rt, address=new_address.strip()
            )
            FamilyCard.objects.create(household=new, number=kk, valid_from=today)
    except IntegrityError as exc:
        raise Conflict(
            _("The No. KK was registered by someone else a moment ago; search first."),
            code="duplicate",
            details={"field": "kk_number"},
        ) from exc
    for person in leaving:
        person.household = new
        person.relationship = (
            HEAD if person.pk == head_id else relationships.get(person.pk, person.relationship)
        )
        person.save(update_fields=["household", "relationship", "updated_at"])
    new.head_id = head_id
    new.save(update_fields=["head", "updated_at"])
    event_record(
        household=household,
        kind=Kind.SPLIT,
        actor=actor,
        new_household=new.registry_number,
        person_ids=ids,
    )
    event_record(
        household=new,
        kind=Kind.REGISTERED,
        actor=actor,
        split_from=household.registry_number,
        members=len(ids),
        kk=mask_nik(kk),
    )
    audit_record(
        actor=actor,
        action="household.split",
        target=household,
        after={"new_household_id": new.pk, "person_ids": ids, "head_id": head_id},
    )
    desil_follow_members(person_ids=ids, household_ids=[household.pk, new.pk])
    split_notify(HouseholdSplit(household.pk, new.pk, actor))
    return new


@transaction.atomic
def person_death_record(*, actor: Actor, person_id: int, death_date: date) -> Person:
    """Record a death. If the person was the head, the household is left without a head
    and an event says a new one is needed (`household_head_change`)."""
    household_id = person_household_id(actor=actor, person_id=person_id)
    household = (
        household_lock(actor=actor, household_id=household_id, active=False)
        if household_id
        else None
    )
    person = (
        member_lock(household=household, person_id=person_id)
        if household
        else _detached_lock(person_id)
    )
    if death_date > timezone.localdate() or death_date < person.birth_date:
        raise DomainError(
            _("The date of death must be between the date of birth and today."),
            code="invalid_date",
            details={"field": "death_date"},
        )
    before = person_state(person)
    person.is_deceased, person.death_date = True, death_date
    person.save(update_fields=["is_deceased", "death_date", "updated_at"])
    was_head = household is not None and household.head_id == person.pk
    if household is not None:
        if was_head:
            household.head = None
            household.save(update_fields=["head", "updated_at"])
        event_record(
            household=household,
            kind=Kind.DEATH_RECORDED,
            actor=actor,
            person=person,
            death_date=death_date.isoformat(),
            was_head=was_head,
            new_head_needed=was_head,
        )
    audit_record(
        actor=actor,
        action="person.death_record",
        target=person,
        before=before,
        after={**person_state(person), "was_head": was_head},
    )
    life_events_notify(LifeEvent("death", person.pk, death_date, actor))
    return person
