"""Reasons distribution gives in its own words, built with amounts, states or dates.

Each is an English msgid with named parameters (`%(sent)s`), stored as the msgid and its
parameters as plain values (whole rupiah as integers, a line state's value, an ISO date),
never as finished text: the words are translated and the values formatted where they are
shown (`reason_text`), in the reader's language, so one definition serves the batch page,
its exports and the API alike. A reason without parameters is a plain msgid, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, gettext_noop

from depok_kds.formatting import long_date, rupiah
from distribution.models import LineState

# A bad row of a return file.
AMOUNT_DIFFERS = gettext_noop("The amount differs: %(file)s in the file, %(sent)s sent.")
CANNOT_BECOME = gettext_noop("A %(state)s line cannot become %(status)s.")
# A refusal's detail when a batch is built.
AMOUNT_OUTSIDE = gettext_noop("%(amount)s is outside %(low)s to %(high)s.")
NO_BUDGET = gettext_noop("No budget is set.")
BUDGET = gettext_noop("The budget is %(budget)s.")
CAP_REACHED = gettext_noop("%(paid)s already paid of the cap of %(cap)s.")
STARTS = gettext_noop("Starts on %(date)s.")
COVERAGE_STARTS = gettext_noop("Coverage starts on %(date)s.")

# How a parameter is shown, by its name: one place for every reason above.
AMOUNTS = frozenset({"file", "sent", "amount", "low", "high", "budget", "paid", "cap"})
STATES = frozenset({"state", "status"})
DATES = frozenset({"date"})


def amount_param(value: Decimal | int | None) -> int:
    """An amount as a parameter: whole rupiah, a plain JSON number."""
    return int(Decimal(value or 0).to_integral_value())


def date_param(value: date) -> str:
    return value.isoformat()


def _shown(name: str, value: Any) -> str:
    if name in AMOUNTS:
        return rupiah(value)
    if name in STATES and value in LineState.values:
        return str(LineState(value).label).lower()
    if name in DATES and value:
        return long_date(date.fromisoformat(str(value)))
    return str(value)


def reason_text(message: str, params: Mapping[str, Any] | None = None) -> str:
    """The reason in the active language, its parameters formatted; a reason the system did
    not write (a bank's own) has no catalogue entry and is shown as written."""
    if not message:
        return ""
    text = gettext(message)
    if not params:
        return text
    return text % {name: _shown(name, value) for name, value in params.items()}
