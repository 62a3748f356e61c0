from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import OptionalUserLink
from depok_kds.models.base import TimeStampedModel


class Job(TimeStampedModel):
    """One run of long work (matching, re-scoring, import, export) done by a Celery worker.

    The worker reports progress here; the portal and the API read it. `lease_until` lets a
    redelivered task (after a killed worker) take the job over without two workers
    running it at once; `done` doubles as the resume point for chunked handlers.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=80, db_index=True)
    requested_by = OptionalUserLink(on_delete=models.SET_NULL)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveBigIntegerField(default=0)
    done = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Each claim adds one: the claim's number is the lease's token, so a worker whose
    # lease was taken over can no longer write (compare-and-set on it).
    attempts = models.PositiveSmallIntegerField(default=0)
    leased_by = models.CharField(_("worker"), max_length=200, blank=True)
    # Who besides the requester and administrators may see the job: nobody unless it is
    # shared; then callers whose scope covers its subject (a kelurahan, an agency, or,
    # with neither, the whole city).
    shared = models.BooleanField(default=False)
    subject_kelurahan = models.CharField(max_length=20, blank=True)
    subject_agency = models.CharField(max_length=20, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error_rows = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")) | models.Q(total=0),
                name="job_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}


class JobChunk(models.Model):
    """One part of a job that any worker may take (`depok_kds.job_chunks`).

    It has a lease and a checkpoint of its own, as a job has: a chunk whose worker died is
    taken again from its checkpoint, and one that is done is never run again.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    state = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    leased_by = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="job_chunk_unique_number"),
        ]
        indexes = [models.Index(fields=["status", "lease_until"], name="job_chunk_stale")]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.number}"
