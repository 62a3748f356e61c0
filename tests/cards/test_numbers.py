"""Card numbers: the check digit refuses a mistyped number at once."""

from __future__ import annotations

import pytest

from distribution.cards.numbers import (
    CardNumberError,
    card_number_display,
    card_number_make,
    card_number_parse,
    luhn_digit,
)


def test_luhn_digit_of_known_numbers():
    # Textbook examples: 7992739871 -> 3, and a 16-digit test card number.
    assert luhn_digit("7992739871") == "3"
    assert luhn_digit("453201511283036") == "6"


def test_number_carries_kind_owner_issue_and_check_digit():
    number = card_number_make(kind="family", owner_id=123, issue=2)
    assert len(number) == 12 and number.startswith("10000012302")
    parsed = card_number_parse(card_number_display(number))
    assert (parsed.kind, parsed.owner_id, parsed.issue, parsed.number) == (
        "family",
        123,
        2,
        number,
    )
    assert card_number_parse(f" {number[:4]}-{number[4:]} ").number == number
    assert (
        card_number_parse(card_number_make(kind="student", owner_id=7, issue=1)).kind == "student"
    )


def test_every_single_mistyped_digit_is_refused():
    number = card_number_make(kind="student", owner_id=4_567_890, issue=1)
    for position in range(len(number)):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            typo = number[:position] + digit + number[position + 1 :]
            with pytest.raises(CardNumberError):
                card_number_parse(typo)


def test_swapped_neighbours_are_refused():
    number = card_number_make(kind="family", owner_id=1_234_567, issue=3)
    for position in range(len(number) - 1):
        a, b = number[position], number[position + 1]
        if a == b or {a, b} == {"0", "9"}:  # the one swap Luhn cannot see
            continue
        swapped = number[:position] + b + a + number[position + 2 :]
        with pytest.raises(CardNumberError) as refused:
            card_number_parse(swapped)
        assert refused.value.code in ("check_digit", "kind")


@pytest.mark.parametrize(
    ("raw", "code"),
    [("12345", "format"), ("1000 0012 30", "format"), ("abcdabcdabcd", "format")],
)
def test_not_a_number(raw: str, code: str):
    with pytest.raises(CardNumberError) as refused:
        card_number_parse(raw)
    assert refused.value.code == code


def test_unknown_kind_digit_is_refused_even_with_a_good_check_digit():
    payload = "30000001201"
    with pytest.raises(CardNumberError) as refused:
        card_number_parse(payload + luhn_digit(payload))
    assert refused.value.code == "kind"


def test_owner_and_issue_ranges():
    with pytest.raises(ValueError):
        card_number_make(kind="family", owner_id=100_000_000, issue=1)
    with pytest.raises(ValueError):
        card_number_make(kind="family", owner_id=1, issue=100)
