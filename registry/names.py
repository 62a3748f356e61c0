"""Comparable forms of Indonesian personal names, for search, blocking and record matching.

Why: one person reaches the registry as "H. Moch. Soekarno bin Abdoellah" from an RT list,
"MUHAMMAD SUKARNO ABDULLAH" from Dukcapil and "M Sukarno" from a school. Exact comparison
misses them; a careless fuzzy match merges different people. Each rule below removes one
known source of spelling variation and nothing more. The normalised form is a key for
comparison, never a name to display or store in place of what the resident wrote.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable

# Religious, academic and courtesy titles that may precede a name. Matched after dots are
# removed, so "H.", "H" and "Hj." all count. "H." before a name is Haji by convention.
PREFIX_TITLES = frozenset(
    {
        "h", "hj", "haji", "hajjah", "hajah",  # Pilgrimage honorifics.
        "kh", "kiai", "kyai", "ust", "ustad", "ustadz", "ustaz", "ustadzah", "ustazah",
        "drs", "dra", "dr", "ir", "prof",  # Academic and medical.
        "tn", "ny", "nn", "sdr", "sdri", "bpk", "bp", "ibu", "bu",  # Courtesy forms.
        "alm", "almh", "almarhum", "almarhumah",  # "The late": the person is the same.
        "raden", "rd",  # Sundanese/Javanese nobility, often dropped in other records.
    }
)  # fmt: skip
# Degrees written after a name ("Siti Nurhaliza, S.Pd."), also matched without dots.
SUFFIX_DEGREES = frozenset(
    {
        "spd", "spdi", "se", "sh", "shi", "sag", "sip", "skom", "sked", "skep", "skm", "ssos",
        "ssi", "st", "sthi", "sfarm", "sstp", "ssy", "sak", "ssn", "sm", "ak", "ns", "apt",
        "amd", "amdkep", "amdkeb", "amdpar", "amdfarm", "amdgz",
        "mm", "msi", "mpd", "mh", "mkes", "mkom", "mag", "mt", "mba", "mhum", "msc", "phd", "lc",
        "drs", "dra", "dr", "ir", "prof", "bsc",
    }
)  # fmt: skip
# Any dotted abbreviation such as "S.Kep.Ns." or "Sp.OG." at the end of a name is a degree.
_DOTTED_ABBREVIATION = re.compile(r"[a-z]{1,3}(?:\.[a-z]{1,4})+\.?")
# Spellings of Muhammad; written out, abbreviated or transliterated differently.
MUHAMMAD_VARIANTS = frozenset(
    {
        "muhammad", "muhamad", "muhammmad", "mohammad", "mohamad", "mohammed", "mohamed",
        "muhammed", "mochammad", "mochamad", "mokhammad", "mokhamad", "muchammad", "muchamad",
        "moch", "moh", "mhd", "muh", "mhmd", "mohd",
    }
)  # fmt: skip
# Other frequent Arabic-derived names spelled several ways in the same office.
TOKEN_VARIANTS = {"achmad": "ahmad", "akhmad": "ahmad", "ahmat": "ahmad", "achmat": "ahmad"}
# Patronymic connectors: the father's name that follows is kept, the word itself is noise.
CONNECTORS = frozenset({"bin", "binti", "bt", "bte", "binte", "bint"})
CANONICAL_MUHAMMAD = "muhammad"
# Digraphs that prove a token is in pre-1972 spelling, where a bare "j" was read as "y".
_OLD_SPELLING_MARKERS = ("dj", "tj", "sj", "oe")
_BARE_OLD_J = re.compile(r"(?<![dtsn])j")
_REPEATED_LETTER = re.compile(r"([a-z])\1+")
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u00b4]")
_SEPARATORS = re.compile(r"[^a-z0-9.,\s]")
_NOT_LETTERS = re.compile(r"[^a-z]")
# What `_respell` changes; most words have none of it and are left as they are.
_OLD_OR_DOUBLE = re.compile(r"oe|dj|tj|sj|nj|ch|([a-z])\1")


def _fold(raw: str) -> str:
    """Lowercase and strip accents, so "Ma'ruf", "MA'RUF" and "Maruf" compare equal."""
    if raw.isascii():  # nearly every name: no accents to strip
        text = raw.casefold()
    else:
        decomposed = unicodedata.normalize("NFKD", raw)
        text = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    text = _APOSTROPHES.sub("", text)  # Ma'ruf -> maruf: an apostrophe is not a word break.
    return _SEPARATORS.sub(" ", text)  # Hyphens, slashes, brackets separate words.


def _is_degree(token: str, *, after_comma: bool = False) -> bool:
    if token.replace(".", "") in SUFFIX_DEGREES or _DOTTED_ABBREVIATION.fullmatch(token):
        return True
    # After a comma, any short abbreviation with a dot ("Lc.", "Ak.") is a degree too.
    return after_comma and token.endswith(".") and len(token) <= 5


def _strip_titles(parts: list[list[str]]) -> list[str]:
    """Drop leading titles, trailing degrees and degree-like tokens after the first comma.

    Leading tokens glued by dots ("h.moch.soekarno") are opened up one by one, so each piece
    can be recognised as a title. Text after a comma is almost always a list of degrees; other
    words there are kept, in case a record was written "Surname, Given name". Cost: trailing
    dotted initials ("A.R.") look like a degree and are dropped too.
    """
    name = list(parts[0]) if parts else []
    while name:
        head = name[0]
        pieces = [piece for piece in head.split(".") if piece]
        if head.replace(".", "") in PREFIX_TITLES:
            del name[0]
        elif len(pieces) > 1:
            name[0:1] = pieces
        else:
            break
    while len(name) > 1 and _is_degree(name[-1]):
        del name[-1]
    tail = [
        token
        for part in parts[1:]
        for token in part
        if not _is_degree(token, after_comma=True) and token.replace(".", "") not in PREFIX_TITLES
    ]
    return [piece for token in name + tail for piece in token.split(".") if piece]


def _respell(token: str, *, old_spelling: bool) -> str:
    """Map pre-1972 (and Dutch-era) spellings to current ones, then collapse double letters.

    oe -> u (Soekarno, Noer); dj -> j (Djoko); tj -> c (Tjahjono); sj -> sy (Sjahrir);
    nj -> ny (Njoman; modern "nj" as in Panjaitan is mapped the same way on both sides, so
    it still matches); ch -> kh (Chairul). A bare "j" becomes "y" only when the name also
    shows an old digraph (Tjahjono -> Cahyono, Noer Hidajat -> Nur Hidayat), because in such a
    name a modern j would have been written "dj"; mapping every j would merge modern names
    such as Jati and Yati. Double letters are collapsed because Abdullah / Abdulah and Siti /
    Sitti are the same name written twice.
    """
    if not _OLD_OR_DOUBLE.search(token) and not (old_spelling and "j" in token):
        return token
    token = _REPEATED_LETTER.sub(r"\1", token)  # first too: "ddj" must become "j", not "dj"
    if old_spelling:
        token = _BARE_OLD_J.sub("y", token)
    for old, new in (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny")):
        token = token.replace(old, new)
    token = token.replace("ch", "kh")
    return _REPEATED_LETTER.sub(r"\1", token)


# Letters written either way in the same office, beyond what `_respell` maps for good: the
# old "j" for today's "y" (Jusuf), "q" for "k" (Rizqi, Taufiq), "ae" for "ai" (Zaenal, Saepul)
# and a final "y" for "i" (Rizky, Fauzy).
_READINGS = (("j", "y"), ("y", "j"), ("q", "k"), ("k", "q"), ("ae", "ai"), ("ai", "ae"))
_FINAL_READINGS = (("y", "i"), ("i", "y"))


def search_readings(word: str) -> list[str]:
    """Other ways the same name may be written, for a search to try beside the word.

    Before 1972 today's "y" was written "j" (Jusuf, Hidajat): `_respell` reads such a "j" as
    "y" only in a name that shows an old digraph, so "Jusuf Hidajat" stays as written and a
    search for "yusuf hidayat" must try "jusuf" and "hidajat" too. Likewise Rizqy / Rizki,
    Zaenal / Zainal, Fauzy / Fauzi: every combination of these, the word itself excepted.
    For search only (a search tries the readings the registry holds): matching keeps its
    modern Jati and Yati apart.
    """
    found = {word}
    for old, new in _READINGS:
        found |= {reading.replace(old, new) for reading in found}
    for old, new in _FINAL_READINGS:
        found |= {reading[: -len(old)] + new for reading in found if reading.endswith(old)}
    found.discard(word)
    return sorted(found)


def name_tokens(raw: str) -> list[str]:
    """Return the normalised words of a name in their written order.

    Order of rules: fold case and accents; remove titles and degrees; read a lone "M" at the
    start as Muhammad (M. Yusuf, M Rizki: an initial M elsewhere stays "m"); map spelling
    variants of Muhammad/Ahmad to one token; drop bin/binti but keep the father's name;
    respell old orthography; drop digits and leftover punctuation.
    """
    parts = [part.split() for part in _fold(raw).split(",")]
    cleaned = (_NOT_LETTERS.sub("", token) for token in _strip_titles(parts))
    words = [word for word in cleaned if word]
    old_spelling = any(marker in word for word in words for marker in _OLD_SPELLING_MARKERS)
    result: list[str] = []
    for position, word in enumerate(words):
        if word in MUHAMMAD_VARIANTS or (position == 0 and word == "m" and len(words) > 1):
            result.append(CANONICAL_MUHAMMAD)
        elif word in TOKEN_VARIANTS:
            result.append(TOKEN_VARIANTS[word])
        elif position > 0 and word in CONNECTORS:
            continue
        else:
            respelled = _respell(word, old_spelling=old_spelling)
            if respelled in MUHAMMAD_VARIANTS:  # Moehamad -> muhamad.
                respelled = CANONICAL_MUHAMMAD
            elif not result and respelled in PREFIX_TITLES and position < len(words) - 1:
                continue  # a title in old spelling ("Hadji", "HDJ."): the result has none
            result.append(TOKEN_VARIANTS.get(respelled, respelled))
    return result


def normalize_name(raw: str) -> str:
    """Return the canonical comparable form: normalised words joined by single spaces."""
    return " ".join(name_tokens(raw))


def name_key(raw: str) -> str:
    """Return the words sorted and joined: a blocking key that ignores word order."""
    return " ".join(sorted(name_tokens(raw)))


def _indel_ratio(first: str, second: str) -> float:
    """Return 2 * LCS / (len a + len b): the normalised Indel similarity.

    Chosen over difflib's ratio because it is exact (difflib uses a junk heuristic) and is
    the same number rapidfuzz returns, so the optional fast path never changes a result.
    """
    if not first and not second:
        return 1.0
    previous = [0] * (len(second) + 1)
    for char in first:
        current = [0]
        for index, other in enumerate(second):
            if char == other:
                current.append(previous[index] + 1)
            else:
                current.append(max(previous[index + 1], current[index]))
        previous = current
    return 2 * previous[-1] / (len(first) + len(second))


def _load_fast_ratio() -> Callable[[str, str], float]:
    try:
        module = importlib.import_module("rapidfuzz.distance.Indel")
    except ImportError:
        return _indel_ratio
    fast: Callable[[str, str], float] = module.normalized_similarity
    return fast


_ratio = _load_fast_ratio()


def name_similarity(first: str, second: str) -> float:
    """Return a 0..1 similarity of two names after normalisation.

    Token-set comparison: shared words are placed first on both sides, then the remaining
    words, so word order and a missing middle name cost little while spelling differences
    still count. Unlike the classic token-set ratio, a name is never compared with the bare
    shared words: "Siti" would otherwise score 1.0 against "Siti Nurhaliza". Spacing
    differences ("Nurhaliza" vs "Nur Haliza") are compared without spaces as well.
    An empty name matches nothing.
    """
    return tokens_similarity(name_tokens(first), name_tokens(second))


def normalized_similarity(first: str, second: str) -> float:
    """`name_similarity` of two names already in `normalize_name` form (cheaper: the words
    are just split)."""
    return tokens_similarity(first.split(), second.split())


def tokens_similarity(tokens_a: list[str], tokens_b: list[str]) -> float:
    """`name_similarity` of two names given as their normalised words."""
    if not tokens_a or not tokens_b:
        return 0.0
    set_a, set_b = set(tokens_a), set(tokens_b)
    if set_a == set_b:
        return 1.0
    shared = sorted(set_a & set_b)
    arranged_a = " ".join(shared + sorted(set_a - set_b))
    arranged_b = " ".join(shared + sorted(set_b - set_a))
    return max(
        _ratio(arranged_a, arranged_b),
        _ratio(" ".join(tokens_a), " ".join(tokens_b)),
        _ratio("".join(tokens_a), "".join(tokens_b)),
    )
