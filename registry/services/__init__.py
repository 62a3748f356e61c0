"""The registry's use cases. Views, API, admin, imports and tasks change data only here."""

from registry.services.assessments import assessment_record
from registry.services.common import MemberData, RegistryWarning
from registry.services.households import (
    HouseholdRegistration,
    family_card_change,
    household_head_change,
    household_register,
    household_update_address,
)
from registry.services.identity import person_nik_correct as person_nik_correct
from registry.services.members import (
    MemberAddition,
    household_member_add,
    household_member_remove,
    household_split,
    person_death_record,
    person_move,
)
from registry.services.name_words import (
    NAME_WORDS_RECOUNT_TASK,
    name_indexes_merge,
    name_words_recount,
    name_words_recount_after_commit,
    name_words_refresh,
)
from registry.services.rulesets import (
    Simulation,
    Transitions,
    ruleset_activate,
    ruleset_check,
    ruleset_create,
    ruleset_simulate,
)

__all__ = [
    "NAME_WORDS_RECOUNT_TASK",
    "HouseholdRegistration",
    "MemberAddition",
    "MemberData",
    "RegistryWarning",
    "Simulation",
    "Transitions",
    "assessment_record",
    "family_card_change",
    "household_head_change",
    "household_member_add",
    "household_member_remove",
    "household_register",
    "household_split",
    "household_update_address",
    "name_indexes_merge",
    "name_words_recount",
    "name_words_recount_after_commit",
    "name_words_refresh",
    "person_death_record",
    "person_move",
    "ruleset_activate",
    "ruleset_check",
    "ruleset_create",
    "ruleset_simulate",
]
