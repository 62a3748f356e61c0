from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepokKdsConfig(AppConfig):
    name = "depok_kds"
    verbose_name = _("Platform")

    def ready(self) -> None:
        # Registers the OpenAPI description of API-key authentication with drf-spectacular.
        from depok_kds.api import schema  # noqa: F401
