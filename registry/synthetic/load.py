"""Write a synthetic city into the registry tables, fast: COPY in chunks, one commit each.

Why not the registration service: it checks and writes one household at a time (about
8 ms each), which is right for a clerk and hours for a whole city. Here every chunk of
households goes in with one COPY per table; the rows are built to satisfy every
constraint, and nothing is switched off: the database still checks keys, uniqueness and
the check constraints, and any violation stops the seed. Ids come from the tables' own
sequences. Each chunk is its own transaction, so memory stays flat and an interrupted
seed leaves whole households only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from queue import Full, Queue
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record
from depok_kds.errors import DomainError
from registry.models import (
    Assessment,
    CurrentAssessment,
    DesilRecord,
    FamilyCard,
    Household,
    HouseholdEvent,
    Kelurahan,
    Person,
    Ruleset,
)
from registry.names import normalize_name
from registry.selectors import mask_nik, ruleset_rules
from registry.services.name_words import name_indexes_merge
from registry.synthetic.answers import DESIL_IMPORTED
from registry.synthetic.city import CityMaker, SyntheticHousehold, office_hours

DEFAULT_SEED = 2026
CHUNK_SIZE = 5_000
AHEAD = 2
NAME_CACHE_LIMIT = 200_000
Progress = Callable[[int, int], None]

HOUSEHOLD_COLUMNS = ("id", "created_at", "updated_at", "kelurahan_code", "rw", "rt", "address",
                     "status", "head_id", "poverty_class", "poverty_score", "assessed_on",
                     "desil", "desil_period")  # fmt: skip
PERSON_COLUMNS = ("id", "created_at", "updated_at", "household_id", "nik", "nik_status",
                  "full_name", "name_normalized", "sex", "birth_place", "birth_date",
                  "relationship", "marital_status", "education", "occupation", "disability",
                  "is_deceased", "death_date", "moved_out_on")  # fmt: skip
CARD_COLUMNS = ("id", "created_at", "updated_at", "household_id", "number", "valid_from",
                "valid_to")  # fmt: skip
EVENT_COLUMNS = ("id", "household_id", "person_id", "kind", "details", "actor_id", "created_at")
ASSESSMENT_COLUMNS = ("id", "household_id", "ruleset_id", "answers", "score", "max_score",
                      "poverty_class", "contributions", "source", "assessor_id", "assessed_on",
                      "created_at")  # fmt: skip
CURRENT_COLUMNS = ("household_id", "assessment_id")
DESIL_COLUMNS = ("id", "household_id", "person_id", "nik", "kk_number", "desil", "period",
                 "job_id", "created_at")  # fmt: skip


class RegistryNotEmpty(DomainError):
    code = "registry_not_empty"
    status_code = 409


@dataclass(frozen=True)
class SeedSummary:
    households: int
    persons: int
    assessments: int
    desil_records: int
    seconds: float


@dataclass
class _Counts:
    households: int = 0
    persons: int = 0
    assessments: int = 0
    desil_records: int = 0


def synthetic_city_load(
    *,
    households: int,
    seed: int = DEFAULT_SEED,
    append: bool = False,
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
) -> SeedSummary:
    """Add `households` synthetic households, refusing a registry that holds any unless `append`.

    Refusing protects real or hand-made data from being buried under demo rows; adding to
    a registry continues after the NIK and No. KK serials already used.
    """
    started = time.perf_counter()
    existing = Household.objects.count()
    if existing and not append:
        raise RegistryNotEmpty(
            _(
                "The registry already holds %(count)d households. Demo data is only loaded "
                "into an empty registry, so that it is never mixed up with real records; "
                "add --append to add synthetic households anyway."
            )
            % {"count": existing}
        )
    active = Ruleset.objects.filter(status=Ruleset.Status.ACTIVE).first()
    rules = ruleset_rules(active) if active is not None else None
    codes = list(Kelurahan.objects.order_by("code").values_list("code", flat=True))
    city = CityMaker(
        seed=seed * 1_000_003 + existing,  # adding to a registry gives other households
        kelurahan_codes=codes,
        ruleset=rules,
        today=timezone.localdate(),
    )
    latest = Household.objects.aggregate(latest=Max("created_at"))["latest"]
    start = max(city.registration_start, latest) if latest else city.registration_start
    # Up to yesterday's office hours, so that no registration or assessment is in the future.
    end = office_hours(timezone.localdate() - timedelta(days=1), 1.0)
    city.registrations(start=start, end=max(start, end), total=households)
    if existing:
        _continue_serials(city)
    writer = _Writer(ruleset=active, max_score=rules.max_possible if rules else None)
    done = 0
    for batch in _ahead(_batches(city, households, chunk_size)):
        with transaction.atomic():
            writer.write(batch)
        done += len(batch)
        if progress is not None:
            progress(done, households)
    counts = writer.counts
    audit_record(
        actor=None,
        action="registry.seed_demo",
        target_type="registry.household",
        after={
            "households": counts.households,
            "persons": counts.persons,
            "assessments": counts.assessments,
            "desil_records": counts.desil_records,
            "seed": seed,
            "append": append,
        },
    )
    _refresh_statistics()
    return SeedSummary(
        households=counts.households,
        persons=counts.persons,
        assessments=counts.assessments,
        desil_records=counts.desil_records,
        seconds=round(time.perf_counter() - started, 3),
    )


def _batches(city: CityMaker, households: int, size: int) -> Iterator[list[SyntheticHousehold]]:
    for start in range(0, households, size):
        yield [city.household() for _ in range(min(size, households - start))]


def _ahead(batches: Iterator[list[SyntheticHousehold]]) -> Iterator[list[SyntheticHousehold]]:
    """Generate the next batches in a thread while the database stores the current one.

    The generator is pure Python and the database waits release the GIL, so on two cores
    Python and PostgreSQL work at the same time. At most `AHEAD` batches wait in memory.
    """
    queue: Queue[list[SyntheticHousehold] | BaseException | None] = Queue(maxsize=AHEAD)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        queue.put(batch, timeout=0.5)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            queue.put(exc)

    producer = threading.Thread(target=produce, name="synthetic-city", daemon=True)
    producer.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join()


class _Writer:
    """Turns generated households into rows and COPYs them, table by table."""

    def __init__(self, *, ruleset: Ruleset | None, max_score: Decimal | None) -> None:
        self.ruleset = ruleset
        self.max_score = max_score
        self.names: dict[str, str] = {}
        self.counts = _Counts()

    def normalized(self, name: str) -> str:
        found = self.names.get(name)
        if found is None:
            if len(self.names) >= NAME_CACHE_LIMIT:
                self.names.clear()
            found = self.names[name] = normalize_name(name)
        return found

    def write(self, batch: Sequence[SyntheticHousehold]) -> None:
        with connection.cursor() as cursor:
            household_ids = _ids(cursor, Household, len(batch))
            person_ids = iter(_ids(cursor, Person, sum(len(h.members) for h in batch)))
            members = [[next(person_ids) for _ in h.members] for h in batch]
            _copy(
                cursor,
                Household,
                HOUSEHOLD_COLUMNS,
                self._households(batch, household_ids, members),
            )
            _copy(cursor, Person, PERSON_COLUMNS, self._persons(batch, household_ids, members))
            card_ids = _ids(cursor, FamilyCard, len(batch))
            _copy(cursor, FamilyCard, CARD_COLUMNS, _cards(batch, household_ids, card_ids))
            event_ids = _ids(cursor, HouseholdEvent, len(batch))
            _copy(cursor, HouseholdEvent, EVENT_COLUMNS, _events(batch, household_ids, event_ids))
            if self.ruleset is not None:
                assessment_ids = _ids(cursor, Assessment, len(batch))
                rows = self._assessments(batch, household_ids, assessment_ids)
                _copy(cursor, Assessment, ASSESSMENT_COLUMNS, rows)
                # Each household's only assessment is its current one.
                marks = (
                    (household_id, assessment_id)
                    for household, household_id, assessment_id in zip(
                        batch, household_ids, assessment_ids, strict=True
                    )
                    if household.assessment is not None
                )
                _copy(cursor, CurrentAssessment, CURRENT_COLUMNS, marks)
                self.counts.assessments += len(batch)
            ranks = sum(len(h.desil) for h in batch)
            if ranks:
                desil_ids = iter(_ids(cursor, DesilRecord, ranks))
                _copy(cursor, DesilRecord, DESIL_COLUMNS, _desil(batch, household_ids, desil_ids))
                self.counts.desil_records += ranks
        self.counts.households += len(batch)
        self.counts.persons += sum(len(ids) for ids in members)

    def _households(
        self, batch: Sequence[SyntheticHousehold], ids: list[int], members: list[list[int]]
    ) -> Iterator[tuple[Any, ...]]:
        for household, pk, member_ids in zip(batch, ids, members, strict=True):
            scored = household.assessment
            period, desil = household.desil[-1] if household.desil else ("", None)
            yield (
                pk, household.registered_at, household.registered_at, household.kelurahan_code,
                household.rw, household.rt, household.address, Household.Status.ACTIVE,
                member_ids[0],
                scored.poverty_class if scored else "",
                scored.total if scored else None,
                household.assessed_on if scored else None,
                desil, period,
            )  # fmt: skip

    def _persons(
        self, batch: Sequence[SyntheticHousehold], ids: list[int], members: list[list[int]]
    ) -> Iterator[tuple[Any, ...]]:
        valid, missing = Person.NikStatus.VALID, Person.NikStatus.MISSING
        for household, household_id, member_ids in zip(batch, ids, members, strict=True):
            at = household.registered_at
            for person, pk in zip(household.members, member_ids, strict=True):
                yield (
                    pk, at, at, household_id, person.nik, valid if person.nik else missing,
                    person.full_name, self.normalized(person.full_name), person.sex,
                    person.birth_place, person.birth_date, person.relationship,
                    person.marital_status, person.education, person.occupation,
                    person.disability, person.death_date is not None, person.death_date, None,
                )  # fmt: skip

    def _assessments(
        self, batch: Sequence[SyntheticHousehold], household_ids: list[int], ids: list[int]
    ) -> Iterator[tuple[Any, ...]]:
        ruleset_id = self.ruleset.pk if self.ruleset is not None else None
        for household, household_id, pk in zip(batch, household_ids, ids, strict=True):
            scored = household.assessment
            if scored is None:  # only when no ruleset is active, and then this is not called
                continue
            yield (
                pk, household_id, ruleset_id, scored.answers_json, scored.total, self.max_score,
                scored.poverty_class, scored.contributions_json, household.assessment_source,
                None, household.assessed_on, office_hours(household.assessed_on),
            )  # fmt: skip


def _cards(
    batch: Sequence[SyntheticHousehold], household_ids: list[int], ids: list[int]
) -> Iterator[tuple[Any, ...]]:
    for household, household_id, pk in zip(batch, household_ids, ids, strict=True):
        at = household.registered_at
        yield (pk, at, at, household_id, household.kk_number, household.kk_valid_from, None)


def _events(
    batch: Sequence[SyntheticHousehold], household_ids: list[int], ids: list[int]
) -> Iterator[tuple[Any, ...]]:
    # The same details the registration service records, in the same JSON shape.
    template = '{{"members": {}, "kk": "{}", "nik_missing": {}}}'
    for household, household_id, pk in zip(batch, household_ids, ids, strict=True):
        missing = sum(1 for person in household.members if person.nik is None)
        details = template.format(len(household.members), mask_nik(household.kk_number), missing)
        yield (pk, household_id, None, HouseholdEvent.Kind.REGISTERED, details, None,
               household.registered_at)  # fmt: skip


def _desil(
    batch: Sequence[SyntheticHousehold], household_ids: list[int], ids: Iterator[int]
) -> Iterator[tuple[Any, ...]]:
    imported = {period: office_hours(day) for period, day in DESIL_IMPORTED.items()}
    for household, household_id in zip(batch, household_ids, strict=True):
        for period, desil in household.desil:
            yield (next(ids), household_id, None, "", household.kk_number, desil, period, None,
                   imported[period])  # fmt: skip


def _ids(cursor: CursorWrapper, model: type[Any], count: int) -> list[int]:
    """`count` fresh ids from the table's own sequence, so that later inserts never collide."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [model._meta.db_table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy(
    cursor: CursorWrapper, model: type[Any], columns: Sequence[str], rows: Iterator[tuple[Any, ...]]
) -> None:
    statement = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _continue_serials(city: CityMaker) -> None:
    """Make new NIK and No. KK serials follow the ones already registered."""
    niks = Person.objects.filter(nik__isnull=False).values_list("nik", flat=True)
    cards = FamilyCard.objects.values_list("number", flat=True)
    city.identifiers.note_existing(
        (nik for nik in niks.iterator(chunk_size=20_000) if nik),
        cards.iterator(chunk_size=20_000),
    )


def _refresh_statistics() -> None:
    """Planner statistics and the name index's pending list, so searches are fast at once."""
    loaded = (Household, Person, FamilyCard, Assessment, CurrentAssessment, DesilRecord)
    tables = [m._meta.db_table for m in loaded]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")
    name_indexes_merge()
