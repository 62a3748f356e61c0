from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from depok_kds.api.fields import MAX_ID
from programs.models import Application, Enrolment
from registry.selectors import nik_display


class EnrolmentSerializer(serializers.ModelSerializer[Enrolment]):
    programme = serializers.CharField(source="programme.code")
    agency = serializers.CharField(source="programme.agency.code")
    nik = serializers.SerializerMethodField()
    full_name = serializers.CharField(source="person.full_name")

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "programme",
            "agency",
            "year",
            "cycle",
            "nik",
            "full_name",
            "household",
            "kelurahan_code",
            "amount",
            "status",
            "exit_reason",
            "enrolled_on",
            "starts_on",
            "source",
        ]

    def get_nik(self, obj: Enrolment) -> str:
        return nik_display(obj.person.nik, full=self.context.get("show_pii", False))


class ApplicationInputSerializer(serializers.Serializer[Any]):
    cycle = serializers.IntegerField()
    nik = serializers.RegexField(r"^[0-9]{16}$")
    channel = serializers.ChoiceField(choices=Application.Channel.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=0, required=False)
    detail = serializers.DictField(required=False, default=dict)


class ApplicationSerializer(serializers.ModelSerializer[Application]):
    eligibility = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "programme",
            "cycle",
            "state",
            "channel",
            "amount",
            "kelurahan_code",
            "eligibility",
        ]

    def get_eligibility(self, obj: Application) -> list[dict[str, Any]]:
        return [
            {
                "rule": r.rule,
                "passed": r.passed,
                "reason": r.text(),
            }
            for r in obj.eligibility_results.all()
        ]


MAX_REPORT_YEARS = 10


class EnrolmentLookupSerializer(serializers.Serializer[Any]):
    nik = serializers.RegexField(
        r"^[0-9]{16}$", required=False, help_text="16-digit NIK of the person"
    )
    household = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Id of the household"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("nik") and not attrs.get("household"):
            raise serializers.ValidationError(_("Give a 16-digit nik or a household id."))
        return attrs


class RecipientRowSerializer(serializers.Serializer[Any]):
    programme = serializers.CharField()
    name = serializers.CharField()
    agency = serializers.CharField()
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Recipients per year (the year as the key)."
    )


class RecipientReportSerializer(serializers.Serializer[Any]):
    years = serializers.ListField(child=serializers.IntegerField())
    rows = RecipientRowSerializer(many=True)


@extend_schema_field(
    {
        "type": "string",
        "pattern": rf"^ *[0-9]{{1,4}}( *, *[0-9]{{1,4}}){{0,{MAX_REPORT_YEARS - 1}}} *$",
        "default": "2021,2022,2023",
    }
)
class YearListField(serializers.CharField):
    """Years separated by commas; checked by ReportQuerySerializer.validate_years."""


class ReportQuerySerializer(serializers.Serializer[Any]):
    kecamatan = serializers.CharField(required=False, default="", allow_blank=True)
    kelurahan = serializers.CharField(required=False, default="", allow_blank=True)
    years = YearListField(
        required=False,
        default="2021,2022,2023",
        help_text="Comma-separated, at most 10.",
    )

    def validate_years(self, value: str) -> list[int]:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts or len(parts) > MAX_REPORT_YEARS or not all(p.isdigit() for p in parts):
            raise serializers.ValidationError(
                _("Give one to %(most)d years separated by commas, e.g. 2022,2023.")
                % {"most": MAX_REPORT_YEARS}
            )
        return [int(part) for part in parts]
