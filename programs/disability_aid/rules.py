"""Bantuan Alat Disabilitas (Dinsos): a device for a person with a disability; refused if the
person already received it through CSR. The disability itself is the declarative rule.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from programs.disability_aid.forms import DisabilityAidForm
from programs.disability_aid.models import DisabilityAidDetail
from programs.eligibility import Outcome
from programs.kinds import Candidate, DetailModelKind


class DisabilityAid(DetailModelKind):
    code = "disability_aid"
    detail_form = DisabilityAidForm
    detail_model = DisabilityAidDetail

    def check(self, candidate: Candidate) -> list[Outcome]:
        via_csr = bool(candidate.detail.get("received_via_csr"))
        return [
            Outcome(
                "disability_aid_not_received_via_csr",
                not via_csr,
                gettext_noop("Not received through CSR.")
                if not via_csr
                else gettext_noop("Already received this device through CSR."),
            )
        ]
