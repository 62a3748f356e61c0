"""Turning one spreadsheet cell (always text) into a stored value, or a reason a clerk can act on.

Plain functions over strings, no database: every import kind uses them row by row, so they
are written for speed (dictionary lookups, one regular expression each) as much as clarity.
Each failure is a `CellError` whose message says what is wrong and how to write it instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from registry.nik import (
    DAMAGED_BUT_TYPED,
    LABEL_NIK,
    NikError,
    ParsedKk,
    ParsedNik,
    normalize_identifier,
    parse_kk,
    parse_nik,
)


class CellError(ValueError):
    """A cell that cannot be imported; `message` is for the clerk (already translated)."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = str(message)


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_WHOLE = re.compile(r"[+-]?\d+(?:[.,]0+)?")
_KELURAHAN_DOTTED = re.compile(r"32\.76\.\d{2}\.\d{4}")
_KELURAHAN_DIGITS = re.compile(r"3276\d{6}")
_PERIOD = re.compile(r"(\d{4})Q([1-4])|Q([1-4])(\d{4})")
_PERIOD_NOISE = re.compile(r"[\s\-/_.]+")


def require(text: str) -> str:
    """The stripped text, refused when the cell is empty."""
    value = text.strip()
    if not value:
        raise CellError(_("The cell is empty."))
    return value


def limit(text: str, maximum: int) -> str:
    if len(text) > maximum:
        raise CellError(
            _("The text is longer than %(max)d characters.") % {"max": maximum},
        )
    return text


@lru_cache(maxsize=1 << 16)  # birth dates repeat down a file: each text is read once
def parse_date(text: str, *, today: date) -> date:
    """A date written YYYY-MM-DD (what the XLSX reader gives for a date cell) or DD-MM-YYYY."""
    value = text.strip()
    match = _ISO_DATE.fullmatch(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _DAY_FIRST.fullmatch(value)
        if match is None:
            raise CellError(
                _("%(value)r is not a date; write it as YYYY-MM-DD or DD-MM-YYYY.")
                % {"value": value}
            )
        day, month, year = (int(part) for part in match.groups())
    try:
        result = date(year, month, day)
    except ValueError:
        raise CellError(_("%(value)r is not a date on the calendar.") % {"value": value}) from None
    if result > today:
        raise CellError(_("The date %(value)s is in the future.") % {"value": result.isoformat()})
    if result.year < 1900:
        raise CellError(_("The date %(value)s is before 1900.") % {"value": result.isoformat()})
    return result


def parse_whole(text: str, *, low: int, high: int) -> int:
    """A whole number between `low` and `high`; "007" and "7.0" (from a number cell) are 7."""
    value = text.strip()
    if not _WHOLE.fullmatch(value):
        raise CellError(
            _("%(value)r is not a whole number between %(low)d and %(high)d.")
            % {"value": value, "low": low, "high": high}
        )
    number = int(value.replace(",", ".").split(".")[0])
    if not low <= number <= high:
        raise CellError(
            _("%(value)r is not a whole number between %(low)d and %(high)d.")
            % {"value": value, "low": low, "high": high}
        )
    return number


def choice_lookup(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """A lookup from every accepted spelling (folded) to the stored value."""
    lookup: dict[str, str] = {}
    for stored, spellings in pairs:
        lookup[fold(stored)] = stored
        for spelling in spellings:
            lookup[fold(spelling)] = stored
    return lookup


def fold(text: str) -> str:
    """Case, spaces, dots, slashes and dashes do not matter when matching a code or a label."""
    return "".join(char for char in text.casefold() if char.isalnum())


def parse_choice(text: str, lookup: dict[str, str], *, allowed: str) -> str:
    """The stored value a cell spells; an accepted spelling is remembered as written, so
    that the next row with the same text costs one dictionary lookup."""
    stored = lookup.get(text)
    if stored is not None:
        return stored
    value = text.strip()
    stored = lookup.get(fold(value))
    if stored is None:
        raise CellError(
            _("%(value)r is not an allowed value; write one of: %(allowed)s.")
            % {"value": value, "allowed": allowed}
        )
    lookup[text] = stored
    return stored


def parse_kelurahan_code(text: str) -> str:
    """A Kemendagri kelurahan code, "32.76.01.1006" or its 10 digits "3276011006"."""
    value = "".join(text.split())
    if _KELURAHAN_DOTTED.fullmatch(value):
        return value
    if _KELURAHAN_DIGITS.fullmatch(value):
        return f"{value[:2]}.{value[2:4]}.{value[4:6]}.{value[6:]}"
    raise CellError(
        _("%(value)r is not a kelurahan code of Kota Depok (for example 32.76.01.1006).")
        % {"value": text.strip()}
    )


def parse_period(text: str, *, today: date) -> str:
    """A DTSEN quarter "2026Q1"; "2026-Q1", "2026 q1" and "Q1 2026" are read the same."""
    value = _PERIOD_NOISE.sub("", text).upper()
    match = _PERIOD.fullmatch(value)
    if match is None:
        raise CellError(
            _("%(value)r is not a quarter; write it as 2026Q1.") % {"value": text.strip()}
        )
    year = int(match.group(1) or match.group(4))
    quarter = int(match.group(2) or match.group(3))
    if (year, quarter) > (today.year, (today.month - 1) // 3 + 1):
        raise CellError(_("The quarter %(value)s is in the future.") % {"value": value})
    if year < 2000:
        raise CellError(
            _("%(value)r is not a quarter; write it as 2026Q1.") % {"value": text.strip()}
        )
    return f"{year}Q{quarter}"


class DamagedNik(CellError):
    """Sixteen typed digits that are no NIK (`registry.nik.DAMAGED_BUT_TYPED`): `typed`."""

    def __init__(self, message: object, typed: str) -> None:
        super().__init__(message)
        self.typed = typed


def identifier_nik(text: str, *, numeric: bool, today: date) -> ParsedNik:
    """A NIK; one that arrived as a spreadsheet number is refused as damaged (registry.nik).

    An unknown region code or an impossible date raises `DamagedNik`, with the digits."""
    try:
        return parse_nik(_as_typed(text, numeric), reference_date=today)
    except NikError as error:
        if error.code in DAMAGED_BUT_TYPED:
            typed = normalize_identifier(text, label=LABEL_NIK)  # sixteen digits, as checked
            raise DamagedNik(error.message, typed) from None
        raise CellError(error.message) from None


def identifier_kk(text: str, *, numeric: bool, today: date) -> ParsedKk:
    try:
        return parse_kk(_as_typed(text, numeric), reference_date=today)
    except NikError as error:
        raise CellError(error.message) from None


def _as_typed(text: str, numeric: bool) -> str | float:
    # registry.nik refuses non-text input with its "stored as a number" message; hand it a
    # number when the cell was one, so the clerk reads that message and not a length error.
    return float("nan") if numeric else text
