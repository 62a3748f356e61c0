"""Give role groups permissions from a data migration.

Each app's data migration freezes its own {role: [codename, ...]} table and calls these;
the helpers take the historical `apps`, so they never see today's models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.management import create_permissions


def grant_permissions(
    apps: Any, app_label: str, role_permissions: Mapping[str, Sequence[str]]
) -> None:
    # Permissions are normally created after all migrations; these are needed now.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codenames in role_permissions.items():
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )


def revoke_permissions(
    apps: Any, app_label: str, role_permissions: Mapping[str, Sequence[str]]
) -> None:
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codenames in role_permissions.items():
        group = group_model.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(
                *permission_model.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
