"""Import of households with their members: one row per member, grouped by No. KK.

Rules, in the order they are checked:
- every cell is checked in Python (NIK and No. KK by `registry.nik`, codes, dates); a NIK
  of sixteen digits with an unknown region code or an impossible date does not refuse the
  member: they are imported without a NIK, the typed digits kept as unverified evidence
  (`Person.nik_unverified`) for Dukcapil matching;
- a NIK given twice in the file, or a family whose rows disagree on the address, is refused;
- a family is matched to the household holding its No. KK as the open card, a member to the
  person holding the NIK (or, without a NIK, to a member of that household with the same
  normalised name and date of birth);
- a NIK held by a person of another household (or of none) is refused, never moved;
- a new household needs exactly one head (hubungan 1); in an existing one the head changes
  only in the portal (`household_head_change`), so a file that would change it is refused.
A family with any refused row is skipped as a whole, and nothing of it is written. What is
written is an upsert: re-importing the same file finds everything unchanged and writes
nothing, not even events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.dtsen import desil_records_match
from registry.imports import members
from registry.imports.base import (
    SQL_MASK,
    Checked,
    ImportContext,
    ImportKind,
    Issue,
    one_row,
    run,
    sql_message,
    staged_issues,
)
from registry.imports.columns import HOUSEHOLD_COLUMNS, Column
from registry.imports.households_sql import (
    CHECKS,
    HOUSEHOLD_DIFF,
    MEMBER_COLUMNS,
    PERSON_DIFF,
    REGISTRATION_STAGE,
    STAGE,
    WRITES,
)
from registry.imports.readers import SheetRow
from registry.imports.values import (
    CellError,
    DamagedNik,
    identifier_kk,
    identifier_nik,
    parse_date,
    parse_kelurahan_code,
)
from registry.nik import check_nik_against
from registry.selectors import mask_nik
from registry.services.member_additions import members_added_record_staged, members_added_stage
from registry.services.name_words import name_words_recount_after_commit
from registry.services.registration import households_register_staged, registration_stage

if TYPE_CHECKING:
    from pathlib import Path

    from django.db.backends.utils import CursorWrapper

# Families per write chunk (about three members each): one transaction and checkpoint each.
FAMILIES_PER_CHUNK = 20_000
# Rows of a skipped family named in its notice; the rest are counted.
ROWS_NAMED = 12
# The member columns checked by a plain parser (the identifiers and the date need more).
PARSERS = (
    ("rw", members.parse_rt_rw),
    ("rt", members.parse_rt_rw),
    ("alamat", members.parse_address),
    ("nama", members.parse_name),
    ("jenis_kelamin", members.parse_sex),
    ("tempat_lahir", members.parse_place),
    ("hubungan", members.parse_relationship),
    ("status_kawin", members.parse_marital_status),
    ("pendidikan", members.parse_education),
    ("pekerjaan", members.parse_occupation),
    ("disabilitas", members.parse_disability),
)


class HouseholdImport(ImportKind):
    key = "households"
    label = _("Households with members")
    permission = "registry.add_household"
    staging_table = "import_raw"
    analyze_columns = ("kk", "nik")
    prepared_columns: ClassVar[tuple[str, ...]] = (
        "row_no",
        "kk",
        "bad",
        "error_column",
        "error",
        *MEMBER_COLUMNS,
    )

    def columns(self) -> Sequence[Column]:
        return HOUSEHOLD_COLUMNS

    # --- rows -----------------------------------------------------------------------------

    def context_extra(self) -> dict[str, Any]:
        return {"kk_cache": {}, "place_cache": {}}

    def check_row(self, row: SheetRow, ctx: ImportContext) -> Checked:
        # An optional column missing from the file reads as the empty cell at the end.
        cells, positions, numeric = (*row.values, ""), ctx.layout.positions, row.numeric
        issues: list[Issue] = []
        warnings = 0
        kk_cache: dict[tuple[str, bool], tuple[str | None, str]] = ctx.extra["kk_cache"]
        place_cache: dict[str, tuple[str | None, str]] = ctx.extra["place_cache"]

        def cell(name: str) -> str:
            return cells[positions.get(name, -1)]

        def refuse(name: str, error: CellError) -> None:
            issues.append(Issue(row.number, ctx.layout.header(name), error.message))

        raw_kk = cell("no_kk")
        kk_numeric = positions["no_kk"] in numeric
        kk, kk_problem = kk_cache.get((raw_kk, kk_numeric), (None, ""))
        if kk is None and not kk_problem:
            try:
                kk = identifier_kk(raw_kk, numeric=kk_numeric, today=ctx.today).kk
            except CellError as error:
                kk_problem = error.message
            kk_cache[(raw_kk, kk_numeric)] = (kk, kk_problem)
        if kk_problem:
            issues.append(Issue(row.number, ctx.layout.header("no_kk"), kk_problem))

        raw_place = cell("kelurahan_code")
        kelurahan, place_problem = place_cache.get(raw_place, (None, ""))
        if kelurahan is None and not place_problem:
            try:
                kelurahan = self._kelurahan(raw_place, ctx)
            except CellError as error:
                place_problem = error.message
            place_cache[raw_place] = (kelurahan, place_problem)
        if place_problem:
            issues.append(Issue(row.number, ctx.layout.header("kelurahan_code"), place_problem))

        values: dict[str, Any] = {}
        plan = ctx.extra.get("plan")
        if plan is None:  # where each parsed column is, worked out once per file
            plan = ctx.extra["plan"] = tuple(
                (name, parse, positions.get(name, -1)) for name, parse in PARSERS
            )
        for name, parse, position in plan:
            try:
                values[name] = parse(cells[position])
            except CellError as error:
                refuse(name, error)
        try:
            values["tanggal_lahir"] = parse_date(cell("tanggal_lahir"), today=ctx.today)
        except CellError as error:
            refuse("tanggal_lahir", error)

        nik: str | None = None
        nik_unverified: str | None = None
        raw_nik = cell("nik")
        nik_numeric = positions["nik"] in numeric
        if raw_nik.strip() or nik_numeric:
            try:
                parsed = identifier_nik(raw_nik, numeric=nik_numeric, today=ctx.today)
            except DamagedNik as damaged:
                # The member is imported without a NIK; the digits stay as evidence.
                nik_unverified = damaged.typed
                warnings += 1
            except CellError as error:
                refuse("nik", error)
            else:
                nik = parsed.nik
                if "jenis_kelamin" in values and "tanggal_lahir" in values:
                    warnings += len(
                        check_nik_against(
                            parsed, sex=values["jenis_kelamin"], birth_date=values["tanggal_lahir"]
                        )
                    )
        else:
            warnings += 1  # a member without a NIK is flagged for follow-up at Dukcapil
            if "tanggal_lahir" in values:
                try:
                    values["alasan_tanpa_nik"] = members.parse_nik_missing_reason(
                        cell("alasan_tanpa_nik"),
                        birth_date=values["tanggal_lahir"],
                        today=ctx.today,
                    )
                except CellError as error:
                    refuse("alasan_tanpa_nik", error)

        if issues:
            return Checked(kk, None, issues)
        full_name, name_key = values["nama"]
        return Checked(
            kk,
            [
                kelurahan,
                values["rw"],
                values["rt"],
                values["alamat"],
                nik,
                full_name,
                name_key,
                values["jenis_kelamin"],
                values["tempat_lahir"],
                values["tanggal_lahir"],
                values["hubungan"],
                values["status_kawin"],
                values["pendidikan"],
                values["pekerjaan"],
                values["disabilitas"],
                values.get("alasan_tanpa_nik", ""),
                nik_unverified,
            ],
            issues,
            warnings,
        )

    def _kelurahan(self, raw: str, ctx: ImportContext) -> str:
        code = parse_kelurahan_code(raw)
        if code not in ctx.extra["all_kelurahan"]:
            raise CellError(
                _("%(value)r is not a kelurahan code of Kota Depok (for example 32.76.01.1006).")
                % {"value": raw.strip()}
            )
        if code not in ctx.kelurahan_codes:
            raise CellError(_("You may only act on households in your own kelurahan."))
        return code

    # --- staging and checks ---------------------------------------------------------------

    def create_staging(self, cursor: CursorWrapper) -> None:
        run(cursor, STAGE, {})

    def check(self, cursor: CursorWrapper, ctx: ImportContext) -> None:
        run(cursor, CHECKS, {"families_per_chunk": FAMILIES_PER_CHUNK, **self._messages(ctx)})

    def stage(self, cursor: CursorWrapper, path: Path, ctx: ImportContext) -> None:
        super().stage(cursor, path, ctx)
        # The writes take one chunk at a time: each finds its rows by this index, not by a
        # scan of the whole file (which would make the writes grow with chunks x rows).
        cursor.execute("CREATE INDEX ON import_member (chunk)")

    def _messages(self, ctx: ImportContext) -> dict[str, Any]:
        header = ctx.layout.header
        return {
            "col_kk": header("no_kk"),
            "col_nik": header("nik"),
            "col_kelurahan": header("kelurahan_code"),
            "col_rw": header("rw"),
            "col_rt": header("rt"),
            "col_address": header("alamat"),
            "col_relationship": header("hubungan"),
            "col_birth_date": header("tanggal_lahir"),
            "msg_nik_twice": sql_message(
                _("This NIK is also given on row %(row)s; a person is listed once."), "row"
            ),
            "msg_family_address": sql_message(
                _(
                    "The address differs from row %(row)s with the same No. KK; all members of "
                    "a family have the family's address."
                ),
                "row",
            ),
            "msg_dissolved": sql_message(
                _("Household %(number)s holding this No. KK is dissolved."), "number"
            ),
            "msg_nik_detached": sql_message(
                _(
                    "This NIK belongs to a registered person who is not in any household now; "
                    "add them to the family in the portal."
                )
            ),
            "msg_nik_taken": sql_message(
                _(
                    "This NIK is already registered in household %(number)s; a move between "
                    "households is done in the portal."
                ),
                "number",
            ),
            "msg_born_after_death": sql_message(
                _("The date of birth is after the person's recorded date of death.")
            ),
            "msg_no_head": sql_message(
                _("The family has no head of family (hubungan 1); exactly one is needed.")
            ),
            "msg_heads": sql_message(
                _("The family has %(count)s heads of family (hubungan 1); exactly one is needed."),
                "count",
            ),
            "msg_head_taken": sql_message(
                _(
                    "Household %(number)s already has another head of family; change the head "
                    "in the portal first."
                ),
                "number",
            ),
            "msg_head_stays": sql_message(
                _(
                    "This person is the head of household %(number)s; change the head in the "
                    "portal first."
                ),
                "number",
            ),
        }

    def issues(self, cursor: CursorWrapper, ctx: ImportContext) -> list[Issue]:
        found = staged_issues(cursor, "import_member")
        cursor.execute(
            """
            SELECT f.kk, array_agg(DISTINCT m.row_no ORDER BY m.row_no)
            FROM import_family f JOIN import_member m ON m.kk = f.kk
            WHERE f.skip GROUP BY f.kk, f.first_row ORDER BY f.first_row
            """
        )
        notices = [
            Issue(rows[-1], ctx.layout.header("no_kk"), _skip_notice(kk, rows))
            for kk, rows in cursor.fetchall()
        ]
        return sorted(found + notices, key=lambda issue: issue.row)

    def counts(self, cursor: CursorWrapper) -> dict[str, int]:
        households = one_row(
            cursor,
            f"""
            SELECT
                count(*) FILTER (WHERE NOT f.skip AND f.is_new) AS households_new,
                count(*) FILTER (WHERE NOT f.skip AND NOT f.is_new AND {HOUSEHOLD_DIFF})
                    AS households_updated,
                count(*) FILTER (WHERE NOT f.skip AND NOT f.is_new AND NOT {HOUSEHOLD_DIFF})
                    AS households_unchanged,
                count(*) FILTER (WHERE f.skip) AS families_skipped
            FROM import_family f LEFT JOIN registry_household h ON h.id = f.household_id
            """,  # noqa: S608 (constant SQL fragments; values are bound parameters)
        )
        persons = one_row(
            cursor,
            f"""
            SELECT
                count(*) FILTER (WHERE m.person_id IS NULL) AS persons_new,
                count(*) FILTER (WHERE m.person_id IS NOT NULL AND {PERSON_DIFF})
                    AS persons_updated,
                count(*) FILTER (WHERE m.person_id IS NOT NULL AND NOT {PERSON_DIFF})
                    AS persons_unchanged
            FROM import_member m
            JOIN import_family f ON f.kk = m.kk
            LEFT JOIN registry_person p ON p.id = m.person_id
            WHERE NOT f.skip AND NOT m.bad
            """,  # noqa: S608 (constant SQL fragments; values are bound parameters)
        )
        rows = one_row(
            cursor,
            """
            SELECT count(DISTINCT m.row_no) AS rows_skipped
            FROM import_member m LEFT JOIN import_family f ON f.kk = m.kk
            WHERE f.skip OR f.kk IS NULL
            """,
        )
        return {**households, **persons, **rows}

    # --- writes ---------------------------------------------------------------------------

    def chunks(self, cursor: CursorWrapper) -> list[tuple[int, int]]:
        cursor.execute(
            """
            SELECT chunk, sum(members) FROM import_family WHERE NOT skip
            GROUP BY chunk ORDER BY chunk
            """
        )
        return [(int(chunk), int(size)) for chunk, size in cursor.fetchall()]

    def write_chunk(self, cursor: CursorWrapper, chunk: int, ctx: ImportContext) -> None:
        now = timezone.now()
        params = {
            "chunk": chunk,
            "now": now,
            "today": ctx.today,
            "mask": SQL_MASK,
            "job": ctx.job_id,
            "actor": ctx.actor.pk if ctx.actor is not None else None,
        }
        registration_stage(cursor)
        run(cursor, REGISTRATION_STAGE, params)
        households_register_staged(
            cursor=cursor,
            actor=ctx.actor,
            details={"source": "import", "import_job": ctx.job_id},
            now=now,
        )
        members_added_stage(cursor)
        run(cursor, WRITES, params)
        members_added_record_staged(
            cursor=cursor, actor=ctx.actor, details={"import_job": ctx.job_id}, now=now
        )

    def finish(self, cursor: CursorWrapper, ctx: ImportContext) -> None:
        # The name search's word table learns the names written, once this commits.
        cursor.execute(
            "SELECT coalesce(array_agg(DISTINCT w), '{}') FROM import_member m, "
            "unnest(string_to_array(m.name_normalized, ' ')) AS w WHERE NOT m.bad"
        )
        name_words_recount_after_commit(cursor.fetchone()[0])
        # DTSEN rows imported before these people were registered can match them now.
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM registry_desilrecord WHERE household_id IS NULL)"
        )
        if not cursor.fetchone()[0]:
            return
        cursor.execute(
            """
            SELECT coalesce(array_agg(DISTINCT m.nik) FILTER (WHERE m.nik IS NOT NULL), '{}'),
                coalesce(array_agg(DISTINCT f.kk), '{}')
            FROM import_family f JOIN import_member m ON m.kk = f.kk AND NOT m.bad
            WHERE NOT f.skip
            """
        )
        niks, kks = cursor.fetchone()
        desil_records_match(niks=niks, kks=kks)

    def drop(self, cursor: CursorWrapper) -> None:
        cursor.execute(
            "DROP TABLE IF EXISTS import_raw, import_member, import_family, import_issue, "
            "import_new_person"
        )


def _skip_notice(kk: str, rows: list[int]) -> str:
    named = ", ".join(str(row) for row in rows[:ROWS_NAMED])
    if len(rows) > ROWS_NAMED:
        named += " …"
    return str(
        _(
            "The family with No. KK %(kk)s (rows %(rows)s) is skipped as a whole: nothing of it "
            "was written. Correct the rows above and import the file again."
        )
        % {"kk": mask_nik(kk), "rows": named}
    )
