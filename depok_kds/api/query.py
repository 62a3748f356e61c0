"""Query parameters as the schema describes them: one value each, an empty one not absent.

DRF reads a QueryDict like a submitted form: an empty optional field counts as left out,
and a parameter given twice silently keeps its last value. The schema says otherwise (an
integer is an integer; a parameter is given once), so the API's query serializers read
plain values, and a repeated parameter is refused.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def query_values(request: Request) -> dict[str, str]:
    repeated = [name for name, values in request.query_params.lists() if len(values) > 1]
    if repeated:
        raise ValidationError({name: [_("Give this parameter once.")] for name in repeated})
    return request.query_params.dict()
