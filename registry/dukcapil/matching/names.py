"""Names compared by their words, as a clerk's and Dukcapil's spellings of one person differ.

On top of `registry.names` (titles, Muhammad/M./Moch., old spellings), three differences
are common in Indonesian administrative data and cost a whole-string similarity too much:
a word dropped or added (a second given name, a family name written or not), "bin/binti"
followed by the father's name, and the words in another order. `own_words` cuts the
father's name off; `words_score` pairs each word of the shorter name with its closest word
of the longer one (Jaro-Winkler, each word used once), so order costs nothing and a name
contained in the other costs a little per missing word.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler

from registry.names import CONNECTORS, name_tokens, tokens_similarity

# Two words this similar are one word written twice (one letter off in a word of 6+), if
# their lengths differ by at most MAX_LENGTH_GAP ("YUNI" is not "YUNITA").
SAME_WORD = 0.88
MAX_LENGTH_GAP = 1
# An initial against a word it begins ("M" and "MUHAMMAD"): as good as one letter off.
INITIAL = SAME_WORD
# Share of the score a missing word costs, spread over the longer name's words.
MISSING_WORD_COST = 0.42


@lru_cache(maxsize=262_144)
def own_words(raw: str) -> tuple[str, ...]:
    """The normalised words of a name up to "bin"/"binti": the person's own name."""
    words = raw.split()
    for position, word in enumerate(words):
        if position and word.strip(".,").casefold() in CONNECTORS:
            words = words[:position]
            break
    return tuple(name_tokens(" ".join(words)))


def _word_similarity(word: str, other: str) -> float:
    if word == other:
        return 1.0
    if len(word) == 1 or len(other) == 1:  # an initial ("IWAN M." for "M. IWAN")
        return INITIAL if word[0] == other[0] else 0.0
    if abs(len(word) - len(other)) > MAX_LENGTH_GAP:
        return 0.0
    return JaroWinkler.normalized_similarity(word, other)


def words_score(first: Sequence[str], second: Sequence[str]) -> float:
    """0..1: every word of the shorter name found in the longer one, in any order.

    Each word of the shorter name takes its most similar unused word of the longer one; a
    word found nowhere (below SAME_WORD) gives 0, since then neither name contains the
    other. The mean similarity is reduced by MISSING_WORD_COST times the share of the
    longer name's words left over: "SRI" in "SRI SAPUTRA" scores 0.79: enough to keep
    an exact NIK (`fields.NIK_OWNER_NAME`), not to find one (a neighbour's serial, one digit
    away, may be "SRI WAHYUNI"); two words of three score 0.86.
    """
    if not first or not second:
        return 0.0
    short, long = (first, second) if len(first) <= len(second) else (second, first)
    used: set[int] = set()
    total = 0.0
    for word in short:
        best, at = 0.0, -1
        for index, other in enumerate(long):
            if index in used:
                continue
            similarity = _word_similarity(word, other)
            if similarity > best:
                best, at = similarity, index
        if best < SAME_WORD:
            return 0.0
        used.add(at)
        total += best
    missing = (len(long) - len(short)) / len(long)
    return total / len(short) * (1 - MISSING_WORD_COST * missing)


def name_agreement(
    first_normalized: str, first_raw: str, second_normalized: str, second_raw: str
) -> float:
    """The best of the whole-name similarity and the word comparison, with and without
    the fathers' names (a raw name may be "" when only the normalised one is known)."""
    if first_normalized == second_normalized:
        return 1.0 if first_normalized else 0.0
    a, b = first_normalized.split(), second_normalized.split()
    own_a = list(own_words(first_raw)) if first_raw else a
    own_b = list(own_words(second_raw)) if second_raw else b
    whole = tokens_similarity(a, b)
    if (own_a, own_b) != (a, b):
        whole = max(whole, tokens_similarity(own_a, own_b))
    return max(whole, words_score(own_a, own_b))
