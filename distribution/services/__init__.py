"""Use cases of distribution: one module per sub-domain, re-exported here."""

from distribution.services.batches import (
    batch_approve,
    batch_close,
    batch_create,
    batch_deactivations,
    batch_export,
    batch_send,
    batch_settle,
    bpjs_quarter_list,
    line_cancel,
    line_reissue,
)
from distribution.services.build import batch_build, batch_build_start
from distribution.services.handover import (
    handover_record,
    in_person_pay,
    lpj_upload,
)
from distribution.services.payees import outlet_save, payee_save
from distribution.services.reconcile import return_file_apply, return_file_upload
from distribution.services.transmit import batch_fetch_returns, batch_transmit

__all__ = [
    "batch_approve",
    "batch_build",
    "batch_build_start",
    "batch_close",
    "batch_create",
    "batch_deactivations",
    "batch_export",
    "batch_fetch_returns",
    "batch_send",
    "batch_settle",
    "batch_transmit",
    "bpjs_quarter_list",
    "handover_record",
    "in_person_pay",
    "line_cancel",
    "line_reissue",
    "lpj_upload",
    "outlet_save",
    "payee_save",
    "return_file_apply",
    "return_file_upload",
]
