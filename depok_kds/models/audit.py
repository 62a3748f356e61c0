from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import OptionalUserLink


class AuditEntry(models.Model):
    """Who did what to which record, when, with the values before and after.

    Written by services for every state change, and for every view or export of a full NIK
    or KK number (actions starting with `pii.`). Never updated or deleted by the app.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = OptionalUserLink()
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("record type"), max_length=80, blank=True)
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"
