"""Import of households with members: preview, commit, re-import, bad rows and families."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from depok_kds.jobs import job_run
from depok_kds.models import AuditEntry, Job
from registry.imports import base as import_base
from registry.imports import households as households_module
from registry.imports import services as import_services
from registry.imports.kinds import HOUSEHOLDS
from registry.imports.services import import_commit_start, prepared_path, upload_path
from registry.imports.tasks import import_commit
from registry.models import FamilyCard, Household, HouseholdEvent, Person
from registry.services import household_register
from tests.registry.factories import KELURAHAN_DEPOK, MemberDataFactory, make_kk, make_nik
from tests.registry.test_imports_support import (
    HOUSEHOLD_HEADER,
    commit,
    csv_bytes,
    errors_by_row,
    family,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
    member,
    preview,
)

pytestmark = pytest.mark.django_db

WITH_REASON = (*HOUSEHOLD_HEADER, "alasan_tanpa_nik")


def registry_rows() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        FamilyCard.objects.count(),
        HouseholdEvent.objects.count(),
    )


def test_preview_counts_every_row_and_writes_nothing(dinsos_operator):
    rows = family(1, first_serial=1) + family(2, first_serial=10, size=4)

    checked = preview(dinsos_operator, "households", csv_bytes(rows))

    assert checked.error_rows == []
    assert checked.result["rows"] == 7
    assert checked.result["rows_ready"] == 7
    assert checked.result["households_new"] == 2
    assert checked.result["persons_new"] == 7
    assert registry_rows() == (0, 0, 0, 0)


def test_preview_lists_bad_rows_with_row_column_and_reason(dinsos_operator):
    rows = family(1, first_serial=1)
    rows[1]["nik"] = "3,27601E+15"  # spreadsheet row 3
    rows[2]["tanggal_lahir"] = "31-02-2015"  # row 4
    rows[2]["jenis_kelamin"] = "X"

    checked = preview(dinsos_operator, "households", csv_bytes(rows))

    errors = errors_by_row(checked)
    assert [column for column, _reason in errors[3]] == ["nik"]
    assert "E+15" in errors[3][0][1] and "ilmiah" in errors[3][0][1]  # registry.nik's message
    assert {column for column, _reason in errors[4]} >= {"tanggal_lahir", "jenis_kelamin"}
    assert checked.result["families_skipped"] == 1
    assert checked.result["rows_ready"] == 0
    assert registry_rows() == (0, 0, 0, 0)


def test_commit_writes_good_families_and_skips_a_family_with_a_bad_row(dinsos_operator):
    good = family(1, first_serial=1)
    bad = family(2, first_serial=10, size=4)
    bad[2]["nik"] = bad[2]["nik"][:15]  # a lost last digit, row 7 of the file

    checked = preview(dinsos_operator, "households", csv_bytes(good + bad))
    written = commit(dinsos_operator, checked)

    assert Household.objects.count() == 1
    household = FamilyCard.objects.get(number=make_kk(1), valid_to=None).household
    assert household.members.count() == 3
    assert household.head.relationship == "1" and household.head.nik == good[0]["nik"]
    assert not FamilyCard.objects.filter(number=make_kk(2)).exists()
    assert not Person.objects.filter(nik__in=[row["nik"] for row in bad]).exists()
    assert written.result["households_new"] == 1 and written.result["families_skipped"] == 1
    notice = [reason for _c, reason in errors_by_row(written)[8]]
    assert any("skipped as a whole" in reason for reason in notice)
    assert "nik" in {column for column, _reason in errors_by_row(written)[7]}


def test_commit_writes_events_and_one_audit_entry_per_import(dinsos_operator):
    checked = preview(dinsos_operator, "households", csv_bytes(family(1, first_serial=1)))
    written = commit(dinsos_operator, checked)

    household = Household.objects.get()
    registered = HouseholdEvent.objects.get(household=household)
    assert registered.kind == HouseholdEvent.Kind.REGISTERED
    assert registered.details["members"] == 3 and registered.details["import_job"] == written.pk
    assert registered.actor == dinsos_operator
    assert make_kk(1) not in str(registered.details)  # masked, like every event
    audit = AuditEntry.objects.get(action="registry.import.households")
    assert audit.actor == dinsos_operator and audit.target_id == str(written.pk)
    assert audit.after["households_new"] == 1 and audit.after["file"] == "data.csv"


def test_reimporting_the_same_file_changes_nothing(dinsos_operator):
    rows = family(1, first_serial=1) + family(2, first_serial=10, size=4)
    rows.append(member(2, 99, relationship="4", born=date(2026, 1, 2), nik=""))  # no NIK yet
    content = csv_bytes(rows)
    commit(dinsos_operator, preview(dinsos_operator, "households", content))
    before = registry_rows()
    updated_at = list(Person.objects.order_by("pk").values_list("updated_at", flat=True))

    again = preview(dinsos_operator, "households", content)
    written = commit(dinsos_operator, again)

    assert again.result["households_unchanged"] == 2 and again.result["persons_unchanged"] == 8
    assert again.result["households_new"] == again.result["persons_new"] == 0
    assert written.result["persons_updated"] == 0
    assert registry_rows() == before
    assert list(Person.objects.order_by("pk").values_list("updated_at", flat=True)) == updated_at


def test_a_changed_row_updates_the_member_and_records_what_changed(dinsos_operator):
    rows = family(1, first_serial=1)
    commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows)))
    rows[2]["pendidikan"] = "smp"
    rows[2]["nama"] = "Budi Santoso"
    for row in rows:
        row["alamat"] = "Jl. Kenanga No. 2"

    checked = preview(dinsos_operator, "households", csv_bytes(rows))
    commit(dinsos_operator, checked)

    assert checked.result["persons_updated"] == 1 and checked.result["households_updated"] == 1
    child = Person.objects.get(nik=rows[2]["nik"])
    assert (child.full_name, child.education) == ("Budi Santoso", "smp")
    assert child.name_normalized == "budi santoso"
    assert Household.objects.get().address == "Jl. Kenanga No. 2"
    edited = HouseholdEvent.objects.filter(kind=HouseholdEvent.Kind.EDITED)
    assert edited.get(person=child).details["changed"]["education"] == ["sma", "smp"]
    assert edited.get(person=None).details["changed"]["address"][1] == "Jl. Kenanga No. 2"


def test_a_new_member_joins_an_existing_household(dinsos_operator):
    rows = family(1, first_serial=1)
    commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows)))
    newborn = member(1, 50, relationship="4", born=date(2026, 3, 1))

    checked = preview(dinsos_operator, "households", csv_bytes([*rows, newborn]))
    commit(dinsos_operator, checked)

    assert checked.result["persons_new"] == 1 and checked.result["persons_unchanged"] == 3
    person = Person.objects.get(nik=newborn["nik"])
    assert person.household == Household.objects.get()
    assert HouseholdEvent.objects.filter(kind="member_added", person=person).exists()


def test_a_bad_row_leaves_existing_data_untouched(dinsos_operator):
    rows = family(1, first_serial=1)
    commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows)))
    snapshot = list(Person.objects.order_by("pk").values())
    rows[0]["nama"] = "Nama Baru"  # a change that would apply ...
    rows[1]["tanggal_lahir"] = "kemarin"  # ... but the family has a bad row
    other = family(2, first_serial=10)

    checked = preview(dinsos_operator, "households", csv_bytes(rows + other))
    commit(dinsos_operator, checked)

    assert checked.result["families_skipped"] == 1 and checked.result["households_new"] == 1
    assert (
        list(Person.objects.filter(nik__in=[r["nik"] for r in rows]).order_by("pk").values())
        == snapshot
    )


def test_a_nik_of_another_household_is_refused_not_moved(dinsos_operator):
    other = household_register(
        actor=None,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=1,
        address="Jl. Lain 1",
        kk_number=make_kk(500),
        members=[MemberDataFactory(relationship="1", marital_status="kawin")],
    ).household
    taken = other.head.nik
    rows = family(1, first_serial=1)
    rows[2]["nik"] = taken
    rows[2]["tanggal_lahir"] = other.head.birth_date.isoformat()

    checked = preview(dinsos_operator, "households", csv_bytes(rows + family(2, first_serial=10)))
    commit(dinsos_operator, checked)

    reason = dict(errors_by_row(checked)[4])["nik"]
    assert other.registry_number in reason
    assert Person.objects.get(nik=taken).household == other
    assert not FamilyCard.objects.filter(number=make_kk(1)).exists()


def test_family_rules_head_and_one_address(dinsos_operator):
    no_head = family(1, first_serial=1)
    no_head[0]["hubungan"] = "2"
    two_addresses = family(2, first_serial=10)
    two_addresses[2]["rt"] = "9"
    twice = family(3, first_serial=20)
    twice[2]["nik"] = twice[1]["nik"]

    checked = preview(dinsos_operator, "households", csv_bytes(no_head + two_addresses + twice))

    errors = errors_by_row(checked)
    assert "hubungan" in dict(errors[2])
    assert "rt" in dict(errors[7])
    assert "nik" in dict(errors[10])
    assert checked.result["families_skipped"] == 3
    assert checked.result["rows_ready"] == 0


def test_the_head_of_an_existing_household_changes_only_in_the_portal(dinsos_operator):
    rows = family(1, first_serial=1)
    commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows)))
    rows[0]["hubungan"] = "2"
    rows[1]["hubungan"] = "1"

    checked = preview(dinsos_operator, "households", csv_bytes(rows))

    errors = errors_by_row(checked)
    assert "hubungan" in dict(errors[2]) and "hubungan" in dict(errors[3])
    assert checked.result["families_skipped"] == 1


def test_kelurahan_outside_depok_and_separators_and_aliases(dinsos_operator):
    rows = family(1, first_serial=1, kelurahan_code="32.01.01.1001")
    good = family(2, first_serial=10, kelurahan_code="3276011006")  # digits only is fine
    header = ("NO KK", "Kode Kelurahan", "RW", "RT", "Alamat", "NIK", "NAMA_LGKP",
              "JK", "Tempat Lahir", "Tgl Lahir", "STAT_HBKEL", "Status Kawin",
              "Pendidikan", "Pekerjaan", "Disabilitas")  # fmt: skip
    renamed = [dict(zip(header, row.values(), strict=True)) for row in rows + good]

    checked = preview(dinsos_operator, "households", csv_bytes(renamed, header, delimiter=";"))

    assert dict(errors_by_row(checked)[2])["Kode Kelurahan"]
    assert checked.result["households_new"] == 1 and checked.result["rows_ready"] == 3


def test_the_prepared_file_lives_beside_the_upload_outside_the_web_root(dinsos_operator, settings):
    checked = preview(dinsos_operator, "households", csv_bytes(family(1, first_serial=1)))
    upload = upload_path(checked.params["path"])
    assert upload.parent == settings.MEDIA_ROOT / "imports"
    assert not str(upload).startswith(str(settings.STATIC_ROOT))
    assert prepared_path(upload).exists()
    with pytest.raises(ValueError, match="not an import upload"):
        upload_path("../../etc/passwd")


def test_a_large_file_checked_in_a_pool_prepares_the_same_as_one_process(
    dinsos_operator, settings, monkeypatch
):
    rows = [row for kk in range(1, 9) for row in family(kk, first_serial=kk * 10, size=4)]
    rows[5]["nik"] = rows[5]["nik"][:15]  # a bad row in the second block
    rows[13]["jenis_kelamin"] = "X"
    rows[22]["nik"] = ""  # a child without a NIK: a warning
    content = csv_bytes(rows)
    # Blocks of 3 rows, and a pool from the first row: eleven blocks through two processes.
    monkeypatch.setattr(import_base, "BLOCK_ROWS", 3)
    monkeypatch.setattr(import_services, "POOL_FROM", 1)
    pools: list[int] = []
    in_pool = import_base.checked_in_pool

    def counted(*args, **options):
        pools.append(options["processes"])
        return in_pool(*args, **options)

    monkeypatch.setattr(import_base, "checked_in_pool", counted)

    def prepared(processes: int) -> tuple[str, list[dict[str, object]], dict[str, object]]:
        settings.KDS_IMPORT_PROCESSES = processes
        checked = preview(dinsos_operator, "households", content)
        text = prepared_path(upload_path(checked.params["path"])).read_text(encoding="utf-8")
        return text, checked.error_rows, {**checked.result, "file": None}

    alone, pooled = prepared(1), prepared(2)

    assert pools == [2]
    assert pooled == alone
    assert {7, 15} <= {error["row"] for error in alone[1]}
    assert alone[2]["rows"] == 32 and alone[2]["warnings"] >= 1


def test_nik_warnings_are_counted_not_refused(dinsos_operator):
    rows = family(1, first_serial=1)
    rows[2]["tanggal_lahir"] = "2011-01-16"  # the NIK says 15 January
    rows[1]["nik"] = ""
    rows[1]["alasan_tanpa_nik"] = "Belum rekam KTP"

    checked = preview(dinsos_operator, "households", csv_bytes(rows, WITH_REASON))

    assert checked.error_rows == []
    assert checked.result["warnings"] == 2
    assert checked.result["rows_ready"] == 3


def test_an_adult_without_nik_needs_the_reason_column(dinsos_operator):
    no_reason = family(1, first_serial=1)
    no_reason[1]["nik"] = ""  # the wife, born 1982: row 3
    newborn = family(2, first_serial=10)
    newborn[2]["nik"] = ""  # a child of 13 needs no reason
    given = family(3, first_serial=20, size=2)
    given[1]["nik"] = ""
    given[1]["alasan_tanpa_nik"] = "KTP hilang, belum rekam ulang"

    checked = preview(
        dinsos_operator, "households", csv_bytes(no_reason + newborn + given, WITH_REASON)
    )

    errors = errors_by_row(checked)
    assert list(errors) == [3, 4]  # the row, then the notice that its family is skipped
    column, reason = errors[3][0]
    assert column == "alasan_tanpa_nik" and "17" in reason and reason[0].isupper()
    assert checked.result["families_skipped"] == 1 and checked.result["households_new"] == 2

    commit(dinsos_operator, checked)
    assert not FamilyCard.objects.filter(number=make_kk(1)).exists()
    household = FamilyCard.objects.get(number=make_kk(3)).household
    wife = household.members.get(nik=None)
    event = HouseholdEvent.objects.get(household=household, kind="registered")
    assert event.details["nik_missing_reasons"] == {str(wife.pk): "KTP hilang, belum rekam ulang"}


def test_an_adult_added_without_nik_to_a_household_keeps_the_reason(dinsos_operator):
    commit(
        dinsos_operator,
        preview(dinsos_operator, "households", csv_bytes(family(1, first_serial=1))),
    )
    rows = family(1, first_serial=1)
    rows.append(member(1, 9, relationship="7", born=date(1950, 1, 1), nik=""))

    refused = preview(dinsos_operator, "households", csv_bytes(rows, WITH_REASON))
    # the row's reason, and the notice that its family is skipped
    assert [column for column, _reason in errors_by_row(refused)[5]] == [
        "alasan_tanpa_nik",
        "no_kk",
    ]

    rows[-1]["alasan_tanpa_nik"] = "Belum pernah rekam di Dukcapil"
    commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows, WITH_REASON)))
    added = HouseholdEvent.objects.get(kind="member_added")
    assert added.details["nik_missing"] is True
    assert added.details["nik_missing_reason"] == "Belum pernah rekam di Dukcapil"


def test_make_nik_helper_agrees_with_member_rows():
    assert member(1, 5)["nik"] == make_nik(date(1990, 5, 17), "M", 5)


class WorkerKilled(BaseException):
    """Stands for a worker process dying mid-job (not an error the job could record)."""


def test_a_commit_whose_worker_died_resumes_without_doubling(dinsos_operator, monkeypatch):
    monkeypatch.setattr(households_module, "FAMILIES_PER_CHUNK", 1)
    rows = family(1, first_serial=1) + family(2, first_serial=10) + family(3, first_serial=20)
    checked = preview(dinsos_operator, "households", csv_bytes(rows))
    job = import_commit_start(actor=dinsos_operator, preview_job_id=checked.pk)
    write_chunk = HOUSEHOLDS.write_chunk
    calls = []

    def dies_on_the_second_chunk(cursor, chunk, ctx):
        calls.append(chunk)
        if len(calls) == 2:
            raise WorkerKilled
        write_chunk(cursor, chunk, ctx)

    monkeypatch.setattr(HOUSEHOLDS, "write_chunk", dies_on_the_second_chunk)
    with pytest.raises(WorkerKilled):
        job_run(job_id=job.pk, handler=import_commit)
    assert Household.objects.count() == 1
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    monkeypatch.setattr(HOUSEHOLDS, "write_chunk", write_chunk)

    finished = job_run(job_id=job.pk, handler=import_commit)

    assert finished.status == Job.Status.SUCCEEDED and finished.attempts == 2
    assert Household.objects.count() == 3 and Person.objects.count() == 9
    assert HouseholdEvent.objects.filter(kind="registered").count() == 3
    assert finished.result["households_new"] == 3  # counted once, before the first chunk
