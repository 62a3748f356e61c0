"""Bulk enrolment through an import: a recipient list (CSV or XLSX: a `nik` column, an
optional `amount`, and the programme's detail columns such as `jkn_segment`) into one cycle.

An import is a bulk use of the application path, not a second one: each row becomes the
`Candidate` an application would be, its detail is cleaned by the programme's own form, and
`candidates_evaluate` (the declarative rules, the frequency limit and exclusions, the
programme app's checks) and the registered approval gates (required verification checks,
open blocking findings) decide it, over the whole list at once. A household programme takes
one row per household (the first in the file). The quota and budget are checked for the
whole list under the cycle's lock, as an approval does.

Set-based: the rows are COPY'd into a temporary table and joined once with the registry, the
history and the gates read the database once per rule for the whole list, and the good rows
are enrolled with one INSERT ... SELECT per chunk. A preview run reports the bad rows and
writes nothing. A commit runs in one transaction, refuses the whole list when it would
exceed the cycle's quota or budget, and skips rows already enrolled (ON CONFLICT), so a
re-run after a killed worker is safe. The file is read with the registry's CSV/XLSX reader.
"""

from __future__ import annotations

import gc
import re
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.formatting import rupiah
from depok_kds.jobs import Progress, job_start
from depok_kds.models import Job, User
from programs.eligibility import failed
from programs.kinds import Candidate, kind_for
from programs.models import Application, Cycle, Enrolment, RecipientImport
from programs.one_per_cycle import cycle_holders, per_household
from programs.services import (
    amount_check,
    candidates_evaluate,
    cycle_room,
    decider_check,
    gate_refusals_many,
)
from registry.imports.readers import open_sheet
from registry.models import Household, Person

M = TypeVar("M", bound=Model)
KIND = "programs.recipient_import"
CHUNK = 50_000
_NIK = re.compile(r"^[0-9]{16}$")
MAX_ERROR_ROWS = 1000
ENROLMENTS = Enrolment._meta.db_table
PERSONS = Person._meta.db_table
HOUSEHOLDS = Household._meta.db_table


@transaction.atomic
def recipient_import_start(
    *,
    actor: User | None,
    cycle_id: int,
    file_name: str,
    content: bytes,
    commit: bool,
    historical: bool = False,
) -> Job:
    """Keep the uploaded list and start the job that checks (and, if `commit`, enrols) it.

    Under four eyes (the programme's default) a list is only previewed here; another
    officer commits it (`recipient_import_commit`).
    """
    cycle = Cycle.objects.select_related("programme__agency").get(pk=cycle_id)
    decider_check(actor=actor, programme=cycle.programme)
    if commit and cycle.programme.four_eyes:
        raise DomainError(
            _("Check the list first: another officer commits it after the preview."),
            code="four_eyes",
        )
    if Path(file_name).suffix.lower() not in (".csv", ".xlsx"):
        raise DomainError(_("Upload a CSV or XLSX file."), code="file_type")
    _historical_check(cycle, historical)
    upload = RecipientImport.objects.create(
        cycle=cycle,
        file_name=file_name[:200],
        content=content,
        uploaded_by=recorded_user(actor),
        historical=historical,
    )
    audit_record(
        actor=actor,
        action="programs.recipient_import",
        target=upload,
        after={
            "cycle": cycle.pk,
            "commit": commit,
            "historical": historical,
            "bytes": len(content),
        },
    )
    return job_start(
        kind=KIND, requested_by=actor, params={"import_id": upload.pk, "commit": commit}
    )


Row = tuple[int, str, str]  # (row number, nik, amount as written)


def _historical_check(cycle: Cycle, historical: bool) -> None:
    """A historical list records a past cycle, closed, without the checks; it never writes
    into an open cycle (an open cycle's lists pass the checks)."""
    if historical and cycle.status == Cycle.Status.OPEN:
        raise DomainError(
            _("A historical list records a closed cycle only; this cycle is open."),
            code="historical_open_cycle",
        )


@transaction.atomic
def recipient_import_commit(*, actor: User | None, import_id: int) -> Job:
    """Start the job that enrols a previewed list; who prepared it cannot commit it (four
    eyes, unless the programme turned them off)."""
    upload = (
        RecipientImport.objects.select_for_update(of=("self",))
        .select_related("cycle__programme__agency")
        .get(pk=import_id)
    )
    programme = upload.cycle.programme
    decider_check(actor=actor, programme=programme)
    if upload.committed:
        raise Conflict(_("This list has already been committed."), code="wrong_state")
    _historical_check(upload.cycle, upload.historical)
    if programme.four_eyes and actor is not None and upload.uploaded_by_id in (None, actor.pk):
        raise Forbidden(
            _("You prepared this list; another officer must commit it."), code="four_eyes"
        )
    audit_record(actor=actor, action="programs.recipient_import_approve", target=upload, after={})
    return job_start(kind=KIND, requested_by=actor, params={"import_id": upload.pk, "commit": True})


def _read(
    upload: RecipientImport, *, historical: bool = False
) -> tuple[list[Row], dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """Well-formed rows, each row's detail cleaned by the programme's form (not for a
    historical list, which records what was paid), and error rows."""
    kind = kind_for(upload.cycle.programme.kind)
    fields = [] if historical else list(kind.detail_form.base_fields)
    suffix = Path(upload.file_name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(bytes(upload.content))
        handle.flush()
        sheet = open_sheet(Path(handle.name))
        headers = [h.strip().lower() for h in sheet.headers]
        if "nik" not in headers:
            raise DomainError(_("The file has no 'nik' column."), code="no_nik_column")
        at_nik = headers.index("nik")
        at_amount = headers.index("amount") if "amount" in headers else None
        at_detail = [(f, headers.index(f)) for f in fields if f in headers]
        good: list[Row] = []
        details: dict[int, dict[str, Any]] = {}
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        # A list repeats few distinct details (a KIS list: the JKN segment), so each distinct
        # one is cleaned by the form once.
        cleaned: dict[tuple[str, ...], dict[str, Any] | DomainError] = {}
        for row in sheet.rows():
            nik = row.values[at_nik].strip()
            amount = row.values[at_amount].strip() if at_amount is not None else ""
            if not _NIK.match(nik):
                errors.append(
                    {"row": row.number, "column": "nik", "reason": _("Not a 16-digit NIK.")}
                )
                continue
            if nik in seen:
                errors.append(
                    {"row": row.number, "column": "nik", "reason": _("NIK repeated in the file.")}
                )
                continue
            seen.add(nik)
            if historical:
                good.append((row.number, nik, amount))
                continue
            key = tuple(row.values[i].strip() for _f, i in at_detail)
            if key not in cleaned:
                try:
                    cleaned[key] = kind.detail_clean(
                        {f: v for (f, _i), v in zip(at_detail, key, strict=True)}
                    )
                except DomainError as exc:
                    cleaned[key] = exc
            detail = cleaned[key]
            if isinstance(detail, DomainError):
                columns = ", ".join(sorted(detail.details)) if detail.details else ""
                errors.append({"row": row.number, "column": columns, "reason": str(detail.message)})
                continue
            good.append((row.number, nik, amount))
            details[row.number] = detail
    return good, details, errors


def _stage(rows: list[Row], progress: Progress) -> None:
    with connection.cursor() as cursor:
        # ON COMMIT DROP ends it with the job's transaction; a caller already inside a
        # transaction (preview then commit in one) must not find the previous one.
        cursor.execute("DROP TABLE IF EXISTS recipient_stage")
        cursor.execute(
            "CREATE TEMP TABLE recipient_stage (row_no int PRIMARY KEY, nik varchar(16), "
            "amount numeric(14,0), person_id bigint, household_id bigint, "
            "kelurahan_code varchar(13), ok boolean NOT NULL DEFAULT true) ON COMMIT DROP"
        )
        for start in range(0, len(rows), CHUNK):
            with cursor.copy("COPY recipient_stage (row_no, nik, amount) FROM STDIN") as copy:
                for number, nik, amount in rows[start : start + CHUNK]:
                    copy.write_row((number, nik, amount or None))
        cursor.execute(
            f"UPDATE recipient_stage s SET person_id = p.id, household_id = p.household_id, "  # noqa: S608
            f"kelurahan_code = h.kelurahan_code FROM {PERSONS} p "
            f"JOIN {HOUSEHOLDS} h ON h.id = p.household_id WHERE p.nik = s.nik"
        )
        cursor.execute("ANALYZE recipient_stage")


def _loaded(model: type[M], **values: Any) -> M:
    """A model instance as a query with `.only(*values)` would load it (other fields load
    on access), without `Model.__init__`: a list builds hundreds of thousands of them."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding, instance._state.db = False, connection.alias
    return instance


def _candidates(
    cycle: Cycle, details: dict[int, dict[str, Any]], actor: User | None, exclude: set[int]
) -> tuple[list[int], list[Candidate], list[Decimal | None]]:
    """The staged rows still standing, as the candidates an application would make."""
    programme = cycle.programme
    today = timezone.localdate()
    numbers: list[int] = []
    candidates: list[Candidate] = []
    requested: list[Decimal | None] = []
    households: dict[int, Household] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.row_no, s.amount, p.id, p.nik, p.birth_date, p.disability, "  # noqa: S608
            f"p.is_deceased, p.education, h.id, h.kelurahan_code, h.poverty_class, h.desil, "
            f"h.status FROM recipient_stage s JOIN {PERSONS} p ON p.id = s.person_id "
            f"JOIN {HOUSEHOLDS} h ON h.id = s.household_id WHERE s.ok ORDER BY s.row_no"
        )
        for (
            number, amount, person_id, nik, born, disability, dead, education,
            household_id, kelurahan, klass, desil, status,
        ) in cursor:  # fmt: skip
            if number in exclude:
                continue
            household = households.get(household_id)
            if household is None:
                household = households[household_id] = _loaded(
                    Household,
                    id=household_id,
                    kelurahan_id=kelurahan,
                    poverty_class=klass,
                    desil=desil,
                    status=status,
                )
            person = _loaded(
                Person,
                id=person_id,
                nik=nik,
                birth_date=born,
                disability=disability,
                is_deceased=dead,
                education=education,
                household_id=household_id,
            )
            numbers.append(number)
            requested.append(amount)
            candidates.append(
                Candidate(
                    programme=programme,
                    cycle=cycle,
                    person=person,
                    household=household,
                    channel=Application.Channel.AGENCY,
                    detail=details.get(number, {}),
                    on=today,
                    actor=actor,
                    extra={},  # the granted amount, once known (`_check`)
                )
            )
    return numbers, candidates, requested


def _check(
    cycle: Cycle,
    details: dict[int, dict[str, Any]],
    errors: list[dict[str, Any]],
    actor: User | None,
) -> int:
    """Mark bad staged rows (ok = false) with their reasons; return the good rows' count."""
    programme = cycle.programme
    kind = kind_for(programme.kind)
    bad: dict[int, str] = {}
    # What already stands for a row's beneficiary: the application path's own query.
    applied, enrolled = (
        holders.values("pk").query.sql_with_params()
        for holders in cycle_holders(
            programme=programme,
            cycle_id=cycle.pk,
            person_id=RawSQL("s.person_id", ()),
            household_id=RawSQL("s.household_id", ()),
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_no FROM recipient_stage WHERE person_id IS NULL")
        for (number,) in cursor.fetchall():
            bad[number] = _("No registered person (in a household) holds this NIK.")
        for (sql, params), reason in (
            (enrolled, _("Already enrolled in this cycle.")),
            (applied, _("Has an application in this cycle: decide that application instead.")),
        ):
            cursor.execute(
                f"SELECT s.row_no FROM recipient_stage s WHERE EXISTS ({sql})",  # noqa: S608
                params,
            )
            for (number,) in cursor.fetchall():
                bad.setdefault(number, reason)
        if per_household(programme):
            # One beneficiary per household and cycle, as for applications: the first row
            # of a household in the file stands for it.
            cursor.execute(
                "SELECT row_no FROM (SELECT row_no, row_number() OVER (PARTITION BY household_id "
                "ORDER BY row_no) AS n FROM recipient_stage WHERE household_id IS NOT NULL) r "
                "WHERE n > 1"
            )
            for (number,) in cursor.fetchall():
                bad.setdefault(
                    number, _("Another member of this household is earlier in the file.")
                )
    numbers, candidates, requested = _candidates(cycle, details, actor, set(bad))
    granted: list[tuple[int, Decimal]] = []
    kept: list[Candidate] = []
    for number, candidate, amount in zip(numbers, candidates, requested, strict=True):
        try:
            value = kind.amount(candidate, None if amount is None else Decimal(amount))
            amount_check(programme=programme, amount=value)
        except (DomainError, InvalidOperation) as exc:
            bad[number] = str(getattr(exc, "message", exc))
            continue
        granted.append((number, value))
        candidate.extra["amount"] = value  # type: ignore[index]
        kept.append(candidate)
    outcomes = candidates_evaluate(kept)
    refusals = gate_refusals_many(kept)
    for (number, _value), found, refused in zip(granted, outcomes, refusals, strict=True):
        failures = failed(found)
        if failures:
            bad[number] = "; ".join(o.text(_) for o in failures)
        elif refused:
            bad[number] = "; ".join(refused)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE recipient_stage s SET amount = g.amount FROM unnest(%s::int[], "
            "%s::numeric[]) AS g(row_no, amount) WHERE s.row_no = g.row_no",
            [[n for n, _v in granted], [v for _n, v in granted]],
        )
        if bad:
            cursor.execute(
                "UPDATE recipient_stage SET ok = false WHERE row_no = ANY(%s)", [list(bad)]
            )
        cursor.execute("SELECT count(*) FROM recipient_stage WHERE ok")
        good = int(cursor.fetchone()[0])
    errors.extend({"row": n, "column": "nik", "reason": r} for n, r in sorted(bad.items()))
    return good


def _check_historical(cycle: Cycle, errors: list[dict[str, Any]]) -> int:
    """A historical list is recorded as it was paid: only rows naming no registered person,
    or already recorded in the cycle, are left out."""
    bad: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_no FROM recipient_stage WHERE person_id IS NULL")
        for (number,) in cursor.fetchall():
            bad[number] = _("No registered person (in a household) holds this NIK.")
        cursor.execute(
            f"SELECT s.row_no FROM recipient_stage s JOIN {ENROLMENTS} e "  # noqa: S608
            "ON e.person_id = s.person_id AND e.cycle_id = %s",
            [cycle.pk],
        )
        for (number,) in cursor.fetchall():
            bad.setdefault(number, _("Already enrolled in this cycle."))
        if bad:
            cursor.execute(
                "UPDATE recipient_stage SET ok = false WHERE row_no = ANY(%s)", [list(bad)]
            )
        cursor.execute("SELECT count(*) FROM recipient_stage WHERE ok")
        good = int(cursor.fetchone()[0])
    errors.extend({"row": n, "column": "nik", "reason": r} for n, r in sorted(bad.items()))
    return good


def _enrol(cycle: Cycle, progress: Progress, done_before: int, historical: bool = False) -> int:
    source = Enrolment.Source.HISTORICAL if historical else Enrolment.Source.IMPORT
    enrolled = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(row_no), max(row_no) FROM recipient_stage WHERE ok")
        low, high = cursor.fetchone()
        if low is None:
            return 0
        for start in range(low, high + 1, CHUNK):
            cursor.execute(
                f"INSERT INTO {ENROLMENTS} (programme_id, cycle_id, year, person_id, "  # noqa: S608
                "household_id, kelurahan_code, source, amount, enrolled_on, status, exit_reason) "
                "SELECT %s, %s, %s, person_id, household_id, kelurahan_code, %s, "
                "coalesce(amount, %s), %s, 'active', '' FROM recipient_stage "
                "WHERE ok AND row_no >= %s AND row_no < %s "
                "ON CONFLICT (programme_id, cycle_id, person_id) DO NOTHING",
                [
                    cycle.programme_id,
                    cycle.pk,
                    cycle.year,
                    source,
                    cycle.amount,
                    timezone.localdate(),
                    start,
                    start + CHUNK,
                ],
            )
            enrolled += cursor.rowcount
            progress.advance(done_before + enrolled)
    return enrolled


def _room_check(cycle_id: int, good: int) -> Cycle:
    """Lock the cycle, as an approval does, and refuse a commit that its state, quota or
    budget cannot take; return the locked cycle."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
    if cycle.status != Cycle.Status.OPEN:
        raise DomainError(_("The cycle is closed; nothing was enrolled."), code="cycle_closed")
    room, left = cycle_room(cycle)
    if good > room:
        raise DomainError(
            _(
                "%(good)s good rows exceed the %(room)s places left in the quota; "
                "nothing was enrolled."
            )
            % {"good": good, "room": room},
            code="quota_exceeded",
        )
    if left is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(coalesce(amount, %s)), 0) FROM recipient_stage WHERE ok",
                [cycle.amount],
            )
            total = Decimal(cursor.fetchone()[0])
        if total > left:
            raise DomainError(
                _(
                    "The good rows need %(total)s, more than the %(left)s left in the budget; "
                    "nothing was enrolled."
                )
                % {"total": rupiah(total), "left": rupiah(left)},
                code="budget_exceeded",
            )
    return cycle


def recipient_import_run(job: Job, progress: Progress) -> dict[str, Any]:
    """The job: read, stage, check; with `commit`, enrol the good rows in one transaction."""
    upload = RecipientImport.objects.select_related("cycle__programme").get(
        pk=job.params["import_id"]
    )
    cycle, commit = upload.cycle, bool(job.params.get("commit"))
    rows, details, errors = _read(upload, historical=upload.historical)
    progress.set_total(len(rows) * (2 if commit else 1))
    with transaction.atomic():
        _stage(rows, progress)
        if upload.historical:
            good = _check_historical(cycle, errors)
        else:
            # A list builds a few objects per row and frees none until the end: the cyclic
            # collector would rescan all of them again and again (time growing faster
            # than the list), so it waits until the check is done.
            gc.disable()
            try:
                good = _check(cycle, details, errors, job.requested_by)
            finally:
                gc.enable()
        progress.advance(len(rows))
        result: dict[str, Any] = {
            "rows": len(rows) + len(errors),
            "good": good,
            "bad": len(errors),
            "enrolled": 0,
        }
        if commit and upload.historical:
            cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
            _historical_check(cycle, historical=True)
            result["enrolled"] = _enrol(cycle, progress, len(rows), historical=True)
        elif commit:
            cycle = _room_check(cycle.pk, good)
            result["enrolled"] = _enrol(cycle, progress, len(rows))
            RecipientImport.objects.filter(pk=upload.pk).update(committed=True)
            audit_record(
                actor=job.requested_by,
                action="programs.recipient_import_commit",
                target=upload,
                after={"enrolled": result["enrolled"]},
            )
    progress.add_errors(errors[:MAX_ERROR_ROWS])
    return result
