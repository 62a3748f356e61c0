from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingDetail(models.Model):
    """A participant from the job-seeker (AK1) register, with attendance and completion."""

    application = models.OneToOneField(
        "programs.Application", on_delete=models.CASCADE, related_name="training_detail"
    )
    ak1_number = models.CharField(_("AK1 (job-seeker card) number"), max_length=30)
    course = models.CharField(_("course"), max_length=120)
    sessions_attended = models.PositiveSmallIntegerField(_("sessions attended"), default=0)
    completed = models.BooleanField(_("completed"), default=False)

    class Meta:
        verbose_name = _("training detail")

    def __str__(self) -> str:
        return f"training #{self.application_id}"
