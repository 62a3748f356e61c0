"""Registry endpoints: look households and persons up by NIK / No. KK, register households."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.api.permissions import scope_required
from depok_kds.api.query import query_values
from depok_kds.audit import pii_shown
from registry.api.serializers import (
    HouseholdInputSerializer,
    HouseholdLookupSerializer,
    HouseholdSerializer,
    PersonLookupSerializer,
    PersonSerializer,
    WarningSerializer,
    household_output,
    member_ids,
    person_output,
)
from registry.household_details import (
    household_detail_row,
    household_detail_rows,
    person_detail_row,
)
from registry.selectors import household_find
from registry.services import household_register

ReadPermission = scope_required("registry:read", perm="registry.view_household")
WritePermission = scope_required("registry:write", perm="registry.add_household")
SIXTEEN_DIGITS = r"^[0-9]{16}$"
NUMBER_PARAMS = [
    OpenApiParameter("nik", str, pattern=SIXTEEN_DIGITS, description="16-digit NIK of a member"),
    OpenApiParameter("kk", str, pattern=SIXTEEN_DIGITS, description="16-digit No. KK (current)"),
]


def _show_pii(request: Request, households: list[dict[str, Any]]) -> bool:
    """Whether to show full numbers of `households` (rows); if so, log who saw which
    persons' NIK and which KK."""
    return pii_shown(
        request.user,
        target_type="registry.person",
        target_ids=member_ids(households),
        fields=("nik", "kk"),
    )


def _households_response(request: Request, households: list[dict[str, Any]]) -> dict[str, Any]:
    show = _show_pii(request, households)
    return {
        "count": len(households),
        "results": [household_output(row, show_pii=show) for row in households],
    }


class HouseholdListApi(APIView):
    """Households holding a NIK or No. KK (GET); register a household (POST)."""

    def get_permissions(self) -> list[BasePermission]:
        permission = WritePermission if self.request.method == "POST" else ReadPermission
        return [permission()]

    @extend_schema(
        operation_id="registry_households_lookup",
        parameters=NUMBER_PARAMS,
        responses=inline_serializer(
            "HouseholdLookup",
            {"count": serializers.IntegerField(), "results": HouseholdSerializer(many=True)},
        ),
    )
    def get(self, request: Request) -> Response:
        lookup = HouseholdLookupSerializer(data=query_values(request))
        lookup.is_valid(raise_exception=True)
        households = household_detail_rows(
            household_find(
                user=request.user,
                nik=lookup.validated_data.get("nik", ""),
                kk=lookup.validated_data.get("kk", ""),
            )
        )
        return Response(_households_response(request, households))

    @extend_schema(
        operation_id="registry_households_register",
        request=HouseholdInputSerializer,
        responses={
            201: inline_serializer(
                "HouseholdRegistered",
                {"household": HouseholdSerializer(), "warnings": WarningSerializer(many=True)},
            )
        },
    )
    def post(self, request: Request) -> Response:
        data = HouseholdInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = household_register(
            actor=request.user,
            kelurahan_code=data.validated_data["kelurahan_code"],
            rw=data.validated_data["rw"],
            rt=data.validated_data["rt"],
            address=data.validated_data["address"],
            kk_number=data.validated_data["kk_number"],
            members=data.member_data(),
        )
        row = household_detail_row(user=request.user, household_id=registration.household.pk)
        body = {
            "household": household_output(row, show_pii=_show_pii(request, [row])),
            "warnings": [WarningSerializer(w).data for w in registration.warnings],
        }
        return Response(body, status=status.HTTP_201_CREATED)


class HouseholdDetailApi(APIView):
    """One household with its members, poverty class and desil."""

    permission_classes = [ReadPermission]

    @extend_schema(operation_id="registry_household_retrieve", responses=HouseholdSerializer)
    def get(self, request: Request, pk: int) -> Response:
        row = household_detail_row(user=request.user, household_id=pk)
        return Response(household_output(row, show_pii=_show_pii(request, [row])))


class PersonListApi(APIView):
    """The person holding a NIK, with their household's class, desil and members."""

    permission_classes = [ReadPermission]

    @extend_schema(
        operation_id="registry_persons_lookup",
        parameters=[OpenApiParameter("nik", str, required=True, pattern=SIXTEEN_DIGITS)],
        responses=inline_serializer(
            "PersonLookup",
            {"count": serializers.IntegerField(), "results": PersonSerializer(many=True)},
        ),
    )
    def get(self, request: Request) -> Response:
        lookup = PersonLookupSerializer(data=query_values(request))
        lookup.is_valid(raise_exception=True)
        try:
            row = person_detail_row(user=request.user, nik=lookup.validated_data["nik"])
        except Http404:  # a filter that matches nothing answers with an empty list
            return Response({"count": 0, "results": []})
        if row["hh_id"] is not None:
            show = _show_pii(request, [row])
        else:
            show = pii_shown(request.user, target_type="registry.person", target_ids=[row["id"]])
        return Response({"count": 1, "results": [person_output(row, show_pii=show)]})
