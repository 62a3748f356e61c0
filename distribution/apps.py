from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("Distribution")

    def ready(self) -> None:
        from distribution import tasks  # noqa: F401 - registers the jobs
