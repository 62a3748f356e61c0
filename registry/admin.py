"""Back-office views of the registry: read-only. Changes go through the portal's services.

NIK and No. KK numbers are shown masked here: the admin has no place to log a full view.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from depok_kds.access import scope_queryset
from depok_kds.admin import MaskedNumbersMixin, ReadOnlyMixin
from depok_kds.errors import DomainError
from registry import resources
from registry.assessment_forms import definition_from_upload
from registry.models import (
    Assessment,
    AssessmentQuerySet,
    FamilyCard,
    Household,
    Kecamatan,
    Kelurahan,
    Person,
    Ruleset,
)
from registry.selectors import household_list, mask_nik, person_list
from registry.services import ruleset_check, ruleset_create


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
class HouseholdAdmin(resources.AdminImportExport, ReadOnlyMixin, admin.ModelAdmin[Household]):
    resource_classes = [resources.HouseholdMemberResource, resources.DesilRecordResource]
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
class PersonAdmin(MaskedNumbersMixin, ReadOnlyMixin, admin.ModelAdmin[Person]):
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


# --- Poverty rulesets and assessments ---------------------------------------------------------


class RulesetAddForm(forms.ModelForm[Ruleset]):
    """A new version from a JSON file, checked by the service before anything is stored."""

    file = forms.FileField(
        label=_("Ruleset file (JSON)"),
        help_text=_("Loaded as a draft; activate it from the portal after a simulation."),
    )

    class Meta:
        model = Ruleset
        fields: list[str] = []

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        definition = definition_from_upload(upload)
        try:
            ruleset_check(definition)
        except DomainError as error:
            details = error.details if isinstance(error.details, dict) else {}
            raise forms.ValidationError(details.get("errors") or [str(error.message)]) from error
        self.definition = definition
        return upload


@admin.register(Ruleset)
class RulesetAdmin(admin.ModelAdmin[Ruleset]):
    """Versions are added (from a file, through the service), never edited or deleted."""

    list_display = ["version", "name", "status", "is_provisional", "activated_at"]
    list_filter = ["status", "is_provisional"]
    ordering = ["-created_at"]
    add_form = RulesetAddForm
    shown_fields = [
        "version",
        "name",
        "status",
        "is_provisional",
        "basis",
        "definition",
        "activated_at",
        "activated_by",
        "created_at",
    ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["file"] if obj is None else self.shown_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.shown_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Ruleset, form: Any, change: bool) -> None:
        created = ruleset_create(actor=request.user, definition=form.definition)
        # The admin goes on with `obj` (its log entry, the redirect): make it the stored row.
        obj.__dict__.update(
            {key: value for key, value in created.__dict__.items() if not key.startswith("_")}
        )
        obj._state.adding = False
        obj._state.db = created._state.db


class CurrentFilter(admin.SimpleListFilter):
    """Current assessments only, or past ones only (`Assessment.objects.current()`)."""

    title = _("current")
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("Yes")), ("0", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "1":
            return queryset.filter(is_current=True)
        if self.value() == "0":
            return queryset.filter(is_current=False)
        return queryset


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyMixin, admin.ModelAdmin[Assessment]):
    list_display = [
        "household",
        "poverty_class",
        "score",
        "max_score",
        "ruleset",
        "source",
        "assessed_on",
        "current",
    ]
    list_filter = [CurrentFilter, "poverty_class", "source", "ruleset"]
    list_select_related = ["household", "ruleset"]
    show_full_result_count = False
    ordering = ["-pk"]
    exclude = ["household", "assessor"]
    readonly_fields = [
        "household_link",
        "ruleset",
        "answers",
        "score",
        "max_score",
        "poverty_class",
        "contributions",
        "source",
        "assessor",
        "assessed_on",
        "current",
        "created_at",
    ]

    @admin.display(description=_("household"))
    def household_link(self, assessment: Assessment) -> str:
        return str(assessment.household)

    @admin.display(description=_("current"), boolean=True)
    def current(self, assessment: Assessment) -> bool:
        return bool(getattr(assessment, "is_current", False))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assessment]:
        return scope_queryset(
            cast(AssessmentQuerySet, super().get_queryset(request)).with_is_current(),
            user=request.user,
            kelurahan_field="household__kelurahan_id",
        )
