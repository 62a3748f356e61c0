"""The admin's import-export resources: per-row errors, bulk import, re-import, export rules."""

from __future__ import annotations

import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from depok_kds.accounts import user_create
from depok_kds.models import AuditEntry
from depok_kds.roles import Role
from registry.models import DesilRecord, FamilyCard, Household, HouseholdEvent, Person
from registry.resources import DesilRecordResource, HouseholdMemberResource
from tests.registry.factories import make_kk
from tests.registry.test_imports_support import HOUSEHOLD_HEADER, csv_bytes, family, xlsx_bytes

pytestmark = pytest.mark.django_db


def dataset(rows) -> tablib.Dataset:
    return tablib.Dataset().load(csv_bytes(rows).decode(), format="csv")


def test_a_bad_row_is_reported_per_row_and_nothing_is_written(dinsos_admin):
    rows = family(1, first_serial=1) + family(2, first_serial=10)
    rows[4]["nik"] = "3,27601E+15"  # data row 5

    result = HouseholdMemberResource().import_data(dataset(rows), dry_run=True, user=dinsos_admin)

    assert result.has_validation_errors() and not result.has_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 5
    assert "E+15" in invalid.error_dict["nik"][0]
    assert Household.objects.count() == Person.objects.count() == 0  # the dry run rolled back


def test_bulk_import_creates_households_and_reimport_skips_unchanged_rows(dinsos_admin):
    rows = family(1, first_serial=1) + family(2, first_serial=10, size=4)
    rows[-1]["nik"] = ""  # a newborn without a NIK

    result = HouseholdMemberResource().import_data(
        dataset(rows), dry_run=False, user=dinsos_admin, file_name="kk.csv"
    )

    assert not result.has_errors() and not result.has_validation_errors()
    assert Household.objects.count() == 2 and Person.objects.count() == 7
    household = FamilyCard.objects.get(number=make_kk(2)).household
    assert household.head.nik == rows[3]["nik"]
    assert Person.objects.get(nik=None).nik_status == Person.NikStatus.MISSING
    assert HouseholdEvent.objects.filter(kind="registered").count() == 2
    audit = AuditEntry.objects.get(action="registry.admin_import.households")
    assert audit.after["file"] == "kk.csv" and audit.after["households_new"] == 2

    again = HouseholdMemberResource().import_data(dataset(rows), dry_run=False, user=dinsos_admin)
    assert again.totals["new"] == 0 and again.totals["update"] == 0
    assert again.totals["skip"] == 7
    assert Person.objects.count() == 7 and HouseholdEvent.objects.count() == 2


def test_a_nik_of_another_family_is_a_row_error(dinsos_admin):
    HouseholdMemberResource().import_data(dataset(family(1, first_serial=1)), user=dinsos_admin)
    moved = family(2, first_serial=10)
    moved[2]["nik"] = family(1, first_serial=1)[2]["nik"]
    moved[2]["tanggal_lahir"] = family(1, first_serial=1)[2]["tanggal_lahir"]

    result = HouseholdMemberResource().import_data(dataset(moved), dry_run=True, user=dinsos_admin)

    assert [row.number for row in result.invalid_rows] == [3]


def test_changes_to_an_existing_family_keep_its_head_and_its_history(dinsos_admin):
    HouseholdMemberResource().import_data(dataset(family(1, first_serial=1)), user=dinsos_admin)
    rows = family(1, first_serial=1, size=4)  # one child more
    rows[1]["nama"] = "Siti Rahmawati Baru"

    result = HouseholdMemberResource().import_data(dataset(rows), user=dinsos_admin)

    assert not result.has_errors() and not result.has_validation_errors()
    events = dict(HouseholdEvent.objects.exclude(kind="registered").values_list("kind", "details"))
    assert events["member_added"] == {
        "relationship": rows[3]["hubungan"],
        "nik_missing": False,
        "source": "admin_import",
    }
    assert events["edited"]["changed"]["full_name"][1] == "Siti Rahmawati Baru"
    wife = Person.objects.get(nik=rows[1]["nik"])  # an update is written (it failed before)
    assert (wife.full_name, wife.name_normalized) == ("Siti Rahmawati Baru", "siti rahmawati baru")

    rows[0]["hubungan"] = "4"  # the head, no longer head: the portal changes heads
    result = HouseholdMemberResource().import_data(dataset(rows), dry_run=True, user=dinsos_admin)
    assert [row.number for row in result.invalid_rows] == [1]


def test_an_adult_without_nik_needs_a_reason_in_the_admin_import(dinsos_admin):
    rows = family(1, first_serial=1) + family(2, first_serial=10)
    rows[1]["nik"] = ""  # the wife of family 1, born 1982: data row 2
    rows[4]["nik"] = ""  # the wife of family 2, with the reason
    rows[4]["alasan_tanpa_nik"] = "Dokumen hilang"
    header = (*HOUSEHOLD_HEADER, "alasan_tanpa_nik")
    data = tablib.Dataset().load(csv_bytes(rows, header).decode(), format="csv")

    result = HouseholdMemberResource().import_data(data, dry_run=True, user=dinsos_admin)

    (invalid,) = result.invalid_rows
    assert invalid.number == 2
    assert "17" in invalid.error_dict["alasan_tanpa_nik"][0]

    del rows[:3]
    data = tablib.Dataset().load(csv_bytes(rows, header).decode(), format="csv")
    result = HouseholdMemberResource().import_data(data, dry_run=False, user=dinsos_admin)
    assert not result.has_errors() and not result.has_validation_errors()
    wife = Person.objects.get(nik=None)
    event = HouseholdEvent.objects.get(kind="registered")
    assert event.details["nik_missing_reasons"] == {str(wife.pk): "Dokumen hilang"}


def test_a_member_without_nik_added_by_the_admin_import_keeps_the_reason(dinsos_admin):
    HouseholdMemberResource().import_data(dataset(family(1, first_serial=1)), user=dinsos_admin)
    rows = family(1, first_serial=1, size=4)  # a grandmother more, without a NIK
    rows[3] |= {"nik": "", "hubungan": "7", "tanggal_lahir": "1950-01-01"}
    rows[3]["alasan_tanpa_nik"] = "Belum pernah rekam di Dukcapil"
    header = (*HOUSEHOLD_HEADER, "alasan_tanpa_nik")
    data = tablib.Dataset().load(csv_bytes(rows, header).decode(), format="csv")

    result = HouseholdMemberResource().import_data(data, dry_run=False, user=dinsos_admin)

    assert not result.has_errors() and not result.has_validation_errors()
    grandmother = Person.objects.get(nik=None)
    event = HouseholdEvent.objects.get(kind="member_added")
    assert (event.person, event.household_id, event.actor) == (
        grandmother,
        grandmother.household_id,
        dinsos_admin,
    )
    assert event.details == {
        "relationship": "7",
        "nik_missing": True,
        "nik_missing_reason": "Belum pernah rekam di Dukcapil",
        "source": "admin_import",
    }


def test_desil_resource_imports_and_refreshes_the_household(dinsos_admin):
    HouseholdMemberResource().import_data(dataset(family(1, first_serial=1)), user=dinsos_admin)
    data = tablib.Dataset(headers=["nik", "no_kk", "desil", "periode"])
    data.append(["", make_kk(1), "2", "2026Q1"])
    data.append(["", make_kk(1), "12", "2026Q1"])

    bad = DesilRecordResource().import_data(data, dry_run=True, user=dinsos_admin)
    assert [row.number for row in bad.invalid_rows] == [2]

    del data[1]
    DesilRecordResource().import_data(data, dry_run=False, user=dinsos_admin)
    DesilRecordResource().import_data(data, dry_run=False, user=dinsos_admin)
    assert DesilRecord.objects.count() == 1
    assert Household.objects.get().desil == 2


def test_admin_import_page_shows_errors_per_row(client: Client, dinsos_admin):
    client.force_login(dinsos_admin)
    url = reverse("admin:registry_household_import")
    rows = [list(row.values()) for row in family(1, first_serial=1)]
    rows[1][5] = int(rows[1][5])  # a NIK stored as a number

    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "resource": "0",
            "format": _format_index(page, "xlsx"),
            "import_file": SimpleUploadedFile("kk.xlsx", xlsx_bytes(HOUSEHOLD_HEADER, rows)),
        },
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "angka" in body  # registry.nik's message about a number cell
    assert "process_import" not in body  # no confirmation form for a file with errors
    assert not Household.objects.exists()


def _format_index(page, name: str) -> str:
    form = page.context["form"]
    for value, label in form.fields["format"].choices:
        if str(label).lower() == name:
            return str(value)
    raise AssertionError(f"no {name} format")


def test_admin_import_is_only_for_allowed_staff(client: Client, dinsos_admin):
    url = reverse("admin:registry_household_import")
    staff_without_role = user_create(username="staf", password=None, role=Role.AUDITOR)
    staff_without_role.is_staff = True
    staff_without_role.save(update_fields=["is_staff"])
    client.force_login(staff_without_role)
    assert client.get(url).status_code == 403
    client.force_login(dinsos_admin)
    assert client.get(url).status_code == 200


def test_admin_stays_read_only_for_direct_edits(client: Client, dinsos_admin):
    client.force_login(dinsos_admin)
    assert client.get(reverse("admin:registry_household_add")).status_code == 403


def test_admin_export_needs_full_pii_and_is_logged(client: Client, dinsos_admin):
    HouseholdMemberResource().import_data(dataset(family(1, first_serial=1)), user=dinsos_admin)
    client.force_login(dinsos_admin)
    url = reverse("admin:registry_household_export")
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "format": _format_index(page, "xlsx"),
            "resource": "0",
            **{f"householdmemberresource_{name}": "on" for name in HOUSEHOLD_HEADER},
        },
    )
    assert response.status_code == 200, response.content[:500]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    values = [row for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert len(values) == 4 and make_kk(1) in values[1]
    audit = AuditEntry.objects.get(action="pii.export")
    assert audit.actor == dinsos_admin and audit.after["count"] == 1

    no_pii = user_create(username="staf.audit", password=None, role=Role.AUDITOR)
    no_pii.is_staff = True
    no_pii.save(update_fields=["is_staff"])
    client.force_login(no_pii)
    assert client.get(url).status_code == 403
