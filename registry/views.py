"""Portal pages of the registry: search, a household's page, registering a household."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import pii_shown
from depok_kds.forms import refusals_on
from depok_kds.portal import PortalRequest, portal_view
from registry.forms import HouseholdForm, HouseholdSearchForm, MemberFormSet
from registry.household_edit_views import HOUSEHOLD_ACTIONS, MEMBER_ACTIONS
from registry.models import FamilyCard, Household, HouseholdEvent, Person
from registry.selectors import (
    NAME_SEARCH_LIMIT,
    household_cards,
    household_get,
    household_history,
    household_list,
    household_members,
    kelurahan_list,
    mask_nik,
    nik_display,
)
from registry.services import household_register

PAGE_SIZE = 25
HISTORY_SHOWN = 100


@dataclass(frozen=True)
class SearchRow:
    household: Household
    head_nik: str


@dataclass(frozen=True)
class MemberRow:
    person: Person
    nik: str
    nik_unverified: str = ""  # a damaged NIK as typed: shown as unverified, never as the NIK


@dataclass(frozen=True)
class CardRow:
    card: FamilyCard
    number: str


@dataclass(frozen=True)
class EventRow:
    event: HouseholdEvent
    details: list[tuple[Any, Any]]


# The event details worth showing, with their labels; ids and internal flags are left out.
EVENT_DETAIL_LABELS = {
    "members": _("Members"),
    "nik_missing": _("Without NIK"),
    "kk": _("No. KK"),
    "old": _("Previous No. KK"),
    "new": _("New No. KK"),
    "previous_head_name": _("Previous head"),
    "relationship": _("Relationship"),
    "reason": _("Reason"),
    "moved_out_on": _("Moved out on"),
    "to_household": _("To household"),
    "from_household": _("From household"),
    "new_household": _("New household"),
    "split_from": _("Split from"),
    "death_date": _("Date of death"),
    "new_head_needed": _("New head needed"),
    "changed": _("Changed"),
}


def _event_row(event: HouseholdEvent) -> EventRow:
    details: list[tuple[Any, Any]] = []
    for key, label in EVENT_DETAIL_LABELS.items():
        value = event.details.get(key)
        if value is None or value == "":
            continue
        if key == "relationship":
            value = Person.Relationship(value).label
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, dict):
            value = "; ".join(f"{name}: {old} → {new}" for name, (old, new) in value.items())
        details.append((label, value))
    return EventRow(event, details)


@portal_view(perm="registry.view_household")
def household_search(request: PortalRequest) -> HttpResponse:
    form = HouseholdSearchForm(request.GET, kelurahan=kelurahan_list(user=request.user))
    page = None
    rows: list[SearchRow] = []
    if form.is_valid():
        results: QuerySet[Household] | list[Household]
        results = household_list(user=request.user, **form.filters())
        if results.query.is_sliced:
            # A capped name search: read its rows once rather than count and page apart.
            results = list(results)
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [SearchRow(h, mask_nik(h.head.nik) if h.head else "") for h in page.object_list]
    capped = page is not None and page.paginator.count >= NAME_SEARCH_LIMIT
    partial = "registry/_household_results.html"
    template = partial if request.htmx else "registry/household_search.html"
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "capped": capped,
        "limit": NAME_SEARCH_LIMIT,
        "query": request.GET.urlencode(),
    }
    return render(request, template, context)


@portal_view(perm="registry.view_household")
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return household_page(request, household_get(user=request.user, household_id=pk))


def household_page(
    request: HttpRequest, household: Household, *, refused: Form | None = None
) -> HttpResponse:
    """The household's page; `refused` is a refused form of one of its sections (a card
    request), shown again with its reasons at the top and in its section."""
    members = list(household_members(household=household))
    cards = list(household_cards(household=household))
    full = pii_shown(
        request.user,
        target_type="registry.person",
        target_ids=[m.pk for m in members],
        fields=("nik", "kk"),
    )
    context = {
        "household": household,
        "members": [
            MemberRow(m, nik_display(m.nik, full=full), nik_display(m.nik_unverified, full=full))
            for m in members
        ],
        "cards": [CardRow(c, nik_display(c.number, full=full)) for c in cards],
        "events": [_event_row(e) for e in household_history(household=household)[:HISTORY_SHOWN]],
        "full_pii": full,
        "needs_head": household.head_id is None,
        "can_edit": request.user.has_perm("registry.change_household"),
        "household_actions": HOUSEHOLD_ACTIONS,
        "member_actions": MEMBER_ACTIONS,
        "refused": refused,
    }
    return render(request, "registry/household_detail.html", context)


@portal_view(perm="registry.add_household")
def household_register_page(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = HouseholdForm(data, kelurahan=kelurahan_list(user=request.user))
    members = MemberFormSet(data, prefix="members", initial=[{"relationship": "1"}])
    if data is not None and form.is_valid() and members.is_valid():
        filled = [m for m in members.forms if m.cleaned_data]
        with refusals_on(form, members=filled):
            registration = household_register(
                actor=request.user,
                members=[m.member_data() for m in filled],
                **form.cleaned_data,
            )
            for warning in registration.warnings:
                prefix = (
                    _("Member %(number)d") % {"number": warning.member + 1}
                    if warning.member is not None
                    else _("No. KK")
                )
                messages.warning(request, f"{prefix}: {warning.message}")
            messages.success(
                request,
                _("Household %(number)s registered.")
                % {"number": registration.household.registry_number},
            )
            return redirect("registry:household", pk=registration.household.pk)
    status = 400 if data is not None else 200
    return render(
        request,
        "registry/household_register.html",
        {"form": form, "members": members},
        status=status,
    )
