"""Santunan Kematian (Dinsos): Rp2,000,000 per heir (ahli waris).

The deceased must be recorded as deceased in the registry, with a death certificate
number; the heir (the applicant and beneficiary) files in person, no proxy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_noop

from programs.death_benefit.forms import DeathBenefitForm
from programs.death_benefit.models import DeathBenefitDetail
from programs.eligibility import Outcome
from programs.kinds import Candidate, DetailModelKind
from programs.models import Application
from registry.models import Person


def _deceased(detail: Mapping[str, Any]) -> Person | None:
    if detail.get("deceased_id"):
        return Person.objects.filter(pk=detail["deceased_id"]).first()
    nik = detail.get("deceased_nik") or ""
    return Person.objects.filter(nik=nik).first() if nik else None


class DeathBenefit(DetailModelKind):
    code = "death_benefit"
    detail_form = DeathBenefitForm
    detail_model = DeathBenefitDetail

    def check(self, candidate: Candidate) -> list[Outcome]:
        deceased = _deceased(candidate.detail)
        recorded = deceased is not None and deceased.is_deceased
        not_self = deceased is None or deceased.pk != candidate.person.pk
        in_person = bool(candidate.detail.get("applied_in_person"))
        return [
            Outcome(
                "death_benefit_death_recorded",
                recorded,
                gettext_noop("The death is recorded in the registry.")
                if recorded
                else gettext_noop("The registry does not record this person's death."),
            ),
            Outcome(
                "death_benefit_heir_is_not_the_deceased",
                not_self,
                gettext_noop("The heir is another person.")
                if not_self
                else gettext_noop("The heir cannot be the deceased."),
            ),
            Outcome(
                "death_benefit_heir_applies_in_person",
                in_person,
                gettext_noop("The heir applied in person.")
                if in_person
                else gettext_noop("The heir must apply in person; no proxy."),
            ),
        ]

    def detail_save(self, *, application: Application, detail: Mapping[str, Any]) -> None:
        deceased = _deceased(detail)
        super().detail_save(
            application=application,
            detail={**detail, "deceased_id": deceased.pk if deceased else None},
        )
