"""Training use cases beyond the core: recording attendance and completion."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record, snapshot
from depok_kds.errors import Conflict
from depok_kds.models import User
from programs.models import Application
from programs.services import decider_check
from programs.training.models import TrainingDetail


@transaction.atomic
def training_attendance_record(
    *, actor: User | None, application_id: int, sessions_attended: int, completed: bool
) -> TrainingDetail:
    """Record an enrolled participant's attendance and whether they completed the course."""
    detail = (
        TrainingDetail.objects.select_for_update()
        .select_related("application__programme__agency")
        .get(application_id=application_id)
    )
    decider_check(actor=actor, programme=detail.application.programme)
    if detail.application.state not in (Application.State.ENROLLED, Application.State.EXITED):
        raise Conflict(
            _("Attendance is recorded for enrolled participants only."), code="wrong_state"
        )
    before = snapshot(detail, ["sessions_attended", "completed"])
    detail.sessions_attended = sessions_attended
    detail.completed = completed
    detail.save(update_fields=["sessions_attended", "completed"])
    audit_record(
        actor=actor,
        action="training.attendance_record",
        target=detail,
        before=before,
        after=snapshot(detail, ["sessions_attended", "completed"]),
    )
    return detail
