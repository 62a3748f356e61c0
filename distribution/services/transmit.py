"""The bank's host-to-host service: send a sent batch's file, fetch its return file."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import Actor, audit_record
from depok_kds.errors import Conflict, DomainError
from distribution.bank_h2h import BankUnavailable, H2HClient
from distribution.models import Batch, BatchState, ReturnFile
from distribution.services.access import programme_check
from distribution.services.batches import batch_export
from distribution.services.reconcile import return_file_upload


def _client() -> H2HClient:
    client = H2HClient.from_settings()
    if client is None:
        raise DomainError(_("The bank's host-to-host service is not configured."), code="no_h2h")
    return client


@transaction.atomic
def batch_transmit(*, actor: Actor, batch_id: int, client: H2HClient | None = None) -> Batch:
    """Submit a sent batch's file to the bank's host; the receipt is kept for the return."""
    batch = (
        Batch.objects.select_for_update(of=("self",))
        .select_related("programme__agency")
        .get(pk=batch_id)
    )
    programme_check(actor, batch.programme, "distribution.prepare_batch")
    if batch.state != BatchState.SENT or batch.bank_receipt:
        raise Conflict(_("Only a sent batch not yet transmitted can be."), code="wrong_state")
    name, content = batch_export(actor=actor, batch_id=batch.pk)
    try:
        receipt = (client or _client()).submit(
            batch_ref=f"KDS{batch.pk:06d}", file_name=name, content=content
        )
    except BankUnavailable as exc:
        raise DomainError(
            _("The bank's host did not answer; try again later."), code="bank_unavailable"
        ) from exc
    batch.bank_receipt = receipt
    batch.save(update_fields=["bank_receipt", "updated_at"])
    audit_record(
        actor=actor, action="distribution.batch_transmit", target=batch, after={"receipt": receipt}
    )
    return batch


def batch_fetch_returns(
    *, actor: Actor, batch_id: int, client: H2HClient | None = None
) -> ReturnFile:
    """Fetch the bank's return file for a transmitted batch and preview it (not applied)."""
    batch = Batch.objects.select_related("programme__agency").get(pk=batch_id)
    programme_check(actor, batch.programme, "distribution.reconcile_batch")
    if not batch.bank_receipt:
        raise Conflict(_("This batch was not transmitted to the bank."), code="not_transmitted")
    try:
        content = (client or _client()).returns(receipt=batch.bank_receipt)
    except BankUnavailable as exc:
        raise DomainError(
            _("The bank's host did not answer; try again later."), code="bank_unavailable"
        ) from exc
    if not content:
        raise Conflict(_("The bank has not returned this batch yet."), code="not_ready")
    return return_file_upload(
        actor=actor, batch_id=batch.pk, file_name=f"h2h-{batch.bank_receipt}.csv", content=content
    )
