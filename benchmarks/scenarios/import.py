"""Import: a households+members CSV through the staff import, then through import-export.

1. Generate a realistic CSV of `size` member rows (synthetic Depok families: names with
   their spelling variation, valid NIK and No. KK, newborns without a NIK) — not timed.
2. Staff path: the preview job (check every row, count what would change) and the commit
   job (write set-based), run as a worker runs them, timed together -> `rows_per_s`.
3. Peer: the same file through the admin's django-import-export resource with its bulk
   options (`use_bulk`, `batch_size`, `skip_unchanged`), dry run then import as the admin
   does, into emptied tables -> `peer_rows_per_s`.
"""

from __future__ import annotations

import csv
import uuid
from pathlib import Path
from typing import Any

import tablib
from django.db import connection

from benchmarks.harness import Context
from depok_kds.accounts import user_create
from depok_kds.jobs import job_run
from depok_kds.models import Job, User
from depok_kds.roles import Role
from registry.imports.selectors import COMMIT_KIND, PREVIEW_KIND
from registry.imports.services import imports_dir, prepared_path
from registry.imports.tasks import import_commit, import_preview
from registry.models import Household, Kelurahan, Person
from registry.nik import today_wib
from registry.resources import HouseholdMemberResource
from registry.synthetic.city import CityMaker

DEFAULT_SIZE = 100_000
SMOKE_SIZE = 20_000  # large enough that per-row or quadratic work shows
# django-import-export, the peer, takes most of it (a few ms a row, more on a loaded machine).
SMOKE_CEILING_SECONDS = 360
SEED = 31
HEADER = ("no_kk", "kelurahan_code", "rw", "rt", "alamat", "nik", "nama", "jenis_kelamin",
          "tempat_lahir", "tanggal_lahir", "hubungan", "status_kawin", "pendidikan",
          "pekerjaan", "disabilitas")  # fmt: skip
TABLES = "registry_householdevent, registry_familycard, registry_person, registry_household"


def _write_csv(path: Path, size: int, ctx: Context) -> tuple[int, int]:
    """Write about `size` member rows (whole families); return (rows, families)."""
    codes = list(Kelurahan.objects.values_list("code", flat=True))
    city = CityMaker(seed=SEED, kelurahan_codes=codes, ruleset=None, today=today_wib())
    rows = families = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while rows < size:
            household = city.household()
            living = [m for m in household.members if m.death_date is None]
            families += 1
            for m in living:
                writer.writerow(
                    (household.kk_number, household.kelurahan_code, household.rw, household.rt,
                     household.address, m.nik or "", m.full_name, "L" if m.sex == "M" else "P",
                     m.birth_place, m.birth_date.isoformat(), m.relationship, m.marital_status,
                     m.education, m.occupation, m.disability)
                )  # fmt: skip
            rows += len(living)
            if families % 1_000 == 0:
                ctx.progress(min(rows, size), size, "generate CSV")
    ctx.progress(size, size, "generate CSV")
    return rows, families


def _run(kind: str, actor: User, params: dict[str, Any], handler: Any) -> Job:
    job = Job.objects.create(kind=kind, requested_by=actor, params=params)
    finished = job_run(job_id=job.pk, handler=handler)
    if finished is None or finished.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"{kind} failed: {finished.error_message if finished else '?'}")
    return finished


def run(ctx: Context) -> dict[str, Any]:
    actor = user_create(username="bench.import", password=None, role=Role.DINSOS_ADMIN)
    imports_dir().mkdir(parents=True, exist_ok=True)
    stored = f"bench-{uuid.uuid4().hex}.csv"
    path = imports_dir() / stored
    try:
        rows, families = _write_csv(path, ctx.size, ctx)
        params = {"kind": "households", "path": stored, "file_name": "bench.csv"}
        with ctx.timer() as staff:
            checked = _run(PREVIEW_KIND, actor, params, import_preview)
            ctx.progress(1, 2, "staff import")
            written = _run(COMMIT_KIND, actor, {"preview_job": checked.pk}, import_commit)
            ctx.progress(2, 2, "staff import")
        persons = Person.objects.count()
        if persons != written.result["persons_new"] or checked.error_rows:
            raise RuntimeError(f"staff import wrote {persons} persons: {written.result}")

        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
        resource = HouseholdMemberResource()
        with ctx.timer() as peer:
            dry = resource.import_data(dataset, dry_run=True, user=actor, file_name="bench.csv")
            ctx.progress(1, 2, "import-export")
            if dry.has_errors() or dry.has_validation_errors():
                raise RuntimeError("import-export dry run found errors")
            HouseholdMemberResource().import_data(
                dataset, dry_run=False, user=actor, file_name="bench.csv"
            )
            ctx.progress(2, 2, "import-export")
        peer_persons = Person.objects.count()
        if peer_persons != persons or Household.objects.count() != families:
            raise RuntimeError(f"import-export wrote {peer_persons} persons, not {persons}")
    finally:
        path.unlink(missing_ok=True)
        prepared_path(path).unlink(missing_ok=True)
    return {
        "rows": rows,
        "families": families,
        "seconds": round(staff.seconds, 3),
        "rows_per_s": round(rows / staff.seconds, 1),
        "preview_seconds": round(_elapsed(checked), 3),
        "commit_seconds": round(_elapsed(written), 3),
        "peer_seconds": round(peer.seconds, 3),
        "peer_rows_per_s": round(rows / peer.seconds, 1),
    }


def _elapsed(job: Job) -> float:
    if job.started_at is None or job.finished_at is None:
        return 0.0
    return (job.finished_at - job.started_at).total_seconds()
