"""Changing a household from its page: one small form per registry service.

Each action names its form and what it does with the cleaned data; one view serves them
all. The services enforce the rules and the scope; this module only wires forms to them
and tells the clerk what happened (refusals next to the form, warnings as messages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from depok_kds.errors import DomainError
from depok_kds.forms import refusals_on
from depok_kds.models import User
from depok_kds.portal import PortalRequest, portal_view
from registry.forms import MemberForm, member_data
from registry.household_edit_forms import (
    AddressForm,
    DeathForm,
    FamilyCardForm,
    HeadChangeForm,
    MoveMemberForm,
    RemoveMemberForm,
    SplitForm,
)
from registry.models import Household, Person
from registry.selectors import household_find, household_get, household_members, kelurahan_list
from registry.services import (
    RegistryWarning,
    family_card_change,
    household_head_change,
    household_member_add,
    household_member_remove,
    household_split,
    household_update_address,
    person_death_record,
    person_move,
)


@dataclass(frozen=True)
class Outcome:
    message: StrOrPromise
    household_id: int  # the page to go back to
    warnings: list[RegistryWarning] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    actor: User
    household: Household
    person: Person | None
    data: dict[str, Any]

    @property
    def member(self) -> Person:
        """The member a member action is about (the view resolves it before acting)."""
        if self.person is None:
            raise Http404
        return self.person


@dataclass(frozen=True)
class Action:
    title: Promise
    form: type[forms.Form]
    perform: Callable[[Target], Outcome]
    on_member: bool = False
    form_kwargs: Callable[[User, Household], dict[str, Any]] = lambda user, household: {}


def _address(t: Target) -> Outcome:
    household_update_address(actor=t.actor, household_id=t.household.pk, **t.data)
    return Outcome(_("Address changed."), t.household.pk)


def _family_card(t: Target) -> Outcome:
    family_card_change(actor=t.actor, household_id=t.household.pk, **t.data)
    return Outcome(_("No. KK changed; the previous card is kept in the history."), t.household.pk)


def _add_member(t: Target) -> Outcome:
    added = household_member_add(
        actor=t.actor, household_id=t.household.pk, member=member_data(t.data)
    )
    return Outcome(
        _("%(name)s added to the household.") % {"name": added.person.full_name},
        t.household.pk,
        added.warnings,
    )


def _remove(t: Target) -> Outcome:
    household_member_remove(actor=t.actor, person_id=t.member.pk, **t.data)
    return Outcome(
        _("%(name)s removed from the household.") % {"name": t.member.full_name}, t.household.pk
    )


def _move(t: Target) -> Outcome:
    target = _household_by_reference(t.actor, t.data["to_household"])
    person_move(
        actor=t.actor,
        person_id=t.member.pk,
        to_household_id=target.pk,
        relationship=t.data["relationship"],
    )
    return Outcome(
        _("%(name)s moved to household %(number)s.")
        % {"name": t.member.full_name, "number": target.registry_number},
        t.household.pk,
    )


def _death(t: Target) -> Outcome:
    person_death_record(actor=t.actor, person_id=t.member.pk, death_date=t.data["death_date"])
    return Outcome(
        _("The death of %(name)s is recorded.") % {"name": t.member.full_name}, t.household.pk
    )


def _make_head(t: Target) -> Outcome:
    household_head_change(
        actor=t.actor,
        household_id=t.household.pk,
        new_head_id=t.member.pk,
        previous_head_relationship=t.data["previous_head_relationship"] or None,
    )
    return Outcome(
        _("%(name)s is now the head of family.") % {"name": t.member.full_name}, t.household.pk
    )


def _split(t: Target) -> Outcome:
    new = household_split(
        actor=t.actor,
        household_id=t.household.pk,
        person_ids=[int(pk) for pk in t.data["person_ids"]],
        head_id=int(t.data["head_id"]),
        kk_number=t.data["kk_number"],
        address=t.data["address"] or None,
        rw=t.data["rw"],
        rt=t.data["rt"],
    )
    return Outcome(
        _("New household %(number)s split off.") % {"number": new.registry_number}, new.pk
    )


def _household_by_reference(user: User, reference: str) -> Household:
    """A household the user may see, by registry number (KDS-…) or current No. KK."""
    reference = reference.strip().upper()
    try:
        if reference.startswith("KDS-"):
            return household_get(user=user, household_id=int(reference[4:]))
        found = household_find(user=user, kk=reference).first()
    except (ValueError, Http404):
        found = None
    if found is None:
        raise DomainError(
            _("No household with this registry number or No. KK was found."),
            code="not_found",
            details={"field": "to_household"},
        )
    return found


ACTIONS: dict[str, Action] = {
    "address": Action(
        _("Change the address"),
        AddressForm,
        _address,
        form_kwargs=lambda user, household: {"kelurahan": kelurahan_list(user=user)},
    ),
    "kk": Action(_("Change the No. KK"), FamilyCardForm, _family_card),
    "add-member": Action(_("Add a member"), MemberForm, _add_member),
    "split": Action(
        _("Split the family card (pecah KK)"),
        SplitForm,
        _split,
        form_kwargs=lambda user, household: {"members": household_members(household=household)},
    ),
    "remove": Action(_("Remove a member"), RemoveMemberForm, _remove, on_member=True),
    "move": Action(_("Move a member to another household"), MoveMemberForm, _move, on_member=True),
    "death": Action(_("Record a death"), DeathForm, _death, on_member=True),
    "make-head": Action(_("Make head of family"), HeadChangeForm, _make_head, on_member=True),
}
HOUSEHOLD_ACTIONS = [(name, a.title) for name, a in ACTIONS.items() if not a.on_member]
MEMBER_ACTIONS = [(name, a.title) for name, a in ACTIONS.items() if a.on_member]


@portal_view(perm="registry.change_household")
def household_action(
    request: PortalRequest, pk: int, action: str, person_id: int | None = None
) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None or spec.on_member != (person_id is not None):
        raise Http404
    household = household_get(user=request.user, household_id=pk)
    person = None
    if person_id is not None:
        person = household_members(household=household).filter(pk=person_id).first()
        if person is None:
            raise Http404
    data = request.POST if request.method == "POST" else None
    form = spec.form(data, **spec.form_kwargs(request.user, household))
    if data is not None and form.is_valid():
        with refusals_on(form):
            outcome = spec.perform(Target(request.user, household, person, form.cleaned_data))
            for warning in outcome.warnings:
                messages.warning(request, warning.message)
            messages.success(request, outcome.message)
            return redirect("registry:household", pk=outcome.household_id)
    context = {"form": form, "title": spec.title, "household": household, "person": person}
    return render(
        request, "registry/household_action.html", context, status=400 if data is not None else 200
    )
