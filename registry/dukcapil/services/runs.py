"""Use cases of matching runs: start one, and the job that decides every person in it.

The job takes persons in id order, a chunk at a time, skipping those the run has already
decided; a chunk's outcomes and its checkpoint commit together and (run, person) is unique,
so a re-run after a killed worker neither repeats nor loses anyone. Runs are deterministic:
starting another run on the same data gives the same outcomes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import billiard
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from psycopg import sql

from depok_kds.access import scope_for, scope_queryset
from depok_kds.audit import audit_record
from depok_kds.errors import DomainError, Forbidden
from depok_kds.job_chunks import ChunkProgress, job_chunks_register, job_fan_out
from depok_kds.jobs import CITY, JobSubject, Progress, job_start_or_join, job_task
from depok_kds.models import Job, User
from registry.dukcapil.matching.records import Decision, RegistryPerson
from registry.dukcapil.models import DkbExtract, MatchOutcome, MatchRun
from registry.dukcapil.selectors import may_act
from registry.dukcapil.sources import DkbSource, Source, WebServiceSource, persons_from_rows
from registry.dukcapil.webservice import DukcapilClient
from registry.models import FamilyCard, Kelurahan, Person
from registry.services.common import Actor

MATCH_KIND = "dukcapil.match"
# Columns read for each person, in `sources.persons_from_rows` order.
PERSON_FIELDS = (
    "pk",
    "nik",
    "full_name",
    "name_normalized",
    "sex",
    "birth_date",
    "birth_place",
    "kk",
    "household_id",
    "relationship",
    "kelurahan",
    "is_deceased",
    "nik_unverified",
)
OUTCOME_COLUMNS = (
    "run_id",
    "person_id",
    "outcome",
    "method",
    "score",
    "differences",
    "candidate_nik",
    "event_date",
    "kelurahan_code",
    "dukcapil",
    "evidence",
    "review_status",
)


def run_persons(run: MatchRun) -> QuerySet[Person]:
    """The persons a run covers: living members of a household (all or one kelurahan), or
    exactly the ids the caller gave (see `match_run_start`)."""
    if run.scope == MatchRun.Scope.PERSONS:
        return Person.objects.filter(pk__in=run.person_ids)
    persons = Person.objects.filter(household__isnull=False, is_deceased=False)
    if run.scope == MatchRun.Scope.KELURAHAN:
        persons = persons.filter(household__kelurahan_id=run.kelurahan_code)
    return persons


@transaction.atomic
def match_run_start(
    *,
    actor: Actor,
    source: str = MatchRun.Source.DKB,
    scope: str = MatchRun.Scope.ALL,
    kelurahan_code: str = "",
    person_ids: Iterable[int] = (),
    scope_label: str = "",
) -> MatchRun:
    """Start matching persons with Dukcapil as a job.

    Scope "persons" is the hook for callers outside the registry (a programme matching its
    enrolments passes their person ids); the ids are kept as far as the actor may see them.
    Matching everyone needs a city-wide role; a kelurahan, scope over it.
    """
    if not may_act(actor, "dukcapil.add_matchrun", "dukcapil:write"):
        raise Forbidden(_("Only Dinsos staff may load DKB extracts and start matching."))
    if source not in MatchRun.Source.values:
        raise DomainError(_("Unknown source."), code="invalid_source", details={"field": "source"})
    extract = None
    if source == MatchRun.Source.DKB:
        extract = DkbExtract.objects.filter(status=DkbExtract.Status.ACTIVE).first()
        if extract is None:
            raise DomainError(_("No DKB extract is loaded yet: load one first."), code="no_extract")
    elif not settings.DUKCAPIL_URL:
        raise DomainError(
            _("The Dukcapil web service is not configured (DUKCAPIL_URL)."),
            code="web_service_not_configured",
        )
    ids: list[int] = []
    if scope == MatchRun.Scope.ALL:
        if actor is not None and not scope_for(actor).city_wide:
            raise Forbidden(_("Matching every person needs a city-wide role."))
    elif scope == MatchRun.Scope.KELURAHAN:
        _kelurahan_check(actor, kelurahan_code)
    elif scope == MatchRun.Scope.PERSONS:
        wanted = sorted({int(pk) for pk in person_ids})
        visible = Person.objects.filter(pk__in=wanted)
        if actor is not None:
            visible = scope_queryset(visible, user=actor, kelurahan_field="household__kelurahan_id")
        ids = list(visible.order_by("pk").values_list("pk", flat=True))
        if not ids:
            raise DomainError(
                _("None of the given persons can be matched."),
                code="no_persons",
                details={"field": "person_ids"},
            )
    else:
        raise DomainError(_("Unknown scope."), code="invalid_scope", details={"field": "scope"})
    user = actor if isinstance(actor, User) else None
    kelurahan = kelurahan_code if scope == MatchRun.Scope.KELURAHAN else ""
    subject = None  # a list of persons: its requester's (and administrators')
    if scope == MatchRun.Scope.ALL:
        subject = CITY
    elif scope == MatchRun.Scope.KELURAHAN:
        subject = JobSubject(kelurahan_code=kelurahan)
    params = {
        "source": source,
        "scope": scope,
        "kelurahan_code": kelurahan,
        "persons": hashlib.sha256(json.dumps(ids).encode()).hexdigest() if ids else "",
    }
    job, new = job_start_or_join(kind=MATCH_KIND, requested_by=user, params=params, subject=subject)
    if not new:  # the same run is already queued or running: that one is the answer
        return MatchRun.objects.get(job=job)
    run = MatchRun.objects.create(
        job=job,
        source=source,
        extract=extract,
        scope=scope,
        kelurahan_code=kelurahan_code if scope == MatchRun.Scope.KELURAHAN else "",
        person_ids=ids,
        scope_label=scope_label[:200],
        started_by=user,
    )
    audit_record(
        actor=actor,
        action="dukcapil.run_start",
        target=run,
        after={
            "source": source,
            "scope": scope,
            "kelurahan_code": run.kelurahan_code,
            "persons": len(ids),
            "extract_id": extract.pk if extract else None,
            "job_id": job.pk,
        },
    )
    return run


def _kelurahan_check(actor: Actor, code: str) -> None:
    kelurahan = Kelurahan.objects.filter(code=code)
    if not kelurahan.exists():
        raise DomainError(
            _("Unknown kelurahan code %(code)s.") % {"code": code},
            code="unknown_kelurahan",
            details={"field": "kelurahan_code"},
        )
    if (
        actor is not None
        and not scope_queryset(kelurahan, user=actor, kelurahan_field="code").exists()
    ):
        raise Forbidden(_("You may only match persons of your own kelurahan."))


def source_for(run: MatchRun) -> Source:
    if run.source == MatchRun.Source.DKB:
        if run.extract is None or not run.extract.holds_rows:
            raise DomainError(
                _("The run's DKB extract has been removed; start a new run."), code="extract_gone"
            )
        return DkbSource(run.extract.pk)
    return WebServiceSource(DukcapilClient.from_settings())


def _undecided(run: MatchRun, *, after: int) -> QuerySet[Person]:
    decided = MatchOutcome.objects.filter(run=run, person=OuterRef("pk"))
    return run_persons(run).filter(pk__gt=after).exclude(Exists(decided)).order_by("pk")


def _next_persons(
    run: MatchRun, *, after: int, size: int, last: int | None = None
) -> list[RegistryPerson]:
    """The next `size` undecided persons after id `after` (and up to id `last`)."""
    open_card = FamilyCard.objects.filter(
        household=OuterRef("household_id"), valid_to__isnull=True
    ).values("number")[:1]
    persons = _undecided(run, after=after)
    if last is not None:
        persons = persons.filter(pk__lte=last)
    rows = persons.annotate(
        kk=Subquery(open_card), kelurahan=Coalesce("household__kelurahan_id", Value(""))
    ).values_list(*PERSON_FIELDS)[:size]
    return persons_from_rows(rows)


def _chunk_ranges(run: MatchRun, *, after: int, size: int) -> list[tuple[int, int]]:
    """The (first id, last id) of each chunk of `size` undecided persons after `after`: the
    same chunks the one-process path takes, so both decide alike."""
    ids, params = _undecided(run, after=after).values("pk").query.sql_with_params()
    query = sql.SQL(
        "SELECT min(pk), max(pk) FROM (SELECT pk, (row_number() OVER (ORDER BY pk) - 1) / %s"
        " AS chunk FROM ({}) p) n GROUP BY chunk ORDER BY chunk"
    ).format(sql.SQL(ids))  # the ORM's own SQL, its values bound
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(), [size, *params])
        return [(int(first), int(last)) for first, last in cursor.fetchall()]


def _heartbeat(progress: Progress | None) -> Callable[[], None]:
    def beat() -> None:
        if progress is not None:
            progress.advance(progress.job.done)  # renews the job's lease during slow calls

    return beat


def _chunk_commit(
    *,
    run: MatchRun,
    persons: Sequence[RegistryPerson],
    decisions: Sequence[Decision],
    progress: Progress | None,
) -> int:
    with transaction.atomic():  # the outcomes and the checkpoint commit together
        written = outcomes_write(run=run, persons=persons, decisions=decisions)
        if progress is not None:
            progress.advance(progress.job.done + written, state={"after": persons[-1].person_id})
    return written


def match_run_advance(
    *,
    run: MatchRun,
    source: Source,
    after: int = 0,
    size: int | None = None,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Decide the next chunk of the run's undecided persons after id `after`.

    Returns (persons decided, last person id); (0, after) when nothing is left.
    """
    persons = _next_persons(run, after=after, size=size or source.chunk_size)
    if not persons:
        return 0, after
    decisions = source.decide(persons, _heartbeat(progress))
    _chunk_commit(run=run, persons=persons, decisions=decisions, progress=progress)
    return len(persons), persons[-1].person_id


def _advance_pipelined(
    *, run: MatchRun, source: Source, after: int, size: int, progress: Progress
) -> dict[str, float]:
    """Like repeated `match_run_advance`, with each chunk's writes in a second thread (and
    database connection) while the next chunk is decided: PostgreSQL and Python then work
    on both cores. One write at a time, in order, so checkpoints only move forward."""

    def close_connections() -> None:
        connections.close_all()

    seconds = {"read": 0.0, "decide": 0.0, "wait_for_writes": 0.0}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] += now - clock
        clock = now

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dukcapil-writer") as writer:
        writing: Future[int] | None = None
        try:
            while persons := _next_persons(run, after=after, size=size):
                lap("read")
                decisions = source.decide(persons, _heartbeat(progress))
                lap("decide")
                if writing is not None:
                    writing.result()
                    lap("wait_for_writes")
                writing = writer.submit(
                    _chunk_commit, run=run, persons=persons, decisions=decisions, progress=progress
                )
                after = persons[-1].person_id
            lap("read")
            if writing is not None:
                writing.result()
                lap("wait_for_writes")
        finally:
            writer.submit(close_connections).result()
    return {step: round(value, 3) for step, value in seconds.items()}


def _decide_chunk(run_id: int, first: int, last: int) -> int:
    """Decide and write one chunk, in a process of the pool (with its own connection)."""
    run = MatchRun.objects.select_related("extract").get(pk=run_id)
    source = source_for(run)
    persons = _next_persons(run, after=first - 1, last=last, size=last - first + 1)
    if not persons:
        return 0
    decisions = source.decide(persons, lambda: None)
    return _chunk_commit(run=run, persons=persons, decisions=decisions, progress=None)


def _advance_in_processes(
    *, run: MatchRun, after: int, size: int, progress: Progress, processes: int
) -> dict[str, float]:
    """Decide the chunks in a pool of processes, one per core: deciding is Python work,
    which one process does on one core only. The job's process hands out the chunks and
    keeps the progress and the lease; its checkpoint moves to the end of the chunks done
    without a gap. (billiard, Celery's own multiprocessing, may start processes from a
    worker's process too.)"""
    started = time.perf_counter()
    ranges = _chunk_ranges(run, after=after, size=size)
    if not ranges:
        return {"read": round(time.perf_counter() - started, 3)}
    connections.close_all()  # the pool's processes open their own
    done, finished, contiguous = progress.job.done, set(), 0
    pool = billiard.Pool(processes=min(processes, len(ranges)))
    try:
        chunks = [(index, run.pk, first, last) for index, (first, last) in enumerate(ranges)]
        for index, decided in pool.imap_unordered(_decide_indexed_chunk, chunks):
            done += decided
            finished.add(index)
            while contiguous in finished:
                contiguous += 1
            state = {"after": ranges[contiguous - 1][1]} if contiguous else None
            progress.advance(done, state=state)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
    return {"processes": processes, "decide": round(time.perf_counter() - started, 3)}


def _decide_indexed_chunk(chunk: tuple[int, int, int, int]) -> tuple[int, int]:
    index, run_id, first, last = chunk
    return index, _decide_chunk(run_id, first, last)


def outcomes_write(
    *, run: MatchRun, persons: Sequence[RegistryPerson], decisions: Sequence[Decision]
) -> int:
    """Write a chunk's outcomes: COPY into a scratch table, then one INSERT that skips any
    person the run has already decided (the unique (run, person) constraint)."""
    if not decisions:
        return 0
    kelurahan = {p.person_id: p.kelurahan_code for p in persons}
    pending, not_needed = MatchOutcome.Review.PENDING, MatchOutcome.Review.NOT_NEEDED
    table = MatchOutcome._meta.db_table
    columns = ", ".join(OUTCOME_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS dukcapil_outcome_chunk (run_id bigint, "
            "person_id bigint, outcome text, method text, score float8, differences text[], "
            "candidate_nik text, event_date date, kelurahan_code text, dukcapil jsonb, "
            "evidence jsonb, review_status text) ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(f"COPY dukcapil_outcome_chunk ({columns}) FROM STDIN") as copy:
            for decision in decisions:
                copy.write_row(
                    (
                        run.pk,
                        decision.person_id,
                        str(decision.outcome),
                        str(decision.method),
                        decision.score,
                        list(decision.differences),
                        decision.candidate_nik,
                        decision.event_date,
                        kelurahan.get(decision.person_id, ""),
                        _json(_dukcapil(decision)),
                        _json(decision.evidence),
                        pending if decision.needs_review else not_needed,
                    )
                )
        cursor.execute(
            f"""
            INSERT INTO {table} ({columns}, review_note, created_at)
            SELECT {columns}, '', now() FROM dukcapil_outcome_chunk
            ON CONFLICT (run_id, person_id) DO NOTHING
            """  # noqa: S608 - the model's own table and columns
        )
        written = int(cursor.rowcount)
        cursor.execute("TRUNCATE dukcapil_outcome_chunk")
        return written


def _json(value: Any) -> str:
    return json.dumps(value, default=str) if value else "{}"


def _dukcapil(decision: Decision) -> dict[str, Any]:
    # Matched persons keep no copy: only what someone may have to look at is stored.
    if decision.record is not None and decision.outcome != "matched":
        return decision.record.snapshot()
    return dict(decision.dukcapil or {})


def run_summary_compute(run: MatchRun) -> dict[str, Any]:
    """Counts per outcome, per kelurahan and per review state, from the stored outcomes."""
    per_outcome: Counter[str] = Counter()
    per_kelurahan: dict[str, Counter[str]] = defaultdict(Counter)
    review: Counter[str] = Counter()
    rows = (
        MatchOutcome.objects.filter(run=run)
        .values_list("outcome", "kelurahan_code", "review_status")
        .order_by()
        .annotate(n=Count("pk"))
    )
    for outcome, kelurahan, review_status, count in rows:
        per_outcome[outcome] += count
        per_kelurahan[kelurahan or "-"][outcome] += count
        review[review_status] += count
    return {
        "persons": sum(per_outcome.values()),
        "per_outcome": dict(sorted(per_outcome.items())),
        "per_kelurahan": {
            code: dict(sorted(c.items())) for code, c in sorted(per_kelurahan.items())
        },
        "review": dict(sorted(review.items())),
    }


@job_task(MATCH_KIND, label=_("Dukcapil matching"), heavy=True)
def match_run_execute(job: Job, progress: Progress) -> dict[str, Any]:
    """Decide every person of the job's run, chunk by chunk, then write the run's summary."""
    run = MatchRun.objects.select_related("extract").get(job=job)
    source = source_for(run)
    size = int(job.params.get("chunk_size") or source.chunk_size)
    decided = MatchOutcome.objects.filter(run=run).count()
    if not job.total:
        progress.set_total(run_persons(run).count())
    progress.advance(decided)
    after = int(progress.state.get("after", 0))
    seconds: dict[str, float] = {}
    if connection.in_atomic_block:
        # Inside a caller's transaction (a test) a second connection would not see its rows.
        while True:
            taken, after = match_run_advance(
                run=run, source=source, after=after, size=size, progress=progress
            )
            if not taken:
                break
    elif isinstance(source, DkbSource) and settings.DUKCAPIL_MATCH_CHUNK_TASKS:
        # Each chunk a task of its own: every worker (on any machine) takes chunks.
        return job_fan_out(
            job,
            progress,
            plan=lambda: [
                {"first": first, "last": last}
                for first, last in _chunk_ranges(run, after=after, size=size)
            ],
        )
    elif isinstance(source, DkbSource) and settings.DUKCAPIL_MATCH_PROCESSES > 1:
        seconds = _advance_in_processes(
            run=run,
            after=after,
            size=size,
            progress=progress,
            processes=settings.DUKCAPIL_MATCH_PROCESSES,
        )
    else:
        seconds = _advance_pipelined(
            run=run, source=source, after=after, size=size, progress=progress
        )
    return _run_finish(run, seconds)


def _run_finish(run: MatchRun, seconds: dict[str, float]) -> dict[str, Any]:
    summary = run_summary_compute(run)
    MatchRun.objects.filter(pk=run.pk).update(
        summary=summary, finished_at=timezone.now(), updated_at=timezone.now()
    )
    result: dict[str, Any] = {
        "run": run.pk,
        "persons": summary["persons"],
        **summary["per_outcome"],
    }
    if seconds:
        result["seconds"] = seconds
    return result


def match_chunk_execute(
    job: Job, params: dict[str, Any], progress: ChunkProgress
) -> dict[str, Any]:
    """One chunk of a run (persons with ids first..last), taken by any worker."""
    run = MatchRun.objects.get(job=job)
    first, last = int(params["first"]), int(params["last"])
    _decide_chunk(run.pk, first, last)
    # Counted from the outcomes, so a chunk taken again after its worker died counts right.
    decided = MatchOutcome.objects.filter(run=run, person__gte=first, person__lte=last).count()
    progress.advance(decided)
    return {"persons": decided}


def match_chunks_finish(job: Job, results: list[dict[str, Any]]) -> dict[str, Any]:
    return _run_finish(MatchRun.objects.get(job=job), {})


job_chunks_register(MATCH_KIND, chunk=match_chunk_execute, finish=match_chunks_finish)
