"""Celery tasks of verification: the verivali job, its weekly round and SLA escalation."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.jobs import job_task
from verification.services.checks import visit_due_days
from verification.services.complaints import complaints_escalate_overdue
from verification.services.verivali import JOB_KIND, verivali_generate, verivali_start

job_task(JOB_KIND, label=_("Verivali visit generation"))(verivali_generate)


@shared_task(name="verification.complaints_escalate", ignore_result=True)
def complaints_escalate() -> int:
    return complaints_escalate_overdue()


@shared_task(name="verification.verivali_scheduled", ignore_result=True)
def verivali_scheduled() -> int:
    """The scheduled round (beat): city-wide; the generation query itself picks only the
    households whose programme's schedule (every N months, or a desil change) is due."""
    due_on = timezone.localdate() + timedelta(days=visit_due_days())
    return verivali_start(actor=None, due_on=due_on).pk
