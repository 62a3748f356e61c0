"""Back-office: channel configuration is edited here (settings, file layouts); payees and
outlets are recorded through the services; batches and lines are read-only, because they
change only through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from depok_kds.admin import ReadOnlyAdmin
from distribution.models import Batch, ChannelConfig, Line, Outlet, Payee
from distribution.services import outlet_save, payee_save


@admin.register(ChannelConfig)
class ChannelConfigAdmin(admin.ModelAdmin[ChannelConfig]):
    list_display = ["programme", "channel"]


@admin.register(Payee)
class PayeeAdmin(admin.ModelAdmin[Payee]):
    list_display = ["name", "kind", "bank_code", "account_number", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "account_number"]
    fields = ["kind", "person", "name", "bank_code", "account_number", "account_name"]
    raw_id_fields = ["person"]

    def save_model(self, request: HttpRequest, obj: Payee, form: Any, change: bool) -> None:
        saved = payee_save(
            actor=request.user,
            kind=obj.kind,
            name=obj.name,
            account_number=obj.account_number,
            account_name=obj.account_name,
            person_id=obj.person_id,
            bank_code=obj.bank_code,
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Payee | None = None) -> bool:
        return False


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin[Outlet]):
    list_display = ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Outlet, form: Any, change: bool) -> None:
        saved = outlet_save(
            actor=request.user, code=obj.code, name=obj.name, kelurahan_codes=obj.kelurahan_codes
        )
        obj.pk = saved.pk


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["programme", "cycle", "tahap", "state", "planned_on"]
    list_filter = ["state", "channel"]


@admin.register(Line)
class LineAdmin(ReadOnlyAdmin):
    list_display = ["reference", "batch", "component", "amount", "state"]
    list_filter = ["state", "component"]
    search_fields = ["reference"]
