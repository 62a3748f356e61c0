"""The portal's navigation, built from what the user may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from depok_kds.access import user_roles
from depok_kds.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    perm: str | None = None  # None: every signed-in user with a role

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# Later apps add their pages here, each behind the permission its view checks.
NAV_ITEMS: list[NavItem] = [
    NavItem(_("Dashboard"), "dashboard"),
    NavItem(_("My tasks"), "verification:tasks", perm="verification.view_check"),
    NavItem(_("Households"), "registry:search", perm="registry.view_household"),
    NavItem(_("Dukcapil"), "dukcapil:runs", perm="dukcapil.view_matchrun"),
    NavItem(_("Import"), "registry:import", perm="depok_kds.add_job"),
    NavItem(_("Poverty rules"), "registry:rulesets", perm="registry.view_ruleset"),
    NavItem(_("Programmes"), "programs:list", perm="programs.view_programme"),
    NavItem(_("Recipients report"), "programs:report", perm="programs.view_recipient_report"),
    NavItem(_("Overlap findings"), "overlap:list", perm="overlap.view_finding"),
    NavItem(_("DTSEN quarter"), "transition:report", perm="transition.view_impactentry"),
    NavItem(_("Data quality"), "scorecard:index", perm="scorecard.view_scorecardcount"),
    NavItem(_("Verification"), "verification:index", perm="verification.view_check"),
    NavItem(_("Complaints"), "verification:complaints", perm="verification.view_complaint"),
    NavItem(
        _("Verification pipeline"), "verification:oversight", perm="verification.view_oversight"
    ),
    NavItem(_("KDS cards"), "cards:list", perm="cards.view_card"),
    NavItem(_("Distribution"), "distribution:list", perm="distribution.view_batch"),
    NavItem(_("Hand-overs"), "distribution:handovers", perm="distribution.record_handover"),
    NavItem(
        _("Budget realisation"), "distribution:report", perm="distribution.view_disbursement_report"
    ),
    NavItem(_("Jobs"), "jobs:list"),
    NavItem(_("Audit log"), "audit_log", perm="depok_kds.view_auditentry"),
    NavItem(_("Administration"), "admin:index", perm="depok_kds.view_user"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role_labels": []}
    items = [item for item in NAV_ITEMS if item.perm is None or user.has_perm(item.perm)]
    labels = [Role(r).label for r in user_roles(user) if r in Role.values]
    return {"nav_items": items, "user_role_labels": labels}
