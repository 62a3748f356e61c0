"""Input and output shapes of the registry API.

Output serializers take `show_pii` in their context: full NIK / No. KK numbers only then
(and the view logs it), masked otherwise.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from depok_kds.api.serializers import FieldsOnce
from registry.api.assessments import CurrentAssessmentSerializer
from registry.models import Household, Person
from registry.selectors import assessment_current, nik_display
from registry.services import MemberData, RegistryWarning
from registry.services.common import NIK_MISSING_REASON_MAX


class MemberSerializer(FieldsOnce, serializers.ModelSerializer[Person]):
    nik = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "nik",
            "nik_status",
            "full_name",
            "sex",
            "birth_place",
            "birth_date",
            "relationship",
            "marital_status",
            "education",
            "occupation",
            "disability",
            "is_deceased",
            "death_date",
        ]

    def get_nik(self, person: Person) -> str:
        return nik_display(person.nik, full=self.context["show_pii"])


class HouseholdSerializer(FieldsOnce, serializers.ModelSerializer[Household]):
    kelurahan_code = serializers.CharField(source="kelurahan_id")
    kelurahan = serializers.CharField(source="kelurahan.name")
    kecamatan = serializers.CharField(source="kelurahan.kecamatan.name")
    kk_number = serializers.SerializerMethodField()
    head_id = serializers.IntegerField(allow_null=True)
    members = MemberSerializer(many=True)
    current_assessment = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = [
            "id",
            "registry_number",
            "kk_number",
            "kelurahan_code",
            "kelurahan",
            "kecamatan",
            "rw",
            "rt",
            "address",
            "status",
            "head_id",
            "poverty_class",
            "poverty_score",
            "assessed_on",
            "desil",
            "desil_period",
            "current_assessment",
            "members",
        ]

    # A household comes with `open_kk` and `current_assessment` read with it
    # (`households_with_details`); else they are read here.

    def get_kk_number(self, household: Household) -> str:
        if hasattr(household, "open_kk"):
            number = household.open_kk
        else:
            card = household.family_cards.filter(valid_to__isnull=True).first()
            number = card.number if card else None
        return nik_display(number, full=self.context["show_pii"])

    @extend_schema_field(CurrentAssessmentSerializer(allow_null=True))
    def get_current_assessment(self, household: Household) -> dict[str, Any] | None:
        if hasattr(household, "current_assessment"):
            current = household.current_assessment
        else:
            current = assessment_current(household=household)
        return CurrentAssessmentSerializer(current).data if current is not None else None


class PersonSerializer(MemberSerializer):
    household = HouseholdSerializer(allow_null=True)

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "moved_out_on", "household"]


class WarningSerializer(serializers.Serializer[RegistryWarning]):
    member = serializers.IntegerField(allow_null=True)
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class TextField(serializers.CharField):
    """A string, never a number: a NIK sent as a JSON number may already have lost digits."""

    default_error_messages = {"not_text": _("Send this value as a string, not a number.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class MemberInputSerializer(serializers.Serializer[MemberData]):
    nik = TextField(max_length=40, allow_null=True, allow_blank=True, required=False)
    full_name = serializers.CharField(max_length=150)
    sex = serializers.ChoiceField(choices=Person.Sex.choices)
    birth_place = serializers.CharField(max_length=100, allow_blank=True, default="")
    birth_date = serializers.DateField()
    relationship = serializers.ChoiceField(choices=Person.Relationship.choices)
    marital_status = serializers.ChoiceField(choices=Person.MaritalStatus.choices)
    education = serializers.ChoiceField(choices=Person.Education.choices)
    occupation = serializers.CharField(max_length=100, allow_blank=True, default="")
    disability = serializers.ChoiceField(
        choices=Person.Disability.choices, default=Person.Disability.NONE
    )
    nik_missing_reason = serializers.CharField(
        max_length=NIK_MISSING_REASON_MAX,
        allow_blank=True,
        default="",
        help_text="Why a member aged 17 or older has no NIK (required then).",
    )


class HouseholdInputSerializer(serializers.Serializer[Any]):
    kelurahan_code = serializers.CharField(max_length=13)
    rw = serializers.IntegerField(min_value=1, max_value=999)
    rt = serializers.IntegerField(min_value=1, max_value=999)
    address = serializers.CharField(max_length=255)
    kk_number = TextField(max_length=40)
    members = MemberInputSerializer(many=True, allow_empty=False)

    def member_data(self) -> list[MemberData]:
        return [
            MemberData(**{**member, "nik": member.get("nik") or None})
            for member in self.validated_data["members"]
        ]


class HouseholdLookupSerializer(serializers.Serializer[Any]):
    nik = serializers.RegexField(r"^[0-9]{16}$", required=False)
    kk = serializers.RegexField(r"^[0-9]{16}$", required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("nik") and not attrs.get("kk"):
            raise serializers.ValidationError(_("Give a 16-digit nik or kk."))
        return attrs


class PersonLookupSerializer(serializers.Serializer[Any]):
    nik = serializers.RegexField(r"^[0-9]{16}$")
