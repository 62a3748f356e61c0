"""Pelatihan Keterampilan (Disnaker): participants come from the AK1 job-seeker register.

"No repeat within 2 years" is the programme's frequency limit (`frequency_years = 2`),
checked by the core from past enrolments.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from programs.eligibility import Outcome
from programs.kinds import Candidate, DetailModelKind
from programs.training.forms import TrainingForm
from programs.training.models import TrainingDetail


class Training(DetailModelKind):
    code = "training"
    detail_form = TrainingForm
    detail_model = TrainingDetail

    def check(self, candidate: Candidate) -> list[Outcome]:
        registered = bool((candidate.detail.get("ak1_number") or "").strip())
        return [
            Outcome(
                "training_ak1_registered",
                registered,
                gettext_noop("Registered as a job seeker (AK1).")
                if registered
                else gettext_noop("Participants must hold an AK1 job-seeker card."),
            )
        ]
