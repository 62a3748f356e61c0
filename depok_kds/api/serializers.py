"""What the API's output serializers share."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from rest_framework.fields import Field


class FieldsOnce:
    """For a ModelSerializer: read its fields off the model once per class, not on every
    instance. DRF builds a ModelSerializer's fields from the model's (kinds, choices,
    labels, validators) each time one is made, several times a request for nested output;
    here each instance gets copies of the first build, as DRF gives its declared fields.
    Fields that depend on the instance's context must not be built in `get_fields`."""

    _fields_once: ClassVar[dict[type, dict[str, Field[Any, Any, Any, Any]]]] = {}

    def get_fields(self) -> dict[str, Field[Any, Any, Any, Any]]:
        built = FieldsOnce._fields_once.get(type(self))
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            FieldsOnce._fields_once[type(self)] = built
        return copy.deepcopy(built)
