"""Poverty answers and DTSEN desil for synthetic households, scored with the active ruleset.

Each household gets a hidden poverty level (0 = well off, 1 = destitute) drawn so that,
under the provisional ruleset, about 2.5% score Miskin (BPS puts Depok at 2.3-2.6%, FACTS
§6) and 10-15% Rentan Miskin. For every parameter the answer is the option at that level
plus noise, the options ordered by their points, so any ruleset that gives the poorer
answer more points works; the class always comes from `registry.scoring.score`. The
parameters that describe the family (dependants, vulnerable members, school-age children)
are answered from the generated members when the ruleset has the provisional codes.

DTSEN: about 60% of households hold a desil, the poor far more often; among those ranked
about a third fall in desil 1-5 (FACTS §6: 138,547 families in desil 1-5 in January 2026).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from registry.scoring import CLASS_MISKIN, CLASS_RENTAN, Ruleset, score
from registry.services.assessments import contributions_json

DESIL_PERIODS = ("2025Q4", "2026Q1")
# When each quarter's DTSEN file reached the city (the 2025Q4 one is of 5 January 2026).
DESIL_IMPORTED = {"2025Q4": date(2026, 1, 5), "2026Q1": date(2026, 4, 6)}
# Upper bounds of the poverty level for desil 10, 9, ... 2; above the last is desil 1.
DESIL_CUTS = (0.01, 0.025, 0.05, 0.09, 0.2, 0.26, 0.31, 0.37, 0.45)
RANKED_SHARE = {CLASS_MISKIN: 0.95, CLASS_RENTAN: 0.85}
RANKED_SHARE_OTHERS = 0.55
CACHE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class FamilyFacts:
    """What the family-describing parameters need to know about the members."""

    dependants: int
    school_age: int
    vulnerable: int
    head_vulnerable: bool
    needs_care: bool


@dataclass(frozen=True, slots=True)
class Scored:
    """One answer vector scored, with its JSON columns ready to store."""

    answers_json: str
    contributions_json: str
    total: Decimal
    poverty_class: str


def _dependants(facts: FamilyFacts) -> str:
    count = facts.dependants
    return ("up_to_one", "two_to_three", "four_to_five", "six_or_more")[min(3, count // 2)]


def _vulnerable(facts: FamilyFacts) -> str:
    if facts.vulnerable >= 2 or facts.head_vulnerable:
        return "several_or_head"
    if facts.vulnerable == 1:
        return "one_needing_care" if facts.needs_care else "one_independent"
    return "none"


def _education(facts: FamilyFacts) -> str | None:
    return "no_barrier" if facts.school_age == 0 else None


# Provisional codes answered from the family; None means "draw from the poverty level".
FROM_FAMILY: dict[str, Callable[[FamilyFacts], str | None]] = {
    "dependants": _dependants,
    "vulnerable_member": _vulnerable,
    "education_access": _education,
}


class AnswerMaker:
    """Draws answers for one ruleset and scores them, caching per distinct answer vector."""

    def __init__(self, rng: random.Random, ruleset: Ruleset) -> None:
        self.rng = rng
        self.ruleset = ruleset
        self.codes = tuple(parameter.code for parameter in ruleset.parameters)
        # Options per parameter from the fewest points to the most (the poorest answer).
        self.ranked = tuple(
            tuple(option.code for option in sorted(p.options, key=lambda o: o.score))
            for p in ruleset.parameters
        )
        # Per parameter: its options by rank and, if the family decides it, how.
        self.plan = tuple(
            (ranked, len(ranked), frozenset(ranked), FROM_FAMILY.get(code))
            for code, ranked in zip(self.codes, self.ranked, strict=True)
        )
        self.cache: dict[tuple[str, ...], tuple[Decimal, str]] = {}
        self.answer_json: dict[tuple[str, str], str] = {}
        self.contribution_json: dict[tuple[str, str], str] = {}

    def poverty_level(self) -> float:
        rng = self.rng
        tier = rng.random()
        if tier < 0.018:
            return rng.uniform(0.5, 0.9)
        if tier < 0.2:
            return rng.uniform(0.25, 0.45)
        return float(rng.random() ** 1.6) * 0.25

    def answers(self, level: float, facts: FamilyFacts) -> tuple[str, ...]:
        draw = self.rng.random
        chosen: list[str] = []
        for ranked, count, valid, derive in self.plan:
            answer = derive(facts) if derive is not None else None
            if answer is None or answer not in valid:
                rank = int((level + (draw() - draw()) * 0.4) * count)
                answer = ranked[0 if rank < 0 else rank if rank < count else count - 1]
            chosen.append(answer)
        return tuple(chosen)

    def scored(self, answers: tuple[str, ...]) -> Scored:
        """Score with `registry.scoring.score`, once per distinct answer vector.

        The JSON is assembled from per-answer pieces, in the shape the assessment service
        stores, so that memory holds one piece per option rather than one per household.
        """
        found = self.cache.get(answers)
        if found is None:
            result = score(self.ruleset, dict(zip(self.codes, answers, strict=True)))
            pieces = zip(result.contributions, contributions_json(result), strict=True)
            for item, stored in pieces:
                pair = (item.parameter_code, item.option_code)
                if pair not in self.contribution_json:
                    self.contribution_json[pair] = json.dumps(stored)
                    self.answer_json[pair] = json.dumps({item.parameter_code: item.option_code})[
                        1:-1
                    ]
            found = (result.total, result.poverty_class)
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            self.cache[answers] = found
        pairs = list(zip(self.codes, answers, strict=True))
        return Scored(
            answers_json="{" + ", ".join(self.answer_json[pair] for pair in pairs) + "}",
            contributions_json="[" + ", ".join(self.contribution_json[p] for p in pairs) + "]",
            total=found[0],
            poverty_class=found[1],
        )


def desil_ranks(rng: random.Random, level: float, poverty_class: str) -> list[tuple[str, int]]:
    """(period, desil) pairs for a household, oldest first; empty when DTSEN has no rank."""
    if rng.random() >= RANKED_SHARE.get(poverty_class, RANKED_SHARE_OTHERS):
        return []
    noisy = level + rng.gauss(0, 0.03)
    desil = 10 - sum(1 for cut in DESIL_CUTS if noisy > cut)
    if poverty_class == CLASS_MISKIN:
        desil = min(desil, rng.choice((1, 2, 3, 3, 4)))
    roll = rng.random()
    if roll < 0.1:
        return [(DESIL_PERIODS[0], desil)]
    if roll < 0.2:
        return [(DESIL_PERIODS[1], desil)]
    later = desil
    if rng.random() < 0.2:
        later = min(10, max(1, desil + rng.choice((-1, 1))))
    return [(DESIL_PERIODS[0], desil), (DESIL_PERIODS[1], later)]
