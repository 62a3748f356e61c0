"""Channel adapters: how one programme's enrolments become lines, and what is sent.

One small module per channel, each registering an `Adapter` subclass under its channel
code; the programme's `ChannelConfig` chooses which. A programme with no configuration, or
one naming an unknown channel, cannot be paid (fail closed).

An adapter works on a whole batch at once: `load` reads in bulk what its lines need (the
payees, the schools, the outlets), then `plan` turns one due enrolment into lines, or
into a refusal with its reason, without touching the database.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from depok_kds.errors import DomainError
from distribution.accounts import DEFAULT_ACCOUNT_PATTERN, account_problem, names_match
from distribution.models import Channel, ChannelConfig, Component, Payee, Refusal

if TYPE_CHECKING:
    from distribution.models import Batch, Line


@dataclass(frozen=True)
class Due:
    """One active enrolment of the batch's cycle, as the adapter sees it."""

    enrolment_id: int
    person_id: int
    household_id: int | None
    kelurahan_code: str
    amount: Decimal
    full_name: str
    application_id: int | None = None
    starts_on: date | None = None  # when the benefit (coverage) starts


@dataclass(frozen=True)
class Planned:
    """One line an adapter wants for a due enrolment."""

    amount: Decimal
    component: str = Component.BENEFIT
    payee: Payee | None = None
    outlet_id: int | None = None
    warning: str = ""


@dataclass(frozen=True)
class Refused:
    reason: str
    detail: str = ""  # an English msgid (`distribution.reasons`)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SetBased:
    """A channel whose lines are computed from the enrolments alone: the same amount for
    every due enrolment of the batch and no payee. The builder writes its lines and its
    refusals in SQL (INSERT ... SELECT) instead of planning each line in Python."""

    amount: Decimal
    covered_from: date  # an enrolment starting after this day is not due yet
    label: str  # the not-due refusal's msgid, with that start date (`%(date)s`)


@dataclass
class Loaded:
    """What `load` read for a batch: free-form per adapter."""

    data: dict[str, Any] = field(default_factory=dict)


class Adapter:
    channel: ClassVar[str] = ""
    # A periodic benefit (premium per month, food per period, tuition per semester) is due
    # once per period a batch covers; any other once per cycle year, whatever the tahap.
    periodic: ClassVar[bool] = False

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config
        self.settings: dict[str, Any] = dict(config.settings)

    def load(self, batch: Batch, dues: list[Due]) -> Loaded:
        return Loaded()

    def line_period(self, batch: Batch) -> tuple[date, date]:
        """The period a line of this batch pays for, which it may be paid only once."""
        if self.periodic:
            return batch.period_start, batch.period_end
        return date(batch.cycle.year, 1, 1), date(batch.cycle.year, 12, 31)

    def set_based(self, batch: Batch) -> SetBased | None:
        """The batch's lines as SQL can compute them, or None to plan each in Python."""
        return None

    def plan(self, due: Due, loaded: Loaded, batch: Batch) -> list[Planned] | Refused:
        raise NotImplementedError

    def export(self, batch: Batch, lines: QuerySet[Line]) -> tuple[str, bytes] | None:
        """The file sent for this batch (name, bytes), or None for a channel with no file."""
        return None

    # --- helpers shared by the money channels ------------------------------------------

    def account_pattern(self) -> str:
        return str(self.settings.get("account_pattern", DEFAULT_ACCOUNT_PATTERN))

    def payee_refusal(self, payee: Payee | None) -> Refused | None:
        if payee is None:
            return Refused(Refusal.Reason.PAYEE, "The payee has no account number.")
        problem = account_problem(payee.account_number, pattern=self.account_pattern())
        return Refused(Refusal.Reason.PAYEE, problem) if problem else None

    @staticmethod
    def name_warning(payee: Payee, registry_name: str) -> str:
        if names_match(payee.account_name or payee.name, registry_name):
            return ""
        return "The name on the account differs from the registry name."

    def person_payees(self, dues: list[Due], kind: str) -> dict[int, Payee]:
        payees = Payee.objects.filter(
            kind=kind, is_active=True, person_id__in=[d.person_id for d in dues]
        )
        return {p.person_id: p for p in payees if p.person_id is not None}


ADAPTERS: dict[str, type[Adapter]] = {}


def adapter_register(cls: type[Adapter]) -> type[Adapter]:
    ADAPTERS[cls.channel] = cls
    return cls


def adapter_for(programme_id: int) -> Adapter:
    """The adapter configured for a programme; none configured is a refusal."""
    config = ChannelConfig.objects.filter(programme_id=programme_id).first()
    if config is None or config.channel not in ADAPTERS:
        raise DomainError(_("This programme has no payment channel configured."), code="no_channel")
    return ADAPTERS[config.channel](config)


def months_in(start: date, end: date) -> int:
    """Whole calendar months a period touches (Jan 1 - Mar 31: 3)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# The adapters register themselves on import; listed here so that one import loads all.
from distribution.channels import (  # noqa: E402
    bank_transfer,
    blocked_account,
    bpjs_premium,
    in_kind,
    in_person,
    partner_shop,
    school_transfer,
)

__all__ = [
    "ADAPTERS",
    "Adapter",
    "Channel",
    "Due",
    "Loaded",
    "Planned",
    "Refused",
    "SetBased",
    "adapter_for",
    "bank_transfer",
    "blocked_account",
    "bpjs_premium",
    "in_kind",
    "in_person",
    "partner_shop",
    "school_transfer",
]
