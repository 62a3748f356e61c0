"""Back-office: findings (read-only; decisions go through the portal's services), national
lists, exclusive pairs and the household cap setting."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from programs.overlap.models import ExclusivePair, Finding, NationalList, OverlapSettings


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin[Finding]):
    list_display = ["id", "rule", "status", "agency_code", "kelurahan_code", "year", "last_seen"]
    list_filter = ["rule", "status", "agency_code"]
    search_fields = ["fingerprint"]
    raw_id_fields = ["person", "household", "enrolment", "application", "programme"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Finding | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Finding | None = None) -> bool:
        return False


@admin.register(NationalList)
class NationalListAdmin(admin.ModelAdmin[NationalList]):
    list_display = ["kind", "year", "row_count", "file_name", "updated_at"]
    readonly_fields = ["kind", "year", "row_count", "file_name", "imported_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # imported from the portal (COPY), never typed in


# The cap and the programme pairs have a portal page (overlap:configuration) whose services
# check and audit each change; national-list pairs are kept here.
@admin.register(ExclusivePair)
class ExclusivePairAdmin(admin.ModelAdmin[ExclusivePair]):
    list_display = ["programme", "other_programme", "national_list", "note"]


@admin.register(OverlapSettings)
class OverlapSettingsAdmin(admin.ModelAdmin[OverlapSettings]):
    """Shown only: the cap is changed on the portal page, which checks and audits it."""

    list_display = ["household_year_cap"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: OverlapSettings | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: OverlapSettings | None = None
    ) -> bool:
        return False
