"""Who may act on a batch: permissions by role, the programme's agency, the kelurahan."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from depok_kds.access import scope_for
from depok_kds.audit import Actor
from depok_kds.errors import Forbidden
from programs.models import Programme


def perm_check(actor: Actor, perm: str) -> None:
    """A portal user needs `perm`; the system (None) and an API client's service user,
    admitted by its key's scope, pass."""
    if actor is None or hasattr(actor, "api_client"):
        return
    if not actor.has_perm(perm):
        raise Forbidden(_("You may not do this."))


def programme_check(actor: Actor, programme: Programme, perm: str) -> None:
    """`perm`, and an agency officer acts on their own agency's programmes only."""
    perm_check(actor, perm)
    if actor is None:
        return
    scope = scope_for(actor)
    if not scope.rows:
        raise Forbidden(_("You may not act on this programme."))
    if scope.agency_code is not None and scope.agency_code != programme.agency.code:
        raise Forbidden(_("This programme belongs to another agency."), code="other_agency")
    if scope.kelurahan_codes is not None and perm != "distribution.record_handover":
        raise Forbidden(_("You may not act on this programme."))


def kelurahan_check(actor: Actor, kelurahan_code: str) -> None:
    if actor is None:
        return
    scope = scope_for(actor)
    if not scope.rows:
        raise Forbidden(_("You may not act on this case."))
    if scope.kelurahan_codes is not None and kelurahan_code not in scope.kelurahan_codes:
        raise Forbidden(_("This case is outside your kelurahan."), code="other_kelurahan")
