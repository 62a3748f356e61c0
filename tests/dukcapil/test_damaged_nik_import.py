"""A damaged NIK at import: the member comes in without a NIK, the typed digits are kept as
unverified evidence, and Dukcapil matching recovers the real NIK from them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.dukcapil.models import MatchOutcome, Outcome
from registry.models import FamilyCard, Person
from tests.dukcapil.conftest import run_to_end
from tests.dukcapil.factories import dkb_csv, dkb_row, load_extract
from tests.registry.test_imports_support import (
    commit,
    csv_bytes,
    errors_by_row,
    family,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
    preview,
)

pytestmark = pytest.mark.django_db


def damaged(nik: str, kind: str) -> str:
    if kind == "unknown_region":  # 3276 typed as 3296: no such kabupaten/kota
        return nik[:2] + "9" + nik[3:]
    # The child's birth date 15-01-2012 typed "10-51-12": the day's 5 swapped into the month.
    return nik[:7] + nik[8] + nik[7] + nik[9:]


@pytest.mark.parametrize("kind", ["unknown_region", "impossible_date"])
def test_a_household_with_one_damaged_nik_imports_whole(dinsos_operator, kind):
    rows = family(1, first_serial=1)
    true_nik = rows[2]["nik"]
    rows[2]["nik"] = typed = damaged(true_nik, kind)

    written = commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows)))

    assert errors_by_row(written) == {}
    household = FamilyCard.objects.get(valid_to=None).household
    assert household.members.count() == 3
    child = household.members.get(nik_unverified=typed)
    assert (child.nik, child.nik_status) == (None, Person.NikStatus.MISSING)
    assert written.result["families_skipped"] == 0 and written.result["warnings"] >= 1


def test_the_damaged_nik_is_shown_unverified_and_kept_on_reimport(dinsos_operator, client):
    rows = family(1, first_serial=1)
    rows[2]["nik"] = damaged(rows[2]["nik"], "unknown_region")
    content = csv_bytes(rows)
    commit(dinsos_operator, preview(dinsos_operator, "households", content))

    again = preview(dinsos_operator, "households", content)
    assert again.result["persons_unchanged"] == 3

    household = FamilyCard.objects.get(valid_to=None).household
    client.force_login(dinsos_operator)
    page = client.get(reverse("registry:household", args=[household.pk])).content.decode()
    assert f'nik-unverified">{rows[2]["nik"]}</code>' in page  # full for Dinsos, logged
    assert "belum terverifikasi" in page


def test_matching_recovers_the_real_nik_from_the_damaged_one(dinsos_operator):
    rows = family(1, first_serial=1)
    true_nik = rows[2]["nik"]
    rows[2]["nik"] = damaged(true_nik, "impossible_date")
    commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows)))
    child = Person.objects.get(nik__isnull=True)
    kk = rows[0]["no_kk"]
    extract = [
        dkb_row(nik=p.nik or true_nik, kk=kk, name=p.full_name, born=p.birth_date, sex=p.sex)
        for p in Person.objects.order_by("pk")
    ]
    load_extract(dkb_csv(extract), actor=dinsos_operator)

    run = run_to_end(dinsos_operator)

    outcome = MatchOutcome.objects.get(run=run, person=child)
    assert (outcome.outcome, outcome.candidate_nik) == (Outcome.NIK_MISTYPED, true_nik)
