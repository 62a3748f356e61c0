from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardConfig(AppConfig):
    name = "programs.scorecard"
    label = "scorecard"
    verbose_name = _("Data-quality scorecard")

    def ready(self) -> None:
        from programs.scorecard import tasks  # noqa: F401 - registers the snapshot job
