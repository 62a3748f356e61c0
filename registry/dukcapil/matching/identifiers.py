"""How a typed NIK relates to the NIK Dukcapil holds: the typing mistakes worth recovering.

Only mistakes that leave a recognisable trace are recovered, because a wrong "correction"
attaches a person to someone else's identity: two adjacent digits swapped, one digit
typed wrong, the last digit lost (a spreadsheet keeps 15 significant digits and turns the
16th into 0), and the No. KK typed into the NIK field. Anything further away is left to
the name + birth date fallback, which asks a person to confirm.
"""

from __future__ import annotations

from datetime import date

from registry.dukcapil.matching.records import Method

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40
MAX_AGE_YEARS = 110


def nik_relation(typed: str, nik: str, kk: str = "") -> Method | None:
    """Which single typing mistake turns `nik` (or the No. KK `kk`) into `typed`, if any.

    Equal numbers are no mistake (None): the exact step handles them.
    """
    if len(typed) != NIK_LENGTH or len(nik) != NIK_LENGTH:
        return None
    if kk and typed == kk and typed != nik:
        return Method.KK_AS_NIK
    diffs = [i for i in range(NIK_LENGTH) if typed[i] != nik[i]]
    if len(diffs) == 1:
        if diffs[0] == NIK_LENGTH - 1 and typed[-1] == "0":
            return Method.LOST_LAST_DIGIT
        return Method.SUBSTITUTION
    if (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and typed[diffs[0]] == nik[diffs[1]]
        and typed[diffs[1]] == nik[diffs[0]]
    ):
        return Method.TRANSPOSITION
    return None


def nik_birth_keys(
    nik: str | None, *, today: date, hint: date | None = None
) -> set[tuple[date, str]]:
    """The (birth date, sex) pairs digits 7-12 of a NIK can stand for.

    Used for blocking when the registry's birth date may itself be wrong. The century is
    not in the NIK: `hint` (the recorded birth date) picks it when its two-digit year
    agrees; otherwise every century giving an age of 0-110 is returned. Damaged date
    digits give no key.
    """
    if nik is None or len(nik) != NIK_LENGTH or not nik.isdigit():
        return set()
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "M"
    if day > FEMALE_DAY_OFFSET:
        sex, day = "F", day - FEMALE_DAY_OFFSET
    centuries = [today.year // 100 * 100, today.year // 100 * 100 - 100]
    if hint is not None and hint.year % 100 == yy:
        centuries = [hint.year // 100 * 100]
    keys: set[tuple[date, str]] = set()
    for century in centuries:
        try:
            born = date(century + yy, month, day)
        except ValueError:
            continue
        if born <= today and today.year - born.year <= MAX_AGE_YEARS:
            keys.add((born, sex))
    return keys
