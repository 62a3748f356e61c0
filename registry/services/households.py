"""Use cases on a household as a whole: registration, address, No. KK, head of family."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record
from depok_kds.errors import Conflict, DomainError
from registry.dtsen import household_desil_refresh
from registry.models import FamilyCard, Household, HouseholdEvent
from registry.selectors import mask_nik
from registry.services.common import (
    HEAD,
    Actor,
    MemberData,
    RegistryWarning,
    address_check,
    event_record,
    household_lock,
    household_state,
    kelurahan_in_scope,
    kk_check,
    member_check,
    member_lock,
    member_refusal,
    nik_conflicts_check,
    relationship_check,
)
from registry.services.registration import FamilyData, households_register

Kind = HouseholdEvent.Kind


@dataclass
class HouseholdRegistration:
    """The registered household and the doubts to show the clerk (none block it)."""

    household: Household
    warnings: list[RegistryWarning] = field(default_factory=list)


@transaction.atomic
def household_register(
    *,
    actor: Actor,
    kelurahan_code: str,
    rw: int,
    rt: int,
    address: str,
    kk_number: str,
    members: Sequence[MemberData],
    kk_valid_from: date | None = None,
) -> HouseholdRegistration:
    """Register a household with its members, its No. KK and exactly one head (code "1").

    Every NIK is checked locally and must not belong to anyone registered; a NIK that
    disagrees with the recorded sex or birth date, and a member without a NIK, are warnings.
    """
    today = timezone.localdate()
    kelurahan = kelurahan_in_scope(actor=actor, code=kelurahan_code)
    address_check(rw=rw, rt=rt, address=address)
    if not members:
        raise DomainError(
            _("A household needs at least one member."),
            code="no_members",
            details={"field": "members"},
        )
    heads = [index for index, member in enumerate(members) if member.relationship == HEAD]
    if len(heads) != 1:
        raise DomainError(
            _("A household needs exactly one head of family; found %(count)d.")
            % {"count": len(heads)},
            code="head_count",
            details={"field": "relationship", "member": heads[1] if heads else None},
        )
    warnings: list[RegistryWarning] = []
    niks: dict[int | None, str] = {}
    for index, member in enumerate(members):
        nik, member_warnings = member_check(member, member=index, today=today)
        warnings += member_warnings
        if nik is not None and nik in niks.values():
            raise member_refusal(
                _("this NIK is already given for another member."), member=index, field="nik"
            )
        if nik is not None:
            niks[index] = nik
    kk, kk_warnings = kk_check(actor=actor, raw=kk_number, today=today)
    warnings = kk_warnings + warnings
    nik_conflicts_check(actor=actor, niks=niks)

    family = FamilyData(
        kk=kk,
        kelurahan_code=kelurahan.code,
        rw=rw,
        rt=rt,
        address=address,
        valid_from=kk_valid_from,
        members=[replace(member, nik=niks.get(index)) for index, member in enumerate(members)],
    )
    try:
        # A savepoint: a concurrent registration of the same NIK or No. KK ends here.
        with transaction.atomic():
            registered = households_register(
                actor=actor, families=[family], details={"source": "portal"}
            )
    except IntegrityError as exc:
        raise Conflict(
            _("A NIK or the No. KK was registered by someone else a moment ago; search first."),
            code="duplicate",
        ) from exc
    household = Household.objects.get(pk=registered[kk])
    return HouseholdRegistration(household=household, warnings=warnings)


@transaction.atomic
def household_update_address(
    *,
    actor: Actor,
    household_id: int,
    address: str,
    rw: int,
    rt: int,
    kelurahan_code: str | None = None,
) -> Household:
    """Correct or change the address; moving to another kelurahan needs scope over both."""
    household = household_lock(actor=actor, household_id=household_id)
    address_check(rw=rw, rt=rt, address=address)
    before = household_state(household)
    if kelurahan_code is not None and kelurahan_code != household.kelurahan_id:
        household.kelurahan = kelurahan_in_scope(actor=actor, code=kelurahan_code)
    household.address, household.rw, household.rt = address.strip(), rw, rt
    after = household_state(household)
    if after == before:
        return household
    household.save(update_fields=["kelurahan", "address", "rw", "rt", "updated_at"])
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    event_record(household=household, kind=Kind.EDITED, actor=actor, changed=changed)
    audit_record(
        actor=actor, action="household.update_address", target=household, before=before, after=after
    )
    return household


@transaction.atomic
def family_card_change(
    *,
    actor: Actor,
    household_id: int,
    kk_number: str,
    valid_from: date | None = None,
) -> FamilyCard:
    """Close the household's current No. KK and open the new one from `valid_from` (today)."""
    household = household_lock(actor=actor, household_id=household_id)
    today = timezone.localdate()
    valid_from = valid_from or today
    current = (
        FamilyCard.objects.select_for_update()
        .filter(household=household, valid_to__isnull=True)
        .first()
    )
    if current is not None and current.number == "".join(kk_number.split()):
        raise DomainError(
            _("This No. KK is already the household's current card."),
            code="kk_unchanged",
            details={"field": "kk_number"},
        )
    kk, _warnings = kk_check(actor=actor, raw=kk_number, today=today)
    if valid_from > today or (current is not None and valid_from < current.valid_from):
        raise DomainError(
            _("The new card must start between the current card's start and today."),
            code="invalid_date",
            details={"field": "valid_from"},
        )
    if current is not None:
        current.valid_to = valid_from
        current.save(update_fields=["valid_to", "updated_at"])
    try:
        with transaction.atomic():  # a concurrent use of the same No. KK ends here
            card = FamilyCard.objects.create(household=household, number=kk, valid_from=valid_from)
    except IntegrityError as exc:
        raise Conflict(
            _("The No. KK was registered by someone else a moment ago; search first."),
            code="duplicate",
            details={"field": "kk_number"},
        ) from exc
    old = mask_nik(current.number) if current is not None else ""
    event_record(household=household, kind=Kind.KK_CHANGED, actor=actor, old=old, new=mask_nik(kk))
    audit_record(
        actor=actor,
        action="household.kk_change",
        target=household,
        before={"kk_card_id": current.pk if current else None, "kk": old},
        after={"kk_card_id": card.pk, "kk": mask_nik(kk), "valid_from": valid_from},
    )
    return card


@transaction.atomic
def household_head_change(
    *,
    actor: Actor,
    household_id: int,
    new_head_id: int,
    previous_head_relationship: str | None = None,
) -> Household:
    """Make a living member the head; a living previous head takes `previous_head_relationship`.

    A household whose head died has no head until this is done.
    """
    household = household_lock(actor=actor, household_id=household_id)
    new_head = member_lock(household=household, person_id=new_head_id)
    if household.head_id == new_head.pk:
        raise DomainError(
            _("%(name)s is already the head of family.") % {"name": new_head.full_name},
            code="already_head",
            details={"field": "person"},
        )
    previous = (
        member_lock(household=household, person_id=household.head_id, alive=False)
        if household.head_id is not None
        else None
    )
    if previous is not None and not previous.is_deceased:
        if previous_head_relationship is None or previous_head_relationship == HEAD:
            raise DomainError(
                _("Give the new relationship of the previous head, %(name)s.")
                % {"name": previous.full_name},
                code="previous_head_relationship",
                details={"field": "previous_head_relationship"},
            )
        relationship_check(previous_head_relationship, field="previous_head_relationship")
        previous.relationship = previous_head_relationship
        previous.save(update_fields=["relationship", "updated_at"])
    before = {"head_id": household.head_id, "new_head_relationship": new_head.relationship}
    new_head.relationship = HEAD
    new_head.save(update_fields=["relationship", "updated_at"])
    household.head = new_head
    household.save(update_fields=["head", "updated_at"])
    event_record(
        household=household,
        kind=Kind.HEAD_CHANGED,
        actor=actor,
        person=new_head,
        previous_head_id=previous.pk if previous else None,
        previous_head_name=previous.full_name if previous else "",
    )
    audit_record(
        actor=actor,
        action="household.head_change",
        target=household,
        before=before,
        after={
            "head_id": new_head.pk,
            "previous_head_relationship": previous.relationship if previous else None,
        },
    )
    household_desil_refresh(household_ids=[household.pk])  # the head's ranking wins
    return household
