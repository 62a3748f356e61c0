"""How long the registry keeps files of personal data: no longer than their use.

An export's XLSX is kept KDS_EXPORT_KEEP_HOURS after it was written, time enough for the
person who asked to download it; an import's upload (and its checked copy) KDS_IMPORT_KEEP_DAYS,
time enough to confirm it, and longer only while a job still reads it. The beat runs
`files_purge` every hour; a page that finds its file gone says it was deleted and why.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from depok_kds.models import Job
from registry.export import exports_dir
from registry.imports.selectors import COMMIT_KIND, PREVIEW_KIND
from registry.imports.services import imports_dir

UNFINISHED = (Job.Status.QUEUED, Job.Status.RUNNING)


def files_purge(*, now: float | None = None) -> dict[str, int]:
    """Delete the exports and import uploads older than they are kept; return how many."""
    now = time.time() if now is None else now
    return {
        "exports": _purge(exports_dir(), before=now - settings.KDS_EXPORT_KEEP_HOURS * 3600),
        "imports": _purge(
            imports_dir(),
            before=now - settings.KDS_IMPORT_KEEP_DAYS * 86400,
            keep=_uploads_in_use(),
        ),
    }


def _uploads_in_use() -> frozenset[str]:
    """The stored names (without suffix) of the uploads an unfinished job still reads."""
    committing = Job.objects.filter(kind=COMMIT_KIND, status__in=UNFINISHED).values_list(
        "params__preview_job", flat=True
    )
    names = Job.objects.filter(
        Q(status__in=UNFINISHED) | Q(pk__in=[int(pk) for pk in committing]), kind=PREVIEW_KIND
    ).values_list("params__path", flat=True)
    return frozenset(_stem(str(name)) for name in names if name)


def _stem(name: str) -> str:
    """ "3f2a….csv", "3f2a….prepared.csv" and "3f2a….tmp" all belong to "3f2a…"."""
    return name.split(".", 1)[0]


def _purge(folder: Path, *, before: float, keep: frozenset[str] = frozenset()) -> int:
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and _stem(path.name) not in keep and path.stat().st_mtime < before:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
