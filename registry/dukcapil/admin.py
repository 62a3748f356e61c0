"""Back-office views of Dukcapil matching: read-only; runs and reviews go through the portal.

NIK numbers are shown masked here: the admin has no place to log a full view.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from depok_kds.admin import MaskedNumbersMixin, ReadOnlyMixin
from registry.dukcapil.models import DkbExtract, MatchOutcome, MatchRun
from registry.dukcapil.selectors import extract_list, outcome_list, run_list
from registry.selectors import mask_nik


@admin.register(DkbExtract)
class DkbExtractAdmin(ReadOnlyMixin, admin.ModelAdmin[DkbExtract]):
    list_display = [
        "id",
        "semester",
        "source_name",
        "status",
        "row_count",
        "bad_row_count",
        "created_at",
    ]
    list_filter = ["status"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DkbExtract]:
        return extract_list(user=request.user)


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyMixin, admin.ModelAdmin[MatchRun]):
    list_display = [
        "id",
        "source",
        "scope",
        "kelurahan_code",
        "scope_label",
        "created_at",
        "finished_at",
    ]
    list_filter = ["source", "scope"]
    exclude = ["person_ids"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MatchRun]:
        return run_list(user=request.user)


@admin.register(MatchOutcome)
class MatchOutcomeAdmin(MaskedNumbersMixin, ReadOnlyMixin, admin.ModelAdmin[MatchOutcome]):
    masked_fields = ("candidate_nik",)
    list_display = [
        "id",
        "run",
        "person",
        "outcome",
        "method",
        "score",
        "masked_candidate",
        "review_status",
    ]
    list_filter = ["outcome", "review_status"]
    list_select_related = ["person", "run"]
    fields = ("run", "person", "outcome", "method", "score", "differences", "masked_candidate",
              "event_date", "kelurahan_code", "evidence", "review_status", "reviewed_by",
              "reviewed_at", "review_note")  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("NIK at Dukcapil"))
    def masked_candidate(self, outcome: MatchOutcome) -> str:
        return mask_nik(outcome.candidate_nik)

    def get_queryset(self, request: HttpRequest) -> QuerySet[MatchOutcome]:
        return outcome_list(user=request.user)
