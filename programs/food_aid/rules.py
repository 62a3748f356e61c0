"""Bantuan Pangan Kota (Dinsos): a food package for elderly and disabled people, delivered
in tahap through the gerai pangan; a member of the same KK may collect it.

"Elderly or disabled" is the programme's declarative rule (`elderly_or_disabled`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_noop

from programs.eligibility import Outcome
from programs.food_aid.forms import FoodAidForm
from programs.food_aid.models import FoodAidDetail
from programs.kinds import Candidate, DetailModelKind
from programs.models import Application
from registry.models import Person


def _collector(nik: str) -> Person | None:
    return Person.objects.filter(nik=nik).first() if nik else None


class FoodAid(DetailModelKind):
    code = "food_aid"
    detail_form = FoodAidForm
    detail_model = FoodAidDetail

    def check(self, candidate: Candidate) -> list[Outcome]:
        nik = candidate.detail.get("collector_nik") or ""
        collector_id = candidate.detail.get("collector_id")
        if not nik and not collector_id:
            return []
        collector = _collector(nik) if nik else Person.objects.filter(pk=collector_id or 0).first()
        same_kk = (
            collector is not None
            and collector.household_id is not None
            and collector.household_id == candidate.person.household_id
            and not collector.is_deceased
        )
        return [
            Outcome(
                "food_aid_collector_same_kk",
                same_kk,
                gettext_noop("The collector is a member of the same KK.")
                if same_kk
                else gettext_noop("Only a living member of the same KK may collect the package."),
            )
        ]

    def detail_save(self, *, application: Application, detail: Mapping[str, Any]) -> None:
        collector = _collector(detail.get("collector_nik") or "")
        super().detail_save(
            application=application,
            detail={**detail, "collector_id": collector.pk if collector else None},
        )
