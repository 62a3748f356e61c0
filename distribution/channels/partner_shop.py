"""RTLH: Rp20 million to the partner material shop's account ("pindah buku"), and Rp2.8
million labour and Rp0.2 million for the accountability report (LPJ) to the owner."""

from __future__ import annotations

from django.db.models import QuerySet

from distribution.channels import Adapter, Due, Loaded, Planned, Refused, adapter_register
from distribution.channels.bank_transfer import write_bank_file
from distribution.models import Batch, Channel, Component, Line, Payee, Refusal
from programs.rtlh.models import LABOUR, MATERIALS, REPORT, RtlhDetail


@adapter_register
class PartnerShop(Adapter):
    channel = Channel.PARTNER_SHOP

    def load(self, batch: Batch, dues: list[Due]) -> Loaded:
        shops = dict(
            RtlhDetail.objects.filter(
                application_id__in=[d.application_id for d in dues if d.application_id]
            ).values_list("application_id", "partner_shop")
        )
        payees = {
            p.name.casefold(): p for p in Payee.objects.filter(kind=Payee.Kind.SHOP, is_active=True)
        }
        return Loaded(
            {
                "shops": shops,
                "shop_payees": payees,
                "owners": self.person_payees(dues, Payee.Kind.PERSON),
            }
        )

    def plan(self, due: Due, loaded: Loaded, batch: Batch) -> list[Planned] | Refused:
        shop_name = loaded.data["shops"].get(due.application_id)
        if not shop_name:
            return Refused(Refusal.Reason.PAYEE, "No partner shop is recorded for the house.")
        shop = loaded.data["shop_payees"].get(shop_name.casefold())
        owner = loaded.data["owners"].get(due.person_id)
        refusal = self.payee_refusal(shop) or self.payee_refusal(owner)
        if refusal is not None:
            return refusal
        warning = self.name_warning(owner, due.full_name)
        return [
            Planned(amount=MATERIALS, component=Component.MATERIALS, payee=shop),
            Planned(amount=LABOUR, component=Component.LABOUR, payee=owner, warning=warning),
            Planned(amount=REPORT, component=Component.REPORT, payee=owner, warning=warning),
        ]

    def export(self, batch: Batch, lines: QuerySet[Line]) -> tuple[str, bytes] | None:
        return write_bank_file(self, batch, lines)
