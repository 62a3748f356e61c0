"""Dashboard panels contributed by the apps.

Each entry names a function `panel(user) -> dict | None` by its dotted path (so the
platform imports no domain app): it returns the context for its template, including
`template`, or None when the user may not see it. Panels show aggregates only.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string

from depok_kds.access import Scope, aggregate_scope_for
from depok_kds.models import User

DASHBOARD_PANELS: list[str] = [
    "registry.statistics.poverty_panel",
    "programs.panels.recipients_panel",
    "programs.overlap.panels.findings_panel",
    "registry.dukcapil.panels.matching_panel",
]


def dashboard_panels(user: User) -> list[dict[str, Any]]:
    panels = []
    for path in DASHBOARD_PANELS:
        panel = import_string(path)(user)
        if panel is not None:
            panels.append(panel)
    return panels


def panel_scope(user: User, *perms: str) -> Scope | None:
    """What a panel of aggregates counts for `user` (`aggregate_scope_for`), or None when
    they hold none of `perms` or may count nothing: then the panel is not shown."""
    if not any(user.has_perm(perm) for perm in perms):
        return None
    scope = aggregate_scope_for(user)
    return scope if scope.rows else None
