"""The project's routes plus the `api_load` benchmark's limit: the least an API call can do.

`/api/v1/bench/limit/?nik=` runs the NIK lookup's one indexed query behind the same
middleware, authentication (API key), permission and throttling as every API view, and
answers with the household id: what the stack costs around a query, without the project's
own selectors and serializers.

`/bench/selfcheck-limit/` is the same for the `selfcheck` benchmark: a public form POST
(CSRF checked) that runs the self-check's one indexed NIK query and answers a line of HTML.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from depok_kds.api.permissions import scope_required
from depok_kds.urls import urlpatterns as project_urlpatterns


class LimitApi(APIView):
    permission_classes = [scope_required("registry:read")]

    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT household_id FROM registry_person WHERE nik = %s",
                [request.query_params.get("nik", "")],
            )
            row = cursor.fetchone()
        return Response({"household_id": row[0] if row else None})


def selfcheck_limit(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT household_id FROM registry_person WHERE nik = %s",
            [request.POST.get("nik", "")],
        )
        row = cursor.fetchone()
    return HttpResponse(f"<p>{row is not None}</p>")


urlpatterns = [
    *project_urlpatterns,
    path("api/v1/bench/limit/", LimitApi.as_view()),
    path("bench/selfcheck-limit/", selfcheck_limit),
]
