"""Who may act on which check, visit or complaint: the scope rules every service applies.

A refusal is a `Forbidden` (403): the actor can see the case but is of the wrong agency or
kelurahan for this step. Rows a user cannot see at all are refused by the selectors (404).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from depok_kds.access import scope_for
from depok_kds.errors import Forbidden
from registry.services.common import Actor
from verification.models import POVERTY_AGENCY, Check


def perm_check(actor: Actor, perm: str) -> None:
    """A portal user needs `perm`; an API client's service user was admitted by its key's
    scope (verification:write) at the endpoint, and its rows are limited by its own scope."""
    if actor is None or hasattr(actor, "api_client"):
        return
    if not actor.has_perm(perm):
        raise Forbidden(_("You may not do this."))


def kelurahan_check(actor: Actor, kelurahan_code: str) -> None:
    """Puskesos officers (and kelurahan-scoped API clients) act in their own kelurahan only."""
    if actor is None:
        return
    scope = scope_for(actor)
    if not scope.rows:
        raise Forbidden(_("You may not act on this case."))
    if scope.kelurahan_codes is not None and kelurahan_code not in scope.kelurahan_codes:
        raise Forbidden(_("This case is outside your kelurahan."), code="other_kelurahan")


def verifier_check(actor: Actor, check: Check) -> None:
    """The poverty check is Dinsos's (its staff or the kelurahan's Puskesos officers); the
    technical check belongs to the programme's agency (Puskesos too when that is Dinsos)."""
    if actor is None:
        return
    perm_check(actor, "verification.decide_check")
    scope = scope_for(actor)
    kelurahan_check(actor, check.kelurahan_code)
    if scope.agency_code is not None and scope.agency_code != check.agency_code:
        raise Forbidden(
            _("This check belongs to %(agency)s; officers of another agency may not decide it.")
            % {"agency": check.agency_code},
            code="other_agency",
        )
    if scope.agency_code is None and check.agency_code != POVERTY_AGENCY:
        raise Forbidden(
            _("This check belongs to %(agency)s; only its officers may decide it.")
            % {"agency": check.agency_code},
            code="other_agency",
        )
