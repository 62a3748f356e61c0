from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import OptionalUserLink


class TimeStampedModel(models.Model):
    """The one shared base: when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ActedEvent(models.Model):
    """The shared tail of every history row: who did it (none for the system) and when."""

    actor = OptionalUserLink(_("by"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        abstract = True
