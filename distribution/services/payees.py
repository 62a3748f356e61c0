"""Payees (accounts) and outlets: recorded by the people preparing batches."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import Actor, audit_record
from depok_kds.errors import DomainError
from distribution.accounts import account_problem
from distribution.models import Outlet, Payee
from distribution.services.access import perm_check


@transaction.atomic
def payee_save(
    *,
    actor: Actor,
    kind: str,
    name: str,
    account_number: str,
    account_name: str = "",
    person_id: int | None = None,
    bank_code: str = "BJB",
) -> Payee:
    """Record a payee's account; a corrected account replaces the active one (the old row
    stays for the lines that used it)."""
    perm_check(actor, "distribution.add_payee")
    if kind not in Payee.Kind.values:
        raise DomainError(_("Choose the kind of payee."), code="kind")
    problem = account_problem(account_number)
    if problem:
        raise DomainError(_("The account number is malformed."), code="account")
    current = Payee.objects.select_for_update().filter(kind=kind, is_active=True)
    current = (
        current.filter(person_id=person_id)
        if person_id
        else current.filter(person__isnull=True, name=name)
    )
    before = [p.account_number for p in current]
    current.update(is_active=False)
    payee = Payee.objects.create(
        kind=kind,
        person_id=person_id,
        name=name,
        bank_code=bank_code,
        account_number=account_number.strip(),
        account_name=account_name or name,
    )
    audit_record(
        actor=actor,
        action="distribution.payee_save",
        target=payee,
        before={"accounts": before},
        after={"kind": kind, "account": account_number},
    )
    return payee


@transaction.atomic
def outlet_save(*, actor: Actor, code: str, name: str, kelurahan_codes: list[str]) -> Outlet:
    perm_check(actor, "distribution.add_payee")
    outlet, _created = Outlet.objects.update_or_create(
        code=code, defaults={"name": name, "kelurahan_codes": kelurahan_codes}
    )
    audit_record(
        actor=actor,
        action="distribution.outlet_save",
        target=outlet,
        after={"kelurahan": kelurahan_codes},
    )
    return outlet
