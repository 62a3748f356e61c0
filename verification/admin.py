"""Back-office of verification: policies are edited here; cases are read-only (services
own every change of checks, visits and complaints)."""

from __future__ import annotations

from django.contrib import admin

from depok_kds.admin import ReadOnlyAdmin
from verification.models import Check, Complaint, FieldVisit, Policy, Resolution, VerivaliRound


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin[Policy]):
    list_display = ["programme", "checks", "blind", "reverify_months", "reverify_on_desil_change"]
    list_editable = ["blind", "reverify_months", "reverify_on_desil_change"]


@admin.register(Check)
class CheckAdmin(ReadOnlyAdmin):
    list_display = ["application", "kind", "agency_code", "kelurahan_code", "status"]
    list_filter = ["kind", "status", "agency_code"]


@admin.register(FieldVisit)
class FieldVisitAdmin(ReadOnlyAdmin):
    list_display = ["pk", "household", "kelurahan_code", "purpose", "status", "due_on"]
    list_filter = ["purpose", "status"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    # The complainant's name is left out: inclusion reporters are protected.
    list_display = ["tracking_number", "kind", "category", "kelurahan_code", "status", "due_at"]
    list_filter = ["kind", "category", "status"]
    exclude = ["complainant_name", "complainant_contact"]


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ["application", "status", "passed", "resolved_by"]


@admin.register(VerivaliRound)
class VerivaliRoundAdmin(ReadOnlyAdmin):
    list_display = ["pk", "programme", "due_on", "visits_created", "job"]
