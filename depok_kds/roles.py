"""The roles people hold, as Django groups, and what each role may see.

A role is a group whose name is the stored value below. Permissions are attached to the
groups by data migrations (each app adds its own); the *scope* of a role (which rows it
sees) is decided here and applied by `depok_kds.access`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DINSOS_ADMIN = "dinsos_admin", _("Dinsos administrator")
    DINSOS_OPERATOR = "dinsos_operator", _("Dinsos operator")
    PUSKESOS_OFFICER = "puskesos_officer", _("Puskesos officer")
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    LEADERSHIP = "leadership", _("Leadership / TKPKD")
    AUDITOR = "auditor", _("Auditor")
    API_CLIENT = "api_client", _("API client")


# Roles that see every row of the city.
CITY_WIDE_ROLES = frozenset({Role.DINSOS_ADMIN, Role.DINSOS_OPERATOR, Role.AUDITOR})
# Roles that see only aggregates, never a person.
AGGREGATE_ONLY_ROLES = frozenset({Role.LEADERSHIP})
