"""Field visits by Puskesos officers: assignment, the visit record (14-parameter answers,
notes, GPS, the poverty verdict when the visit serves a check) and evidence files."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record, recorded_user
from depok_kds.errors import Conflict, DomainError
from registry.services import assessment_record
from registry.services.common import Actor
from verification.models import Check, Complaint, Evidence, FieldVisit
from verification.selectors import assignable_officers
from verification.services.access import kelurahan_check, perm_check, verifier_check
from verification.services.checks import verdict_record

# Magic bytes of the allowed evidence types; the name's extension is never trusted.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


def evidence_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "evidence"


def evidence_max_bytes() -> int:
    return int(getattr(settings, "KDS_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024))


@dataclass(frozen=True)
class StoredFile:
    """A checked file written under its new name: what an evidence-like row records."""

    original_name: str
    stored_name: str
    content_type: str
    size: int
    sha256: str

    def fields(self) -> dict[str, str | int]:
        return asdict(self)


def evidence_file_write(*, content: bytes, name: str, folder: Path) -> StoredFile:
    """Check a JPEG, PNG or PDF (by its first bytes, up to the size limit) and write it into
    `folder` under a new name; evidence and distribution's documents both store files so."""
    if len(content) > evidence_max_bytes():
        raise evidence_too_large()
    sniffed = evidence_sniff(content[:16])
    if sniffed is None:
        raise DomainError(
            _("Only JPEG and PNG photos and PDF documents are accepted."), code="file_type"
        )
    content_type, extension = sniffed
    stored_name = f"{uuid.uuid4().hex}{extension}"
    folder.mkdir(parents=True, exist_ok=True)
    # Written before the row: a rollback may leave an unreferenced file (harmless, never
    # served), but a committed row always has its file.
    (folder / stored_name).write_bytes(content)
    return StoredFile(
        original_name=Path(name).name[:200] or stored_name,
        stored_name=stored_name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def evidence_too_large() -> DomainError:
    megabytes = round(evidence_max_bytes() / 1048576, 1)
    return DomainError(
        _("The file is too large: at most %(mb)s MB.") % {"mb": megabytes}, code="too_large"
    )


def _lock(visit_id: int) -> FieldVisit:
    return (
        FieldVisit.objects.select_for_update(of=("self",))
        .select_related("check_row")
        .get(pk=visit_id)
    )


@transaction.atomic
def visit_assign(
    *, actor: Actor, visit_id: int, assignee_id: int, due_on: date | None = None
) -> FieldVisit:
    """Give a visit to a Puskesos officer of the visit's kelurahan."""
    visit = _lock(visit_id)
    perm_check(actor, "verification.change_fieldvisit")
    kelurahan_check(actor, visit.kelurahan_code)
    if visit.status != FieldVisit.Status.ASSIGNED:
        raise Conflict(_("This visit is already done or cancelled."), code="wrong_state")
    officers = assignable_officers(kelurahan_code=visit.kelurahan_code)
    assignee = officers.filter(pk=assignee_id).first()
    if assignee is None:
        raise DomainError(
            _("Visits go to a Puskesos officer of the household's kelurahan."),
            code="assignee",
            details={"field": "assignee"},
        )
    if due_on is not None and due_on < timezone.localdate():
        raise DomainError(
            _("Visits cannot be due before today."), code="due_on", details={"field": "due_on"}
        )
    visit.assigned_to = assignee
    if due_on is not None:
        visit.due_on = due_on
    visit.save(update_fields=["assigned_to", "due_on", "updated_at"])
    audit_record(
        actor=actor,
        action="verification.visit_assign",
        target=visit,
        after={"assigned_to": assignee.pk, "due_on": visit.due_on},
    )
    return visit


@transaction.atomic
def visit_create(
    *,
    actor: Actor,
    household_id: int,
    kelurahan_code: str,
    purpose: str,
    due_on: date,
    complaint: Complaint | None = None,
) -> FieldVisit:
    perm_check(actor, "verification.add_fieldvisit")
    kelurahan_check(actor, kelurahan_code)
    visit = FieldVisit.objects.create(
        household_id=household_id,
        kelurahan_code=kelurahan_code,
        purpose=purpose,
        due_on=due_on,
        complaint=complaint,
    )
    audit_record(actor=actor, action="verification.visit_create", target=visit)
    return visit


@transaction.atomic
def visit_complete(
    *,
    actor: Actor,
    visit_id: int,
    answers: Mapping[str, str],
    notes: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    visited_on: date | None = None,
    passed: bool | None = None,
    reason: str = "",
) -> FieldVisit:
    """Record the visit: the answers become the household's assessment (source field_visit);
    a visit serving a poverty check also records that check's verdict."""
    visit = _lock(visit_id)
    perm_check(actor, "verification.change_fieldvisit")
    kelurahan_check(actor, visit.kelurahan_code)
    if visit.status != FieldVisit.Status.ASSIGNED:
        raise Conflict(_("This visit is already recorded."), code="already_done")
    if (latitude is None) != (longitude is None):
        raise DomainError(_("Give both latitude and longitude, or neither."), code="gps")
    if visit.check_row_id is not None and passed is None:
        raise DomainError(
            _("This visit serves a poverty check: give its verdict."), code="verdict_required"
        )
    visited_on = visited_on or timezone.localdate()
    assessment = assessment_record(
        actor=actor,
        household_id=visit.household_id,
        answers=answers,
        source="field_visit",
        assessed_on=visited_on,
    )
    visit.status = FieldVisit.Status.DONE
    visit.visited_on = visited_on
    visit.visited_by = recorded_user(actor)
    visit.assessment = assessment
    visit.notes = notes
    visit.latitude, visit.longitude = latitude, longitude
    visit.save()
    audit_record(
        actor=actor,
        action="verification.visit_complete",
        target=visit,
        after={"assessment": assessment.pk, "class": assessment.poverty_class},
    )
    if visit.check_row_id is not None and passed is not None:
        verdict_record(
            actor=actor,
            check_id=visit.check_row_id,
            passed=passed,
            reason=reason,
            findings={
                "visit": visit.pk,
                "poverty_class": assessment.poverty_class,
                "score": str(assessment.score),
            },
        )
    return visit


@transaction.atomic
def visits_cancel(*, actor: Actor, application_id: int) -> int:
    """Cancel the assigned visits that serve the checks of an application (rejected: no
    verdict can be recorded any more); return how many."""
    visits = list(
        FieldVisit.objects.select_for_update()
        .filter(check_row__application_id=application_id, status=FieldVisit.Status.ASSIGNED)
        .values_list("pk", flat=True)
    )
    if not visits:
        return 0
    FieldVisit.objects.filter(pk__in=visits).update(
        status=FieldVisit.Status.CANCELLED, updated_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="verification.visits_cancel",
        target_type="verification.fieldvisit",
        after={"application": application_id, "visits": visits},
    )
    return len(visits)


def evidence_sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def evidence_upload(*, actor: Actor, upload: UploadedFile, kind: str, **target: int) -> Evidence:
    """`evidence_add` for an uploaded file: one over the size limit is refused before its
    body is read into memory."""
    if upload.size is not None and upload.size > evidence_max_bytes():
        raise evidence_too_large()
    return evidence_add(
        actor=actor, content=upload.read(), name=upload.name or "", kind=kind, **target
    )


@transaction.atomic
def evidence_add(
    *,
    actor: Actor,
    content: bytes,
    name: str,
    kind: str,
    visit_id: int | None = None,
    complaint_id: int | None = None,
    check_id: int | None = None,
) -> Evidence:
    """Store a JPEG, PNG or PDF (checked by its first bytes) up to the size limit."""
    if sum(x is not None for x in (visit_id, complaint_id, check_id)) != 1:
        raise DomainError(
            _("Evidence belongs to one visit, one check or one complaint."), code="target"
        )
    if visit_id is not None:
        perm_check(actor, "verification.change_fieldvisit")
        kelurahan_check(actor, FieldVisit.objects.get(pk=visit_id).kelurahan_code)
    elif complaint_id is not None:
        perm_check(actor, "verification.change_complaint")
        kelurahan_check(actor, Complaint.objects.get(pk=complaint_id).kelurahan_code)
    else:
        verifier_check(actor, Check.objects.get(pk=check_id or 0))
    if kind not in Evidence.Kind.values:
        raise DomainError(_("Choose whether the file is a photo or a document."), code="kind")
    stored = evidence_file_write(content=content, name=name, folder=evidence_dir())
    evidence = Evidence.objects.create(
        visit_id=visit_id,
        complaint_id=complaint_id,
        check_row_id=check_id,
        kind=kind,
        **stored.fields(),
        uploaded_by=recorded_user(actor),
    )
    audit_record(
        actor=actor,
        action="verification.evidence_add",
        target=evidence,
        after={"type": stored.content_type, "size": stored.size},
    )
    return evidence
