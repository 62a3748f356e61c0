"""Match: `size` registry persons against a DKB extract of size x 10/3 residents.

Set-up (not timed): a synthetic city is seeded into the registry; the extract holds every
registered person's true record (0.5% left out: not found) plus other residents, and the
registry then gets the errors a clerk makes: 5% mistyped NIKs (half adjacent swaps, half one
wrong digit), 2% the No. KK typed as NIK, 1% a lost last digit (spreadsheets keep 15
digits); 20% of names are written differently at Dukcapil (H./Hj./Drs., Muhammad/M./Moch.,
bin/binti, old spellings oe/dj/tj); 1% deceased, 1% moved out, 1% on another KK.

Timed: the matching job as the portal starts it (the whole run, writes and summary
included). Then Splink (DuckDB backend) links the same data on the same machine.

Keys: `seconds`, `typo_recall` and `typo_precision` (proposed NIK = the true one, over the
8% with a damaged NIK), `f1` (every person linked to the right Dukcapil record or to none),
`splink_f1`, `splink_seconds`.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Subquery

from benchmarks.harness import Context
from benchmarks.scenarios import dkb_load
from depok_kds.celery import app
from depok_kds.models import Job
from registry.dukcapil.models import MatchOutcome, MatchRun, Outcome
from registry.dukcapil.services import match_run_start
from registry.models import FamilyCard, Person
from registry.names import normalize_name
from registry.synthetic.load import synthetic_city_load

DEFAULT_SIZE = 300_000
SMOKE_SIZE = 3000
EXTRACT_FACTOR = 10 / 3
SHARES = {"absent": 0.005, "typo": 0.05, "kk_as_nik": 0.02, "lost_digit": 0.01, "name": 0.20,
          "deceased": 0.01, "moved": 0.01, "other_kk": 0.01}  # fmt: skip
LINKED = {Outcome.MATCHED, Outcome.MATCHED_WITH_DIFFERENCES, Outcome.DECEASED,
          Outcome.MOVED_OUT, Outcome.KK_DIFFERS}  # fmt: skip
HONORIFICS = {"M": ("H.", "Drs.", "Ir."), "F": ("Hj.", "Dra.", "Hj.")}
FATHERS = ("Abdullah", "Ahmad", "Hasan", "Salim", "Usman", "Ismail", "Yusuf")
Row = dict[str, str]


def _city(ctx: Context) -> None:
    households = int(ctx.size / 3.3)
    while True:
        synthetic_city_load(
            households=households,
            append=Person.objects.exists(),
            progress=lambda done, total: ctx.progress(done, total, "seed registry"),
        )
        persons = Person.objects.filter(household__isnull=False, is_deceased=False).count()
        if persons >= ctx.size:
            return
        households = max(1_000, int((ctx.size - persons) / 3.3) + 1)


def _registry() -> list[dict[str, Any]]:
    card = FamilyCard.objects.filter(household=OuterRef("household_id"), valid_to__isnull=True)
    return list(
        Person.objects.filter(household__isnull=False, is_deceased=False, nik__isnull=False)
        .annotate(kk=Subquery(card.values("number")[:1]))
        .order_by("pk")
        .values(
            "pk", "nik", "full_name", "sex", "birth_date", "birth_place", "household_id",
            "relationship", "household__kelurahan_id", "kk",
        )
    )  # fmt: skip


def variant(rng: random.Random, name: str, sex: str) -> str:
    """The name as another office wrote it: a title, another Muhammad, bin/binti, old spelling."""
    words = name.split(",")[0].split()
    kind = rng.randrange(4)
    if kind == 0:
        return f"{rng.choice(HONORIFICS[sex])} {name}"
    if kind == 1 and words[0] in ("Muhammad", "Muhamad", "Mohammad", "M.", "Moch.", "Mochammad"):
        words[0] = rng.choice(("M.", "Moch.", "Muhamad", "Mochammad", "Muhammad"))
        return " ".join(words)
    if kind <= 1:
        return f"{name} {'bin' if sex == 'M' else 'binti'} {rng.choice(FATHERS)}"
    spelled = name.replace("u", "oe").replace("j", "dj").replace("c", "tj").replace("y", "j")
    return spelled if spelled != name else f"{rng.choice(HONORIFICS[sex])} {name}"


def _typo(rng: random.Random, nik: str, taken: set[str]) -> str | None:
    for _ in range(20):
        if rng.random() < 0.5:
            i = rng.randrange(15)
            if nik[i] == nik[i + 1]:
                continue
            typed = nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]
        else:
            i = rng.randrange(16)
            typed = nik[:i] + rng.choice([d for d in "0123456789" if d != nik[i]]) + nik[i + 1 :]
        if typed not in taken:
            return typed
    return None


def plan_errors(
    rng: random.Random, persons: list[dict[str, Any]]
) -> tuple[dict[int, str], dict[int, str], set[int]]:
    """Registry NIK changes {person: typed NIK}, their kind, and the persons left out."""
    # Every NIK in the registry, the deceased's too: a typed NIK must stay unique.
    taken = {nik for nik in Person.objects.values_list("nik", flat=True) if nik is not None}
    order = persons[:]
    rng.shuffle(order)
    n = len(order)
    absent = {p["pk"] for p in order[: int(n * SHARES["absent"])]}
    rest = order[len(absent) :]
    typed: dict[int, str] = {}
    kinds: dict[int, str] = {}
    households_with_kk_nik: set[int] = set()
    quotas = [("typo", SHARES["typo"]), ("kk_as_nik", SHARES["kk_as_nik"]),
              ("lost_digit", SHARES["lost_digit"])]  # fmt: skip
    position = 0
    for kind, share in quotas:
        wanted = int(n * share)
        made = 0
        while made < wanted and position < len(rest):
            person = rest[position]
            position += 1
            nik = person["nik"]
            new: str | None = None
            if kind == "typo":
                new = _typo(rng, nik, taken)
            elif kind == "kk_as_nik":
                if person["kk"] and person["household_id"] not in households_with_kk_nik:
                    new = person["kk"] if person["kk"] not in taken else None
                    households_with_kk_nik.add(person["household_id"])
            elif nik[15] != "0" and nik[:15] + "0" not in taken:
                new = nik[:15] + "0"
            if new is None:
                continue
            taken.add(new)
            typed[person["pk"]] = new
            kinds[person["pk"]] = kind
            made += 1
    return typed, kinds, absent


def truth_rows(
    rng: random.Random, persons: list[dict[str, Any]], absent: set[int]
) -> Iterator[Row]:
    today = date.today()  # noqa: DTZ011 - a synthetic date, no time zone involved
    for person in persons:
        if person["pk"] in absent:
            continue
        name = person["full_name"]
        if rng.random() < SHARES["name"]:
            name = variant(rng, name, person["sex"])
        row = dkb_load.dkb_row(
            nik=person["nik"],
            kk=person["kk"] or "",
            name=name,
            born=person["birth_date"],
            sex=person["sex"],
            place=person["birth_place"] or "Depok",
            relationship=person["relationship"],
            kelurahan_code=person["household__kelurahan_id"],
        )
        roll = rng.random()
        if roll < SHARES["deceased"]:
            row["STAT_MATI"], row["TGL_MATI"] = (
                "Y",
                (today - timedelta(days=rng.randrange(1, 300))).strftime("%d-%m-%Y"),
            )
        elif roll < SHARES["deceased"] + SHARES["moved"]:
            row["STAT_PINDAH"], row["TGL_PINDAH"] = (
                "Y",
                (today - timedelta(days=rng.randrange(1, 300))).strftime("%d-%m-%Y"),
            )
        elif (
            roll < SHARES["deceased"] + SHARES["moved"] + SHARES["other_kk"]
            and person["relationship"] != "1"
        ):
            row["NO_KK"] = f"3276{rng.randrange(10**11, 10**12):012d}"
        yield row


def _apply_typos(typed: dict[int, str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_person p SET nik = t.nik FROM unnest(%s::bigint[], %s::text[]) "
            "AS t(id, nik) WHERE p.id = t.id",
            [list(typed), list(typed.values())],
        )


def _score(predicted: dict[int, str | None], truth: dict[int, str | None]) -> dict[str, float]:
    tp = fp = fn = 0
    for person, true in truth.items():
        guess = predicted.get(person)
        if guess is not None and guess == true:
            tp += 1
        else:
            fp += guess is not None
            fn += true is not None
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def run(ctx: Context) -> dict[str, Any]:
    rng = random.Random(20251)
    _city(ctx)
    persons = _registry()
    typed, kinds, absent = plan_errors(rng, persons)
    size_dkb = int(ctx.size * EXTRACT_FACTOR)
    registry_niks = {p["nik"] for p in persons} | set(typed.values())
    registry_kks = {p["kk"] for p in persons if p["kk"]}
    with tempfile.TemporaryDirectory(prefix="kds-match-") as folder:
        path = Path(folder) / "dkb.csv"
        truth = list(truth_rows(rng, persons, absent))
        extra = dkb_load.synthetic_rows(
            max(0, size_dkb - len(truth)),
            seed=99_991,
            skip=lambda row: row["NIK"] in registry_niks or row["NO_KK"] in registry_kks,
        )
        rows = [*truth, *extra]
        dkb_load.write_csv(path, rows, progress=lambda n: ctx.progress(n, len(rows), "write CSV"))
        _apply_typos(typed)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        app.conf.task_always_eager = True  # jobs run here, when their start commits
        ctx.progress(0, 1, "load extract")
        extract, _seconds, _steps = dkb_load.load(path)
        ctx.progress(1, 1, "load extract")

    ctx.progress(0, 1, "match")
    run_ = match_run_start(actor=None)
    job = Job.objects.get(pk=run_.job_id)
    if job.status != Job.Status.SUCCEEDED or job.started_at is None or job.finished_at is None:
        raise RuntimeError(f"the match failed: {job.error_message}")
    seconds = (job.finished_at - job.started_at).total_seconds()
    ctx.progress(1, 1, "match")

    truth_nik: dict[int, str | None] = {
        p["pk"]: (None if p["pk"] in absent else p["nik"]) for p in persons
    }
    registry_now = {p["pk"]: typed.get(p["pk"], p["nik"]) for p in persons}
    predicted: dict[int, str | None] = {}
    proposed: dict[int, str] = {}
    for person_id, outcome, candidate in MatchOutcome.objects.filter(run=run_).values_list(
        "person_id", "outcome", "candidate_nik"
    ):
        if outcome == Outcome.NIK_MISTYPED and candidate is not None:
            proposed[person_id] = candidate
            predicted[person_id] = candidate
        elif person_id in registry_now:
            predicted[person_id] = registry_now[person_id] if outcome in LINKED else None
    # Persons without a NIK (newborns not yet at Dukcapil) have no true record: any proposal
    # for them counts against precision.
    damaged = {pk for pk in typed if pk not in absent}
    right = {pk for pk, nik in proposed.items() if nik == truth_nik.get(pk)}
    typo_recall = len(right & damaged) / len(damaged) if damaged else 1.0
    typo_precision = len(right) / len(proposed) if proposed else 1.0
    ours = _score(predicted, truth_nik)
    by_kind = {
        kind: round(
            len({pk for pk in right & damaged if kinds[pk] == kind})
            / max(1, sum(1 for pk in damaged if kinds[pk] == kind)),
            4,
        )
        for kind in ("typo", "kk_as_nik", "lost_digit")
    }
    summary = MatchRun.objects.get(pk=run_.pk).summary
    splink: dict[str, Any] = {"f1": None, "seconds": None, "precision": None, "recall": None}
    if not os.environ.get("KDS_BENCH_SKIP_SPLINK"):  # Splink takes minutes: skip while tuning
        splink = _splink(ctx, persons, registry_now, rows, truth_nik)
    return {
        "seconds": round(seconds, 3),
        "persons": len(persons),
        "extract_rows": extract.row_count,
        "typo_recall": round(typo_recall, 4),
        "typo_precision": round(typo_precision, 4),
        "typo_recall_by_kind": by_kind,
        "precision": round(ours["precision"], 4),
        "recall": round(ours["recall"], 4),
        "f1": round(ours["f1"], 4),
        "outcomes": summary.get("per_outcome", {}),
        "job_seconds": job.result.get("seconds", {}),
        "proposals": len(proposed),
        "splink_f1": splink["f1"],
        "splink_seconds": splink["seconds"],
        "splink_precision": splink["precision"],
        "splink_recall": splink["recall"],
    }


def _splink(
    ctx: Context,
    persons: list[dict[str, Any]],
    registry_now: dict[int, str],
    rows: list[Row],
    truth: dict[int, str | None],
) -> dict[str, Any]:
    """Splink 5 with DuckDB on the same data: EM-trained Fellegi-Sunter, best link per person."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    ctx.progress(0, 1, "splink: prepare")
    left = pd.DataFrame(
        {
            "unique_id": [p["pk"] for p in persons],
            "nik": [registry_now[p["pk"]] for p in persons],
            "name": [normalize_name(p["full_name"]) for p in persons],
            "birth_date": [p["birth_date"].isoformat() for p in persons],
            "sex": [p["sex"] for p in persons],
            "birth_place": [(p["birth_place"] or "").upper() for p in persons],
            "kk": [p["kk"] or "" for p in persons],
        }
    )
    cache: dict[str, str] = {}

    def norm(raw: str) -> str:
        value = cache.get(raw)
        if value is None:
            value = cache[raw] = normalize_name(raw)
        return value

    def iso(text: str) -> str:
        return f"{text[6:10]}-{text[3:5]}-{text[0:2]}"

    right = pd.DataFrame(
        {
            "unique_id": list(range(len(rows))),
            "nik": [r["NIK"] for r in rows],
            "name": [norm(r["NAMA_LGKP"]) for r in rows],
            "birth_date": [iso(r["TGL_LHR"]) for r in rows],
            "sex": ["M" if r["JENIS_KLMIN"] == "LAKI-LAKI" else "F" for r in rows],
            "birth_place": [r["TMPT_LHR"] for r in rows],
            "kk": [r["NO_KK"] for r in rows],
        }
    )
    ctx.progress(1, 1, "splink: prepare")
    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("nik", [1, 2]),
            cl.NameComparison("name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("kk"),
            cl.LevenshteinAtThresholds("birth_place", 2),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("birth_date", "sex"),
            block_on("kk"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(
        [
            db_api.register(left, dataset_display_name="registry"),
            db_api.register(right, dataset_display_name="dkb"),
        ],
        settings,
        log_level=None,
    )
    linker.training.estimate_probability_two_random_records_match([block_on("nik")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date", "sex")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("nik"))
    found = linker.inference.predict(threshold_match_probability=0.5)
    predictions = found.as_pandas_dataframe()  # type: ignore[no-untyped-call, unused-ignore]  # typed only with the bench extra
    seconds = time.perf_counter() - started
    ids_l, ids_r = "unique_id_l", "unique_id_r"
    if predictions["source_dataset_l"].iloc[0] != "registry" if len(predictions) else False:
        ids_l, ids_r = ids_r, ids_l
    best = predictions.sort_values("match_probability", ascending=False).drop_duplicates(ids_l)
    niks = right["nik"].tolist()
    predicted = {int(a): niks[int(b)] for a, b in zip(best[ids_l], best[ids_r], strict=True)}
    score = _score(predicted, truth)
    return {
        "seconds": round(seconds, 3),
        "f1": round(score["f1"], 4),
        "precision": round(score["precision"], 4),
        "recall": round(score["recall"], 4),
    }
