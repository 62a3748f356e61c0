"""XLSX export of the registry search: one row per household, written in chunks.

The households come from `registry.selectors.household_list` (the search page's query, with
its scope); the workbook is written in openpyxl's write-only mode, a chunk of households at
a time with one query each for their cards and member counts, so a city-wide export of
100,000 households keeps memory flat. NIK and No. KK are masked unless the user may see them
in full, and every export is logged as a personal-data export with its row count.

A small result is answered at once. A large one takes longer than a web request may (about
7,000 rows a second of one core), so it runs as a job with a progress bar; its file is kept
under MEDIA_ROOT/exports, outside the web root, for the person who asked only.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from depok_kds.access import may_see_pii
from depok_kds.audit import pii_access_record
from depok_kds.errors import DomainError
from depok_kds.jobs import Progress, job_start
from depok_kds.models import Job
from depok_kds.spreadsheet import row_safe
from registry.models import FamilyCard, Household, Person
from registry.selectors import household_list, nik_display

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from depok_kds.models import User

EXPORT_KIND = "registry.export_households"
EXPORT_FOLDER = "exports"
# Up to this many households the file is made during the request; more go to a job.
INLINE_LIMIT = 2_000

CHUNK_SIZE = 2_000
# Spooled in memory up to this size, then on disk.
SPOOL_BYTES = 8 * 1024 * 1024

COLUMNS = (
    _("Registry no."),
    _("No. KK"),
    _("Head of family"),
    _("NIK of the head"),
    _("Members"),
    _("Street address"),
    _("RT"),
    _("RW"),
    _("Kelurahan"),
    _("Kecamatan"),
    _("Kelurahan code"),
    _("Status"),
    _("Poverty class"),
    _("Poverty score"),
    _("Assessed on"),
    _("DTSEN desil"),
    _("Desil period"),
)
WIDTHS = (14, 20, 30, 20, 9, 36, 6, 6, 20, 18, 15, 10, 14, 12, 12, 10, 12)
TEXT_COLUMNS = (1, 3)  # No. KK and NIK stay text, so a spreadsheet never rounds them


def _chunks(rows: Iterable[Household], size: int) -> Iterator[list[Household]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def households_xlsx(
    households: QuerySet[Household],
    *,
    full: bool,
    out: IO[bytes] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[IO[bytes], int]:
    """Write `households` to an XLSX file (`out`, or a temporary one); return it (at position
    0) and the row count. `on_chunk(rows so far)` is called after every chunk."""
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(str(_("Households")))
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([str(title) for title in COLUMNS])
    count = 0
    for chunk in _chunks(households.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        ids = [household.pk for household in chunk]
        cards = dict(
            FamilyCard.objects.filter(household_id__in=ids, valid_to__isnull=True).values_list(
                "household_id", "number"
            )
        )
        sizes = dict(
            Person.objects.filter(household_id__in=ids, is_deceased=False)
            .values("household_id")
            .annotate(n=Count("pk"))
            .values_list("household_id", "n")
        )
        for household in chunk:
            head = household.head
            values = [
                household.registry_number,
                nik_display(cards.get(household.pk), full=full),
                head.full_name if head else "",
                nik_display(head.nik if head else None, full=full),
                sizes.get(household.pk, 0),
                household.address,
                household.rt,
                household.rw,
                household.kelurahan.name,
                household.kelurahan.kecamatan.name,
                household.kelurahan_id,
                household.get_status_display(),
                household.get_poverty_class_display() if household.poverty_class else "",
                float(household.poverty_score) if household.poverty_score is not None else None,
                household.assessed_on,
                household.desil,
                household.desil_period,
            ]
            sheet.append(_text_cells(sheet, row_safe(values)))
            count += 1
        if on_chunk is not None:
            on_chunk(count)
    if out is None:
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open
    workbook.save(out)
    out.seek(0)
    return out, count


def _text_cells(sheet: WriteOnlyWorksheet, values: list[object]) -> list[object]:
    # Cells already made safe by `row_safe`.
    for index in TEXT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=values[index])
        cell.number_format = "@"
        values[index] = cell
    return values


# --- large exports as a job --------------------------------------------------------------


def exports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORT_FOLDER


def export_path(job: Job) -> Path:
    return exports_dir() / f"{job.params['file']}.xlsx"


def household_export_start(*, actor: User, filters: dict[str, Any]) -> Job:
    """Start the job that writes the search results (`household_list` filters) to XLSX."""
    return job_start(
        kind=EXPORT_KIND,
        requested_by=actor,
        params={"filters": filters, "file": uuid.uuid4().hex},
    )


def household_export_run(*, job: Job, progress: Progress) -> dict[str, Any]:
    """Write the requester's search to XLSX, with the scope and PII rights they have now."""
    actor = job.requested_by
    if actor is None:
        raise DomainError(_("An export needs the person who asked for it."))
    households = household_list(user=actor, **job.params["filters"])
    progress.set_total(households.count())
    full = may_see_pii(actor)
    exports_dir().mkdir(parents=True, exist_ok=True)
    path = export_path(job)
    partial = path.with_suffix(".tmp")
    with partial.open("wb") as out:
        _written, count = households_xlsx(households, full=full, out=out, on_chunk=progress.advance)
    partial.replace(path)
    pii_access_record(
        actor=actor,
        export=True,
        target_type="registry.household",
        fields=("nik", "kk") if full else (),
        count=count,
        filters=job.params["filters"],
    )
    return {"households": count, "full_numbers": full}


def household_export_file(*, user: User | AnonymousUser, job_id: int) -> tuple[Job, Path]:
    """A finished export of the user's own, and its file; Http404 for anything else."""
    job = Job.objects.filter(kind=EXPORT_KIND, pk=job_id).first()
    if job is None or not user.is_authenticated or job.requested_by_id != user.pk:
        raise Http404
    return job, export_path(job)
