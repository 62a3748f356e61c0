"""Input and output shapes of the registry API.

A household, a member and a person are written from their rows (`registry.household_details`)
by `household_output`, `member_output` and `person_output`: full NIK / No. KK numbers only with
`show_pii` (and the view logs it), masked otherwise. Their serializers describe the same shapes
for the schema (the contract test holds the two together).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from depok_kds.api.serializers import FieldsOnce
from registry.api.assessments import CurrentAssessmentSerializer
from registry.household_details import HOUSEHOLD_PREFIX, MEMBER_FIELDS
from registry.models import Household, Person
from registry.selectors import nik_display
from registry.services import MemberData, RegistryWarning
from registry.services.common import NIK_MISSING_REASON_MAX


class MemberSerializer(FieldsOnce, serializers.ModelSerializer[Person]):
    """A member's shape, for the schema: `member_output` writes it."""

    nik = serializers.CharField(help_text="Masked unless the key has pii:read.")

    class Meta:
        model = Person
        fields = list(MEMBER_FIELDS)


class HouseholdSerializer(FieldsOnce, serializers.ModelSerializer[Household]):
    """A household's shape, for the schema: `household_output` writes it."""

    kelurahan_code = serializers.CharField(source="kelurahan_id")
    kelurahan = serializers.CharField(source="kelurahan.name")
    kecamatan = serializers.CharField(source="kelurahan.kecamatan.name")
    kk_number = serializers.CharField(help_text="Masked unless the key has pii:read.")
    head_id = serializers.IntegerField(allow_null=True)
    members = MemberSerializer(many=True)
    current_assessment = CurrentAssessmentSerializer(allow_null=True)

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


class PersonSerializer(MemberSerializer):
    """A person's shape, for the schema: `person_output` writes it."""

    household = HouseholdSerializer(allow_null=True)

    class Meta(MemberSerializer.Meta):
        fields = [*MEMBER_FIELDS, "moved_out_on", "household"]


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _decimal(value: Decimal | float | None) -> str | None:
    """A score as DRF writes a DecimalField of two places: a string, "23.00"."""
    return None if value is None else f"{Decimal(str(value)):.2f}"


def member_output(member: dict[str, Any], *, show_pii: bool) -> dict[str, Any]:
    """A member (a JSON object of MEMBER_FIELDS, dates already ISO) as the API shows it."""
    shown = {field: member[field] for field in MEMBER_FIELDS}
    shown["nik"] = nik_display(member["nik"], full=show_pii)
    return shown


def household_output(row: dict[str, Any], *, show_pii: bool) -> dict[str, Any]:
    """A household's row (`registry.household_details`) as the API shows it; full
    numbers only with `show_pii` (the caller logs the view)."""
    h = {
        name[len(HOUSEHOLD_PREFIX) :]: value
        for name, value in row.items()
        if name.startswith(HOUSEHOLD_PREFIX)
    }
    current = h["current_assessment"]
    return {
        "id": h["id"],
        "registry_number": h["registry_number"],
        "kk_number": nik_display(h["open_kk"], full=show_pii),
        "kelurahan_code": h["kelurahan_id"],
        "kelurahan": h["kelurahan_name"],
        "kecamatan": h["kecamatan_name"],
        "rw": h["rw"],
        "rt": h["rt"],
        "address": h["address"],
        "status": h["status"],
        "head_id": h["head_id"],
        "poverty_class": h["poverty_class"],
        "poverty_score": _decimal(h["poverty_score"]),
        "assessed_on": _date(h["assessed_on"]),
        "desil": h["desil"],
        "desil_period": h["desil_period"],
        "current_assessment": None
        if current is None
        else {
            "poverty_class": current["poverty_class"],
            "score": _decimal(current["score"]),
            "max_score": _decimal(current["max_score"]),
            "ruleset_version": current["ruleset_version"],
            "is_provisional": current["is_provisional"],
            "assessed_on": current["assessed_on"],
        },
        "members": [member_output(m, show_pii=show_pii) for m in h["members"]],
    }


def person_output(row: dict[str, Any], *, show_pii: bool) -> dict[str, Any]:
    """A person's row (`registry.household_details.person_detail_row`) as the API shows it."""
    shown = member_output(
        {**row, "birth_date": _date(row["birth_date"]), "death_date": _date(row["death_date"])},
        show_pii=show_pii,
    )
    shown["moved_out_on"] = _date(row["moved_out_on"])
    shown["household"] = (
        None if row[f"{HOUSEHOLD_PREFIX}id"] is None else household_output(row, show_pii=show_pii)
    )
    return shown


def member_ids(rows: list[dict[str, Any]]) -> list[int]:
    """The ids of the members of the households in `rows`."""
    return [member["id"] for row in rows for member in row[f"{HOUSEHOLD_PREFIX}members"]]


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
