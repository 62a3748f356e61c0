# ruff: noqa: E501, S608, S324 - data layout and bench-only SQL from constants; md5 as in the rule.
"""Overlap detection over three years of enrolments, with planted overlaps of every kind.

`size` is the number of households (default 650,000, the city): 42/13 persons each on
average (2.1M at full size), and 300,000/650,000 of `size` enrolments a year in the ten
programmes, for 2024-2026, laid out so that the base data holds no overlap at all: the
KIS heads are exactly the poor households, each education pupil is in one programme a
year, RTLH and training recipients never repeat within their limits, no household passes
the cap. Then `k` cases of every kind are planted, each with the fingerprint it must give.

Timed: the detection job's handler (city-wide, year 2026) -> `seconds`; then `found` (the
planted fingerprints among the open findings) and `false_findings` (open findings not
planted). Side by side on a 10,000-enrolment subset: a naive loop with queries per
enrolment (`naive_seconds_10k`) and the set-based rule statements restricted to the same
enrolments (`seconds_10k`: the statements still read the whole city and keep the hits
about the subset, so this is an upper bound).
"""

from __future__ import annotations

import hashlib
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection

from benchmarks.harness import Context
from benchmarks.seeding import city_copy, household_sizes
from depok_kds.jobs import job_run
from depok_kds.models import Job
from programs.models import Cycle, Enrolment, Programme
from programs.overlap.detection import HIT_COLUMNS, RULE_SQL
from programs.overlap.models import ExclusivePair, Finding, NationalListKind
from programs.overlap.selectors import household_cap
from programs.overlap.services import national_list_import
from programs.overlap.tasks import KIND, overlap_detect_job
from programs.selectors import targeting_params
from registry.models import Person

DEFAULT_SIZE = 650_000
SMOKE_SIZE = 5000
YEARS = (2024, 2025, 2026)
YEAR = 2026
# Share of a year's enrolments per programme (sums to 100).
SHARES = {
    "kis-pbi-apbd": 45,
    "rtlh": 5,
    "pendidikan-sd": 9,
    "pendidikan-smp": 9,
    "pendidikan-sma": 5,
    "pendidikan-pt": 1,
    "pelatihan-keterampilan": 12,
    "bantuan-pangan-kota": 10,
    "alat-disabilitas": 2,
    "santunan-kematian": 2,
}
AMOUNTS = {
    "kis-pbi-apbd": 504_000,
    "rtlh": 23_000_000,
    "pendidikan-sd": 2_000_000,
    "pendidikan-smp": 3_000_000,
    "pendidikan-sma": 2_000_000,
    "pendidikan-pt": 10_000_000,
    "pelatihan-keterampilan": 1_000_000,
    "bantuan-pangan-kota": 600_000,
    "alat-disabilitas": 1_800_000,
    "santunan-kematian": 2_000_000,
}
NAIVE_SUBSET = 10_000


class City:
    """Ids of the generated rows, by household index and member index."""

    def __init__(self, h: int, hbase: int, pbase: int) -> None:
        self.h, self.hbase = h, hbase
        self.first: list[int] = []
        n = pbase
        for size in household_sizes(h):
            self.first.append(n)
            n += size

    def household(self, i: int) -> int:
        return self.hbase + i

    def person(self, i: int, member: int = 0) -> int:
        return self.first[i] + member


def _copy_city(ctx: Context, h: int, poor: int) -> City:
    hbase, pbase = city_copy(
        ctx,
        household_sizes(h),
        ranking=lambda i: ("miskin", 3, "") if i < poor else ("tidak_miskin", 8, ""),
        identity=lambda n: (
            f"32760{n:011d}",
            f"Warga {n}",
            date(1950 + n % 60, 1 + n % 12, 1 + n % 28),
        ),
    )
    return City(h, hbase, pbase)


def _cycles() -> dict[tuple[str, int], tuple[int, int]]:
    """(code, year) -> (programme id, cycle id)."""
    out = {}
    for code in SHARES:
        programme = Programme.objects.get(code=code)
        for year in YEARS:
            cycle = Cycle.objects.create(
                programme=programme, year=year, quota=10**7, amount=AMOUNTS[code]
            )
            out[(code, year)] = (programme.pk, cycle.pk)
    return out


Row = tuple[str, int, int, int, int]  # code, year, person, household, amount


def _copy_enrolments(rows: list[Row], cycles: dict[tuple[str, int], tuple[int, int]]) -> None:
    columns = (
        "programme_id, cycle_id, year, person_id, household_id, kelurahan_code, source, amount,"
        " enrolled_on, status, exit_reason"
    )
    table = Enrolment._meta.db_table
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for code, year, person, household, amount in rows:
            programme_id, cycle_id = cycles[(code, year)]
            copy.write_row(
                (
                    programme_id,
                    cycle_id,
                    year,
                    person,
                    household,
                    "32.76.01.1006",
                    "import",
                    amount,
                    date(year, 2, 1),
                    "active",
                    "",
                )
            )


def _layout(city: City, per_year: int) -> dict[str, Any]:
    """Index ranges of households per role (see the module docstring)."""
    n = {code: per_year * share // 100 for code, share in SHARES.items()}
    poor = n["kis-pbi-apbd"]
    edu_start = 3 * n["rtlh"]
    edu: dict[str, range] = {}
    at = edu_start
    for code in ("pendidikan-sd", "pendidikan-smp", "pendidikan-sma", "pendidikan-pt"):
        edu[code] = range(at, at + n[code])
        at += n[code]
    if at > poor:
        raise RuntimeError("too few poor households for the education layout")
    rich: dict[str, range] = {}
    at = poor
    for code in ("bantuan-pangan-kota", "alat-disabilitas", "santunan-kematian"):
        rich[code] = range(at, at + n[code])
        at += n[code]
    training = [
        range(at + y * n["pelatihan-keterampilan"], at + (y + 1) * n["pelatihan-keterampilan"])
        for y in range(3)
    ]
    if training[-1].stop > city.h:
        raise RuntimeError("too few households for the layout")
    return {"n": n, "poor": poor, "edu": edu, "rich": rich, "training": training}


def _base_rows(city: City, lay: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    n = lay["n"]
    for y, year in enumerate(YEARS):
        for i in range(lay["poor"]):
            rows.append(
                ("kis-pbi-apbd", year, city.person(i), city.household(i), AMOUNTS["kis-pbi-apbd"])
            )
        for i in range(y * n["rtlh"], (y + 1) * n["rtlh"]):
            rows.append(("rtlh", year, city.person(i), city.household(i), AMOUNTS["rtlh"]))
        for code, households in lay["edu"].items():
            for i in households:
                rows.append((code, year, city.person(i, 1), city.household(i), AMOUNTS[code]))
        for code, households in lay["rich"].items():
            for i in households:
                rows.append((code, year, city.person(i), city.household(i), AMOUNTS[code]))
        for i in lay["training"][y]:
            code = "pelatihan-keterampilan"
            rows.append((code, year, city.person(i, 1), city.household(i), AMOUNTS[code]))
    return rows


def _enrolment_ids(keys: list[tuple[str, int, int]]) -> list[int]:
    """Ids of the newest enrolment for each (programme code, year, person)."""
    if not keys:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT k.ord, max(e.id) FROM unnest(%s::text[], %s::int[], %s::bigint[])
                WITH ORDINALITY AS k(code, year, person, ord)
            JOIN programs_programme p ON p.code = k.code
            JOIN programs_enrolment e ON e.programme_id = p.id AND e.year = k.year
                                     AND e.person_id = k.person
            GROUP BY k.ord ORDER BY k.ord
            """,
            [[c for c, _y, _p in keys], [y for _c, y, _p in keys], [p for _c, _y, p in keys]],
        )
        ids = [row[1] for row in cursor.fetchall()]
    if len(ids) != len(keys):
        raise RuntimeError("a planted enrolment is missing")
    return ids


def _plant(
    city: City, lay: dict[str, Any], k: int, cycles: dict[tuple[str, int], tuple[int, int]]
) -> set[str]:
    """Plant k cases of every kind; return the fingerprints they must produce."""
    edu, rich, training, n = lay["edu"], lay["rich"], lay["training"], lay["n"]
    sd, smp, sma = edu["pendidikan-sd"], edu["pendidikan-smp"], edu["pendidikan-sma"]
    pangan = rich["bantuan-pangan-kota"]
    rows: list[Row] = []
    plan: dict[str, list[tuple[str, int, int]]] = {}
    # duplicate: a second member in the same RTLH 2026 cycle (small amount: no cap case)
    plan["duplicate_enrolment"] = []
    for i in range(2 * n["rtlh"], 2 * n["rtlh"] + k):
        rows.append(("rtlh", YEAR, city.person(i, 2), city.household(i), 1_000_000))
        plan["duplicate_enrolment"].append(("rtlh", YEAR, city.person(i, 2)))
    # same kind: an SD pupil also in SMP in 2026
    plan["same_benefit_kind"] = []
    for i in sd[0:k]:
        rows.append(("pendidikan-smp", YEAR, city.person(i, 1), city.household(i), 3_000_000))
        plan["same_benefit_kind"].append(("pendidikan-smp", YEAR, city.person(i, 1)))
    # exclusive pair (configured): food aid and disability aid in 2026
    ExclusivePair.objects.create(
        programme=Programme.objects.get(code="bantuan-pangan-kota"),
        other_programme=Programme.objects.get(code="alat-disabilitas"),
    )
    plan["exclusive_programmes"] = []
    for i in pangan[0:k]:
        rows.append(("alat-disabilitas", YEAR, city.person(i), city.household(i), 1_800_000))
        plan["exclusive_programmes"].append(("alat-disabilitas", YEAR, city.person(i)))
    # frequency: RTLH 2024 households again in 2026; trainees of 2025 again in 2026
    plan["frequency_limit"] = []
    for i in range(0, k):
        rows.append(("rtlh", YEAR, city.person(i), city.household(i), AMOUNTS["rtlh"]))
        plan["frequency_limit"].append(("rtlh", YEAR, city.person(i)))
    for i in list(training[1])[0:k]:
        rows.append(
            ("pelatihan-keterampilan", YEAR, city.person(i, 1), city.household(i), 1_000_000)
        )
        plan["frequency_limit"].append(("pelatihan-keterampilan", YEAR, city.person(i, 1)))
    # household cap: a third member of an SD household gets 28M of higher education
    cap_households = list(sd[2 * k : 3 * k])
    for i in cap_households:
        rows.append(("pendidikan-pt", YEAR, city.person(i, 2), city.household(i), 28_000_000))
    _copy_enrolments(rows, cycles)
    expected: set[str] = set()
    for rule, keys in plan.items():
        expected |= {f"{rule}:{e}" for e in _enrolment_ids(keys)}
    expected |= {f"household_cap:{city.household(i)}:{YEAR}" for i in cap_households}
    # national lists: KIS heads on PBI-APBN 2026, food aid recipients on PKH 2026, plus
    # list-only noise; k NIKs under two names on PKH and BPNT (no registry person)
    kis_heads = [city.person(i) for i in smp[k : 2 * k]]
    pkh_people = [city.person(i) for i in pangan[k : 2 * k]]
    nik = {p: f"32760{p - city.first[0]:011d}" for p in kis_heads + pkh_people}
    noise = [f"3275{j:012d}" for j in range(max(k * 50, 1000))]
    conflict = [f"3274{j:012d}" for j in range(k)]
    pbi = (
        "nik,nama\n"
        + "".join(f"{nik[p]},x\n" for p in kis_heads)
        + "".join(f"{x},y\n" for x in noise)
    )
    pkh = (
        "nik,nama\n"
        + "".join(f"{nik[p]},x\n" for p in pkh_people)
        + "".join(f"{x},Siti\n" for x in conflict)
    )
    bpnt = "nik,nama\n" + "".join(f"{x},Dewi\n" for x in conflict)
    for kind, text in (
        (NationalListKind.PBI_APBN, pbi),
        (NationalListKind.PKH, pkh),
        (NationalListKind.BPNT, bpnt),
    ):
        national_list_import(
            actor=None, kind=kind, year=YEAR, file_name=f"{kind}.csv", content=text.encode()
        )
    expected |= {
        f"national_list:{e}:pbi_apbn"
        for e in _enrolment_ids([("kis-pbi-apbd", YEAR, p) for p in kis_heads])
    }
    expected |= {
        f"national_list:{e}:pkh"
        for e in _enrolment_ids([("bantuan-pangan-kota", YEAR, p) for p in pkh_people])
    }
    expected |= {
        f"list_nik_conflict:{YEAR}:{hashlib.md5(x.encode()).hexdigest()}" for x in conflict
    }
    with connection.cursor() as cursor:
        # person in two households: a NIK-less copy of a food-aid head in a trainee household
        originals = [city.person(i) for i in pangan[2 * k : 3 * k]]
        hosts = [city.household(i) for i in list(training[2])[k : 2 * k]]
        cursor.execute(
            """
            INSERT INTO registry_person (household_id, nik, nik_status, full_name, name_normalized,
                sex, birth_place, birth_date, relationship, marital_status, education, occupation,
                disability, is_deceased, created_at, updated_at)
            SELECT h.host, NULL, 'missing', '-', p.name_normalized, p.sex, '', p.birth_date, '4',
                   'kawin', 'sma', '', 'none', false, now(), now()
            FROM unnest(%s::bigint[], %s::bigint[]) AS h(original, host)
            JOIN registry_person p ON p.id = h.original
            RETURNING id, name_normalized
            """,
            [originals, hosts],
        )
        copy_of = {name: pk for pk, name in cursor.fetchall()}
        cursor.execute(
            "SELECT id, name_normalized FROM registry_person WHERE id = ANY(%s)", [originals]
        )
        pairs = [(pk, copy_of[name]) for pk, name in cursor.fetchall()]
        expected |= {f"person_two_households:{min(a, b)}:{max(a, b)}" for a, b in pairs}
        # deceased: KIS heads of SD households [k, 2k) (3 active KIS enrolments each)
        dead = [city.person(i) for i in sd[k : 2 * k]]
        cursor.execute(
            "UPDATE registry_person SET is_deceased = true, death_date = '2026-01-15' WHERE id = ANY(%s)",
            [dead],
        )
        # moved out: SMA pupils [0, k) (3 active SMA enrolments each)
        moved = [city.person(i, 1) for i in sma[0:k]]
        cursor.execute(
            "UPDATE registry_person SET household_id = NULL, moved_out_on = '2026-01-20' WHERE id = ANY(%s)",
            [moved],
        )
        cursor.execute(
            "SELECT person_id, id FROM programs_enrolment WHERE person_id = ANY(%s) AND status = 'active'",
            [dead + moved],
        )
        dead_set = set(dead)
        for person, enrolment in cursor.fetchall():
            rule = "deceased_recipient" if person in dead_set else "moved_out_recipient"
            expected.add(f"{rule}:e{enrolment}")
        # inclusion: SMP households [2k, 3k) are found not poor
        flipped = [city.household(i) for i in smp[2 * k : 3 * k]]
        cursor.execute(
            "UPDATE registry_household SET desil = 8, poverty_class = 'tidak_miskin' WHERE id = ANY(%s)",
            [flipped],
        )
        # Their SMP pupils' enrolments, and their KIS enrolments (KIS heads are exactly the
        # poor households, and KIS targets desil 1-5 as data since 2026), are not poor any more.
        cursor.execute(
            "SELECT id FROM programs_enrolment WHERE household_id = ANY(%s) AND year = %s"
            " AND programme_id IN (SELECT id FROM programs_programme"
            " WHERE code IN ('pendidikan-smp', 'kis-pbi-apbd'))",
            [flipped, YEAR],
        )
        expected |= {f"inclusion_error:{row[0]}" for row in cursor.fetchall()}
        # exclusion: trainee households of 2024 (nothing in 2026) that are poor
        excluded = [city.household(i) for i in list(training[0])[0:k]]
        cursor.execute(
            "UPDATE registry_household SET desil = 3, poverty_class = 'miskin' WHERE id = ANY(%s)",
            [excluded],
        )
        expected |= {f"exclusion_error:{h}:{YEAR}" for h in excluded}
    return expected


def _naive(subset: list[int]) -> int:
    """The per-enrolment way: load each enrolment and ask the database about it, rule by rule."""
    targeting = dict(zip(*[targeting_params()[k] for k in ("t_ids", "t_desil")], strict=True))
    cap = household_cap()
    hits = 0
    for enrolment in Enrolment.objects.filter(pk__in=subset).select_related(
        "programme", "person", "household"
    ):
        p, person = enrolment.programme, enrolment.person
        others = Enrolment.objects.filter(
            person=person, year=enrolment.year, status="active"
        ).exclude(pk=enrolment.pk)
        hits += others.filter(programme__kind=p.kind).exclude(programme=p).exists()
        hits += others.filter(
            programme__in=ExclusivePair.objects.filter(
                programme=p, other_programme__isnull=False
            ).values("other_programme")
        ).exists()
        if p.frequency_years:
            since = enrolment.enrolled_on - timedelta(days=365 * p.frequency_years)
            hits += Enrolment.objects.filter(
                programme=p, person=person, enrolled_on__gt=since, pk__lt=enrolment.pk
            ).exists()
        hits += Enrolment.objects.filter(
            cycle=enrolment.cycle, household=enrolment.household, pk__lt=enrolment.pk
        ).exists()
        hits += (
            bool(person.nik)
            and ExclusivePair.objects.filter(programme=p, national_list__gt="")
            .filter(national_list__in=Finding.objects.none().values("rule"))
            .exists()
        )
        fresh = Person.objects.get(pk=person.pk)
        hits += fresh.is_deceased or fresh.moved_out_on is not None
        household = enrolment.household
        if household is not None and p.pk in targeting:
            hits += not (household.desil is not None and household.desil <= (targeting[p.pk] or 0))
        if household is not None:
            total = Enrolment.objects.filter(household=household, year=enrolment.year).values_list(
                "amount", flat=True
            )
            hits += sum(total, Decimal(0)) > cap
    return hits


def _set_based(subset: list[int]) -> int:
    """The rule statements, their hits joined to the subset (a temporary table: a bound
    array of 10,000 ids would be searched linearly for every row)."""
    params: dict[str, Any] = {"year": YEAR, "cap": household_cap(), **targeting_params()}
    total = 0
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_subset (id bigint PRIMARY KEY)")
        with cursor.copy("COPY bench_subset (id) FROM STDIN") as copy:
            for pk in subset:
                copy.write_row((pk,))
        cursor.execute("ANALYZE bench_subset")
        for sql in RULE_SQL.values():
            cursor.execute(
                f"SELECT count(*) FROM ({sql}) AS r({HIT_COLUMNS}) JOIN bench_subset s ON s.id = r.enrolment_id",
                params,
            )
            total += cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_subset")
    return total


def run(ctx: Context) -> dict[str, Any]:
    h = ctx.size
    per_year = h * 300 // 650
    city = _copy_city(ctx, h, poor=per_year * SHARES["kis-pbi-apbd"] // 100)
    lay = _layout(city, per_year)
    cycles = _cycles()
    ctx.progress(0, 1, "enrolments")
    _copy_enrolments(_base_rows(city, lay), cycles)
    k = max(5, h // 5000)
    expected = _plant(city, lay, k, cycles)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    ctx.progress(1, 1, "enrolments")
    job = Job.objects.create(kind=KIND, params={"year": YEAR})
    with ctx.timer() as timer:
        finished = job_run(job_id=job.pk, handler=overlap_detect_job)
    if finished is None or finished.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"detection failed: {finished and finished.error_message}")
    found = set(Finding.objects.filter(status="open").values_list("fingerprint", flat=True))
    # A second run: idempotent, nothing opened or closed.
    with ctx.timer() as rerun:
        again = job_run(
            job_id=Job.objects.create(kind=KIND, params={"year": YEAR}).pk,
            handler=overlap_detect_job,
        )
    subset = list(
        Enrolment.objects.filter(year=YEAR)
        .order_by("?")
        .values_list("pk", flat=True)[:NAIVE_SUBSET]
    )
    started = time.perf_counter()
    _naive(subset)
    naive = time.perf_counter() - started
    started = time.perf_counter()
    _set_based(subset)
    set_based = time.perf_counter() - started
    return {
        "households": h,
        "persons": Person.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "seconds": round(timer.seconds, 2),
        "rerun_seconds": round(rerun.seconds, 2),
        "rerun_opened_closed": [again.result.get("opened"), again.result.get("closed")]
        if again
        else None,
        "planted": len(expected),
        "found": len(expected & found),
        "false_findings": len(found - expected),
        "missed_examples": sorted(expected - found)[:5],
        "false_examples": sorted(found - expected)[:5],
        "per_rule": finished.result.get("hits"),
        "naive_seconds_10k": round(naive, 2),
        "seconds_10k": round(set_based, 2),
    }


def smoke_problems(report: dict[str, Any]) -> list[str]:
    """Every planted case found and nothing else: the scoring itself is checked in CI."""
    problems = []
    if report["found"] != report["planted"]:
        problems.append(f"found {report['found']} of {report['planted']} planted cases")
    if report["false_findings"]:
        problems.append(f"{report['false_findings']} findings not planted")
    return problems
