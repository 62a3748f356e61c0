"""Verivali: re-verification visits for enrolled households, generated set-based by a job.

A household is due when a programme it is enrolled in (active enrolment) re-verifies every
N months and its last done visit (or, never visited, its enrolment) is N months old or
more; or when the programme re-verifies on a desil change and the household's current desil
(decided from its DTSEN quarter, `registry.dtsen`) differs from the one before that quarter,
recorded after its last visit. A household with a visit still open is
skipped. One INSERT ... SELECT per kelurahan; the (round, household) unique index makes a
re-run of a chunk insert nothing twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import DomainError
from depok_kds.jobs import CITY, JobSubject, Progress, job_start
from depok_kds.models import Job
from programs.models import Enrolment, Programme
from registry.dtsen import deciding_desil_sql
from registry.models import DesilRecord, Household, Kelurahan
from registry.services.common import Actor
from verification.models import FieldVisit, Policy, VerivaliRound
from verification.services.access import perm_check

JOB_KIND = "verification.verivali"

_VISIT = FieldVisit._meta.db_table
_INSERT = f"""
INSERT INTO {_VISIT}
    (created_at, updated_at, household_id, kelurahan_code, purpose, status, due_on,
     verivali_round_id, notes)
SELECT DISTINCT ON (e.household_id) now(), now(), e.household_id, e.kelurahan_code,
       'verivali', 'assigned', %(due)s, %(round)s, ''
FROM {Enrolment._meta.db_table} e
JOIN {Policy._meta.db_table} p ON p.programme_id = e.programme_id
JOIN {Household._meta.db_table} h ON h.id = e.household_id
LEFT JOIN LATERAL (
    SELECT max(v.visited_on) AS visited_on FROM {_VISIT} v
    WHERE v.household_id = e.household_id AND v.status = 'done'
) last ON true
WHERE e.status = 'active' AND e.kelurahan_code = %(kelurahan)s
  AND (%(programme)s::bigint IS NULL OR e.programme_id = %(programme)s::bigint)
  AND (
    (p.reverify_months IS NOT NULL
     AND COALESCE(last.visited_on, e.enrolled_on)
         <= %(today)s::date - make_interval(months => p.reverify_months))
    OR (p.reverify_on_desil_change AND h.desil_period <> '' AND EXISTS (
        SELECT 1 FROM {DesilRecord._meta.db_table} cur
        WHERE cur.household_id = h.id AND cur.period = h.desil_period
          AND cur.created_at::date > COALESCE(last.visited_on, '1900-01-01'::date))
      AND h.desil <> (
          SELECT coalesce({deciding_desil_sql("AND r.period < hh.desil_period")}, hh.desil)
          FROM {Household._meta.db_table} hh WHERE hh.id = h.id))
  )
  AND NOT EXISTS (
    SELECT 1 FROM {_VISIT} o WHERE o.household_id = e.household_id AND o.status = 'assigned'
  )
ORDER BY e.household_id
ON CONFLICT DO NOTHING
"""  # noqa: S608 - table names come from the models, values are parameters


@transaction.atomic
def verivali_start(*, actor: Actor, due_on: date, programme_id: int | None = None) -> VerivaliRound:
    """Record a verivali round and queue the job that generates its visits."""
    perm_check(actor, "verification.add_verivaliround")
    if due_on < timezone.localdate():
        raise DomainError(
            _("Visits cannot be due before today."), code="due_on", details={"field": "due_on"}
        )
    user = recorded_user(actor)
    subject = CITY
    if programme_id is not None:
        agency = (
            Programme.objects.values_list("agency__code", flat=True).filter(pk=programme_id).first()
        )
        if agency is None:
            raise DomainError(_("This programme does not exist."), code="programme")
        subject = JobSubject(agency_code=agency)
    job = job_start(
        kind=JOB_KIND,
        requested_by=user,
        params={"programme": programme_id, "due_on": str(due_on)},
        subject=subject,
    )
    verivali_round = VerivaliRound.objects.create(
        programme_id=programme_id, job=job, due_on=due_on, started_by=user
    )
    audit_record(
        actor=actor,
        action="verification.verivali_start",
        target=verivali_round,
        after={"programme": programme_id, "due_on": due_on},
    )
    return verivali_round


def verivali_generate(job: Job, progress: Progress) -> dict[str, Any]:
    """The job: one chunk per kelurahan, resuming after the last finished chunk."""
    verivali_round = VerivaliRound.objects.get(job=job)
    kelurahan = list(Kelurahan.objects.order_by("code").values_list("code", flat=True))
    progress.set_total(len(kelurahan))
    start = int(progress.state.get("next", 0))
    created = int(progress.state.get("created", 0))
    today = timezone.localdate()
    for index in range(start, len(kelurahan)):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _INSERT,
                {
                    "due": verivali_round.due_on,
                    "round": verivali_round.pk,
                    "kelurahan": kelurahan[index],
                    "programme": verivali_round.programme_id,
                    "today": today,
                },
            )
            created += max(cursor.rowcount, 0)
            VerivaliRound.objects.filter(pk=verivali_round.pk).update(visits_created=created)
        progress.advance(index + 1, state={"next": index + 1, "created": created})
    return {"visits_created": created, "kelurahan": len(kelurahan)}
