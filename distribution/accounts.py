"""Bank account checks with no database: the number's form and the name on the account."""

from __future__ import annotations

import re

from registry.names import normalize_name

# BJB account numbers are 13 digits; a programme may configure another pattern.
DEFAULT_ACCOUNT_PATTERN = r"^[0-9]{13}$"


def account_problem(number: str, *, pattern: str = DEFAULT_ACCOUNT_PATTERN) -> str | None:
    """Why an account number cannot be paid into (an English msgid), or None if it can."""
    if not number.strip():
        return "The payee has no account number."
    if not re.fullmatch(pattern, number.strip()):
        return "The account number is malformed."
    return None


def names_match(account_name: str, registry_name: str) -> bool:
    """Whether the name on the account is the registry's name, ignoring case, titles and
    punctuation; an account holder's name may be a shortened form (initials) of it."""
    account = normalize_name(account_name).split()
    registry = normalize_name(registry_name).split()
    if not account or not registry:
        return False
    if account == registry:
        return True
    if len(account) != len(registry):
        return False
    return all(
        a == r or (len(a) == 1 and r.startswith(a)) for a, r in zip(account, registry, strict=True)
    )
