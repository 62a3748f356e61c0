"""Recovery of mistyped NIKs within blocks of Dukcapil records sharing birth date and sex.

A candidate is proposed only when its NIK is one recognisable typing mistake away from the
registry's (`nik_relation`), its name is close, and no other candidate comes close to it:
precision matters more than recall, because a wrong proposal attaches a person to someone
else's identity. Every proposal is confirmed by a person before the registry changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from registry.dukcapil.matching.fields import day_month_swapped, name_score, status_outcome
from registry.dukcapil.matching.identifiers import nik_birth_keys, nik_relation
from registry.dukcapil.matching.records import (
    Decision,
    DukcapilRecord,
    Method,
    OutcomeCode,
    RegistryPerson,
)

# A candidate's normalised name must be at least this close.
MIN_NAME = 0.85
# A candidate whose birth date differs from both the recorded one and the NIK's (a KK
# typed as NIK points at the whole family) needs a nearly identical name.
MIN_NAME_OTHER_DATE = 0.95
# The best candidate must beat the next one by this much, or nothing is proposed.
MARGIN = 0.05
RELATION_WEIGHT = {
    Method.TRANSPOSITION: 1.0,
    Method.LOST_LAST_DIGIT: 1.0,
    Method.KK_AS_NIK: 1.0,
    Method.SUBSTITUTION: 0.9,
}


@dataclass(frozen=True)
class Proposal:
    person_id: int
    record: DukcapilRecord
    method: Method
    score: float
    name: float
    rivals: int  # other candidates that also passed every check


def blocking_keys(person: RegistryPerson, *, today: date) -> set[tuple[date, str]]:
    """The (birth date, sex) blocks to search: the recorded ones (and with day and month
    swapped, a common slip) and the NIK's own."""
    keys = {(person.birth_date, person.sex)}
    swapped = day_month_swapped(person.birth_date)
    if swapped is not None:
        keys.add((swapped, person.sex))
    keys |= nik_birth_keys(person.nik, today=today, hint=person.birth_date)
    return keys


def _score(
    person: RegistryPerson, record: DukcapilRecord, keys: set[tuple[date, str]]
) -> tuple[Method, float, float] | None:
    if person.nik is None:
        return None
    relation = nik_relation(person.nik, record.nik, record.kk)
    if relation is None or record.sex != person.sex:
        return None
    name = name_score(person.name_normalized, record.full_name, person.full_name)
    same_date = (record.birth_date, record.sex) in keys
    if name < (MIN_NAME if same_date else MIN_NAME_OTHER_DATE):
        return None
    score = 0.6 * name + 0.25 * float(same_date) + 0.15 * RELATION_WEIGHT[relation]
    return relation, score, name


def propose(
    person: RegistryPerson, candidates: Iterable[DukcapilRecord], *, today: date
) -> Proposal | None:
    """The one record this person's NIK was most likely typed from, or None."""
    keys = blocking_keys(person, today=today)
    scored: list[tuple[float, str, DukcapilRecord, Method, float]] = []
    seen: set[str] = set()
    for record in candidates:
        if record.nik in seen:
            continue
        seen.add(record.nik)
        result = _score(person, record, keys)
        if result is not None:
            relation, score, name = result
            scored.append((score, record.nik, record, relation, name))
    if not scored:
        return None
    scored.sort(key=lambda item: (-item[0], item[1]))
    best = scored[0]
    if len(scored) > 1 and best[0] - scored[1][0] < MARGIN:
        return None
    return Proposal(
        person_id=person.person_id,
        record=best[2],
        method=best[3],
        score=round(best[0], 4),
        name=round(best[4], 4),
        rivals=len(scored) - 1,
    )


def propose_all(
    persons: Sequence[RegistryPerson],
    candidates: Mapping[int, Sequence[DukcapilRecord]],
    *,
    today: date,
) -> dict[int, Proposal]:
    """Proposals for many persons, one record to at most one person.

    When two persons point at the same record the better one keeps it; on a tie neither.
    """
    best_for_record: dict[str, Proposal] = {}
    tied: set[str] = set()
    for person in persons:
        proposal = propose(person, candidates.get(person.person_id, ()), today=today)
        if proposal is None:
            continue
        nik = proposal.record.nik
        held = best_for_record.get(nik)
        if held is None or proposal.score > held.score + MARGIN:
            best_for_record[nik] = proposal
            tied.discard(nik)
        elif abs(proposal.score - held.score) < MARGIN:
            tied.add(nik)
    return {p.person_id: p for nik, p in best_for_record.items() if nik not in tied}


def proposal_decision(person: RegistryPerson, proposal: Proposal) -> Decision:
    """NIK mistyped; or, when Dukcapil lists the record's person as deceased or moved out,
    that status, with the mistyped NIK as further evidence (and the NIK to correct)."""
    record = proposal.record
    evidence: dict[str, object] = {"name_score": proposal.name, "rivals": proposal.rivals}
    outcome, event_date = OutcomeCode.NIK_MISTYPED, None
    status = status_outcome(person, record)
    if status is not None:
        (outcome, event_date), evidence["nik_mistyped"] = status, True
    return Decision(
        person_id=proposal.person_id,
        outcome=outcome,
        score=min(proposal.score, 1.0),
        method=proposal.method,
        candidate_nik=record.nik,
        event_date=event_date,
        record=record,
        evidence=evidence,
    )
