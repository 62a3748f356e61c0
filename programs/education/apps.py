from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    name = "programs.education"
    label = "education"
    verbose_name = _("Education aid")

    def ready(self) -> None:
        from programs.education.rules import Education
        from programs.kinds import kind_register

        kind_register(Education())
