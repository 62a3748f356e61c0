from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.generics import RetrieveAPIView

from depok_kds.api.permissions import scope_required
from depok_kds.api.serializers import FieldsOnce
from depok_kds.jobs import job_kind_label
from depok_kds.models import Job
from depok_kds.selectors import job_visible_list


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
        # A job is polled often: read only what the answer shows (not its parameters, nor
        # the requester's row the portal's pages show).
        return (
            job_visible_list(user=self.request.user)
            .select_related(None)
            .only(
                *(
                    name
                    for name in JobSerializer.Meta.fields
                    if name not in {"percent", "kind_label"}
                )
            )
        )
