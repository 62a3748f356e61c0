"""DKB load: a semester extract of `size` residents, loaded the way the upload page does it.

The CSV (Dukcapil's column names, synthetic residents from `registry.synthetic`, one row in
2,000 damaged so the bad-row path runs too) is written first and not timed; the timed part
is the load job itself: COPY into staging, the checking INSERT, indexes, activation.
"""

from __future__ import annotations

import csv
import random
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from django.utils import timezone

from benchmarks.harness import Context
from benchmarks.seeding import copy_limit_seconds
from depok_kds.celery import app
from depok_kds.models import Job
from registry.dukcapil.models import DkbExtract
from registry.dukcapil.services import dkb_extract_start
from registry.models import Kelurahan
from registry.synthetic.city import CityMaker, SyntheticHousehold

DEFAULT_SIZE = 1_000_000
SMOKE_SIZE = 20_000
HEADER = (
    "NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL",
    "STATUS_KAWIN", "NAMA_LGKP_IBU", "ALAMAT", "NO_RT", "NO_RW", "NO_KEC", "NO_KEL",
    "STAT_MATI", "TGL_MATI", "STAT_PINDAH", "TGL_PINDAH",
)  # fmt: skip
DUKCAPIL_RELATIONSHIP = {
    "1": "KEPALA KELUARGA", "2": "SUAMI", "3": "ISTRI", "4": "ANAK", "5": "MENANTU",
    "6": "CUCU", "7": "ORANG TUA", "8": "MERTUA", "9": "FAMILI LAIN", "10": "PEMBANTU",
    "11": "LAINNYA",
}  # fmt: skip
MARITAL = {"belum_kawin": "BELUM KAWIN", "kawin": "KAWIN", "cerai_hidup": "CERAI HIDUP",
           "cerai_mati": "CERAI MATI"}  # fmt: skip
BAD_ROW_EVERY = 2_000
Row = dict[str, str]


def city_maker(seed: int) -> CityMaker:
    codes = list(Kelurahan.objects.order_by("code").values_list("code", flat=True))
    return CityMaker(seed=seed, kelurahan_codes=codes, ruleset=None, today=timezone.localdate())


def household_rows(household: SyntheticHousehold) -> Iterator[Row]:
    """The Dukcapil rows of a synthetic household's living members that hold a NIK."""
    code = household.kelurahan_code
    for member in household.members:
        if member.nik is None or member.death_date is not None:
            continue
        yield dkb_row(
            nik=member.nik,
            kk=household.kk_number,
            name=member.full_name,
            born=member.birth_date,
            sex=member.sex,
            place=member.birth_place,
            relationship=member.relationship,
            marital=member.marital_status,
            address=household.address,
            rt=household.rt,
            rw=household.rw,
            kelurahan_code=code,
        )


def dkb_row(
    *,
    nik: str,
    kk: str,
    name: str,
    born: date,
    sex: str,
    place: str,
    relationship: str,
    marital: str = "kawin",
    address: str = "",
    rt: int = 1,
    rw: int = 1,
    kelurahan_code: str = "32.76.01.1006",
) -> Row:
    return {
        "NIK": nik,
        "NO_KK": kk,
        "NAMA_LGKP": name.upper(),
        "TMPT_LHR": place.upper(),
        "TGL_LHR": born.strftime("%d-%m-%Y"),
        "JENIS_KLMIN": "LAKI-LAKI" if sex == "M" else "PEREMPUAN",
        "STAT_HBKEL": DUKCAPIL_RELATIONSHIP.get(relationship, "LAINNYA"),
        "STATUS_KAWIN": MARITAL.get(marital, "KAWIN"),
        "NAMA_LGKP_IBU": "",
        "ALAMAT": address.upper(),
        "NO_RT": f"{rt:03d}",
        "NO_RW": f"{rw:03d}",
        "NO_KEC": str(int(kelurahan_code[6:8])),
        "NO_KEL": kelurahan_code[9:],
        "STAT_MATI": "",
        "TGL_MATI": "",
        "STAT_PINDAH": "",
        "TGL_PINDAH": "",
    }


def synthetic_rows(
    count: int, *, seed: int, skip: Callable[[Row], bool] = lambda row: False
) -> Iterator[Row]:
    """`count` Dukcapil rows of synthetic households (rows `skip` refuses are left out)."""
    city = city_maker(seed)
    made = 0
    while made < count:
        for row in household_rows(city.household()):
            if skip(row):
                continue
            yield row
            made += 1
            if made == count:
                return


def write_csv(path: Path, rows: Iterable[Row], *, progress: Callable[[int], None]) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        written = 0
        for written, row in enumerate(rows, start=1):
            writer.writerow(row)
            if written % 20_000 == 0:
                progress(written)
    progress(written)
    return written


def damaged(rows: Iterable[Row], *, every: int, rng: random.Random) -> Iterator[Row]:
    for number, row in enumerate(rows, start=1):
        if number % every == 0:
            row = (
                {**row, "TGL_LHR": "31-02-" + row["TGL_LHR"][-4:]}
                if rng.random() < 0.5
                else {
                    **row,
                    "NIK": row["NIK"][:5] + "O" + row["NIK"][6:],
                }
            )
        yield row


def load(path: Path, *, semester: str = "2025-2") -> tuple[DkbExtract, float, dict[str, float]]:
    """Upload the extract at `path` and load it; return it, the load job's own seconds and
    the seconds of each of the load's steps.

    Celery runs eagerly here: the job runs in this process when the upload commits, as a
    worker would run it, and no message is left on the project's broker.
    """
    app.conf.task_always_eager = True
    with path.open("rb") as handle:
        extract = dkb_extract_start(
            actor=None, semester=semester, source_name=path.name, content=handle
        )
    job = Job.objects.filter(pk=extract.job_id or 0).first()
    if (
        job is None
        or job.status != Job.Status.SUCCEEDED
        or job.started_at is None
        or job.finished_at is None
    ):
        raise RuntimeError(f"the load failed: {job.error_message if job else 'no job'}")
    extract.refresh_from_db()
    seconds = (job.finished_at - job.started_at).total_seconds()
    return extract, seconds, job.result.get("seconds", {})


def run(ctx: Context) -> dict[str, Any]:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="kds-dkb-") as folder:
        path = Path(folder) / "dkb.csv"
        rows = damaged(synthetic_rows(ctx.size, seed=2025), every=BAD_ROW_EVERY, rng=rng)
        write_csv(path, rows, progress=lambda n: ctx.progress(n, ctx.size, "write CSV"))
        size_mb = path.stat().st_size / 2**20
        ctx.progress(0, 1, "load extract")
        extract, seconds, steps = load(path)
        ctx.progress(1, 1, "load extract")
        limit = copy_limit_seconds(path, HEADER)
    rows_per_s = ctx.size / seconds
    copy_limit_rows_per_s = ctx.size / limit
    return {
        "seconds": round(seconds, 3),
        "rows": extract.row_count,
        "bad_rows": extract.bad_row_count,
        "file_mb": round(size_mb, 1),
        "rows_per_s": round(rows_per_s, 1),
        "step_seconds": steps,
        "copy_limit_rows_per_s": round(copy_limit_rows_per_s, 1),
        "ratio_to_limit": round(rows_per_s / copy_limit_rows_per_s, 3),
    }
