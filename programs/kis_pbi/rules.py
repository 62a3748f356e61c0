"""KIS PBI-APBD (Dinkes): the city pays the JKN premium.

- A person is PBI-APBN or PBI-APBD, never both: a PBI-APBN member is refused.
- From 2026 only DTSEN desil 1-5 (2023-2025 was UHC: a Depok KK address was enough): the
  programme's declarative poverty rule (`desil_max` 5, `from_year` 2026), data that
  detection reads as well.
- Membership starts on the first day of the month after approval, and an exit takes effect
  on the first day of the month after it is decided.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_noop

from programs.eligibility import Outcome
from programs.kinds import Candidate, DetailModelKind
from programs.kis_pbi.forms import KisPbiForm
from programs.kis_pbi.models import JknSegment, KisPbiDetail
from programs.models import Application


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


class KisPbi(DetailModelKind):
    code = "kis_pbi"
    detail_form = KisPbiForm
    detail_model = KisPbiDetail

    def check(self, candidate: Candidate) -> list[Outcome]:
        outcomes = []
        if candidate.detail.get("jkn_segment") == JknSegment.PBI_APBN:
            outcomes.append(
                Outcome(
                    "kis_pbi_not_pbi_apbn",
                    False,
                    gettext_noop("Already PBI-APBN: a person cannot be PBI-APBN and PBI-APBD."),
                )
            )
        else:
            outcomes.append(
                Outcome("kis_pbi_not_pbi_apbn", True, gettext_noop("Not a PBI-APBN member."))
            )
        return outcomes

    def benefit_starts_on(self, application: Application, enrolled_on: date) -> date | None:
        decided = application.decided_at.date() if application.decided_at else enrolled_on
        return first_of_next_month(decided)

    def exit_effective_on(self, decided_on: date) -> date:
        return first_of_next_month(decided_on)
