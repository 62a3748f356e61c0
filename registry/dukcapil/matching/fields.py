"""Field checks of a person against the Dukcapil record found for their NIK.

Names are compared after the registry's Indonesian normalisation (`registry.names`:
titles H./Hj./Drs., Muhammad/M./Moch., bin/binti, old spellings oe/dj/tj), so "H. Moch.
Soekarno" and "MUHAMMAD SUKARNO" count as the same name, not as a difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from rapidfuzz.distance import Indel

from registry.dukcapil.matching.names import name_agreement
from registry.dukcapil.matching.records import (
    Decision,
    DukcapilRecord,
    Method,
    OutcomeCode,
    RegistryPerson,
)
from registry.names import normalize_name

# A normalised name this similar is the same name (one letter in a long name).
SAME_NAME = 0.92
# Below this, with a birth date that is not even one typing mistake away, the NIK belongs
# to someone else at Dukcapil: the person is treated as not found by NIK, and typo recovery
# is tried. A shortened name ("SRI" for "SRI SAPUTRA") scores above it (`names`).
NIK_OWNER_NAME = 0.6
NEUTRAL = 0.5  # a date score when either date is missing
SAME_PLACE = 0.8
# Weights of the fields in a match score (0..1).
WEIGHTS = {"name": 0.5, "birth_date": 0.2, "sex": 0.1, "birth_place": 0.1, "kk": 0.1}
_PLACE_NOISE = re.compile(r"\b(kota|kab|kabupaten|adm|administrasi)\b|[^a-z ]")


@lru_cache(maxsize=262_144)
def normalized_name(raw: str) -> str:
    """`registry.names.normalize_name`, remembered: extracts repeat names a lot."""
    return normalize_name(raw)


def name_score(registry_normalized: str, dukcapil_name: str, registry_name: str = "") -> float:
    """Similarity (0..1) of a stored normalised name and a raw Dukcapil name.

    Most names are written alike on both sides but for letter case; given the registry's
    raw name, those are recognised without normalising the Dukcapil one. Others are
    compared by their words too, without the fathers' names (`names.name_agreement`).
    """
    if (
        registry_name
        and registry_normalized
        and registry_name.casefold() == dukcapil_name.casefold()
    ):
        return 1.0
    other = normalized_name(dukcapil_name)
    if not other or not registry_normalized:
        return 0.0
    return name_agreement(registry_normalized, registry_name, other, dukcapil_name)


def date_score(first: date | None, second: date | None) -> float:
    """1 for the same date, 0.8 for one typing mistake (a digit, a swap, day/month), else 0."""
    if first is None or second is None:
        return NEUTRAL
    if first == second:
        return 1.0
    a, b = first.strftime("%Y%m%d"), second.strftime("%Y%m%d")
    diffs = [i for i in range(8) if a[i] != b[i]]
    if len(diffs) == 1:
        return 0.8
    first_diff, last_diff = diffs[0], diffs[-1]
    if (
        len(diffs) == 2
        and last_diff == first_diff + 1
        and (a[first_diff], a[last_diff]) == (b[last_diff], b[first_diff])
    ):
        return 0.8
    if first.year == second.year and (first.day, first.month) == (second.month, second.day):
        return 0.8
    return 0.0


def day_month_swapped(born: date) -> date | None:
    """The date with day and month swapped, when that is another valid date."""
    if born.day > 12 or born.day == born.month:
        return None
    return born.replace(day=born.month, month=born.day)


def status_outcome(
    person: RegistryPerson, record: DukcapilRecord
) -> tuple[OutcomeCode, date | None] | None:
    """Dukcapil's death or move out of Depok of a person the registry holds otherwise."""
    if record.is_deceased and not person.is_deceased:
        return OutcomeCode.DECEASED, record.death_date
    if record.moved_out and person.household_id is not None:
        return OutcomeCode.MOVED_OUT, record.moved_out_on
    return None


@lru_cache(maxsize=65_536)
def _place(raw: str) -> str:
    return " ".join(_PLACE_NOISE.sub(" ", raw.casefold()).split())


def place_score(first: str, second: str) -> float | None:
    """Similarity of two birthplaces ("Kota Depok" = "DEPOK"); None when one is missing."""
    a, b = _place(first), _place(second)
    if not a or not b:
        return None
    return float(Indel.normalized_similarity(a, b))


@dataclass(frozen=True)
class Comparison:
    name: float
    differences: tuple[str, ...]
    score: float


def compare_fields(person: RegistryPerson, record: DukcapilRecord) -> Comparison:
    """Compare name, birth date, sex, birthplace and No. KK; list the fields that differ."""
    name = name_score(person.name_normalized, record.full_name, person.full_name)
    place = place_score(person.birth_place, record.birth_place)
    same_date = person.birth_date == record.birth_date
    same_sex = person.sex == record.sex
    same_kk = not person.kk or not record.kk or person.kk == record.kk
    differences = []
    if name < SAME_NAME:
        differences.append("name")
    if not same_date:
        differences.append("birth_date")
    if not same_sex:
        differences.append("sex")
    if place is not None and place < SAME_PLACE:
        differences.append("birth_place")
    if not same_kk:
        differences.append("kk")
    if person.is_deceased and not record.is_deceased:
        differences.append("deceased")
    score = (
        WEIGHTS["name"] * name
        + WEIGHTS["birth_date"] * same_date
        + WEIGHTS["sex"] * same_sex
        + WEIGHTS["birth_place"] * (1.0 if place is None else place)
        + WEIGHTS["kk"] * same_kk
    )
    return Comparison(name=name, differences=tuple(differences), score=round(score, 4))


def decide_exact(person: RegistryPerson, record: DukcapilRecord) -> Decision | None:
    """The outcome for a person whose NIK Dukcapil knows, or None if it is someone else's.

    Dukcapil's status comes first: a death or a move out of Depok is what a reviewer must
    act on, then a different No. KK (a household change), then other differing fields.
    """
    comparison = compare_fields(person, record)
    if comparison.name < NIK_OWNER_NAME and not date_score(person.birth_date, record.birth_date):
        return None
    outcome = OutcomeCode.MATCHED
    event_date = None
    status = status_outcome(person, record)
    if status is not None:
        outcome, event_date = status
    elif "kk" in comparison.differences:
        outcome = OutcomeCode.KK_DIFFERS
    elif comparison.differences:
        outcome = OutcomeCode.DIFFERENCES
    return Decision(
        person_id=person.person_id,
        outcome=outcome,
        score=comparison.score,
        method=Method.EXACT_NIK,
        differences=comparison.differences,
        event_date=event_date,
        record=record,
        evidence={"name_score": round(comparison.name, 4)} if comparison.name < 1 else {},
    )
