"""Use cases of DKB extracts: upload a semester's file, load it as a job, make it active.

Two extracts at most hold rows: the active one and the one being loaded (or, between loads,
the one it replaced). Starting a load removes older ones; a load writes into a table of its
own and only a complete load becomes active, so matching never sees half a file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.jobs import CITY, Progress, job_start, job_task
from depok_kds.models import Job, User
from registry.dukcapil import dkb_tables
from registry.dukcapil.models import DkbExtract, MatchRun
from registry.dukcapil.selectors import may_act
from registry.services.common import Actor

LOAD_KIND = "dukcapil.dkb_load"
SEMESTER = re.compile(r"^\d{4}-[12]$")
PROBLEMS = {
    "nik": _("NIK must be 16 digits."),
    "kk": _("NO_KK must be 16 digits."),
    "full_name": _("NAMA_LGKP is empty."),
    "birth_date": _("TGL_LHR is not a date (DD-MM-YYYY or YYYY-MM-DD) up to today."),
    "sex": _("JENIS_KLMIN must be LAKI-LAKI or PEREMPUAN."),
    "death_date": _("TGL_MATI is not a date up to today."),
    "moved_on": _("TGL_PINDAH is not a date."),
    "duplicate_nik": _("This NIK appears in an earlier row."),
    "columns": _("The row does not have as many columns as the header."),
    "encoding": _("The row is not valid UTF-8 text."),
}


def extract_file(extract: DkbExtract) -> Path:
    """Where an uploaded file waits for its load (outside the web root; deleted after)."""
    return Path(settings.MEDIA_ROOT) / "dukcapil" / f"dkb-{extract.pk}.csv"


def _require(actor: Actor, perm: str) -> None:
    if not may_act(actor, perm, "dukcapil:write"):
        raise Forbidden(_("Only Dinsos staff may load DKB extracts and start matching."))


@transaction.atomic
def dkb_extract_start(
    *, actor: Actor, semester: str, source_name: str, content: IO[bytes]
) -> DkbExtract:
    """Store an uploaded DKB file and start the job that loads it.

    Refused while another extract is loading, or while a run still uses an extract that
    this load would remove.
    """
    _require(actor, "dukcapil.add_dkbextract")
    semester = semester.strip()
    if not SEMESTER.fullmatch(semester):
        raise DomainError(
            _("The semester is written as year-1 or year-2, e.g. 2025-1."),
            code="invalid_semester",
            details={"field": "semester"},
        )
    extracts = list(
        DkbExtract.objects.select_for_update()
        .exclude(status__in=[DkbExtract.Status.REMOVED])
        .order_by("pk")
    )
    if any(e.status == DkbExtract.Status.LOADING for e in extracts):
        raise Conflict(
            _("Another DKB extract is being loaded; wait until it has finished."),
            code="extract_loading",
        )
    old = [
        e for e in extracts if e.status in (DkbExtract.Status.SUPERSEDED, DkbExtract.Status.FAILED)
    ]
    busy = MatchRun.objects.filter(
        extract__in=old, job__status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ).first()
    if busy is not None:
        raise Conflict(
            _("Matching run #%(run)d still uses an older extract; load when it has finished.")
            % {"run": busy.pk},
            code="extract_in_use",
        )
    for extract in old:
        dkb_tables.drop_tables(extract.pk)
        extract.status = DkbExtract.Status.REMOVED
        extract.save(update_fields=["status", "updated_at"])
    user = actor if isinstance(actor, User) else None
    try:
        with transaction.atomic():
            extract = DkbExtract.objects.create(
                semester=semester, source_name=source_name[:255], loaded_by=user
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Another DKB extract is being loaded; wait until it has finished."),
            code="extract_loading",
        ) from exc
    path = extract_file(extract)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as target:
        shutil.copyfileobj(content, target, length=1 << 20)
    job = job_start(
        kind=LOAD_KIND, requested_by=user, params={"extract_id": extract.pk}, subject=CITY
    )
    extract.job = job
    extract.save(update_fields=["job", "updated_at"])
    audit_record(
        actor=actor,
        action="dukcapil.extract_start",
        target=extract,
        after={"semester": semester, "file": extract.source_name, "job_id": job.pk},
    )
    return extract


@job_task(LOAD_KIND, label=_("DKB extract load"))
def dkb_extract_load(job: Job, progress: Progress) -> dict[str, Any]:
    """Load the job's extract; make it the active one when every good row is in."""
    extract = DkbExtract.objects.get(pk=job.params["extract_id"])
    if extract.status != DkbExtract.Status.LOADING:
        return {"extract": extract.pk, "status": extract.status}
    progress.set_total(100)
    reported = {"percent": 0}

    def report(fraction: float) -> None:
        percent = min(int(fraction * 100), 99)
        if percent > reported["percent"]:
            reported["percent"] = percent
            progress.advance(percent)

    path = extract_file(extract)
    try:
        result = dkb_tables.load(
            extract_id=extract.pk,
            path=path,
            today_iso=timezone.localdate().isoformat(),
            report=report,
        )
    except dkb_tables.HeaderError as exc:
        _fail(extract, path)
        message = _("The file's header lacks %(columns)s.") % {"columns": ", ".join(exc.missing)}
        if exc.duplicated:
            message = _("The file's header repeats %(columns)s.") % {
                "columns": ", ".join(exc.duplicated)
            }
        raise DomainError(message, code="invalid_header") from exc
    except Exception:
        _fail(extract, path)
        raise
    progress.add_errors(
        [
            {"row": bad.row, "column": bad.column, "reason": str(PROBLEMS[bad.problem])}
            for bad in result.reported
        ]
    )
    if result.rows == 0:
        _fail(extract, path)
        raise DomainError(_("No row of the file could be loaded."), code="empty_extract")
    previous = _activate(extract, rows=result.rows, bad_rows=result.bad_rows)
    path.unlink(missing_ok=True)
    return {
        "extract": extract.pk,
        "semester": extract.semester,
        "rows": result.rows,
        "bad_rows": result.bad_rows,
        "replaced": previous,
        "seconds": result.seconds,
    }


@transaction.atomic
def _activate(extract: DkbExtract, *, rows: int, bad_rows: int) -> int | None:
    locked = list(
        DkbExtract.objects.select_for_update()
        .filter(status__in=[DkbExtract.Status.ACTIVE, DkbExtract.Status.LOADING])
        .order_by("pk")
    )
    previous = next((e for e in locked if e.status == DkbExtract.Status.ACTIVE), None)
    if previous is not None:
        previous.status = DkbExtract.Status.SUPERSEDED
        previous.save(update_fields=["status", "updated_at"])
    extract.status = DkbExtract.Status.ACTIVE
    extract.row_count, extract.bad_row_count = rows, bad_rows
    extract.activated_at = timezone.now()
    extract.save(
        update_fields=["status", "row_count", "bad_row_count", "activated_at", "updated_at"]
    )
    audit_record(
        actor=None,
        action="dukcapil.extract_activate",
        target=extract,
        before={"active": previous.pk if previous else None},
        after={"active": extract.pk, "rows": rows, "bad_rows": bad_rows},
    )
    return previous.pk if previous else None


def _fail(extract: DkbExtract, path: Path) -> None:
    dkb_tables.drop_tables(extract.pk)
    DkbExtract.objects.filter(pk=extract.pk).update(
        status=DkbExtract.Status.FAILED, updated_at=timezone.now()
    )
    path.unlink(missing_ok=True)
