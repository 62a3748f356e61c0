"""Use cases of overlap detection: run it, decide on findings, import national lists, the
approval gate that keeps an application with an open blocking finding from approval, and the
configuration (household cap, exclusive programme pairs) the Dinsos administrator sets."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from depok_kds.access import get_in_scope
from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.models import User
from programs.kinds import Candidate
from programs.overlap.detection import DetectionResult, detect
from programs.overlap.models import (
    HOUSEHOLD_CAP_DIGITS,
    LIVE_STATUSES,
    ExclusivePair,
    Finding,
    FindingEvent,
    FindingStatus,
    NationalList,
    NationalListEntry,
    NationalListKind,
    OverlapSettings,
)
from programs.overlap.rules import rule_spec
from programs.overlap.selectors import blocking_findings_many, finding_scope, household_cap
from programs.selectors import programme_list
from registry.names import normalize_name

NIK_LENGTH = 16


def detection_run(
    *,
    year: int | None = None,
    programme_id: int | None = None,
    on_rule: Callable[[int, str], None] | None = None,
) -> DetectionResult:
    """Detect every rule's cases (city-wide or one programme) and reconcile the findings."""
    year = year or timezone.localdate().year
    result = detect(year=year, cap=household_cap(), programme_id=programme_id, on_rule=on_rule)
    audit_record(
        actor=None,
        action="overlap.detection_run",
        target_type="overlap.finding",
        after={"year": year, "programme_id": programme_id, **result.as_dict()},
    )
    return result


# --- decisions on findings -----------------------------------------------------------------


def _may_decide(actor: User) -> bool:
    """Portal users by permission; an API client by its `programs:write` scope."""
    client = getattr(actor, "api_client", None)
    if client is not None:
        return "programs:write" in client.scopes
    return actor.has_perm("overlap.decide_finding")


def _finding_lock(*, actor: User, finding_id: int) -> Finding:
    if not _may_decide(actor):
        raise Forbidden(_("You may not decide on overlap findings."))
    return get_in_scope(
        finding_scope(user=actor).select_for_update(of=("self",)), user=actor, pk=finding_id
    )


def _decide(finding: Finding, *, actor: User, status: str, reason: str) -> Finding:
    before = finding.status
    finding.status = status
    finding.reason = reason
    finding.decided_by = actor
    finding.decided_at = timezone.now()
    finding.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    FindingEvent.objects.create(finding=finding, kind=status, reason=reason, actor=actor)
    audit_record(
        actor=actor,
        action=f"overlap.finding_{status}",
        target=finding,
        before={"status": before},
        after={"status": status, "reason": reason},
    )
    return finding


@transaction.atomic
def finding_confirm(*, actor: User, finding_id: int, reason: str = "") -> Finding:
    """Confirm an open finding: the case is real (it keeps blocking until it is fixed)."""
    finding = _finding_lock(actor=actor, finding_id=finding_id)
    if finding.status != FindingStatus.OPEN:
        raise Conflict(_("Only an open finding can be confirmed."), code="wrong_state")
    return _decide(finding, actor=actor, status=FindingStatus.CONFIRMED, reason=reason.strip())


@transaction.atomic
def finding_dismiss(*, actor: User, finding_id: int, reason: str) -> Finding:
    """Dismiss a finding as not a real case; it stays dismissed on every re-run."""
    finding = _finding_lock(actor=actor, finding_id=finding_id)
    if finding.status not in LIVE_STATUSES:
        raise Conflict(_("Only an open or confirmed finding can be dismissed."), code="wrong_state")
    if not reason.strip():
        raise DomainError(_("Say why the finding is dismissed."), code="reason_required")
    return _decide(finding, actor=actor, status=FindingStatus.DISMISSED, reason=reason.strip())


# --- the approval gate ---------------------------------------------------------------------


def finding_gate(candidates: Sequence[Candidate]) -> list[str | None]:
    """Approval gate (registered with the programme core): a refusal per candidate, or None."""
    return [
        gettext("Blocked by an overlap finding: %(findings)s")
        % {
            "findings": "; ".join(
                f"{rule_spec(f.rule).label or f.rule} (#{f.pk}): {rule_spec(f.rule).description}"
                for f in found
            )
        }
        if found
        else None
        for found in blocking_findings_many(candidates)
    ]


# --- national recipient lists --------------------------------------------------------------


def _list_text(content: bytes) -> str:
    """The file as text; a workbook, or a file not in UTF-8, is refused with what to do."""
    if not content.startswith(b"PK\x03\x04"):  # a zip: an XLSX workbook
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    raise DomainError(
        _("Upload the list as a CSV file in UTF-8 (in Excel: Save As, CSV UTF-8)."),
        code="not_csv",
    )


def _list_rows(content: bytes) -> tuple[list[tuple[str, str, str]], list[dict[str, object]]]:
    """Read a CSV with a `nik` column (and optional `kk`, `nama`/`name`)."""
    text = _list_text(content)
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower(): f for f in reader.fieldnames or []}
    if "nik" not in fields:
        raise DomainError(_("The file needs a column named nik."), code="no_nik_column")
    name_field = fields.get("nama") or fields.get("name")
    rows: list[tuple[str, str, str]] = []
    errors: list[dict[str, object]] = []
    for line, row in enumerate(reader, start=2):
        nik = (row.get(fields["nik"]) or "").strip()
        kk = (row.get(fields["kk"]) or "").strip() if "kk" in fields else ""
        if not (nik.isdigit() and len(nik) == NIK_LENGTH) or (
            kk and not (kk.isdigit() and len(kk) == NIK_LENGTH)
        ):
            errors.append({"row": line, "column": "nik", "reason": "not 16 digits"})
            continue
        name = normalize_name(row.get(name_field) or "") if name_field else ""
        rows.append((nik, kk, name))
    return rows, errors


@transaction.atomic
def national_list_import(
    *, actor: User | None, kind: str, year: int, file_name: str, content: bytes
) -> tuple[NationalList, list[dict[str, object]]]:
    """Replace the national list of `kind` for `year` with the file's rows (COPY)."""
    if actor is not None and not actor.has_perm("overlap.add_nationallist"):
        raise Forbidden(_("You may not import national lists."))
    if kind not in NationalListKind.values:
        raise DomainError(_("Unknown national list."), code="kind")
    rows, errors = _list_rows(content)
    national_list, _created = NationalList.objects.select_for_update().get_or_create(
        kind=kind, year=year
    )
    NationalListEntry.objects.filter(national_list=national_list).delete()
    table = NationalListEntry._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {table} (national_list_id, nik, kk, name_normalized) FROM STDIN"
        ) as copy,
    ):
        for nik, kk, name in rows:
            copy.write_row((national_list.pk, nik, kk, name))
    national_list.file_name = file_name[:200]
    national_list.row_count = len(rows)
    national_list.imported_by = recorded_user(actor)
    national_list.save(update_fields=["file_name", "row_count", "imported_by", "updated_at"])
    audit_record(
        actor=actor,
        action="overlap.national_list_import",
        target=national_list,
        after={"kind": kind, "year": year, "rows": len(rows), "refused": len(errors)},
    )
    return national_list, errors


# --- configuration -------------------------------------------------------------------------


def _configure_check(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise Forbidden(_("You may not change the overlap configuration."))


@transaction.atomic
def household_cap_set(*, actor: User, amount: Decimal) -> OverlapSettings:
    """Set the household yearly benefit cap; the next detection run compares against it."""
    _configure_check(actor, "overlap.change_overlapsettings")
    if not amount.is_finite() or amount <= 0 or amount != amount.to_integral_value():
        raise DomainError(
            _("The cap must be a positive whole amount in rupiah."), code="cap_not_positive"
        )
    if amount >= Decimal(10) ** HOUSEHOLD_CAP_DIGITS:
        raise DomainError(_("The cap is too large."), code="cap_too_large")
    row, _created = OverlapSettings.objects.select_for_update().get_or_create(pk=1)
    before = row.household_year_cap
    row.household_year_cap = amount
    row.save(update_fields=["household_year_cap"])
    audit_record(
        actor=actor,
        action="overlap.household_cap_set",
        target=row,
        before={"household_year_cap": before},
        after={"household_year_cap": amount},
    )
    return row


@transaction.atomic
def exclusive_pair_add(
    *, actor: User, programme_id: int, other_programme_id: int, note: str = ""
) -> ExclusivePair:
    """Declare two programmes mutually exclusive (in the same year, for the same person)."""
    _configure_check(actor, "overlap.add_exclusivepair")
    if programme_id == other_programme_id:
        raise DomainError(_("A programme cannot exclude itself."), code="pair_self")
    # Locking both programmes serialises two administrators adding the same pair.
    programmes = {
        p.pk: p
        for p in programme_list(user=actor)
        .select_for_update(of=("self",))
        .filter(pk__in=[programme_id, other_programme_id])
        .order_by("pk")
    }
    if len(programmes) != 2:
        raise DomainError(_("Choose two active programmes."), code="programme")
    programme, other = programmes[programme_id], programmes[other_programme_id]
    either_order = Q(programme=programme, other_programme=other) | Q(
        programme=other, other_programme=programme
    )
    if ExclusivePair.objects.filter(either_order).exists() or (
        programme.excludes.filter(pk=other.pk).exists()
    ):
        raise Conflict(
            _("%(programme)s and %(other)s already exclude each other.")
            % {"programme": programme.name, "other": other.name},
            code="pair_exists",
        )
    pair = ExclusivePair.objects.create(
        programme=programme, other_programme=other, note=note.strip()[:200]
    )
    audit_record(
        actor=actor,
        action="overlap.exclusive_pair_add",
        target=pair,
        after={"programme": programme.code, "other_programme": other.code, "note": pair.note},
    )
    return pair


@transaction.atomic
def exclusive_pair_remove(*, actor: User, pair_id: int) -> None:
    """Remove a configurable pair (national-list pairs stay); the next detection run closes
    the findings it raised."""
    _configure_check(actor, "overlap.delete_exclusivepair")
    pair = get_in_scope(
        ExclusivePair.objects.filter(other_programme__isnull=False)
        .select_related("programme", "other_programme")
        .select_for_update(of=("self",)),
        user=actor,
        pk=pair_id,
    )
    other = pair.other_programme
    before = {
        "programme": pair.programme.code,
        "other_programme": other.code if other else "",
        "note": pair.note,
    }
    audit_record(
        actor=actor,
        action="overlap.exclusive_pair_remove",
        target=pair,
        before=before,
    )
    pair.delete()
