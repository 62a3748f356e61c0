"""The two Dukcapil sources, behind one interface: decide a chunk of persons.

`DkbSource` matches against a loaded DKB extract, set-based: one indexed query for the
chunk's exact NIKs, one for NIKs one typing mistake away within (birth date, sex) blocks
(`levenshtein_less_equal` keeps only plausible ones), two for the name + birth date
fallback (its blocks, and how common its candidates' names are in the extract), one for the
households' KK composition; the scoring runs in memory over those
rows. `WebServiceSource` asks Dukcapil's verification service person by person, within
its rate limit; an outage marks persons "not verified this run" and the job goes on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, Protocol

from django.db import connection
from django.utils import timezone
from psycopg import sql

from registry.dukcapil.dkb_tables import table_name
from registry.dukcapil.matching import fallback, recovery
from registry.dukcapil.matching.fields import decide_exact, normalized_name, status_outcome
from registry.dukcapil.matching.records import (
    Decision,
    DukcapilRecord,
    Method,
    OutcomeCode,
    RegistryPerson,
)
from registry.dukcapil.matching.verification import decide_verification, not_verified
from registry.dukcapil.models import DkbExtract
from registry.dukcapil.webservice import DukcapilClient, ServiceUnavailable, VerificationRequest
from registry.models import Person
from registry.selectors import mask_nik

Heartbeat = Callable[[], None]
# In `DukcapilRecord` field order, so that a row becomes a record with `_make`.
RECORD_COLUMNS = (
    "nik, kk, full_name, birth_date, sex, birth_place, relationship, mother_name, address, "
    "rt, rw, kecamatan_no, kelurahan_no, is_deceased, death_date, moved_out, moved_out_on"
)
_D_COLUMNS = sql.SQL(", ").join(
    sql.Identifier("d", column.strip()) for column in RECORD_COLUMNS.split(",")
)
# The most Dukcapil-only members listed in a KK composition outcome.
MAX_LISTED_MEMBERS = 20


class Source(Protocol):
    """Decides, for each person of a chunk, what Dukcapil says about them."""

    name: str
    chunk_size: int

    def decide(self, persons: Sequence[RegistryPerson], heartbeat: Heartbeat) -> list[Decision]: ...


def _record(row: Sequence[Any]) -> DukcapilRecord:
    return DukcapilRecord._make(row)


# Every DKB query below looks rows up through a LATERAL subquery with OFFSET 0: the planner
# cannot flatten it, so each key is an index lookup, never a hash of the whole extract (nor,
# for the "NIK held by someone in the registry" test inside it, of every person).


def _not_found(person: RegistryPerson, **evidence: Any) -> Decision:
    return Decision(
        person_id=person.person_id,
        outcome=OutcomeCode.NOT_FOUND,
        score=0.0,
        evidence=evidence,
    )


class DkbSource:
    name = "dkb"
    chunk_size = 25_000

    def __init__(self, extract_id: int, *, today: date | None = None) -> None:
        self.extract_id = extract_id
        self.table = sql.Identifier(table_name(extract_id))
        self._rows_in_extract: int | None = None
        self.today = today or timezone.localdate()
        self.person_table = sql.Identifier(Person._meta.db_table)

    def _rows(self, query: sql.Composable, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(query.as_string(), params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

    def decide(self, persons: Sequence[RegistryPerson], heartbeat: Heartbeat) -> list[Decision]:
        decisions: dict[int, Decision] = {}
        by_nik = self._by_nik(persons)
        pending: list[RegistryPerson] = []
        for person in persons:
            record = by_nik.get(person.nik or "")
            decision = decide_exact(person, record) if record is not None else None
            if decision is None:
                pending.append(person if person.nik else person.typed())
            else:
                decisions[person.person_id] = decision
        heartbeat()
        typed = [p for p in pending if p.nik]
        by_id = {p.person_id: p for p in typed}
        proposals = recovery.propose_all(typed, self._typo_candidates(typed), today=self.today)
        for person_id, proposal in proposals.items():
            decisions[person_id] = recovery.proposal_decision(by_id[person_id], proposal)
        rest = [p for p in pending if p.person_id not in decisions]
        decisions.update(self._fallback(rest))
        for person in rest:
            if person.person_id not in decisions:
                decisions[person.person_id] = _not_found(
                    person, nik_known=person.nik is not None and person.nik in by_nik
                )
        self._kk_composition(persons, decisions)
        heartbeat()
        return [decisions[p.person_id] for p in persons]

    def _by_nik(self, persons: Sequence[RegistryPerson]) -> dict[str, DukcapilRecord]:
        """The records holding the NIKs of the chunk's persons (found by a join on the
        chunk's id range: no list of NIKs to send)."""
        if not persons:
            return {}
        query = sql.SQL(
            "SELECT {} FROM {} p CROSS JOIN LATERAL "
            "(SELECT * FROM {} d WHERE d.nik = p.nik OFFSET 0) d WHERE p.id BETWEEN %s AND %s"
        ).format(_D_COLUMNS, self.person_table, self.table)
        first, last = persons[0].person_id, persons[-1].person_id
        return {row[0]: _record(row) for row in self._rows(query, [first, last])}

    def _typo_candidates(
        self, persons: Sequence[RegistryPerson]
    ) -> dict[int, list[DukcapilRecord]]:
        """Records one typing mistake away, in the persons' (birth date, sex) blocks, or
        whose No. KK is the typed NIK; records someone in the registry holds are left out."""
        if not persons:
            return {}
        ids: list[int] = []
        niks: list[str] = []
        dates: list[date] = []
        sexes: list[str] = []
        for person in persons:
            for born, sex in recovery.blocking_keys(person, today=self.today):
                ids.append(person.person_id)
                niks.append(person.nik or "")
                dates.append(born)
                sexes.append(sex)
        query = sql.SQL(
            """
            WITH keys(person_id, typed, birth_date, sex) AS (
                SELECT * FROM unnest(%s::bigint[], %s::text[], %s::date[], %s::text[])
            )
            SELECT k.person_id, {cols} FROM keys k CROSS JOIN LATERAL (
                SELECT * FROM {dkb} d WHERE d.birth_date = k.birth_date AND d.sex = k.sex
                  AND d.nik <> k.typed AND levenshtein_less_equal(d.nik, k.typed, 2) <= 2
                  AND NOT EXISTS (SELECT 1 FROM {person} p WHERE p.nik = d.nik)
                OFFSET 0
            ) d
            UNION ALL
            SELECT k.person_id, {cols} FROM (SELECT DISTINCT person_id, typed FROM keys) k
            CROSS JOIN LATERAL (
                SELECT * FROM {dkb} d WHERE d.kk = k.typed
                  AND NOT EXISTS (SELECT 1 FROM {person} p WHERE p.nik = d.nik)
                OFFSET 0
            ) d
            """
        ).format(
            cols=_D_COLUMNS,
            dkb=self.table,
            person=self.person_table,
        )
        candidates: dict[int, list[DukcapilRecord]] = defaultdict(list)
        for row in self._rows(query, [ids, niks, dates, sexes]):
            candidates[row[0]].append(_record(row[1:]))
        return candidates

    def _fallback(self, persons: Sequence[RegistryPerson]) -> dict[int, Decision]:
        """Name + birth date + birthplace for persons no NIK step found."""
        if not persons:
            return {}
        ids: list[int] = []
        dates: list[date] = []
        sexes: list[str] = []
        for person in persons:
            keys = {(person.birth_date, person.sex)}
            keys |= recovery.blocking_keys(person, today=self.today)
            for born, sex in keys:
                ids.append(person.person_id)
                dates.append(born)
                sexes.append(sex)
        query = sql.SQL(
            """
            WITH keys(person_id, birth_date, sex) AS (
                SELECT * FROM unnest(%s::bigint[], %s::date[], %s::text[])
            )
            SELECT k.person_id, {cols} FROM keys k CROSS JOIN LATERAL (
                SELECT * FROM {dkb} d WHERE d.birth_date = k.birth_date AND d.sex = k.sex
                  AND NOT EXISTS (SELECT 1 FROM {person} p WHERE p.nik = d.nik)
                OFFSET 0
            ) d
            """
        ).format(
            cols=_D_COLUMNS,
            dkb=self.table,
            person=self.person_table,
        )
        records: dict[str, DukcapilRecord] = {}
        fetched: list[tuple[int, DukcapilRecord]] = []
        for row in self._rows(query, [ids, dates, sexes]):
            record = _record(row[1:])
            records[record.nik] = record
            fetched.append((row[0], record))
        # Whole blocks are read (but for records someone in the registry holds by NIK): a
        # block's size is about its count among the rows found.
        peers = Counter((record.birth_date, record.sex) for record in records.values())
        shares = self._name_shares({record.full_name for record in records.values()})
        left = {p.person_id: _fallback_person(p) for p in persons}
        right = {
            nik: _fallback_record(
                record,
                name_share=shares.get(record.full_name, 0.0),
                peers=peers[(record.birth_date, record.sex)] - 1,
            )
            for nik, record in records.items()
        }
        pairs = [(left[person_id], right[record.nik]) for person_id, record in fetched]
        by_person = {p.person_id: p for p in persons}
        decisions: dict[int, Decision] = {}
        for found in fallback.link(pairs):
            person, record = by_person[int(found.left)], records[found.right]
            outcome, event_date = status_outcome(person, record) or (OutcomeCode.NIK_MISTYPED, None)
            decisions[person.person_id] = Decision(
                person_id=person.person_id,
                outcome=outcome,
                score=min(found.score, 1.0),
                method=Method.NAME_BIRTH_DATE,
                candidate_nik=record.nik,
                event_date=event_date,
                record=record,
                evidence={
                    "name_score": found.name,
                    "date_score": found.date,
                    "place_score": found.place,
                    "nik_missing": person.nik is None,
                },
            )
        return decisions

    def _name_shares(self, names: set[str]) -> dict[str, float]:
        """For each of these exact names, the share of the extract's other records bearing it
        (the record itself is not a namesake of itself)."""
        if not names:
            return {}
        query = sql.SQL(
            "SELECT full_name, count(*) FROM {} WHERE full_name = ANY(%s) GROUP BY full_name"
        ).format(self.table)
        counts = dict(self._rows(query, [sorted(names)]))
        total = self._row_count()
        if total <= 1:
            return {}
        return {name: (count - 1) / (total - 1) for name, count in counts.items()}

    def _row_count(self) -> int:
        if self._rows_in_extract is None:
            self._rows_in_extract = (
                DkbExtract.objects.filter(pk=self.extract_id)
                .values_list("row_count", flat=True)
                .first()
                or 0
            )
        return self._rows_in_extract

    def _kk_composition(
        self, persons: Sequence[RegistryPerson], decisions: dict[int, Decision]
    ) -> None:
        """A head whose Dukcapil KK lists living members the household lacks: KK differs.

        A Dukcapil member is in the household when a member there holds their NIK, or holds
        no NIK Dukcapil knows (none, or a mistyped one) and shares their birth date and sex:
        decided in SQL alone, so a household whose members fall in two chunks is judged as
        one whose members are all in this chunk.
        """
        heads = {
            p.household_id: p
            for p in persons
            if p.relationship == Person.Relationship.HEAD
            and p.household_id is not None
            and p.kk
            and decisions[p.person_id].outcome in (OutcomeCode.MATCHED, OutcomeCode.DIFFERENCES)
        }
        if not heads:
            return
        query = sql.SQL(
            """
            WITH households(household_id, kk) AS (SELECT * FROM unnest(%s::bigint[], %s::text[]))
            SELECT h.household_id, d.nik, d.full_name FROM households h
            CROSS JOIN LATERAL (
                SELECT * FROM {dkb} d WHERE d.kk = h.kk AND NOT d.is_deceased AND NOT d.moved_out
                  AND NOT EXISTS (
                      SELECT 1 FROM {person} p
                      WHERE p.household_id = h.household_id
                        AND (p.nik = d.nik
                             OR p.birth_date = d.birth_date AND p.sex = d.sex
                                AND NOT EXISTS (SELECT 1 FROM {dkb} known WHERE known.nik = p.nik))
                  )
                OFFSET 0
            ) d
            ORDER BY h.household_id, d.nik
            """
        ).format(dkb=self.table, person=self.person_table)
        missing: dict[int, list[dict[str, str]]] = defaultdict(list)
        household_ids = list(heads)
        for household_id, nik, name in self._rows(
            query, [household_ids, [heads[h].kk for h in household_ids]]
        ):
            missing[household_id].append({"nik": mask_nik(nik), "name": name})
        for household_id, members in missing.items():
            head = heads[household_id]
            before = decisions[head.person_id]
            decisions[head.person_id] = Decision(
                person_id=before.person_id,
                outcome=OutcomeCode.KK_DIFFERS,
                score=before.score,
                method=before.method,
                differences=(*before.differences, "kk_members"),
                record=before.record,
                evidence={
                    **before.evidence,
                    "members_only_at_dukcapil": members[:MAX_LISTED_MEMBERS],
                    "members_only_at_dukcapil_count": len(members),
                },
            )


def _fallback_person(person: RegistryPerson) -> fallback.FallbackRecord:
    return fallback.FallbackRecord(
        key=str(person.person_id),
        name=person.name_normalized,
        birth_date=person.birth_date,
        sex=person.sex,
        place=person.birth_place,
        # A No. KK typed as the NIK says nothing about the person's own NIK digits.
        nik=person.nik if person.nik and person.nik != person.kk else "",
    )


def _fallback_record(
    record: DukcapilRecord, *, name_share: float = 0.0, peers: int = 0
) -> fallback.FallbackRecord:
    return fallback.FallbackRecord(
        key=record.nik,
        name=normalized_name(record.full_name),
        birth_date=record.birth_date,
        sex=record.sex,
        place=record.birth_place,
        nik=record.nik,
        name_share=name_share,
        peers=peers,
    )


class WebServiceSource:
    name = "web_service"
    chunk_size = 10  # a checkpoint every few calls: the calls are slow, the job may be killed

    def __init__(self, client: DukcapilClient) -> None:
        self.client = client

    def decide(self, persons: Sequence[RegistryPerson], heartbeat: Heartbeat) -> list[Decision]:
        decisions = []
        for person in persons:
            decisions.append(self._decide_one(person))
            heartbeat()
        return decisions

    def _decide_one(self, person: RegistryPerson) -> Decision:
        if not person.nik:
            return _not_found(person, reason="no NIK to verify")
        request = VerificationRequest(
            nik=person.nik,
            full_name=person.full_name,
            birth_date=person.birth_date,
            birth_place=person.birth_place,
            sex=person.sex,
        )
        try:
            answer = self.client.verify(request)
        except ServiceUnavailable as exc:
            return not_verified(person, str(exc))
        return decide_verification(person, answer)


def persons_from_rows(rows: Iterable[Sequence[Any]]) -> list[RegistryPerson]:
    """RegistryPerson values from rows in `RegistryPerson` field order."""
    return list(map(RegistryPerson._make, rows))
