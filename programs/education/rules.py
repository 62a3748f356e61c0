"""Education aid, one programme per level (the programme's options name its level).

- SD/MI and SMP/MTs (Disdik): private schools only; Rp2,000,000 / Rp3,000,000 per student
  per year, paid to the school.
- SMA/SMK/MA (Dinsos): public or private; Rp2,000,000 per year, paid to the student.
- University (Dinsos): proposed by the campus; at most Rp23,000,000 in all until
  graduation, into a blocked account.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_noop

from depok_kds.formatting import rupiah
from programs.education.forms import EducationForm
from programs.education.models import PAYEE_BY_LEVEL, EducationDetail, Level
from programs.eligibility import Outcome
from programs.kinds import Candidate, DetailModelKind
from programs.models import Application, Enrolment


class Education(DetailModelKind):
    code = "education"
    detail_form = EducationForm
    detail_model = EducationDetail

    def check(self, candidate: Candidate) -> list[Outcome]:
        level = candidate.detail.get("level")
        wanted = candidate.programme.options.get("level")
        outcomes = [
            Outcome(
                "education_level_matches",
                level == wanted,
                gettext_noop("The school level fits this programme.")
                if level == wanted
                else gettext_noop("This programme is for level %(wanted)s, not %(level)s."),
                {"wanted": wanted or "-", "level": level or "-"},
            )
        ]
        if wanted in (Level.SD, Level.SMP):
            private = bool(candidate.detail.get("school_is_private"))
            outcomes.append(
                Outcome(
                    "education_private_school_only",
                    private,
                    gettext_noop("A private school.")
                    if private
                    else gettext_noop("SD/MI and SMP/MTs aid is for private schools only."),
                )
            )
        if wanted == Level.PT:
            by_campus = candidate.channel == Application.Channel.SCHOOL
            outcomes.append(
                Outcome(
                    "education_proposed_by_campus",
                    by_campus,
                    gettext_noop("Proposed by the campus.")
                    if by_campus
                    else gettext_noop("University aid must be proposed by the campus."),
                )
            )
            outcomes.append(self._until_graduation(candidate))
        return outcomes

    def _until_graduation(self, candidate: Candidate) -> Outcome:
        """The university cap covers all years until graduation, not one year."""
        received = Enrolment.objects.filter(
            programme=candidate.programme, person=candidate.person
        ).exclude(cycle=candidate.cycle).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        requested = Decimal(candidate.extra.get("amount") or candidate.cycle.amount)
        cap = candidate.programme.amount_max
        ok = received + requested <= cap
        return Outcome(
            "education_university_cap_until_graduation",
            ok,
            gettext_noop("%(received)s received so far; the cap is %(cap)s until graduation.")
            if ok
            else gettext_noop(
                "%(received)s received so far plus %(requested)s exceeds the cap of "
                "%(cap)s until graduation."
            ),
            {"received": rupiah(received), "requested": rupiah(requested), "cap": rupiah(cap)},
        )

    def detail_save(self, *, application: Application, detail: Mapping[str, Any]) -> None:
        payee = PAYEE_BY_LEVEL[Level(detail["level"])]
        super().detail_save(application=application, detail={**detail, "payee": payee})
