from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from depok_kds.accounts import login_pauses_clear
from depok_kds.api_clients import api_client_create, api_client_revoke
from depok_kds.models import ApiCallLog, ApiClient, AuditEntry, Job, User

admin.site.site_header = _("Depok KDS administration")
admin.site.site_title = _("Depok KDS")


@admin.register(User)
class KdsUserAdmin(UserAdmin[User]):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "agency_code",
        "is_active",
    ]
    list_filter = ["groups", "is_active", "agency_code"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Scope"), {"fields": ["kelurahan_codes", "agency_code"]}),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["unlock"]

    @admin.action(description=_("Unlock selected accounts"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = login_pauses_clear(users=queryset, actor=cast(User, request.user))
        self.message_user(request, _("%(count)d accounts unlocked.") % {"count": count})


class ReadOnlyMixin:
    """No add, change or delete in the admin: the services own every write."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    pass


class MaskedNumbersMixin:
    """An admin that shows `masked_fields` masked: its URL filters (`?nik__startswith=3276…`)
    must not reveal them digit by digit either. Search by a whole NIK goes through the
    selectors (an admin's `get_search_results`)."""

    masked_fields: tuple[str, ...] = ("nik",)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if lookup.split("__", 1)[0] in self.masked_fields:
            return False
        return bool(super().lookup_allowed(lookup, value, request))  # type: ignore[misc]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "remote_addr"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "actor__username", "action"]
    date_hierarchy = "created_at"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "done",
        "total",
        "requested_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "kind"]


@admin.register(ApiCallLog)
class ApiCallLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "client", "method", "path", "status_code", "duration_ms"]
    list_filter = ["client", "status_code"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "scopes", "rate", "last_used_at", "revoked_at"]
    fields = ["name", "scopes", "rate", "key_prefix", "last_used_at", "revoked_at"]
    readonly_fields = ["key_prefix", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*self.readonly_fields, "name", "scopes"] if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = api_client_create(
            name=obj.name, scopes=obj.scopes, rate=obj.rate, actor=cast(User, request.user)
        )
        obj.pk = client.pk
        messages.warning(
            request,
            _("Key for %(name)s (shown once, store it now): %(key)s")
            % {"name": client.name, "key": key},
        )

    @admin.action(description=_("Revoke selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            api_client_revoke(client=client, actor=cast(User, request.user))
