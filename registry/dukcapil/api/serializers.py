"""Input and output shapes of the Dukcapil matching API.

Output serializers take `show_pii` in their context: full NIK / No. KK numbers only then
(and the view logs it), masked otherwise.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from registry.dukcapil.models import DkbExtract, MatchOutcome, MatchRun, Outcome
from registry.dukcapil.services import CONFIRM, REJECT
from registry.selectors import nik_display


class RunStartSerializer(serializers.Serializer[Any]):
    # DRF moves declared fields off the class, so "source" does not shadow Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=MatchRun.Source.choices, default=MatchRun.Source.DKB
    )
    scope = serializers.ChoiceField(choices=MatchRun.Scope.choices, default=MatchRun.Scope.ALL)
    kelurahan_code = serializers.CharField(required=False, allow_blank=True, default="")
    person_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=100_000,
    )
    scope_label = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )


class RunSerializer(serializers.ModelSerializer[MatchRun]):
    status = serializers.CharField(source="job.status")
    job_id = serializers.IntegerField()
    extract_semester = serializers.CharField(
        source="extract.semester", default=None, allow_null=True
    )
    persons = serializers.IntegerField(source="job.total")
    done = serializers.IntegerField(source="job.done")

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "job_id",
            "status",
            "source",
            "scope",
            "kelurahan_code",
            "scope_label",
            "extract_semester",
            "persons",
            "done",
            "created_at",
            "finished_at",
        ]


class OutcomeSerializer(serializers.ModelSerializer[MatchOutcome]):
    nik = serializers.SerializerMethodField()
    candidate_nik = serializers.SerializerMethodField()
    full_name = serializers.CharField(source="person.full_name")
    dukcapil = serializers.SerializerMethodField()

    class Meta:
        model = MatchOutcome
        fields = [
            "id",
            "run_id",
            "person_id",
            "full_name",
            "nik",
            "kelurahan_code",
            "outcome",
            "method",
            "score",
            "differences",
            "candidate_nik",
            "event_date",
            "dukcapil",
            "evidence",
            "review_status",
            "reviewed_at",
        ]

    def get_nik(self, outcome: MatchOutcome) -> str:
        return nik_display(outcome.person.nik, full=self.context["show_pii"])

    def get_candidate_nik(self, outcome: MatchOutcome) -> str:
        return nik_display(outcome.candidate_nik, full=self.context["show_pii"])

    def get_dukcapil(self, outcome: MatchOutcome) -> dict[str, Any]:
        data = dict(outcome.dukcapil or {})
        for key in ("nik", "kk"):
            if key in data:
                data[key] = nik_display(data[key], full=self.context["show_pii"])
        return data


class OutcomeQuerySerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    review_status = serializers.ChoiceField(choices=MatchOutcome.Review.choices, required=False)


class ReviewInputSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=[CONFIRM, REJECT])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    event_date = serializers.DateField(required=False, allow_null=True, default=None)


class ExtractSerializer(serializers.ModelSerializer[DkbExtract]):
    job_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = DkbExtract
        fields = [
            "id",
            "semester",
            "source_name",
            "status",
            "row_count",
            "bad_row_count",
            "job_id",
            "created_at",
            "activated_at",
        ]


class ExtractUploadSerializer(serializers.Serializer[Any]):
    semester = serializers.RegexField(r"^\d{4}-[12]$")
    file = serializers.FileField()
