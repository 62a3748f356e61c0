"""Match: `size` registry persons against a DKB extract of size x 10/3 residents.

Set-up (not timed): a synthetic city is seeded into the registry; the extract holds every
registered person's true record (0.5% left out: not found) plus other residents, and the
registry then gets the errors a clerk makes: 5% mistyped NIKs (half adjacent swaps, half one
wrong digit), 2% the No. KK typed as NIK, 1% a lost last digit (spreadsheets keep 15
digits); 20% of names are written differently at Dukcapil (H./Hj./Drs., Muhammad/M./Moch.,
bin/binti, old spellings oe/dj/tj); 1% deceased, 1% moved out, 1% on another KK. On top,
the patterns of Indonesian administrative data (`ERROR_KINDS`), each on 0.5-1% of persons:
a mistyped NIK together with a name that lost or gained a word, with "bin/binti" and the
father's name, with its words in another order, or with the birth date's day and month
swapped; a correct NIK with a shortened name and a swapped birth date; a mistyped NIK of a
person Dukcapil lists as deceased or moved out; and a person missing from the extract
whose common single name and birth date a namesake there shares (the right answer: none).

Timed: the matching job as the portal starts it (the whole run, writes and summary
included). Then Splink (DuckDB backend) links the same data on the same machine.

Keys (defined in benchmarks/README.md): `seconds`, `peak_rss_mb`, `precision`, `recall`,
`f1`, `typo_recall`, `typo_precision`, `recall_by_kind` and `status_carried`, each with its
`splink_` twin measured the same way in the same run.
"""

from __future__ import annotations

import gc
import os
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Subquery

from benchmarks.harness import Context, MemorySampler
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
# The patterns of Indonesian data, each on its share of persons (see the module docstring).
ERROR_KINDS = {"dropped_word": 0.01, "bin_binti": 0.01, "word_order": 0.01, "date_swap": 0.01,
               "short_name_swap": 0.01, "deceased_typo": 0.005, "moved_typo": 0.005,
               "namesake": 0.005}  # fmt: skip
# Kinds whose registry NIK gets an adjacent swap or one wrong digit ("typo": either, and the
# kind becomes "transposition" or "substitution").
MISTYPED_KINDS = ("typo", "dropped_word", "bin_binti", "word_order", "date_swap",
                  "deceased_typo", "moved_typo")  # fmt: skip
# The outcome a person of these kinds should get, with the proposed NIK: the status is kept.
STATUS_OUTCOME = {"deceased_typo": Outcome.DECEASED, "moved_typo": Outcome.MOVED_OUT}
EXTRA_WORDS = ("Nur", "Sri", "Dewi", "Putra", "Hidayat", "Kurniawan", "Lestari", "Wati")
FATHER_NAMES = ("Hendra Saputra", "Ahmad Fauzi", "Dedi Kurniawan", "Asep Sunandar",
                "Joko Susilo", "Usman Hakim")  # fmt: skip
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


def _typo(rng: random.Random, nik: str, taken: set[str]) -> tuple[str, str] | None:
    """A NIK with two adjacent digits swapped or one digit wrong, and which of the two."""
    for _ in range(20):
        if rng.random() < 0.5:
            i = rng.randrange(15)
            if nik[i] == nik[i + 1]:
                continue
            typed, kind = nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :], "transposition"
        else:
            i = rng.randrange(16)
            typed = nik[:i] + rng.choice([d for d in "0123456789" if d != nik[i]]) + nik[i + 1 :]
            kind = "substitution"
        if typed not in taken:
            return typed, kind
    return None


def _dropped_or_added(rng: random.Random, name: str) -> str:
    words = name.split()
    if len(words) >= 3 and rng.random() < 0.5:
        del words[rng.randrange(1, len(words))]
    else:
        words.insert(rng.randrange(1, len(words) + 1), rng.choice(EXTRA_WORDS))
    return " ".join(words)


def _swapped(born: date) -> date | None:
    """The birth date with day and month swapped, if that is another valid date."""
    if born.day > 12 or born.day == born.month:
        return None
    return born.replace(day=born.month, month=born.day)


@dataclass
class Plan:
    """The errors planted: registry changes, Dukcapil-side changes, the kind of each."""

    registry: dict[int, dict[str, Any]] = field(default_factory=dict)  # pk -> changed fields
    dukcapil_name: dict[int, str] = field(default_factory=dict)
    dukcapil_status: dict[int, str] = field(default_factory=dict)  # "deceased" / "moved"
    kinds: dict[int, str] = field(default_factory=dict)
    absent: set[int] = field(default_factory=set)
    namesakes: list[Row] = field(default_factory=list)

    def typed(self) -> dict[int, str]:
        return {pk: change["nik"] for pk, change in self.registry.items() if "nik" in change}


def plan_errors(rng: random.Random, persons: list[dict[str, Any]]) -> Plan:
    """Which person gets which error (one each), and what it changes on either side."""
    # Every NIK in the registry, the deceased's too: a typed NIK must stay unique.
    taken = {nik for nik in Person.objects.values_list("nik", flat=True) if nik is not None}
    order = persons[:]
    rng.shuffle(order)
    n = len(order)
    plan = Plan(absent={p["pk"] for p in order[: int(n * SHARES["absent"])]})
    rest = iter(order[len(plan.absent) :])
    households_with_kk_nik: set[int] = set()
    quotas = [("typo", SHARES["typo"]), ("kk_as_nik", SHARES["kk_as_nik"]),
              ("lost_digit", SHARES["lost_digit"]), *ERROR_KINDS.items()]  # fmt: skip
    for kind, share in quotas:
        wanted = int(n * share)
        made = 0
        for person in rest:
            if made >= wanted:
                break
            change = _plan_one(rng, plan, kind, person, taken, households_with_kk_nik)
            if change is None:
                continue
            made += 1
            if "nik" in change:
                taken.add(change["nik"])
            if change:
                plan.registry[person["pk"]] = change
    return plan


def _plan_one(
    rng: random.Random,
    plan: Plan,
    kind: str,
    person: dict[str, Any],
    taken: set[str],
    households_with_kk_nik: set[int],
) -> dict[str, Any] | None:
    """Plant one error of `kind` on `person`: the registry's changes, or None if it cannot."""
    pk, nik, name, sex = person["pk"], person["nik"], person["full_name"], person["sex"]
    change: dict[str, Any] = {}
    if kind == "kk_as_nik":
        if not person["kk"] or person["household_id"] in households_with_kk_nik:
            return None
        households_with_kk_nik.add(person["household_id"])
        if person["kk"] in taken:
            return None
        change["nik"] = person["kk"]
    elif kind == "lost_digit":
        if nik[15] == "0" or nik[:15] + "0" in taken:
            return None
        change["nik"] = nik[:15] + "0"
    elif kind in ("short_name_swap", "date_swap") and _swapped(person["birth_date"]) is None:
        return None
    elif kind == "namesake":
        own = name.split()[0]
        if len(own) < 3:
            return None
        plan.absent.add(pk)
        change["full_name"] = own
        serial = rng.randrange(1, 9999)
        other = f"3201{rng.randrange(10, 99):02d}{nik[6:12]}{serial:04d}"
        plan.namesakes.append(
            dkb_load.dkb_row(
                nik=other,
                kk=f"3201{rng.randrange(10**11, 10**12):012d}",
                name=own,
                born=person["birth_date"],
                sex=sex,
                place=person["birth_place"] or "Depok",
                relationship="4",
            )
        )
    if kind in MISTYPED_KINDS:
        mistyped = _typo(rng, nik, taken)
        if mistyped is None:
            return None
        change["nik"], typo_kind = mistyped
        if kind == "typo":
            kind = typo_kind
    if kind == "dropped_word":
        if len(name.split(",")[0].split()) < 2:
            return None
        plan.dukcapil_name[pk] = _dropped_or_added(rng, name.split(",")[0])
    elif kind == "bin_binti":
        connector = "BIN" if sex == "M" else "BINTI"
        plan.dukcapil_name[pk] = f"{name} {connector} {rng.choice(FATHER_NAMES)}"
    elif kind == "word_order":
        words = name.split(",")[0].split()
        if len(words) < 2:
            return None
        plan.dukcapil_name[pk] = " ".join(words[1:] + words[:1])
    elif kind in ("date_swap", "short_name_swap"):
        change["birth_date"] = _swapped(person["birth_date"])
        if kind == "short_name_swap":
            words = name.split()
            if len(words) < 2:
                return None
            change["full_name"] = words[0]
    elif kind in ("deceased_typo", "moved_typo"):
        plan.dukcapil_status[pk] = kind.removesuffix("_typo")
    plan.kinds[pk] = kind
    return change


def truth_rows(rng: random.Random, persons: list[dict[str, Any]], plan: Plan) -> Iterator[Row]:
    today = date.today()  # noqa: DTZ011 - a synthetic date, no time zone involved
    for person in persons:
        pk = person["pk"]
        if pk in plan.absent:
            continue
        name = person["full_name"]
        if rng.random() < SHARES["name"]:
            name = variant(rng, name, person["sex"])
        name = plan.dukcapil_name.get(pk, name)
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
        status = plan.dukcapil_status.get(pk)
        if status is not None:
            roll = 0.0 if status == "deceased" else SHARES["deceased"]
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


def _apply(plan: Plan, persons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write the registry's planted errors; return the persons as the registry now holds them."""
    now = [{**p, **plan.registry.get(p["pk"], {})} for p in persons]
    changed = [p for p in now if p["pk"] in plan.registry]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_person p SET nik = t.nik, full_name = t.name, "
            "name_normalized = t.normalized, birth_date = t.born "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::date[]) "
            "AS t(id, nik, name, normalized, born) WHERE p.id = t.id",
            [
                [p["pk"] for p in changed],
                [p["nik"] for p in changed],
                [p["full_name"] for p in changed],
                [normalize_name(p["full_name"]) for p in changed],
                [p["birth_date"] for p in changed],
            ],
        )
    return now


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


def evaluate(
    predicted: dict[int, str | None],
    truth: dict[int, str | None],
    registry_nik: dict[int, str],
    plan: Plan,
) -> dict[str, Any]:
    """The figures of one system (README: "What `match` measures"), from its links."""
    scores = _score(predicted, truth)
    damaged = {pk for pk in plan.typed() if truth.get(pk) is not None}
    proposed = {pk: nik for pk, nik in predicted.items() if nik and nik != registry_nik.get(pk)}
    right = {pk for pk, nik in proposed.items() if nik == truth.get(pk)}
    by_kind: dict[str, list[int]] = {}
    for pk, kind in plan.kinds.items():
        by_kind.setdefault(kind, []).append(pk)
    return {
        **{key: round(value, 4) for key, value in scores.items()},
        "typo_recall": round(len(right & damaged) / len(damaged), 4) if damaged else 1.0,
        "typo_precision": round(len(right) / len(proposed), 4) if proposed else 1.0,
        "proposals": len(proposed),
        "recall_by_kind": {
            kind: round(sum(predicted.get(pk) == truth[pk] for pk in pks) / len(pks), 4)
            for kind, pks in sorted(by_kind.items())
        },
    }


def run(ctx: Context) -> dict[str, Any]:
    rng = random.Random(20251)
    _city(ctx)
    persons = _registry()
    plan = plan_errors(rng, persons)
    size_dkb = int(ctx.size * EXTRACT_FACTOR)
    registry_niks = {p["nik"] for p in persons} | set(plan.typed().values())
    registry_kks = {p["kk"] for p in persons if p["kk"]}
    with tempfile.TemporaryDirectory(prefix="kds-match-") as folder:
        path = Path(folder) / "dkb.csv"
        truth = [*truth_rows(rng, persons, plan), *plan.namesakes]
        extra = dkb_load.synthetic_rows(
            max(0, size_dkb - len(truth)),
            seed=99_991,
            skip=lambda row: row["NIK"] in registry_niks or row["NO_KK"] in registry_kks,
        )
        rows = [*truth, *extra]
        dkb_load.write_csv(path, rows, progress=lambda n: ctx.progress(n, len(rows), "write CSV"))
        current = _apply(plan, persons)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        app.conf.task_always_eager = True  # jobs run here, when their start commits
        ctx.progress(0, 1, "load extract")
        extract, _seconds, _steps = dkb_load.load(path)
        ctx.progress(1, 1, "load extract")

    ctx.progress(0, 1, "match")
    # The job's pool forks this process, which holds the benchmark's data (a worker does
    # not): frozen, the children's garbage collector leaves it alone instead of copying it.
    gc.freeze()
    with MemorySampler() as memory:
        run_ = match_run_start(actor=None)
    gc.unfreeze()
    job = Job.objects.get(pk=run_.job_id)
    if job.status != Job.Status.SUCCEEDED or job.started_at is None or job.finished_at is None:
        raise RuntimeError(f"the match failed: {job.error_message}")
    seconds = (job.finished_at - job.started_at).total_seconds()
    ctx.progress(1, 1, "match")

    truth_nik: dict[int, str | None] = {
        p["pk"]: (None if p["pk"] in plan.absent else p["nik"]) for p in persons
    }
    registry_now = {p["pk"]: p["nik"] for p in current}
    predicted: dict[int, str | None] = {}
    carried = 0
    for person_id, outcome, candidate in MatchOutcome.objects.filter(run=run_).values_list(
        "person_id", "outcome", "candidate_nik"
    ):
        if candidate is not None:
            predicted[person_id] = candidate
        elif person_id in registry_now:
            predicted[person_id] = registry_now[person_id] if outcome in LINKED else None
        carried += STATUS_OUTCOME.get(plan.kinds.get(person_id, "")) == outcome
    status_kinds = sum(1 for kind in plan.kinds.values() if kind in STATUS_OUTCOME)
    summary = MatchRun.objects.get(pk=run_.pk).summary
    splink: dict[str, Any] = {}
    if not os.environ.get("KDS_BENCH_SKIP_SPLINK"):  # Splink takes minutes: skip while tuning
        splink = _splink(ctx, current, rows, truth_nik, plan)
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mb": memory.peak_mb,
        "persons": len(persons),
        "extract_rows": extract.row_count,
        **evaluate(predicted, truth_nik, registry_now, plan),
        "status_carried": round(carried / status_kinds, 4) if status_kinds else 1.0,
        "outcomes": summary.get("per_outcome", {}),
        "job_seconds": job.result.get("seconds", {}),
        **{f"splink_{key}": value for key, value in splink.items()},
    }


def _splink(
    ctx: Context,
    persons: list[dict[str, Any]],
    rows: list[Row],
    truth: dict[int, str | None],
    plan: Plan,
) -> dict[str, Any]:
    """Splink 5 with DuckDB on the same data: EM-trained Fellegi-Sunter, best link per person."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    ctx.progress(0, 1, "splink: prepare")
    memory = MemorySampler().start()
    left = pd.DataFrame(
        {
            "unique_id": [p["pk"] for p in persons],
            "nik": [p["nik"] for p in persons],
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
    memory.stop()
    ids_l, ids_r = "unique_id_l", "unique_id_r"
    if predictions["source_dataset_l"].iloc[0] != "registry" if len(predictions) else False:
        ids_l, ids_r = ids_r, ids_l
    best = predictions.sort_values("match_probability", ascending=False).drop_duplicates(ids_l)
    niks = right["nik"].tolist()
    predicted = {int(a): niks[int(b)] for a, b in zip(best[ids_l], best[ids_r], strict=True)}
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mb": memory.peak_mb,
        **evaluate(predicted, truth, {p["pk"]: p["nik"] for p in persons}, plan),
    }
