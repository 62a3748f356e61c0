"""The fallback matcher: name + birth date + birthplace, for persons no NIK step found.

Records are compared within blocks (the DKB source blocks by birth date in SQL; `block`
does the same in memory and can add name blocks). A link is made only when it is clearly
the best for both sides; every link is proposed to a reviewer, never applied directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from rapidfuzz.distance import Indel

from registry.dukcapil.matching.fields import NEUTRAL, date_score, place_score
from registry.dukcapil.matching.names import words_score
from registry.names import normalized_similarity

MIN_NAME = 0.8
# A name shared by this many records of a birth-date block, by chance (the name's share of
# the extract times the block's size), is weak evidence with the date: "YUNI" born on a given
# day may be any of several YUNIs, "YULIA KOMARIAH" is one person. Such a link is made only
# when the typed NIK's digits support it (term-frequency adjustment, as Splink does).
COMMON_NAME_NAMESAKES = 0.05
NIK_LENGTH = 16
THRESHOLD = 0.85
MARGIN = 0.03
# A cheap similarity below this skips the full name comparison.
PREFILTER = 0.5
WEIGHT_NAME, WEIGHT_DATE, WEIGHT_PLACE = 0.6, 0.3, 0.1


@dataclass(frozen=True, slots=True)
class FallbackRecord:
    key: str
    name: str  # normalised (registry.names.normalize_name)
    birth_date: date | None
    sex: str = ""
    place: str = ""
    nik: str = ""  # the NIK as typed (registry) or held (Dukcapil); "" when none
    # Dukcapil side: the share of the extract's other records with this exact name, and how
    # many other records the record's (birth date, sex) block holds. 0 when unknown.
    name_share: float = 0.0
    peers: int = 0


@dataclass(frozen=True, slots=True)
class Link:
    left: str
    right: str
    score: float
    name: float
    date: float
    place: float


def nik_beyond_a_typo(first: str, second: str) -> bool:
    """Whether two NIKs differ in their region code (digits 1-6) and serial (13-16) by more
    than one typing mistake: one wrong digit, or two neighbouring digits swapped (the birth
    date between them is compared as a date). Such a record is not the one the NIK was typed
    from: evidence that it is a namesake's (False when either NIK is missing)."""
    if len(first) != NIK_LENGTH or len(second) != NIK_LENGTH:
        return False
    a, b = first[:6] + "-" + first[12:], second[:6] + "-" + second[12:]
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(differ) <= 1:
        return False
    swapped = len(differ) == 2 and differ[1] == differ[0] + 1
    return not (swapped and a[differ[0]] == b[differ[1]] and a[differ[1]] == b[differ[0]])


def score_pair(left: FallbackRecord, right: FallbackRecord) -> Link | None:
    if not left.name or not right.name:
        return None
    if left.sex and right.sex and left.sex != right.sex:
        return None
    if nik_beyond_a_typo(left.nik, right.nik):
        return None
    supported = bool(left.nik and right.nik)  # and at most one typo apart (above)
    if right.name_share * right.peers >= COMMON_NAME_NAMESAKES and not supported:
        return None
    if left.name == right.name:
        name = 1.0
    elif Indel.normalized_similarity(left.name, right.name) < PREFILTER:
        return None
    else:
        name = max(
            normalized_similarity(left.name, right.name),
            words_score(left.name.split(), right.name.split()),
        )
    if name < MIN_NAME:
        return None
    when = date_score(left.birth_date, right.birth_date)
    place = place_score(left.place, right.place)
    where = NEUTRAL if place is None else place
    total = WEIGHT_NAME * name + WEIGHT_DATE * when + WEIGHT_PLACE * where
    if total < THRESHOLD:
        return None
    return Link(left.key, right.key, round(total, 4), round(name, 4), when, round(where, 4))


def link(pairs: Iterable[tuple[FallbackRecord, FallbackRecord]]) -> list[Link]:
    """Score candidate pairs; keep each record's best link if it is clearly the best.

    A record whose two best candidates are within MARGIN of each other gets no link, on
    either side: such a tie is for a person to resolve, not for a guess.
    """
    by_left: dict[str, list[Link]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for left, right in pairs:
        if (left.key, right.key) in seen:
            continue
        seen.add((left.key, right.key))
        scored = score_pair(left, right)
        if scored is not None:
            by_left[left.key].append(scored)
    best_for_right: dict[str, Link] = {}
    tied: set[str] = set()
    for links in by_left.values():
        links.sort(key=lambda item: (-item.score, item.right))
        if len(links) > 1 and links[0].score - links[1].score < MARGIN:
            continue
        best = links[0]
        held = best_for_right.get(best.right)
        if held is None or best.score > held.score + MARGIN:
            best_for_right[best.right] = best
            tied.discard(best.right)
        elif abs(best.score - held.score) < MARGIN:
            tied.add(best.right)
    return sorted(
        (lk for right, lk in best_for_right.items() if right not in tied), key=lambda lk: lk.left
    )


BlockKey = Callable[[FallbackRecord], Iterable[Hashable]]


def by_birth_date(record: FallbackRecord) -> Iterable[Hashable]:
    return [("d", record.birth_date)] if record.birth_date else []


def by_name_token(record: FallbackRecord) -> Iterable[Hashable]:
    """Every word of three letters or more: catches a wrong birth date, costs more pairs."""
    return [("n", token) for token in set(record.name.split()) if len(token) >= 3]


def block(
    left: Sequence[FallbackRecord],
    right: Sequence[FallbackRecord],
    keys: Sequence[BlockKey] = (by_birth_date,),
) -> Iterator[tuple[FallbackRecord, FallbackRecord]]:
    """Candidate pairs sharing at least one blocking key (pairs may repeat)."""
    index: dict[Hashable, list[FallbackRecord]] = defaultdict(list)
    for record in right:
        for key_of in keys:
            for key in key_of(record):
                index[key].append(record)
    for record in left:
        for key_of in keys:
            for key in key_of(record):
                for other in index.get(key, ()):
                    yield record, other
