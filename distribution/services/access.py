"""Who may act on a batch: permissions by role, the programme's agency, the kelurahan."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from depok_kds.access import scope_for
from depok_kds.audit import Actor
from depok_kds.errors import Forbidden
from programs.models import Programme
from verification.services.access import kelurahan_check, perm_check

# The permission and kelurahan checks are verification's (one rule for every case an
# officer acts on); the programme check adds distribution's own exception below.
__all__ = ["kelurahan_check", "perm_check", "programme_check"]


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
