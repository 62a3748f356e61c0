"""The registry's use cases. Views, API, admin, imports and tasks change data only here."""

from registry.services.common import MemberData, RegistryWarning
from registry.services.households import (
    HouseholdRegistration,
    family_card_change,
    household_head_change,
    household_register,
    household_update_address,
)
from registry.services.members import (
    MemberAddition,
    household_member_add,
    household_member_remove,
    household_split,
    person_death_record,
    person_move,
)

__all__ = [
    "HouseholdRegistration",
    "MemberAddition",
    "MemberData",
    "RegistryWarning",
    "family_card_change",
    "household_head_change",
    "household_member_add",
    "household_member_remove",
    "household_register",
    "household_split",
    "household_update_address",
    "person_death_record",
    "person_move",
]
