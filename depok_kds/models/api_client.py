from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.models.base import TimeStampedModel


class ApiClient(TimeStampedModel):
    """Another system calling the REST API with a key.

    Only a SHA-256 hash of the key is stored (keys are 256-bit random, so a fast hash is
    enough); `key_prefix` finds the row without scanning. The client acts through its own
    service user, so selectors scope API calls exactly as they scope people.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    key_prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    rate = models.CharField(
        _("rate limit"),
        max_length=20,
        blank=True,
        help_text=_("For example 600/min; empty = default"),
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiCallLog(models.Model):
    """One API request: which client, which endpoint, the status and how long it took."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.SET_NULL)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"
