"""Programme endpoints: a person's or household's enrolments, submitting an application, a
cycle's enrolment list (masked unless `pii:read`), and the recipients report."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.api.pagination import ApiPagination, paginated_response
from depok_kds.api.permissions import scope_required
from depok_kds.api.query import query_values
from depok_kds.audit import pii_shown
from programs.api.serializers import (
    ApplicationInputSerializer,
    ApplicationSerializer,
    EnrolmentLookupSerializer,
    EnrolmentSerializer,
    RecipientReportSerializer,
    ReportQuerySerializer,
)
from programs.models import Enrolment
from programs.report import recipient_report
from programs.selectors import cycle_get, enrolment_list
from programs.services import application_submit
from registry.selectors import household_get, person_get_by_nik

ReadPermission = scope_required("programs:read", perm="programs.view_enrolment")
WritePermission = scope_required("programs:write", perm="programs.add_application")
ReportPermission = scope_required("programs:read", perm="programs.view_recipient_report")


def _show_pii(request: Request, enrolments: list[Enrolment]) -> bool:
    return pii_shown(
        request.user, target_type="registry.person", target_ids=[e.person_id for e in enrolments]
    )


class EnrolmentLookupApi(APIView):
    """The enrolments of a person (by NIK) or of a household (by id), paged."""

    permission_classes = [ReadPermission]
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="programs_enrolments_lookup",
        parameters=[EnrolmentLookupSerializer],
        responses=EnrolmentSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        lookup = EnrolmentLookupSerializer(data=query_values(request))
        lookup.is_valid(raise_exception=True)
        nik, household = lookup.validated_data.get("nik"), lookup.validated_data.get("household")
        try:
            if nik:
                person = person_get_by_nik(user=request.user, nik=nik)
                enrolments = enrolment_list(user=request.user, person_id=person.pk)
            else:
                found = household_get(user=request.user, household_id=household)
                enrolments = enrolment_list(user=request.user, household_id=found.pk)
        except Http404:  # a filter that matches nothing answers with an empty list
            enrolments = Enrolment.objects.none()
        return paginated_response(self, enrolments.order_by("pk"), self._serialize)

    def _serialize(self, rows: list[Enrolment]) -> Any:
        context = {"show_pii": _show_pii(self.request, rows)}
        return EnrolmentSerializer(rows, many=True, context=context).data


class ApplicationSubmitApi(APIView):
    permission_classes = [WritePermission]

    @extend_schema(
        operation_id="programs_application_submit",
        request=ApplicationInputSerializer,
        responses={201: ApplicationSerializer},
    )
    def post(self, request: Request) -> Response:
        data = ApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cycle = cycle_get(user=request.user, cycle_id=data.validated_data["cycle"])
        person = person_get_by_nik(user=request.user, nik=data.validated_data["nik"])
        application = application_submit(
            actor=request.user,  # type: ignore[arg-type]  # authenticated by the permission
            cycle_id=cycle.pk,
            person_id=person.pk,
            channel=data.validated_data["channel"],
            detail=data.validated_data["detail"],
            amount=data.validated_data.get("amount"),
        )
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class CycleEnrolmentListApi(APIView):
    """A cycle's enrolment list, paged; NIKs masked unless the client holds `pii:read`."""

    permission_classes = [ReadPermission]
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="programs_cycle_enrolments", responses=EnrolmentSerializer(many=True)
    )
    def get(self, request: Request, pk: int) -> Response:
        cycle = cycle_get(user=request.user, cycle_id=pk)
        enrolments = enrolment_list(user=request.user, cycle_id=cycle.pk).order_by("pk")
        return paginated_response(self, enrolments, self._serialize)

    def _serialize(self, rows: list[Enrolment]) -> Any:
        context = {"show_pii": _show_pii(self.request, rows)}
        return EnrolmentSerializer(rows, many=True, context=context).data


class RecipientReportApi(APIView):
    """Recipients per programme per year with the owning agency (aggregates only)."""

    permission_classes = [ReportPermission]

    @extend_schema(
        operation_id="programs_recipient_report",
        parameters=[ReportQuerySerializer],
        responses=RecipientReportSerializer,
    )
    def get(self, request: Request) -> Response:
        query = ReportQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        years = sorted(set(query.validated_data["years"]))
        kecamatan, kelurahan = query.validated_data["kecamatan"], query.validated_data["kelurahan"]
        # Aggregates only, the same for every reader allowed to see them: one answer per
        # question, kept for a short while, spares the city-wide count on every poll.
        question = json.dumps([years, kecamatan, kelurahan])
        key = f"kds:api-report:{hashlib.sha256(question.encode()).hexdigest()}"
        body = cache.get(key)
        if body is None:
            body = _report_body(years=years, kecamatan=kecamatan, kelurahan=kelurahan)
            cache.set(key, body, timeout=settings.KDS_API_REPORT_CACHE_SECONDS)
        return Response(body)


def _report_body(*, years: list[int], kecamatan: str, kelurahan: str) -> dict[str, Any]:
    # The API shows no demo note: `demo_note=False` spares its scan of the years' rows.
    report = recipient_report(
        years=years, kecamatan=kecamatan, kelurahan=kelurahan, demo_note=False
    )
    return {
        "years": report.years,
        "rows": [
            {
                "programme": r.programme.code,
                "name": r.programme.name,
                "agency": r.agency,
                "counts": dict(zip(map(str, report.years), r.counts, strict=True)),
            }
            for r in report.rows
        ],
    }
