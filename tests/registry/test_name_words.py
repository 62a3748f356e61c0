"""The name search's word table: recounted nightly in full, and after every households import
(portal and admin) for the words of the names written, as the import's follow-up job."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import tablib
from celery import current_app

from depok_kds.models import User
from registry.models import NameWord
from registry.resources import HouseholdMemberResource
from registry.selectors import household_list
from registry.services import name_words_recount, name_words_refresh
from registry.tasks import name_words_after_import  # noqa: F401  (registers the follow-up)
from tests.registry.factories import PersonFactory
from tests.registry.test_imports_support import (
    commit,
    csv_bytes,
    family,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
    preview,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs_run_inline() -> Iterator[None]:
    current_app.conf.task_always_eager = True
    try:
        yield
    finally:
        current_app.conf.task_always_eager = False


def words() -> dict[str, int]:
    return dict(NameWord.objects.values_list("word", "persons"))


def test_a_recount_counts_only_the_words_given() -> None:
    PersonFactory(full_name="Siti Komariah")
    PersonFactory(full_name="Hj. Komariah")
    NameWord.objects.create(word="vanished", persons=3)
    NameWord.objects.create(word="siti", persons=40)

    assert name_words_recount(["komariah", "vanished", ""]) == 2

    assert words() == {"komariah": 2, "siti": 40}  # siti waits for the nightly recount


def test_many_words_are_recounted_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    from registry.services import name_words

    monkeypatch.setattr(name_words, "RECOUNT_MAX_WORDS", 1)
    PersonFactory(full_name="Siti Komariah")
    NameWord.objects.create(word="vanished", persons=3)

    name_words_recount(["komariah", "zulfa"])

    assert words() == {"siti": 1, "komariah": 1}


def test_a_households_import_recounts_its_names_once_committed(
    dinsos_operator: User, jobs_run_inline: None, django_capture_on_commit_callbacks
) -> None:
    PersonFactory(full_name="Jusuf Hidajat")
    name_words_refresh()
    rows = family(1, first_serial=1, size=2)
    rows[0]["nama"] = "Tjetjep Soemantri"
    rows[1]["nama"] = "Hj. Jusuf Komariah"

    with django_capture_on_commit_callbacks(execute=True):
        commit(dinsos_operator, preview(dinsos_operator, "households", csv_bytes(rows)))

    assert words() == {"cecep": 1, "sumantri": 1, "jusuf": 2, "hidajat": 1, "komariah": 1}
    # Its spellings are known at once: Cecep finds Tjetjep's household.
    found = household_list(user=dinsos_operator, q="cecep sumantri")
    assert [h.head.full_name for h in found] == ["Tjetjep Soemantri"]


def test_an_admin_import_recounts_its_names_once_committed(
    dinsos_admin: User, jobs_run_inline: None, django_capture_on_commit_callbacks
) -> None:
    rows = family(1, first_serial=1, size=2)
    rows[0]["nama"] = "Noer Hidajat"
    rows[1]["nama"] = "Siti Noer"
    dataset = tablib.Dataset().load(csv_bytes(rows).decode(), format="csv")

    with django_capture_on_commit_callbacks(execute=True):
        result = HouseholdMemberResource().import_data(dataset, dry_run=False, user=dinsos_admin)

    assert not result.has_errors()
    assert words() == {"nur": 2, "hidayat": 1, "siti": 1}


def test_a_dry_run_of_the_admin_import_queues_nothing(
    dinsos_admin: User, django_capture_on_commit_callbacks
) -> None:
    dataset = tablib.Dataset().load(csv_bytes(family(1, first_serial=1)).decode(), format="csv")

    with django_capture_on_commit_callbacks() as callbacks:
        HouseholdMemberResource().import_data(dataset, dry_run=True, user=dinsos_admin)

    assert callbacks == []
