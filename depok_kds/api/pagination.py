"""The API's one pagination: limit/offset with a maximum page size, in the schema too.

DRF's own limit/offset pagination takes any number (`limit=99999999999999999999` returned
every row) and quietly ignores a limit it cannot read. Here a limit above the maximum, or a
limit or offset that is not a whole number in range, is refused with the standard error body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

# Past this an offset only asks PostgreSQL to count rows that no list holds.
MAX_OFFSET = 10_000_000


def max_page_size() -> int:
    return int(settings.KDS_API_MAX_PAGE_SIZE)


def _whole_number(request: Request, name: str, *, low: int, high: int) -> int | None:
    """The query parameter `name` as a whole number in [low, high]; None when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", raw) or not low <= int(raw) <= high:
        raise ValidationError(
            {name: [_("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]}
        )
    return int(raw)


class ApiPagination(LimitOffsetPagination):
    """Limit/offset pages of at most KDS_API_MAX_PAGE_SIZE results."""

    def get_limit(self, request: Request) -> int:
        limit = _whole_number(request, self.limit_query_param, low=1, high=max_page_size())
        return limit if limit is not None else int(self.default_limit or max_page_size())

    def get_offset(self, request: Request) -> int:
        offset = _whole_number(request, self.offset_query_param, low=0, high=MAX_OFFSET)
        return offset or 0

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"] = {
            "type": "integer",
            "minimum": 1,
            "maximum": max_page_size(),
            "default": self.default_limit,
        }
        offset["schema"] = {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}
        return [limit, offset]


def paginated_response(
    view: APIView, queryset: Any, serialize: Callable[[list[Any]], Any]
) -> Response:
    """One page of `queryset` as {count, next, previous, results}.

    The view names `pagination_class = ApiPagination`, which puts the page's shape and its
    `limit` and `offset` parameters in the schema.
    """
    paginator = ApiPagination()
    rows = list(paginator.paginate_queryset(queryset, view.request, view=view) or [])
    return paginator.get_paginated_response(serialize(rows))
