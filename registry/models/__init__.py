from registry.models.assessment import (
    Assessment,
    AssessmentQuerySet,
    CurrentAssessment,
    DesilRecord,
    Ruleset,
    current_assessments_sql,
)
from registry.models.household import FamilyCard, Household, HouseholdEvent
from registry.models.life_event import LifeEventFollowUp
from registry.models.person import NameWord, Person
from registry.models.wilayah import Kecamatan, Kelurahan

__all__ = [
    "Assessment",
    "AssessmentQuerySet",
    "CurrentAssessment",
    "DesilRecord",
    "FamilyCard",
    "Household",
    "HouseholdEvent",
    "Kecamatan",
    "Kelurahan",
    "LifeEventFollowUp",
    "NameWord",
    "Person",
    "Ruleset",
    "current_assessments_sql",
]
