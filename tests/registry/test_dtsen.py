"""DTSEN desil: the import, matching to persons and cards, the household's desil and history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from depok_kds.models import AuditEntry, User
from registry.dtsen import desil_history, desil_records_match
from registry.models import DesilRecord, Household
from registry.services import household_head_change, household_split
from tests.registry.factories import (
    KELURAHAN_TUGU,
    household_registered,
    make_kk,
)
from tests.registry.test_imports_support import (
    commit,
    csv_bytes,
    errors_by_row,
    family,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
    preview,
)

pytestmark = pytest.mark.django_db
HEADER = ("nik", "no_kk", "desil", "periode")


def desil_file(*rows: tuple[str, str, str, str]) -> bytes:
    return csv_bytes([dict(zip(HEADER, row, strict=True)) for row in rows], HEADER)


def rank(actor, *rows: tuple[str, str, str, str]) -> None:
    """Import and commit a DTSEN file of `rows` (nik, no_kk, desil, periode)."""
    commit(actor, preview(actor, "desil", desil_file(*rows)))


def test_desil_import_sets_the_households_current_desil_and_keeps_history(dinsos_operator):
    household = household_registered(1)
    rank(dinsos_operator, ("", make_kk(1), "4", "2025Q4"))
    head_nik = household.head.nik

    checked = preview(dinsos_operator, "desil", desil_file(("", make_kk(1), "3", "2026Q1")))
    written = commit(dinsos_operator, checked)

    household.refresh_from_db()
    assert (household.desil, household.desil_period) == (3, "2026Q1")
    history = list(desil_history(user=dinsos_operator, household_id=household.pk))
    assert [(r.period, r.desil) for r in history] == [("2026Q1", 3), ("2025Q4", 4)]
    assert written.result["desil_new"] == 1
    assert AuditEntry.objects.filter(action="registry.import.desil").count() == 2
    assert head_nik  # the family was ranked by its card; no member needed


def test_a_later_import_of_an_older_quarter_does_not_replace_the_current_desil(dinsos_operator):
    household = household_registered(1)
    content = desil_file(("", make_kk(1), "2", "2026Q2"), ("", make_kk(1), "6", "2025Q2"))
    commit(dinsos_operator, preview(dinsos_operator, "desil", content))
    household.refresh_from_db()
    assert (household.desil, household.desil_period) == (2, "2026Q2")


def test_desil_by_nik_matches_the_person_and_their_household(dinsos_operator):
    household = household_registered(1)
    wife = household.members.get(relationship="3")

    rank(dinsos_operator, (wife.nik, "", "5", "2026Q1"))

    record = DesilRecord.objects.get()
    assert (record.person, record.household) == (wife, household)
    household.refresh_from_db()
    assert household.desil == 5


def test_reimporting_a_desil_file_changes_nothing_and_a_correction_updates(dinsos_operator):
    household = household_registered(1)
    content = desil_file(("", make_kk(1), "4", "2026Q1"))
    commit(dinsos_operator, preview(dinsos_operator, "desil", content))
    first = DesilRecord.objects.get()

    again = preview(dinsos_operator, "desil", content)
    commit(dinsos_operator, again)
    assert again.result["desil_unchanged"] == 1 and again.result["desil_new"] == 0
    assert DesilRecord.objects.get().job_id == first.job_id

    corrected = preview(dinsos_operator, "desil", desil_file(("", make_kk(1), "2", "2026Q1")))
    commit(dinsos_operator, corrected)
    assert corrected.result["desil_updated"] == 1
    assert DesilRecord.objects.count() == 1
    household.refresh_from_db()
    assert household.desil == 2


def test_unmatched_rankings_are_kept_and_match_when_the_family_is_imported(dinsos_operator):
    rows = family(7, first_serial=70)
    checked = preview(dinsos_operator, "desil", desil_file((rows[0]["nik"], "", "1", "2026Q1")))
    assert checked.result["desil_unmatched"] == 1
    commit(dinsos_operator, checked)
    assert DesilRecord.objects.get().household is None

    commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows)))

    household = Household.objects.get()
    assert DesilRecord.objects.get().household == household
    assert household.desil == 1


def test_unmatched_counts_only_the_rankings_the_file_writes(dinsos_operator: User) -> None:
    nik = family(7, first_serial=70)[0]["nik"]
    rank(dinsos_operator, (nik, "", "1", "2026Q1"))

    again = preview(dinsos_operator, "desil", desil_file((nik, "", "1", "2026Q2")))
    changed = preview(dinsos_operator, "desil", desil_file((nik, "", "2", "2026Q2")))

    assert (again.result["desil_unchanged"], again.result["desil_unmatched"]) == (1, 0)
    assert (changed.result["desil_new"], changed.result["desil_unmatched"]) == (1, 1)


def test_bad_desil_rows_are_listed_and_good_ones_written(dinsos_operator):
    household_registered(1)
    content = desil_file(
        ("", make_kk(1), "11", "2026Q1"),  # row 2: desil out of range
        ("3276019903200001", "", "3", "2026Q1"),  # row 3: no day 99 in a NIK
        ("", "", "3", "2026Q1"),  # row 4: no identifier
        ("", make_kk(1), "3", "2026-Q5"),  # row 5: no such quarter
        ("", make_kk(1), "3", "2026Q1"),  # row 6: good
        ("", make_kk(1), "3", "2026Q1"),  # row 7: the same ranking again
    )

    checked = preview(dinsos_operator, "desil", content)
    commit(dinsos_operator, checked)

    errors = errors_by_row(checked)
    assert set(errors) == {2, 3, 4, 5, 7}
    assert dict(errors[2])["desil"] and dict(errors[5])["periode"] and dict(errors[3])["nik"]
    assert DesilRecord.objects.count() == 1


def test_matching_refreshes_only_changed_households():
    household = household_registered(1)
    DesilRecord.objects.create(kk_number=make_kk(1), desil=7, period="2026Q1")
    assert desil_records_match() == 1
    household.refresh_from_db()
    assert household.desil == 7
    assert desil_records_match() == 0


def test_the_household_page_loads_the_desil_history_partial(client: Client, dinsos_operator):
    household = household_registered(1)
    DesilRecord.objects.create(household=household, kk_number=make_kk(1), desil=3, period="2026Q1")
    DesilRecord.objects.create(household=household, kk_number=make_kk(1), desil=4, period="2025Q2")
    client.force_login(dinsos_operator)
    partial = reverse("registry:household-desil", args=[household.pk])

    page = client.get(reverse("registry:household", args=[household.pk])).content.decode()
    assert partial in page

    response = client.get(partial, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index('data-period="2026Q1"') < body.index('data-period="2025Q2"')
    assert "2025Q2\N{EN DASH}2025Q4" in body  # a ranking holds until the next one replaces it
    assert b"<html" not in response.content


def test_desil_history_is_scoped(client: Client, puskesos_a, puskesos_b, leader):
    household = household_registered(1, kelurahan=KELURAHAN_TUGU)
    DesilRecord.objects.create(household=household, kk_number=make_kk(1), desil=3, period="2026Q1")
    url = reverse("registry:household-desil", args=[household.pk])
    client.force_login(puskesos_a)
    assert client.get(url).status_code == 404
    client.force_login(puskesos_b)
    assert client.get(url).status_code == 200
    client.force_login(leader)
    assert client.get(url).status_code == 403


def test_a_persons_ranking_goes_with_them_when_they_leave_with_a_new_kk(dinsos_operator):
    household = household_registered(1)
    child = household.members.get(relationship="4")
    rank(dinsos_operator, (child.nik, "", "2", "2026Q1"))
    household.refresh_from_db()
    assert household.desil == 2

    new = household_split(
        actor=dinsos_operator,
        household_id=household.pk,
        person_ids=[child.pk],
        head_id=child.pk,
        kk_number=make_kk(9),
    )

    household.refresh_from_db(), new.refresh_from_db()
    assert DesilRecord.objects.get().household == new
    assert (new.desil, new.desil_period) == (2, "2026Q1")
    assert (household.desil, household.desil_period) == (None, "")


def test_after_a_head_change_the_new_heads_ranking_wins(dinsos_operator):
    household = household_registered(1)
    head, wife = household.head, household.members.get(relationship="3")
    rows = ((head.nik, "", "3", "2026Q1"), (wife.nik, "", "5", "2026Q1"))
    rank(dinsos_operator, *rows)
    household.refresh_from_db()
    assert household.desil == 3

    household_head_change(
        actor=dinsos_operator,
        household_id=household.pk,
        new_head_id=wife.pk,
        previous_head_relationship="2",
    )

    household.refresh_from_db()
    assert household.desil == 5


def test_a_stored_unmatched_ranking_is_linked_when_its_correction_is_imported(dinsos_operator):
    """The write links a corrected ranking that matched nobody as the matching would."""
    rows = family(7, first_serial=70)
    commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows)))
    DesilRecord.objects.create(nik=rows[0]["nik"], desil=6, period="2026Q1")  # never matched

    corrected = preview(dinsos_operator, "desil", desil_file((rows[0]["nik"], "", "2", "2026Q1")))
    commit(dinsos_operator, corrected)

    household = Household.objects.get()
    record = DesilRecord.objects.get()
    assert corrected.result["desil_updated"] == 1
    assert (record.desil, record.household, record.person.nik) == (2, household, rows[0]["nik"])
    assert (household.desil, household.desil_period) == (2, "2026Q1")


def test_a_ranking_by_nik_and_no_kk_follows_the_person_over_the_card(dinsos_operator):
    first, second = household_registered(1), household_registered(2)
    member = second.members.get(relationship="3")

    rank(
        dinsos_operator,
        (member.nik, make_kk(1), "4", "2026Q1"),  # the person's household wins
        ("", make_kk(1), "7", "2026Q1"),  # the card's household
    )

    by_person = DesilRecord.objects.get(nik=member.nik)
    assert (by_person.person, by_person.household) == (member, second)
    assert DesilRecord.objects.get(nik="").household == first
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.desil, second.desil) == (7, 4)


def test_every_refused_row_is_reported_and_counted_once(dinsos_operator):
    household_registered(1)
    content = desil_file(
        ("", make_kk(1), "11", "2026Q9"),  # row 2: two problems
        ("", make_kk(1), "11", "2025Q4"),  # row 3: the same refused desil again
        ("", make_kk(1), "3", "2026Q1"),  # row 4: good
    )

    checked = preview(dinsos_operator, "desil", content)

    errors = errors_by_row(checked)
    assert set(errors) == {2, 3}
    assert {column for column, _reason in errors[2]} == {"desil", "periode"}
    assert dict(errors[3])["desil"]
    assert (checked.result["rows_ready"], checked.result["rows_skipped"]) == (1, 2)


@pytest.mark.parametrize(
    ("nik", "kk"),
    [
        ("member", "first"),  # the person's household wins over the card's
        ("member", ""),
        ("", "first"),
        ("stranger", "first"),
        ("stranger", "nowhere"),
    ],
)
def test_an_imported_ranking_is_linked_as_matching_links_a_stored_one(dinsos_operator, nik, kk):
    household_registered(1)
    second = household_registered(2)
    values = {
        "": "",
        "member": second.members.get(relationship="3").nik,
        "stranger": family(9, first_serial=90)[0]["nik"],
        "first": make_kk(1),
        "nowhere": make_kk(9),
    }
    nik, kk = values[nik], values[kk]
    stored = DesilRecord.objects.create(nik=nik, kk_number=kk, desil=3, period="2025Q4")
    desil_records_match()

    rank(dinsos_operator, (nik, kk, "4", "2026Q1"))  # a changed ranking is written

    stored.refresh_from_db()
    imported = DesilRecord.objects.get(period="2026Q1")
    assert (imported.person_id, imported.household_id) == (stored.person_id, stored.household_id)


def test_an_unchanged_ranking_of_a_new_quarter_is_not_written_again(dinsos_operator: User) -> None:
    household = household_registered(1)
    rank(dinsos_operator, ("", make_kk(1), "4", "2026Q1"))

    checked = preview(dinsos_operator, "desil", desil_file(("", make_kk(1), "4", "2026Q2")))
    commit(dinsos_operator, checked)

    assert (checked.result["desil_unchanged"], checked.result["desil_new"]) == (1, 0)
    assert list(DesilRecord.objects.values_list("period", "desil")) == [("2026Q1", 4)]
    household.refresh_from_db()
    assert (household.desil, household.desil_period) == (4, "2026Q1")


def test_a_quarter_in_two_files_ends_nobodys_ranking(dinsos_operator: User) -> None:
    household = household_registered(1)
    wife, child = (str(household.members.get(relationship=r).nik) for r in ("3", "4"))
    rank(dinsos_operator, (wife, "", "5", "2026Q1"), (child, "", "5", "2026Q1"))

    rank(dinsos_operator, (wife, "", "8", "2026Q2"))  # the first file of the quarter
    household.refresh_from_db()
    assert (household.desil, household.desil_period) == (5, "2026Q1")  # the child's holds

    rank(dinsos_operator, (child, "", "9", "2026Q2"))  # the second
    household.refresh_from_db()
    assert (household.desil, household.desil_period) == (8, "2026Q2")


def test_correcting_an_earlier_quarter_keeps_the_next_quarters_value(dinsos_operator: User) -> None:
    household, other = household_registered(1), household_registered(2)
    rank(dinsos_operator, ("", make_kk(1), "4", "2026Q1"), ("", make_kk(2), "4", "2026Q1"))
    rank(dinsos_operator, ("", make_kk(1), "4", "2026Q2"), ("", make_kk(2), "6", "2026Q2"))
    rank(dinsos_operator, ("", make_kk(1), "4", "2026Q3"), ("", make_kk(2), "7", "2026Q3"))

    rank(dinsos_operator, ("", make_kk(1), "2", "2026Q2"))  # a correction of 2026Q2

    history = desil_history(user=dinsos_operator, household_id=household.pk)
    assert [(r.period, r.desil) for r in history] == [("2026Q3", 4), ("2026Q2", 2), ("2026Q1", 4)]
    household.refresh_from_db()
    other.refresh_from_db()
    assert (household.desil, household.desil_period) == (4, "2026Q3")
    assert (other.desil, other.desil_period) == (7, "2026Q3")
