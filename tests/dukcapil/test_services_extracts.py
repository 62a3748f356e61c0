"""Loading DKB extracts: bad rows reported with row numbers and never loaded, the previous
extract kept until the new one is complete, at most two extracts holding rows."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import connection

from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.jobs import job_run
from depok_kds.models import AuditEntry, Job
from registry.dukcapil import dkb_tables
from registry.dukcapil.models import DkbExtract
from registry.dukcapil.services import dkb_extract_load, dkb_extract_start
from tests.dukcapil.factories import HEADER, dkb_csv, job_of, load_extract, numbered_rows

pytestmark = pytest.mark.django_db


def table_niks(extract: DkbExtract) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT nik FROM "{dkb_tables.table_name(extract.pk)}"')  # noqa: S608
        return {nik for (nik,) in cursor.fetchall()}


def table_exists(extract_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [dkb_tables.table_name(extract_id)])
        return cursor.fetchone()[0] is not None


def test_a_clean_extract_is_loaded_and_becomes_active(dinsos_operator):
    extract = load_extract(dkb_csv(numbered_rows(50)), actor=dinsos_operator)
    assert extract.status == DkbExtract.Status.ACTIVE
    assert (extract.row_count, extract.bad_row_count) == (50, 0)
    assert len(table_niks(extract)) == 50
    job = job_of(extract)
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["rows"] == 50
    assert AuditEntry.objects.filter(action="dukcapil.extract_activate").exists()


def test_bad_rows_are_reported_with_their_row_numbers_and_not_loaded(dinsos_operator):
    good = numbered_rows(6)
    good[1]["NIK"] = "3276-0101-019000"  # row 3: not 16 digits
    good[2]["TGL_LHR"] = "31-02-1990"  # row 4: no such date
    good[3]["JENIS_KLMIN"] = "X"  # row 5
    good[4]["NIK"] = good[0]["NIK"]  # row 6 repeats row 2's NIK
    extract = load_extract(dkb_csv(good), actor=dinsos_operator)
    assert extract.status == DkbExtract.Status.ACTIVE
    assert (extract.row_count, extract.bad_row_count) == (2, 4)
    errors = {(e["row"], e["column"]) for e in job_of(extract).error_rows}
    assert errors == {(3, "NIK"), (4, "TGL_LHR"), (5, "JENIS_KLMIN"), (6, "NIK")}
    assert table_niks(extract) == {good[0]["NIK"], good[5]["NIK"]}


def test_rows_with_the_wrong_number_of_columns_are_reported(dinsos_operator):
    after = dkb_csv(numbered_rows(1, start=7))
    content = dkb_csv(numbered_rows(3)) + b"3276010101900099,only,three\n" + after
    # The second header line is a row too: it has the right width but no valid values.
    extract = load_extract(content, actor=dinsos_operator)
    errors = {(e["row"], e["column"]) for e in job_of(extract).error_rows}
    assert (5, "") in errors  # the short row
    assert (6, "NIK") in errors  # the repeated header
    assert extract.row_count == 4


def test_other_date_formats_and_dukcapil_codes_are_understood(dinsos_operator):
    row = numbered_rows(1)[0] | {"TGL_LHR": "1990-01-31", "JENIS_KLMIN": "2", "STAT_HBKEL": "4"}
    dead = numbered_rows(1, start=2)[0] | {"STAT_MATI": "MATI", "TGL_MATI": "05/03/2024"}
    extract = load_extract(dkb_csv([row, dead]), actor=dinsos_operator)
    with connection.cursor() as cursor:
        columns = "birth_date, sex, relationship, is_deceased, death_date"
        cursor.execute(f'SELECT {columns} FROM "{extract.table_name}" ORDER BY row_no')  # noqa: S608
        first, second = cursor.fetchall()
    assert first[:3] == (date(1990, 1, 31), "F", "4")
    assert second[3:] == (True, date(2024, 3, 5))


def test_a_header_without_required_columns_fails_and_keeps_the_active_extract(dinsos_operator):
    active = load_extract(dkb_csv(numbered_rows(5)), actor=dinsos_operator)
    broken = load_extract(
        dkb_csv(numbered_rows(5), header=[h for h in HEADER if h != "TGL_LHR"]),
        actor=dinsos_operator,
    )
    assert broken.status == DkbExtract.Status.FAILED
    assert "TGL_LHR" in job_of(broken).error_message
    active.refresh_from_db()
    assert active.status == DkbExtract.Status.ACTIVE
    assert len(table_niks(active)) == 5


def test_the_previous_extract_stays_active_until_the_new_one_is_complete(dinsos_operator):
    first = load_extract(dkb_csv(numbered_rows(5)), actor=dinsos_operator)
    second = dkb_extract_start(
        actor=dinsos_operator,
        semester="2026-1",
        source_name="dkb-2026-1.csv",
        content=io.BytesIO(dkb_csv(numbered_rows(8))),
    )
    # Queued but not loaded: matching still uses the first.
    first.refresh_from_db()
    assert (first.status, second.status) == (DkbExtract.Status.ACTIVE, DkbExtract.Status.LOADING)
    with pytest.raises(Conflict):
        dkb_extract_start(
            actor=dinsos_operator,
            semester="2026-1",
            source_name="again.csv",
            content=io.BytesIO(b""),
        )
    job_run(job_id=second.job_id, handler=dkb_extract_load)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (DkbExtract.Status.SUPERSEDED, DkbExtract.Status.ACTIVE)
    assert table_exists(first.pk) and table_exists(second.pk)


def test_at_most_two_extracts_hold_rows(dinsos_operator):
    first = load_extract(dkb_csv(numbered_rows(2)), actor=dinsos_operator)
    load_extract(dkb_csv(numbered_rows(3)), actor=dinsos_operator)
    third = load_extract(dkb_csv(numbered_rows(4)), actor=dinsos_operator)
    first.refresh_from_db()
    assert first.status == DkbExtract.Status.REMOVED
    assert not table_exists(first.pk)
    assert third.status == DkbExtract.Status.ACTIVE
    assert DkbExtract.objects.filter(status__in=["active", "superseded", "loading"]).count() == 2


def test_only_dinsos_staff_load_extracts(puskesos_a, auditor_user):
    for outsider in (puskesos_a, auditor_user):
        with pytest.raises(Forbidden):
            dkb_extract_start(
                actor=outsider, semester="2025-1", source_name="x.csv", content=io.BytesIO(b"")
            )


def test_the_semester_must_be_year_and_half(dinsos_operator):
    with pytest.raises(DomainError) as refused:
        dkb_extract_start(
            actor=dinsos_operator, semester="2025", source_name="x.csv", content=io.BytesIO(b"")
        )
    assert refused.value.code == "invalid_semester"
