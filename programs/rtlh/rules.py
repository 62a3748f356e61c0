"""RTLH (Disrumkim): Rp23,000,000 per house = Rp20,000,000 materials (to the partner shop)
+ Rp2,800,000 labour + Rp200,000 report.

The owner's first house; land and building in the owner's name and not in dispute; damage
not from a disaster; no sale within 3 years (an undertaking); some damage to repair, with
priority roof, floor, walls. "No RTLH aid in the last 3 years" is the programme's frequency
limit (`frequency_years = 3`), checked by the core for the household.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_noop

from programs.eligibility import Outcome
from programs.kinds import Candidate, DetailModelKind
from programs.models import Application
from programs.rtlh.forms import RtlhForm
from programs.rtlh.models import RtlhDetail

# (rule code, detail field, value needed, message when passed, message when failed)
CRITERIA = (
    ("rtlh_owner_first_house", "owner_first_house", True,
     gettext_noop("The owner's first house."), gettext_noop("Not the owner's first house.")),
    ("rtlh_land_and_building_in_owner_name", "land_and_building_in_owner_name", True,
     gettext_noop("Land and building are in the owner's name."),
     gettext_noop("Land and building are not in the owner's name.")),
    ("rtlh_not_in_dispute", "in_dispute", False,
     gettext_noop("Not in dispute."), gettext_noop("The land or building is in dispute.")),
    ("rtlh_damage_not_from_disaster", "damage_from_disaster", False,
     gettext_noop("The damage is not from a disaster."),
     gettext_noop("Damage from a disaster is handled by disaster relief, not RTLH.")),
    ("rtlh_no_sale_within_three_years", "no_sale_within_three_years", True,
     gettext_noop("The owner undertakes not to sell within 3 years."),
     gettext_noop("The owner must undertake not to sell the house within 3 years.")),
)  # fmt: skip


def priority(detail: Mapping[str, Any]) -> int:
    """Roof before floor before walls: a bigger number is served first."""
    return (
        4 * bool(detail.get("roof_damaged"))
        + 2 * bool(detail.get("floor_damaged"))
        + bool(detail.get("walls_damaged"))
    )


class Rtlh(DetailModelKind):
    code = "rtlh"
    detail_form = RtlhForm
    detail_model = RtlhDetail
    technical_findings = ("roof", "floor", "walls", "land_status")

    def check(self, candidate: Candidate) -> list[Outcome]:
        outcomes = [
            Outcome(
                code,
                bool(candidate.detail.get(field)) == needed,
                ok if bool(candidate.detail.get(field)) == needed else bad,
            )
            for code, field, needed, ok, bad in CRITERIA
        ]
        damaged = priority(candidate.detail) > 0
        outcomes.append(
            Outcome(
                "rtlh_roof_floor_or_walls_damaged",
                damaged,
                gettext_noop("Roof, floor or walls need repair.")
                if damaged
                else gettext_noop("No damage to roof, floor or walls is recorded."),
            )
        )
        return outcomes

    def detail_save(self, *, application: Application, detail: Mapping[str, Any]) -> None:
        super().detail_save(
            application=application, detail={**detail, "priority": priority(detail)}
        )
