"""What the registry services share: member data, checks, scoped row locks, event rows.

`actor` is the person (or API client's service user) asking; None means a system process
(the demo seed, a future import job acting under its own audit trail), which has no scope
limit. People always pass themselves, so scope is checked here, not only in the views.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from depok_kds.access import get_in_scope, scope_queryset
from depok_kds.audit import Actor as Actor  # re-exported for the services
from depok_kds.audit import recorded_user
from depok_kds.errors import Conflict, DomainError, Forbidden
from registry.models import FamilyCard, Household, HouseholdEvent, Kelurahan, Person
from registry.models.household import RT_RW_MAX
from registry.models.person import NAME_MAX, name_key
from registry.names import normalize_name
from registry.nik import NikError, age_on, check_nik_against, parse_kk, parse_nik
from registry.selectors import mask_nik

HEAD = Person.Relationship.HEAD


@dataclass(frozen=True, kw_only=True)
class MemberData:
    """One member as written on the family card; values are the models' stored choices."""

    nik: str | None
    full_name: str
    sex: str
    birth_place: str = ""
    birth_date: date
    relationship: str
    marital_status: str
    education: str
    occupation: str = ""
    disability: str = Person.Disability.NONE
    # Why a member of KTP age has no NIK; kept in the household's history.
    nik_missing_reason: str = ""


# From 17 every resident is issued a KTP, and so holds a NIK (UU 24/2013, Pasal 63): a member
# of that age without one is registered only with the reason, unlike a newborn.
KTP_AGE = 17
# The longest reason for a missing NIK that is kept (the form's, the API's, the imports').
NIK_MISSING_REASON_MAX = 200
NIK_REASON_REQUIRED = _(
    "a member aged %(age)d or older has a NIK; give it, or the reason it is missing "
    "(for example: never recorded at Dukcapil, documents lost)."
)


@dataclass(frozen=True)
class RegistryWarning:
    """A doubt shown to the clerk that does not block the change (`member`: index or None)."""

    member: int | None
    field: str
    code: str
    message: str


def member_refusal(
    problem: Any,
    *,
    member: int | None,
    field: str,
    code: str = "invalid_member",
    error: type[DomainError] = DomainError,
) -> DomainError:
    """A refusal pointing at one field of one submitted member (by index, or None)."""
    if member is not None:
        message = _("Member %(number)d: %(problem)s") % {"number": member + 1, "problem": problem}
    else:
        message = str(problem)[:1].upper() + str(problem)[1:]
    details: dict[str, Any] = {"field": field}
    if member is not None:
        details = {"member": member, "field": field}
    return error(message, code=code, details=details)


def member_check(
    data: MemberData, *, member: int | None, today: date
) -> tuple[str | None, list[RegistryWarning]]:
    """Validate one member; return the clean NIK (None when missing) and the warnings."""
    if not data.full_name.strip() or not normalize_name(data.full_name):
        raise member_refusal(_("the full name is empty."), member=member, field="full_name")
    if len(data.full_name.strip()) > NAME_MAX:
        raise member_refusal(
            _("the full name is longer than %(most)d characters.") % {"most": NAME_MAX},
            member=member,
            field="full_name",
        )
    for field, choices in (
        ("sex", Person.Sex),
        ("relationship", Person.Relationship),
        ("marital_status", Person.MaritalStatus),
        ("education", Person.Education),
        ("disability", Person.Disability),
    ):
        if getattr(data, field) not in choices.values:
            raise member_refusal(
                _("%(value)r is not an allowed value.") % {"value": getattr(data, field)},
                member=member,
                field=field,
            )
    if data.birth_date > today:
        raise member_refusal(
            _("the date of birth is in the future."), member=member, field="birth_date"
        )
    raw_nik = (data.nik or "").strip()
    if not raw_nik:
        nik_missing_reason_check(
            birth_date=data.birth_date, reason=data.nik_missing_reason, member=member, today=today
        )
        warning = _("No NIK: the member is flagged for follow-up at Dukcapil.")
        return None, [RegistryWarning(member, "nik", "nik_missing", str(warning))]
    try:
        parsed = parse_nik(raw_nik, reference_date=today)
    except NikError as exc:
        raise member_refusal(exc.message, member=member, field="nik", code="invalid_nik") from exc
    warnings = [
        RegistryWarning(member, "nik", w.code, w.message)
        for w in check_nik_against(parsed, sex=data.sex, birth_date=data.birth_date)
    ]
    return parsed.nik, warnings


def nik_missing_reason_check(
    *, birth_date: date, reason: str, member: int | None, today: date
) -> None:
    """Refuse a member without a NIK who is of KTP age and whose reason is not given.

    Every path that registers members without a NIK (the form, the API, both file imports)
    asks this, so the age and the message are the same everywhere.
    """
    if age_on(birth_date, today) >= KTP_AGE and not reason.strip():
        raise member_refusal(
            NIK_REASON_REQUIRED % {"age": KTP_AGE},
            member=member,
            field="nik_missing_reason",
            code="nik_reason_required",
        )


def person_build(data: MemberData, *, nik: str | None, household: Household | None) -> Person:
    """An unsaved Person from checked member data."""
    return Person(
        household=household,
        nik=nik,
        nik_status=Person.NikStatus.VALID if nik else Person.NikStatus.MISSING,
        full_name=data.full_name.strip(),
        name_normalized=name_key(data.full_name),
        sex=data.sex,
        birth_place=data.birth_place.strip(),
        birth_date=data.birth_date,
        relationship=data.relationship,
        marital_status=data.marital_status,
        education=data.education,
        occupation=data.occupation.strip(),
        disability=data.disability,
    )


def may_see_household(*, actor: Actor, household_id: int | None) -> bool:
    if household_id is None:
        return False
    if actor is None:
        return True
    return (
        scope_queryset(
            Household.objects.filter(pk=household_id), user=actor, kelurahan_field="kelurahan_id"
        )
        .only("pk")
        .exists()
    )


def nik_conflicts_check(*, actor: Actor, niks: dict[int | None, str]) -> None:
    """Refuse NIKs that already belong to a registered person.

    The household is named only when the actor may see it; otherwise the answer reveals that
    the NIK is taken, which the clerk needs, but not where.
    """
    if not niks:
        return
    holders = {
        p.nik: p for p in Person.objects.filter(nik__in=niks.values()).only("nik", "household_id")
    }
    for member, nik in niks.items():
        holder = holders.get(nik)
        if holder is None:
            continue
        problem: Any = _("this NIK is already registered in another household.")
        if holder.household_id is not None and may_see_household(
            actor=actor, household_id=holder.household_id
        ):
            number = Household.objects.values_list("registry_number", flat=True).get(
                pk=holder.household_id
            )
            problem = _("this NIK is already registered in household %(number)s.") % {
                "number": number
            }
        raise member_refusal(
            problem, member=member, field="nik", code="nik_registered", error=Conflict
        )


def kk_check(
    *, actor: Actor, raw: str, today: date, field: str = "kk_number"
) -> tuple[str, list[RegistryWarning]]:
    """Validate a No. KK not held (open) by any household; return it and its warnings."""
    try:
        parsed = parse_kk(raw, reference_date=today)
    except NikError as exc:
        raise DomainError(exc.message, code="invalid_kk", details={"field": field}) from exc
    holder = (
        FamilyCard.objects.filter(number=parsed.kk, valid_to__isnull=True)
        .values_list("household_id", flat=True)
        .first()
    )
    if holder is not None:
        message: Any = _("This No. KK is the current card of another household.")
        if may_see_household(actor=actor, household_id=holder):
            number = Household.objects.values_list("registry_number", flat=True).get(pk=holder)
            message = _("This No. KK is the current card of household %(number)s.") % {
                "number": number
            }
        raise Conflict(message, code="kk_registered", details={"field": field})
    warnings = [RegistryWarning(None, field, w.code, w.message) for w in parsed.warnings]
    return parsed.kk, warnings


def address_check(*, rw: int, rt: int, address: str) -> None:
    for field, value in (("rw", rw), ("rt", rt)):
        if not 1 <= value <= RT_RW_MAX:
            raise DomainError(
                _("%(field)s must be between 1 and %(max)d.")
                % {"field": field.upper(), "max": RT_RW_MAX},
                code="invalid_address",
                details={"field": field},
            )
    if not address.strip():
        raise DomainError(
            _("The street address is empty."), code="invalid_address", details={"field": "address"}
        )


def kelurahan_in_scope(*, actor: Actor, code: str, field: str = "kelurahan_code") -> Kelurahan:
    """The kelurahan `code`, if the actor may act on households there."""
    kelurahan = Kelurahan.objects.filter(code=code).first()
    if kelurahan is None:
        raise DomainError(
            _("Unknown kelurahan code %(code)s.") % {"code": code},
            code="unknown_kelurahan",
            details={"field": field},
        )
    if actor is not None and not (
        scope_queryset(Kelurahan.objects.filter(code=code), user=actor, kelurahan_field="code")
        .only("code")
        .exists()
    ):
        raise Forbidden(
            _("You may only act on households in your own kelurahan."), details={"field": field}
        )
    return kelurahan


def household_lock(*, actor: Actor, household_id: int, active: bool = True) -> Household:
    """Lock a household the actor may act on (Http404 otherwise, as if it did not exist)."""
    households = Household.objects.select_for_update()
    if actor is None:
        household = households.filter(pk=household_id).first()
        if household is None:
            raise Http404
    else:
        household = get_in_scope(
            households, user=actor, kelurahan_field="kelurahan_id", pk=household_id
        )
    if active and household.status != Household.Status.ACTIVE:
        raise DomainError(
            _("Household %(number)s is dissolved.") % {"number": household.registry_number},
            code="household_dissolved",
        )
    return household


def households_lock(*, actor: Actor, household_ids: Iterable[int]) -> dict[int, Household]:
    """Lock several households in id order, so that two services never deadlock."""
    return {pk: household_lock(actor=actor, household_id=pk) for pk in sorted(set(household_ids))}


def member_lock(*, household: Household, person_id: int, alive: bool = True) -> Person:
    """Lock a person who is a member of the (already locked) `household`."""
    person = Person.objects.select_for_update().filter(pk=person_id, household=household).first()
    if person is None:
        raise DomainError(
            _("This person is not a member of household %(number)s.")
            % {"number": household.registry_number},
            code="not_a_member",
            details={"field": "person"},
        )
    if alive and person.is_deceased:
        raise DomainError(
            _("%(name)s is recorded as deceased.") % {"name": person.full_name},
            code="person_deceased",
            details={"field": "person"},
        )
    return person


def person_household_id(*, actor: Actor, person_id: int) -> int | None:
    """The household a person the actor may see belongs to now (Http404 otherwise).

    Read without a lock; callers lock that household, then the person, and re-check.
    """
    people = Person.objects.all()
    if actor is None:
        person = people.filter(pk=person_id).only("household_id").first()
        if person is None:
            raise Http404
        return person.household_id
    return get_in_scope(
        people.only("household_id"),
        user=actor,
        kelurahan_field="household__kelurahan_id",
        pk=person_id,
    ).household_id


def relationship_check(value: str, *, field: str = "relationship") -> None:
    if value not in Person.Relationship.values:
        raise DomainError(
            _("%(value)r is not an allowed value.") % {"value": value},
            code="invalid_member",
            details={"field": field},
        )


def event_record(
    *,
    household: Household,
    kind: str,
    actor: Actor,
    person: Person | None = None,
    **details: Any,
) -> HouseholdEvent:
    return HouseholdEvent.objects.create(
        household=household,
        kind=kind,
        person=person,
        actor=recorded_user(actor),
        details=details,
    )


def household_state(household: Household) -> dict[str, Any]:
    """The household columns audit rows record before and after a change."""
    return {
        "kelurahan_code": household.kelurahan_id,
        "rw": household.rw,
        "rt": household.rt,
        "address": household.address,
        "status": household.status,
        "head_id": household.head_id,
    }


def person_state(person: Person) -> dict[str, Any]:
    """The person columns audit rows record; the NIK masked, like everywhere outside its table."""
    return {
        "household_id": person.household_id,
        "nik": mask_nik(person.nik),
        "relationship": person.relationship,
        "is_deceased": person.is_deceased,
        "death_date": person.death_date.isoformat() if person.death_date else None,
        "moved_out_on": person.moved_out_on.isoformat() if person.moved_out_on else None,
    }
