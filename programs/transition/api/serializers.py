from __future__ import annotations

from typing import Any

from rest_framework import serializers

from programs.transition.models import PERIOD_FORMAT, ExitProposal, ProposalStatus
from registry.selectors import mask_nik


class ImpactQuerySerializer(serializers.Serializer[Any]):
    period = serializers.RegexField(PERIOD_FORMAT)
    programme = serializers.IntegerField(required=False, min_value=1)
    kelurahan = serializers.CharField(required=False, default="", max_length=13)


class ProposalQuerySerializer(ImpactQuerySerializer):
    status = serializers.ChoiceField(
        required=False, default="", choices=[("", "all"), *ProposalStatus.choices]
    )


class CountsSerializer(serializers.Serializer[Any]):
    entered = serializers.IntegerField()
    left = serializers.IntegerField()
    newly_eligible = serializers.IntegerField()
    affected = serializers.IntegerField()


class ProgrammeImpactSerializer(serializers.Serializer[Any]):
    programme = serializers.CharField(source="programme.code")
    name = serializers.CharField(source="programme.name")
    agency = serializers.CharField(source="programme.agency.code")
    total = CountsSerializer()
    kelurahan = serializers.DictField(child=CountsSerializer())


class ImpactReportSerializer(serializers.Serializer[Any]):
    period = serializers.CharField()
    programmes = ProgrammeImpactSerializer(many=True)


class ExitProposalSerializer(serializers.ModelSerializer[ExitProposal]):
    programme = serializers.CharField(source="programme.code")
    name = serializers.CharField(source="person.full_name")
    nik = serializers.SerializerMethodField()

    class Meta:
        model = ExitProposal
        fields = [
            "id",
            "period",
            "programme",
            "enrolment",
            "name",
            "nik",
            "kelurahan_code",
            "desil_before",
            "desil_after",
            "status",
            "effective_on",
        ]

    def get_nik(self, proposal: ExitProposal) -> str:
        return mask_nik(proposal.person.nik)
