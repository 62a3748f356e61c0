"""Bulk enrolment through an import: a recipient list (CSV or XLSX: a `nik` column, an
optional `amount`, and any programme columns such as `jkn_segment`) into one cycle.

Set-based: the rows are COPY'd into a temporary table, joined once with the registry,
checked (declarative rules in Python over the fetched values, frequency and exclusions in
SQL, the programme app's row check), and the good rows are enrolled with one
INSERT ... SELECT per chunk. A preview run reports the bad rows and writes nothing. A commit
runs in one transaction, refuses the whole list when it would exceed the cycle's quota, and
skips rows already enrolled (ON CONFLICT), so a re-run after a killed worker is safe.
The file is read with the registry's CSV/XLSX reader.
"""

from __future__ import annotations

import re
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import DomainError
from depok_kds.jobs import Progress, job_start
from depok_kds.models import Job, User
from programs.eligibility import Facts, evaluate, failed
from programs.kinds import kind_for
from programs.models import Application, Cycle, Enrolment, Programme, RecipientImport
from programs.services import (
    amount_check,
    budget_committed,
    decider_check,
    excluded_programme_ids,
    slots_taken,
)
from registry.imports.readers import open_sheet
from registry.models import Household, Person

KIND = "programs.recipient_import"
CHUNK = 50_000
_NIK = re.compile(r"^[0-9]{16}$")
MAX_ERROR_ROWS = 1000
ENROLMENTS = Enrolment._meta.db_table
APPLICATIONS = Application._meta.db_table
PERSONS = Person._meta.db_table
HOUSEHOLDS = Household._meta.db_table


@transaction.atomic
def recipient_import_start(
    *, actor: User | None, cycle_id: int, file_name: str, content: bytes, commit: bool
) -> Job:
    """Keep the uploaded list and start the job that checks (and, if `commit`, enrols) it."""
    cycle = Cycle.objects.select_related("programme__agency").get(pk=cycle_id)
    decider_check(actor=actor, programme=cycle.programme)
    if Path(file_name).suffix.lower() not in (".csv", ".xlsx"):
        raise DomainError(_("Upload a CSV or XLSX file."), code="file_type")
    upload = RecipientImport.objects.create(
        cycle=cycle,
        file_name=file_name[:200],
        content=content,
        uploaded_by=recorded_user(actor),
    )
    audit_record(
        actor=actor,
        action="programs.recipient_import",
        target=upload,
        after={"cycle": cycle.pk, "commit": commit, "bytes": len(content)},
    )
    return job_start(
        kind=KIND, requested_by=actor, params={"import_id": upload.pk, "commit": commit}
    )


def _read(upload: RecipientImport) -> tuple[list[tuple[int, str, str]], list[dict[str, Any]]]:
    """(row number, nik, amount) of well-formed rows, and error rows for the others."""
    kind = kind_for(upload.cycle.programme.kind)
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
        good: list[tuple[int, str, str]] = []
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
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
            refusal = kind.import_row_refusal(dict(zip(headers, row.values, strict=False)))
            if refusal:
                errors.append({"row": row.number, "column": "", "reason": _(refusal)})
                continue
            good.append((row.number, nik, amount))
    return good, errors


def _stage(rows: list[tuple[int, str, str]], progress: Progress) -> None:
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


def _check(cycle: Cycle, errors: list[dict[str, Any]]) -> int:
    """Mark bad staged rows (ok = false) with their reasons; return the good rows' count."""
    programme = cycle.programme
    # The beneficiary the limits count, as in the core (`_history_outcomes`): a household
    # programme (RTLH) limits the household, any other the person.
    unit = "household_id" if programme.target == Programme.Target.HOUSEHOLD else "person_id"
    bad: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_no FROM recipient_stage WHERE person_id IS NULL")
        for (number,) in cursor.fetchall():
            bad[number] = _("No registered person (in a household) holds this NIK.")
        cursor.execute(
            f"SELECT s.row_no FROM recipient_stage s JOIN {ENROLMENTS} e "  # noqa: S608
            f"ON e.{unit} = s.{unit} AND e.cycle_id = %s AND e.status = 'active'",
            [cycle.pk],
        )
        for (number,) in cursor.fetchall():
            bad.setdefault(number, _("Already enrolled in this cycle."))
        cursor.execute(
            f"SELECT s.row_no FROM recipient_stage s JOIN {APPLICATIONS} a "  # noqa: S608
            "ON a.cycle_id = %s AND a.state <> 'rejected' AND (a.person_id = s.person_id "
            "OR (a.per_household AND a.household_id = s.household_id))",
            [cycle.pk],
        )
        for (number,) in cursor.fetchall():
            bad.setdefault(
                number, _("Has an application in this cycle: decide that application instead.")
            )
        if programme.frequency_years:
            cursor.execute(
                f"SELECT DISTINCT s.row_no FROM recipient_stage s JOIN {ENROLMENTS} e "  # noqa: S608
                f"ON e.{unit} = s.{unit} AND e.programme_id = %s AND e.year > %s "
                "AND e.cycle_id <> %s",
                [programme.pk, cycle.year - programme.frequency_years, cycle.pk],
            )
            for (number,) in cursor.fetchall():
                bad.setdefault(number, _("Enrolled within the programme's frequency limit."))
        excluded = list(excluded_programme_ids(programme))
        if excluded:
            cursor.execute(
                f"SELECT DISTINCT s.row_no FROM recipient_stage s JOIN {ENROLMENTS} e "  # noqa: S608
                f"ON e.{unit} = s.{unit} AND e.programme_id = ANY(%s) AND e.year = %s "
                "AND e.status = 'active'",
                [excluded, cycle.year],
            )
            for (number,) in cursor.fetchall():
                bad.setdefault(number, _("Enrolled in a programme this one excludes."))
        if programme.rules:
            cursor.execute(
                f"SELECT s.row_no, s.kelurahan_code, p.birth_date, p.disability, p.is_deceased, "  # noqa: S608
                f"h.poverty_class, h.desil, p.education FROM recipient_stage s "
                f"JOIN {PERSONS} p ON p.id = s.person_id "
                f"JOIN {HOUSEHOLDS} h ON h.id = s.household_id"
            )
            today = timezone.localdate()
            for number, kel, born, disability, dead, klass, desil, education in cursor:
                facts = Facts(
                    on=today,
                    birth_date=born,
                    kelurahan_code=kel,
                    poverty_class=klass,
                    desil=desil,
                    disability=disability,
                    is_deceased=dead,
                    school_level=education,
                )
                failures = failed(evaluate(programme.rules, facts))
                if failures:
                    bad.setdefault(number, "; ".join(o.text(_) for o in failures))
        cursor.execute("SELECT row_no, amount FROM recipient_stage WHERE amount IS NOT NULL")
        for number, amount in cursor.fetchall():
            try:
                amount_check(programme=programme, amount=Decimal(amount))
            except (DomainError, InvalidOperation) as exc:
                bad.setdefault(number, str(getattr(exc, "message", exc)))
        if bad:
            cursor.execute(
                "UPDATE recipient_stage SET ok = false WHERE row_no = ANY(%s)", [list(bad)]
            )
        cursor.execute("SELECT count(*) FROM recipient_stage WHERE ok")
        good = int(cursor.fetchone()[0])
    errors.extend({"row": n, "column": "nik", "reason": r} for n, r in sorted(bad.items()))
    return good


def _enrol(cycle: Cycle, progress: Progress, done_before: int) -> int:
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
                "SELECT %s, %s, %s, person_id, household_id, kelurahan_code, 'import', "
                "coalesce(amount, %s), %s, 'active', '' FROM recipient_stage "
                "WHERE ok AND row_no >= %s AND row_no < %s "
                "ON CONFLICT (programme_id, cycle_id, person_id) DO NOTHING",
                [
                    cycle.programme_id,
                    cycle.pk,
                    cycle.year,
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
    room = cycle.quota - slots_taken(cycle)
    if good > room:
        raise DomainError(
            _(
                "%(good)s good rows exceed the %(room)s places left in the quota; "
                "nothing was enrolled."
            )
            % {"good": good, "room": room},
            code="quota_exceeded",
        )
    if cycle.budget > 0:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(coalesce(amount, %s)), 0) FROM recipient_stage WHERE ok",
                [cycle.amount],
            )
            total = Decimal(cursor.fetchone()[0])
        left = cycle.budget - budget_committed(cycle)
        if total > left:
            raise DomainError(
                _(
                    "The good rows need Rp %(total)s, more than the Rp %(left)s left in the "
                    "budget; nothing was enrolled."
                )
                % {"total": intcomma(total), "left": intcomma(left)},
                code="budget_exceeded",
            )
    return cycle


def recipient_import_run(job: Job, progress: Progress) -> dict[str, Any]:
    """The job: read, stage, check; with `commit`, enrol the good rows in one transaction."""
    upload = RecipientImport.objects.select_related("cycle__programme").get(
        pk=job.params["import_id"]
    )
    cycle, commit = upload.cycle, bool(job.params.get("commit"))
    rows, errors = _read(upload)
    progress.set_total(len(rows) * (2 if commit else 1))
    with transaction.atomic():
        _stage(rows, progress)
        good = _check(cycle, errors)
        progress.advance(len(rows))
        result: dict[str, Any] = {
            "rows": len(rows) + len(errors),
            "good": good,
            "bad": len(errors),
            "enrolled": 0,
        }
        if commit:
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
