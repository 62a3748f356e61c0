"""Use cases of verification; one module per sub-domain, re-exported here."""

from verification.services.checks import (
    checks_open,
    disagreement_resolve,
    evidence_allowed,
    identity_refresh,
    verdict_allowed,
    verdict_record,
)
from verification.services.complaints import (
    complaint_answer,
    complaint_assign,
    complaint_close,
    complaint_escalate,
    complaint_receive,
    complaints_escalate_overdue,
)
from verification.services.public import (
    objection_refused,
    objection_submit,
    public_limited,
    self_check,
)
from verification.services.verivali import verivali_start
from verification.services.visits import (
    evidence_add,
    evidence_upload,
    visit_assign,
    visit_complete,
    visit_create,
    visits_cancel,
)

__all__ = [
    "checks_open",
    "complaint_answer",
    "complaint_assign",
    "complaint_close",
    "complaint_escalate",
    "complaint_receive",
    "complaints_escalate_overdue",
    "disagreement_resolve",
    "evidence_add",
    "evidence_allowed",
    "evidence_upload",
    "identity_refresh",
    "objection_refused",
    "objection_submit",
    "public_limited",
    "self_check",
    "verdict_allowed",
    "verdict_record",
    "verivali_start",
    "visit_assign",
    "visit_complete",
    "visit_create",
    "visits_cancel",
]
