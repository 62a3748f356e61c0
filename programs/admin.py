"""Back-office: agencies and programmes (setup: rules, amounts, exclusions) are edited here;
applications and enrolments are read-only, because they change only through services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from depok_kds.admin import ReadOnlyAdmin
from programs.eligibility import RuleError, validate_rules
from programs.models import Agency, Application, Cycle, Decree, Enrolment, Programme


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["code", "short_name", "name", "owns_programmes"]


class ProgrammeAdminForm(forms.ModelForm[Programme]):
    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "agency",
            "kind",
            "target",
            "benefit",
            "funding",
            "amount_min",
            "amount_max",
            "rules",
            "options",
            "frequency_years",
            "excludes",
            "report_order",
            "is_active",
        ]

    def clean_rules(self) -> Any:
        rules = self.cleaned_data["rules"]
        try:
            validate_rules(rules)
        except RuleError as exc:
            raise ValidationError(str(exc)) from exc
        return rules


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin[Programme]):
    form = ProgrammeAdminForm
    list_display = ["name", "agency", "kind", "target", "benefit", "amount_min", "amount_max"]
    list_filter = ["agency", "kind"]
    filter_horizontal = ["excludes"]


@admin.register(Cycle)
class CycleAdmin(ReadOnlyAdmin):
    list_display = ["programme", "year", "tahap", "quota", "amount", "status"]
    list_filter = ["programme", "year"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "programme", "cycle", "state", "kelurahan_code", "created_at"]
    list_filter = ["state", "programme"]
    raw_id_fields = ["person", "household"]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["pk", "programme", "year", "status", "kelurahan_code", "source"]
    list_filter = ["programme", "year", "status"]
    raw_id_fields = ["person", "household", "application"]
    show_full_result_count = False


@admin.register(Decree)
class DecreeAdmin(ReadOnlyAdmin):
    list_display = ["number", "cycle", "decreed_on"]
