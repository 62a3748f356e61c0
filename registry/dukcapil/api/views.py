"""Dukcapil matching endpoints: start a run, read its summary and outcomes, review, extracts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.api.pagination import ApiPagination, paginated_response
from depok_kds.api.permissions import scope_required
from depok_kds.api.query import query_values
from depok_kds.audit import pii_shown
from registry.dukcapil.api.serializers import (
    ExtractSerializer,
    ExtractUploadSerializer,
    OutcomeQuerySerializer,
    OutcomeSerializer,
    ReviewInputSerializer,
    RunSerializer,
    RunStartSerializer,
)
from registry.dukcapil.models import MatchOutcome
from registry.dukcapil.selectors import (
    extract_list,
    outcome_get,
    outcome_list,
    run_get,
    run_list,
    run_summary,
)
from registry.dukcapil.services import dkb_extract_start, match_run_start, outcome_review

ReadPermission = scope_required("dukcapil:read", perm="dukcapil.view_matchrun")
StartPermission = scope_required("dukcapil:write", perm="dukcapil.add_matchrun")
ReviewPermission = scope_required("dukcapil:write", perm="dukcapil.review_matchoutcome")
ExtractReadPermission = scope_required("dukcapil:read", perm="dukcapil.view_dkbextract")
ExtractWritePermission = scope_required("dukcapil:write", perm="dukcapil.add_dkbextract")

SUMMARY = inline_serializer(
    "MatchRunSummary",
    {
        "persons": serializers.IntegerField(),
        "per_outcome": serializers.DictField(child=serializers.IntegerField()),
        "per_kelurahan": serializers.DictField(
            child=serializers.DictField(child=serializers.IntegerField())
        ),
        "pending_review": serializers.IntegerField(),
    },
)


def _show_pii(request: Request, outcomes: list[MatchOutcome]) -> bool:
    return pii_shown(
        request.user,
        target_type="registry.person",
        target_ids=[o.person_id for o in outcomes],
        fields=("nik", "kk"),
    )


class RunListApi(APIView):
    """Matching runs (GET); start a run (POST), which answers with the run and its job."""

    pagination_class = ApiPagination

    def get_permissions(self) -> list[BasePermission]:
        return [StartPermission() if self.request.method == "POST" else ReadPermission()]

    @extend_schema(operation_id="dukcapil_runs_list", responses=RunSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(
            self, run_list(user=request.user), lambda rows: RunSerializer(rows, many=True).data
        )

    @extend_schema(
        operation_id="dukcapil_runs_start",
        request=RunStartSerializer,
        responses={201: RunSerializer},
    )
    def post(self, request: Request) -> Response:
        data = RunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = match_run_start(actor=request.user, **data.validated_data)
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    """One run: its status and its counts per outcome and per kelurahan (in the caller's scope)."""

    permission_classes = [ReadPermission]

    @extend_schema(
        operation_id="dukcapil_run_retrieve",
        responses=inline_serializer("MatchRunDetail", {"run": RunSerializer(), "summary": SUMMARY}),
    )
    def get(self, request: Request, pk: int) -> Response:
        run = run_get(user=request.user, run_id=pk)
        summary = run_summary(user=request.user, run=run)
        body: dict[str, Any] = {
            "run": RunSerializer(run).data,
            "summary": {
                "persons": summary.persons,
                "per_outcome": summary.per_outcome,
                "per_kelurahan": {code: counts for code, _name, counts in summary.per_kelurahan},
                "pending_review": summary.pending,
            },
        }
        return Response(body)


class RunOutcomesApi(ListAPIView[MatchOutcome]):
    """A run's outcomes in the caller's scope; NIKs masked unless the key has pii:read."""

    permission_classes = [ReadPermission]
    serializer_class = OutcomeSerializer

    @extend_schema(
        operation_id="dukcapil_run_outcomes",
        parameters=[OutcomeQuerySerializer],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator's call
            return MatchOutcome.objects.none()
        run = run_get(user=self.request.user, run_id=self.kwargs["pk"])
        query = OutcomeQuerySerializer(data=query_values(self.request))
        query.is_valid(raise_exception=True)
        return outcome_list(
            user=self.request.user,
            run_id=run.pk,
            outcome=query.validated_data.get("outcome", ""),
            review_status=query.validated_data.get("review_status", ""),
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        outcomes = list(page if page is not None else [])
        context = {"show_pii": _show_pii(request, outcomes)}
        data = OutcomeSerializer(outcomes, many=True, context=context).data
        return self.get_paginated_response(data)


class OutcomeReviewApi(APIView):
    """Confirm or reject one outcome waiting for review."""

    permission_classes = [ReviewPermission]

    @extend_schema(
        operation_id="dukcapil_outcome_review",
        request=ReviewInputSerializer,
        responses=OutcomeSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome_review(actor=request.user, outcome_id=pk, **data.validated_data)
        outcome = outcome_get(user=request.user, outcome_id=pk)
        context = {"show_pii": _show_pii(request, [outcome])}
        return Response(OutcomeSerializer(outcome, context=context).data)


class ExtractListApi(APIView):
    """DKB extracts (GET); upload a new one as multipart (POST), loaded by a job."""

    parser_classes = [MultiPartParser]
    pagination_class = ApiPagination

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [ExtractWritePermission()]
        return [ExtractReadPermission()]

    @extend_schema(operation_id="dukcapil_extracts_list", responses=ExtractSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(
            self,
            extract_list(user=request.user),
            lambda rows: ExtractSerializer(rows, many=True).data,
        )

    @extend_schema(
        operation_id="dukcapil_extracts_upload",
        request={"multipart/form-data": ExtractUploadSerializer},
        responses={201: ExtractSerializer},
    )
    def post(self, request: Request) -> Response:
        data = ExtractUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        extract = dkb_extract_start(
            actor=request.user,
            semester=data.validated_data["semester"],
            source_name=upload.name or "dkb.csv",
            content=upload,
        )
        return Response(ExtractSerializer(extract).data, status=status.HTTP_201_CREATED)
