"""KDS card numbers: twelve digits that carry their card's kind, owner, issue and a check digit.

    K OOOOOOOO II C
    K  kind: 1 family card (owner: the household), 2 student card (owner: the student)
    O  the owner's registry id, zero-padded: the number follows the household across No. KK
       changes, as the registry number does, and a student's across household moves
    I  the issue: 01 for the first card, 02 for its replacement, and so on
    C  Luhn check digit over the eleven before it

Printed in groups of four ("1000 0012 3017"). Twelve digits never look like a sixteen-digit
NIK or No. KK, so a search box can tell them apart; the Luhn digit catches every single
mistyped digit and almost every swap of neighbours, so a mistyped number is refused at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["family", "student"]
KIND_DIGITS: dict[Kind, str] = {"family": "1", "student": "2"}
DIGIT_KINDS: dict[str, Kind] = {digit: kind for kind, digit in KIND_DIGITS.items()}
LENGTH = 12
OWNER_MAX = 99_999_999
ISSUE_MAX = 99
NUMBER_PATTERN = r"^[12][0-9]{11}$"
_SEPARATORS = re.compile(r"[\s.-]+")
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")


class CardNumberError(ValueError):
    """A typed card number that is not one (its `code` says why)."""

    def __init__(self, code: Literal["format", "check_digit", "kind"]) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CardNumber:
    number: str
    kind: Kind
    owner_id: int
    issue: int


def luhn_digit(payload: str) -> str:
    """The Luhn check digit that makes `payload` + digit a valid Luhn number."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # doubled: the digit next to the check digit, and every other
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def card_number_make(*, kind: Kind, owner_id: int, issue: int) -> str:
    """The number of the `issue`-th card of `kind` for its owner."""
    if not 1 <= owner_id <= OWNER_MAX:
        raise ValueError(f"owner id out of range: {owner_id}")
    if not 1 <= issue <= ISSUE_MAX:
        raise ValueError(f"issue out of range: {issue}")
    payload = f"{KIND_DIGITS[kind]}{owner_id:08d}{issue:02d}"
    return payload + luhn_digit(payload)


def looks_like_card_number(raw: str) -> bool:
    """Whether `raw` is twelve digits once spaces, dots and dashes are taken out."""
    return bool(_TWELVE_DIGITS.fullmatch(_SEPARATORS.sub("", raw)))


def card_number_parse(raw: str) -> CardNumber:
    """Read a typed or scanned card number ("1000 0012 3017"); CardNumberError if it is not."""
    number = _SEPARATORS.sub("", raw)
    if not _TWELVE_DIGITS.fullmatch(number):
        raise CardNumberError("format")
    if luhn_digit(number[:-1]) != number[-1]:
        raise CardNumberError("check_digit")
    kind = DIGIT_KINDS.get(number[0])
    if kind is None:
        raise CardNumberError("kind")
    return CardNumber(number=number, kind=kind, owner_id=int(number[1:9]), issue=int(number[9:11]))


def card_number_display(number: str) -> str:
    """The number as printed: groups of four digits."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
