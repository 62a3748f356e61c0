from __future__ import annotations

from functools import cache
from typing import Any

from rest_framework import serializers
from rest_framework.generics import RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from depok_kds.api.permissions import scope_required
from depok_kds.api.serializers import FieldsOnce
from depok_kds.jobs import job_kind_label
from depok_kds.models import Job
from depok_kds.selectors import job_visible_get, job_visible_list


class JobSerializer(FieldsOnce, serializers.ModelSerializer[Job]):
    percent = serializers.IntegerField(read_only=True)
    kind_label = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "total",
            "done",
            "percent",
            "created_at",
            "started_at",
            "finished_at",
            "result",
            "error_rows",
            "error_message",
        ]

    def get_kind_label(self, job: Job) -> str:
        return str(job_kind_label(job.kind))


class JobDetailApi(RetrieveAPIView[Job]):
    """Status and progress of one job."""

    serializer_class = JobSerializer
    permission_classes = [scope_required("jobs:read")]

    def get_queryset(self) -> Any:
        return job_visible_list(user=self.request.user)  # for the schema: `get_object` reads

    def get_object(self) -> Job:
        # A job is polled often: read only what the answer shows (not its parameters, nor
        # the requester's row the portal's pages show), by a prepared statement.
        job = job_visible_get(user=self.request.user, job_id=self.kwargs["pk"], fields=_SHOWN)
        self.check_object_permissions(self.request, job)
        return job

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(_job_writer().to_representation(self.get_object()))


# The job's own fields the answer shows (the others are worked out from them).
_SHOWN = [name for name in JobSerializer.Meta.fields if name not in {"percent", "kind_label"}]


@cache
def _job_writer() -> JobSerializer:
    """One serializer writes every polled job: its fields keep nothing of a request or of
    a job, and DRF's building them for each new serializer cost more than the writing."""
    return JobSerializer()
