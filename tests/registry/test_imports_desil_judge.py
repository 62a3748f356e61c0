"""A plain CSV quarter judged in the database gives the row check's answers, row for row."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from depok_kds.models import Job, User
from registry.imports import desil
from registry.imports.services import prepared_path, upload_path
from registry.models import DesilRecord
from tests.registry.factories import household_registered, make_kk
from tests.registry.test_dtsen import desil_file
from tests.registry.test_imports_support import (
    commit,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
    preview,
)

pytestmark = pytest.mark.django_db

NIK_CELLS = (
    "9999{}",  # unknown kab/kota
    "3276{}",
    "3276{}",
    "3276{}",
    " 3276{}",  # typed with a space
    "'3276{}",  # Excel's text prefix
    "3276{}x",
    "",
)
DATES = ("0101850", "4512990", "3112260", "2902000", "2902010", "0013900", "3202850", "9904850")
DESILS = ("3", "03", "3.0", " 4 ", "10", "11", "0", "x", "")
PERIODS = ("2026Q1", "2026Q1", "2026-Q1", "q1 2026", "2099Q1", "1999Q4", "2026Q5", "")


def _nik(rng: random.Random) -> str:
    # kecamatan, a birth date field (some impossible), a serial (some 0000)
    date = rng.choice(DATES)[:6]
    serial = rng.choice(("0000", f"{rng.randrange(1, 10_000):04d}", "0001"))
    cell = rng.choice(NIK_CELLS)
    return cell.format(f"{rng.choice(('01', '02', '11'))}{date}{serial}") if cell else ""


def _rows(count: int) -> list[tuple[str, str, str, str]]:
    rng = random.Random(18)
    rows = []
    for _ in range(count):
        nik = _nik(rng)
        kk = make_kk(rng.randrange(1, 4)) if rng.random() < 0.1 or not nik else ""
        clean = rng.random() < 0.6
        nik = f"327601{rng.choice(DATES)[:6]}{rng.randrange(1, 10_000):04d}" if clean else nik
        rows.append(
            (
                nik,
                kk if not clean else "",
                str(rng.randrange(1, 11)) if clean else rng.choice(DESILS),
                "2026Q1" if clean else rng.choice(PERIODS),
            )
        )
    return rows + rows[:5]  # the same rankings again


def _checked(user: User, content: bytes, monkeypatch: Any, *, judged: bool) -> Job:
    calls: list[object] = []
    real = desil.quarter_judge

    def spy(*args: Any) -> Any:
        calls.append(found := real(*args) if judged else None)
        return found

    monkeypatch.setattr(desil, "quarter_judge", spy)
    job = preview(user, "desil", content)
    assert calls == [calls[0]] and (calls[0] is not None) == judged
    return job


def _prepared(job: Job) -> list[str]:
    path: Path = prepared_path(upload_path(job.params["path"]))
    return sorted(path.read_text(encoding="utf-8").splitlines())


def test_a_plain_quarter_file_is_judged_as_the_row_check_judges_it(
    dinsos_operator: User, monkeypatch: Any
) -> None:
    household_registered(1)
    content = desil_file(*_rows(600))

    fast = _checked(dinsos_operator, content, monkeypatch, judged=True)
    slow = _checked(dinsos_operator, content, monkeypatch, judged=False)

    assert fast.result == slow.result
    assert fast.result["rows_ready"] > 100 and fast.result["rows_skipped"] > 100
    assert sorted(map(str, fast.error_rows)) == sorted(map(str, slow.error_rows))
    assert _prepared(fast) == _prepared(slow)
    written = commit(dinsos_operator, fast)
    assert DesilRecord.objects.count() == written.result["desil_new"] > 100


@pytest.mark.parametrize(
    "content",
    [
        b'nik,no_kk,desil,periode\n"3276015505850001",,3,2026Q1\n',  # quoted
        b"nik,no_kk,desil,periode\n3276015505850001,,3,2026Q1\n\n3276015505850002,,3,2026Q1\n",
        b"nik,no_kk,desil,periode\n3276015505850001,,3\n",  # a short line
    ],
)
def test_a_file_the_database_may_read_otherwise_takes_the_row_check(
    dinsos_operator: User, monkeypatch: Any, content: bytes
) -> None:
    calls: list[object] = []
    real = desil.quarter_judge
    monkeypatch.setattr(desil, "quarter_judge", lambda *a: calls.append(r := real(*a)) or r)

    checked = preview(dinsos_operator, "desil", content)

    assert calls == [None]
    assert checked.result["rows"] >= 1
