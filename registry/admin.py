"""Back-office views of the registry: read-only. Changes go through the portal's services.

NIK and No. KK numbers are shown masked here: the admin has no place to log a full view.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from depok_kds.access import scope_queryset
from registry.models import FamilyCard, Household, Kecamatan, Kelurahan, Person
from registry.selectors import household_list, mask_nik, person_list


class ReadOnlyMixin:
    """No add, change or delete: the services own every write."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Kecamatan)
class KecamatanAdmin(ReadOnlyMixin, admin.ModelAdmin[Kecamatan]):
    list_display = ["code", "name"]


@admin.register(Kelurahan)
class KelurahanAdmin(ReadOnlyMixin, admin.ModelAdmin[Kelurahan]):
    list_display = ["code", "name", "kecamatan"]
    list_filter = ["kecamatan"]
    search_fields = ["name", "code"]


class FamilyCardInline(ReadOnlyMixin, admin.TabularInline[FamilyCard, Household]):
    model = FamilyCard
    readonly_fields = ("masked_number", "valid_from", "valid_to")
    fields = readonly_fields
    ordering = ["-valid_from"]
    extra = 0

    @admin.display(description=_("No. KK"))
    def masked_number(self, card: FamilyCard) -> str:
        return mask_nik(card.number)


class PersonInline(ReadOnlyMixin, admin.TabularInline[Person, Household]):
    model = Person
    readonly_fields = (
        "masked_nik",
        "full_name",
        "relationship",
        "sex",
        "birth_date",
        "is_deceased",
    )
    fields = readonly_fields
    extra = 0

    @admin.display(description=_("NIK"))
    def masked_nik(self, person: Person) -> str:
        return mask_nik(person.nik)


@admin.register(Household)
class HouseholdAdmin(ReadOnlyMixin, admin.ModelAdmin[Household]):
    list_display = [
        "registry_number",
        "head",
        "kelurahan",
        "rw",
        "rt",
        "status",
        "poverty_class",
        "desil",
    ]
    list_filter = ["status", "poverty_class", "kelurahan__kecamatan"]
    list_select_related = ["head", "kelurahan"]
    search_fields = ["registry_number"]  # see get_search_results
    search_help_text = _("NIK, No. KK or a member's name")
    show_full_result_count = False  # a full count of 650,000 rows on every page is wasted
    ordering = ["-pk"]
    exclude = ["head"]
    inlines = [PersonInline, FamilyCardInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Household]:
        return scope_queryset(
            super().get_queryset(request), user=request.user, kelurahan_field="kelurahan_id"
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Household], search_term: str
    ) -> tuple[QuerySet[Household], bool]:
        # The portal's search (index-backed NIK / No. KK / trigram name), not icontains scans.
        if not search_term.strip():
            return queryset, False
        found = household_list(user=request.user, q=search_term).values("pk")
        return queryset.filter(pk__in=found), False


@admin.register(Person)
class PersonAdmin(ReadOnlyMixin, admin.ModelAdmin[Person]):
    list_display = ["full_name", "masked_nik", "nik_status", "household", "relationship"]
    list_select_related = ["household"]
    list_filter = ["nik_status", "is_deceased"]
    search_fields = ["full_name"]  # see get_search_results
    search_help_text = _("NIK (16 digits) or name")
    show_full_result_count = False
    ordering = ["-pk"]
    exclude = ["nik"]
    readonly_fields = ["masked_nik"]

    @admin.display(description=_("NIK"))
    def masked_nik(self, person: Person) -> str:
        return mask_nik(person.nik)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return scope_queryset(
            super().get_queryset(request),
            user=request.user,
            kelurahan_field="household__kelurahan_id",
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        if not search_term.strip():
            return queryset, False
        found = person_list(user=request.user, q=search_term).values("pk")
        return queryset.filter(pk__in=found), False
