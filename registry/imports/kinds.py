"""The import kinds, by the key that URLs and job parameters use."""

from __future__ import annotations

from registry.imports.assessments import AssessmentImport
from registry.imports.base import ImportKind
from registry.imports.desil import DesilImport
from registry.imports.households import HouseholdImport

HOUSEHOLDS = HouseholdImport()
ASSESSMENTS = AssessmentImport()
DESIL = DesilImport()
IMPORT_KINDS: dict[str, ImportKind] = {kind.key: kind for kind in (HOUSEHOLDS, ASSESSMENTS, DESIL)}


def import_kind(key: str) -> ImportKind:
    """The kind named `key`; LookupError for an unknown one."""
    try:
        return IMPORT_KINDS[key]
    except KeyError:
        raise LookupError(f"no import kind {key!r}") from None
