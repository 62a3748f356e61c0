from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import OptionalUserLink
from depok_kds.models import TimeStampedModel


class LifeEventFollowUp(TimeStampedModel):
    """What other apps do after a committed death or move out (`registry.life_events`).

    Written pending in the registry's transaction; a job runs the handlers after commit,
    retrying, and records done or failed with the reason, shown on the household page.
    """

    class Kind(models.TextChoices):
        DEATH = "death", _("death")
        MOVED_OUT = "moved_out", _("moved out of Depok")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.CASCADE,
        related_name="life_event_follow_ups",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    actor = OptionalUserLink()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("reason of failure"), blank=True)

    class Meta:
        verbose_name = _("life event follow-up")
        verbose_name_plural = _("life event follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="life_event_follow_up_once"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "done", "failed"]),
                name="life_event_follow_up_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id}: {self.status}"
