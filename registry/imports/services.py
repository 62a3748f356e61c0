"""Use cases of an import: upload a file (starts the preview), confirm it (starts the commit),
and the two job bodies that check and write.

Uploaded files live under MEDIA_ROOT/imports, outside the web root, named by a random id;
the job's params reference them. Only the uploader and Dinsos administrators see the jobs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.jobs import Progress, job_start
from depok_kds.models import Job
from registry.imports.base import POOL_FROM, ImportContext, ImportKind, Issue
from registry.imports.columns import Layout, layout
from registry.imports.kinds import import_kind
from registry.imports.readers import SUFFIXES, Sheet, open_sheet
from registry.imports.selectors import (
    COMMIT_KIND,
    PREVIEW_KIND,
    import_allowed,
    import_commit_of,
    import_job_get,
)
from registry.imports.values import CellError
from registry.models import Kelurahan
from registry.nik import today_wib
from registry.selectors import kelurahan_list

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.db.backends.utils import CursorWrapper

    from depok_kds.models import User

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
UPLOAD_FOLDER = "imports"
# One import writes at a time, so that two files naming the same family cannot race.
WRITE_LOCK_KEY = 7_240_001
LOCK_WAIT_SECONDS = 1.0
# The checks and writes of an import sort and hash the whole file at once (families by
# No. KK, NIKs given twice, the registered rows grouped by household): with the server's
# default 4 MB per sort they spill to temporary files and are read back.
WORK_MEM = "64MB"


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_FOLDER


def upload_path(name: str) -> Path:
    """The stored upload `name` (as kept in job params), never outside the imports folder."""
    path = (imports_dir() / name).resolve()
    if path.parent != imports_dir().resolve():
        raise ValueError(f"not an import upload: {name!r}")
    return path


def prepared_path(upload: Path) -> Path:
    return upload.with_name(f"{upload.stem}.prepared.csv")


def _refuse_header(kind: ImportKind, sheet: Sheet) -> Layout:
    found = layout(sheet.headers, kind.columns())
    if found.missing:
        raise DomainError(
            _("The file lacks the column(s): %(columns)s. Download the template to see them.")
            % {"columns": ", ".join(found.missing)},
            code="missing_columns",
            details={"field": "file"},
        )
    return found


@transaction.atomic
def import_start(*, actor: User, kind_key: str, upload: UploadedFile, language: str = "") -> Job:
    """Store an uploaded file and start the preview job that checks it; nothing is written.

    Refused: a user who may not import this kind, a file that is not CSV/XLSX, too large, or
    whose header lacks a required column (said at once, before any job runs).
    """
    kind = import_kind(kind_key)
    if not import_allowed(user=actor, kind=kind):
        raise Forbidden(_("You may not import this kind of file."))
    original = Path(upload.name or "").name[:200]
    suffix = Path(original).suffix.lower()
    if suffix not in SUFFIXES:
        raise DomainError(
            _("Upload a CSV or XLSX file."), code="file_type", details={"field": "file"}
        )
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise DomainError(
            _("The file is larger than %(size)d MB; split it.")
            % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="file_size",
            details={"field": "file"},
        )
    imports_dir().mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}{suffix}"
    path = imports_dir() / stored
    with path.open("wb") as handle:
        for block in upload.chunks():
            handle.write(block)
    try:
        _refuse_header(kind, open_sheet(path))
    except CellError as error:
        path.unlink(missing_ok=True)
        raise DomainError(error.message, code="unreadable", details={"field": "file"}) from None
    except DomainError:
        path.unlink(missing_ok=True)
        raise
    return job_start(
        kind=PREVIEW_KIND,
        requested_by=actor,
        params={"kind": kind.key, "path": stored, "file_name": original, "language": language},
    )


@transaction.atomic
def import_commit_start(*, actor: User, preview_job_id: int) -> Job:
    """Confirm a checked file: start the job that writes its good rows (once per preview)."""
    preview = import_job_get(user=actor, job_id=preview_job_id)
    Job.objects.select_for_update().filter(pk=preview.pk).first()  # one confirmation at a time
    if preview.kind != PREVIEW_KIND:
        raise DomainError(_("Only a checked file can be confirmed."), code="not_a_preview")
    kind = import_kind(preview.params["kind"])
    if not import_allowed(user=actor, kind=kind):
        raise Forbidden(_("You may not import this kind of file."))
    if preview.status != Job.Status.SUCCEEDED:
        raise Conflict(_("The file is still being checked."), code="preview_not_finished")
    if not preview.result.get("rows_ready"):
        raise DomainError(_("The file has no row that can be imported."), code="nothing_to_import")
    if import_commit_of(preview=preview) is not None:
        raise Conflict(_("This file was already confirmed."), code="already_confirmed")
    if not upload_path(preview.params["path"]).exists():
        raise DomainError(
            _("The checked file was deleted after %(days)d days; upload it again.")
            % {"days": settings.KDS_IMPORT_KEEP_DAYS},
            code="upload_expired",
        )
    return job_start(
        kind=COMMIT_KIND,
        requested_by=actor,
        params={
            "preview_job": preview.pk,
            "kind": kind.key,
            "file_name": preview.params.get("file_name", ""),
            "language": preview.params.get("language", ""),
        },
    )


# --- the job bodies ----------------------------------------------------------------------


def _context(kind: ImportKind, *, job: Job, found: Layout) -> ImportContext:
    actor = job.requested_by
    everywhere = frozenset(Kelurahan.objects.values_list("code", flat=True))
    allowed = (
        frozenset(kelurahan_list(user=actor).values_list("code", flat=True))
        if actor is not None
        else everywhere
    )
    extra = {"all_kelurahan": everywhere, **kind.context_extra()}
    return ImportContext(
        actor=actor,
        job_id=job.pk,
        today=today_wib(),
        layout=found,
        kelurahan_codes=allowed,
        extra=extra,
    )


def _prepare(
    kind: ImportKind,
    *,
    job: Job,
    upload: Path,
    progress: Progress | None,
    load: CursorWrapper | None = None,
) -> tuple[ImportContext, dict[str, Any]]:
    """Read and check the file; write its prepared copy (and load it through `load`, whose
    staging tables exist). Header problems raise CellError."""
    sheet = open_sheet(upload)
    found = layout(sheet.headers, kind.columns())
    if found.missing:
        raise CellError(
            _("The file lacks the column(s): %(columns)s.") % {"columns": ", ".join(found.missing)}
        )
    ctx = _context(kind, job=job, found=found)
    rows = sheet.count()
    if progress is not None:
        progress.set_total(rows)
    summary = kind.prepare(
        sheet,
        prepared_path(upload),
        ctx,
        on_progress=progress.advance if progress is not None else None,
        load=load,
        processes=settings.KDS_IMPORT_PROCESSES if rows >= POOL_FROM else 1,
    )
    facts: dict[str, Any] = {
        "rows": summary.rows,
        "warnings": summary.warnings,
        "ignored_columns": ", ".join(found.ignored),
    }
    if "ruleset" in ctx.extra:
        facts["ruleset"] = ctx.extra["ruleset"].version
        facts["ruleset_id"] = ctx.extra["ruleset"].pk
    return ctx, facts


@contextmanager
def _whole_file_memory(cursor: CursorWrapper) -> Iterator[None]:
    """The job's own connection sorts and hashes in memory (`WORK_MEM`) until it ends."""
    cursor.execute(f"SET work_mem = '{WORK_MEM}'")
    try:
        yield
    finally:
        cursor.execute("RESET work_mem")


def import_preview_run(*, job: Job, progress: Progress) -> dict[str, Any]:
    """Check every row and count what a commit would do; write nothing to the registry."""
    kind = import_kind(job.params["kind"])
    upload = upload_path(job.params["path"])
    file_name = job.params.get("file_name", "")
    with connection.cursor() as cursor, _whole_file_memory(cursor):
        try:
            # Only temporary tables are written, each statement on its own: the progress
            # reports between the blocks of rows must reach the page as they happen.
            kind.create_staging(cursor)
            try:
                ctx, facts = _prepare(kind, job=job, upload=upload, progress=progress, load=cursor)
            except (CellError, DomainError) as error:
                progress.add_errors([Issue(1, "", str(error.message)).as_error_row()])
                return {"file": file_name, "rows": 0, "rows_ready": 0}
            with transaction.atomic():
                kind.loaded(cursor)
                kind.check(cursor, ctx)
                issues = kind.issues(cursor, ctx)
                counts = kind.counts(cursor)
                transaction.set_rollback(True)  # a preview never writes
        finally:
            kind.drop(cursor)
    progress.add_errors([issue.as_error_row() for issue in issues])
    return {
        "file": file_name,
        **facts,
        "rows_ready": facts["rows"] - counts["rows_skipped"],
        **counts,
    }


def import_commit_run(*, job: Job, progress: Progress) -> dict[str, Any]:
    """Write the good rows of a checked file, chunk by chunk, each with its checkpoint.

    The registry may have changed since the preview: the SQL checks run again, and a family
    that now conflicts is skipped like any other. A re-run after a killed worker continues
    after the last committed chunk; writing is an upsert, so nothing is doubled.
    """
    preview = Job.objects.get(pk=job.params["preview_job"])
    kind = import_kind(preview.params["kind"])
    upload = upload_path(preview.params["path"])
    prepared = prepared_path(upload)
    ctx, facts = _prepare_again(kind, job=job, preview=preview, upload=upload)
    with connection.cursor() as cursor, _whole_file_memory(cursor):
        _write_lock(cursor, progress)
        try:
            with transaction.atomic():  # the staging tables outlive it (ON COMMIT PRESERVE)
                kind.stage(cursor, prepared, ctx)
            issues = kind.issues(cursor, ctx)
            chunks = kind.chunks(cursor)
            progress.set_total(sum(size for _chunk, size in chunks))
            state = progress.state
            if "counts" not in state:
                # What will be written, counted once: a resumed run finds its own earlier
                # chunks unchanged and would count them so.
                state = {"chunk": 0, "counts": kind.counts(cursor)}
                with transaction.atomic():
                    progress.add_errors([issue.as_error_row() for issue in issues])
                    progress.advance(0, state=state)
            for index in range(int(state["chunk"]), len(chunks)):
                with transaction.atomic():
                    # A chunk lost in a crash right after its commit is lost with its
                    # checkpoint, and the re-run writes it again: no wait for the disk.
                    cursor.execute("SET LOCAL synchronous_commit = off")
                    kind.write_chunk(cursor, chunks[index][0], ctx)
                    state = {**state, "chunk": index + 1}
                    progress.advance(sum(size for _c, size in chunks[: index + 1]), state=state)
            counts: dict[str, int] = state["counts"]
            result = {
                "file": preview.params.get("file_name", ""),
                **facts,
                "rows_ready": facts["rows"] - counts["rows_skipped"],
                **counts,
            }
            with transaction.atomic():
                kind.finish(cursor, ctx)
                audit_record(
                    actor=job.requested_by,
                    action=f"registry.import.{kind.key}",
                    target=job,
                    after={**result, "job": job.pk, "preview_job": preview.pk},
                )
        finally:
            kind.drop(cursor)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [WRITE_LOCK_KEY])
    return result


def _prepare_again(
    kind: ImportKind, *, job: Job, preview: Job, upload: Path
) -> tuple[ImportContext, dict[str, Any]]:
    """The context for writing; the file is checked again only if its prepared copy is gone
    or the active ruleset changed since (assessments are scored under the active one)."""
    prepared = prepared_path(upload)
    sheet = open_sheet(upload)
    found = layout(sheet.headers, kind.columns())
    ctx = _context(kind, job=job, found=found)
    ruleset = ctx.extra.get("ruleset")
    stale = ruleset is not None and ruleset.pk != preview.result.get("ruleset_id")
    if stale or not prepared.exists():
        return _prepare(kind, job=job, upload=upload, progress=None)
    facts = {
        key: preview.result[key]
        for key in ("rows", "warnings", "ignored_columns", "ruleset")
        if key in preview.result
    }
    return ctx, facts


def _write_lock(cursor: Any, progress: Progress) -> None:
    """Wait for other imports to finish writing, keeping this job's lease alive meanwhile."""
    while True:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [WRITE_LOCK_KEY])
        if cursor.fetchone()[0]:
            return
        progress.advance(progress.job.done)
        time.sleep(LOCK_WAIT_SECONDS)
