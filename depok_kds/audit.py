"""Audit entries: written by services for every change and every full view of personal data."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model

from depok_kds.access import may_see_pii
from depok_kds.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest, HttpResponse

    from depok_kds.models import User

# The client address of the request being served, set by AuditContextMiddleware, so that
# services can record it without knowing about requests.
_remote_addr: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kds_remote_addr", default=None
)


class AuditContextMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _remote_addr.set(request.META.get("REMOTE_ADDR"))
        try:
            response: HttpResponse = self.get_response(request)
            return response
        finally:
            _remote_addr.reset(token)


# Who does something: a signed-in user, or None for the system (a job, the beat).
Actor: TypeAlias = "User | AnonymousUser | None"


def current_remote_addr() -> str | None:
    """The client address of the request being served (None outside a request)."""
    return _remote_addr.get()


def recorded_user(actor: Actor) -> User | None:
    """The user to record as having acted: None for the system or an anonymous visitor."""
    return actor if actor is not None and actor.is_authenticated else None


def snapshot(instance: Model, fields: Iterable[str]) -> dict[str, Any]:
    """JSON-safe values of `fields` of `instance`, for before/after columns."""
    raw = {name: getattr(instance, name) for name in fields}
    result: dict[str, Any] = json.loads(json.dumps(raw, cls=DjangoJSONEncoder))
    return result


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    if target is not None:
        target_type = target._meta.label_lower
        target_id = target.pk
    user = recorded_user(actor)
    entry = _entry(user.pk if user else None, action, target_type, target_id, before, after)
    entry.save()
    return entry


def _entry(
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: str | int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    return AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=_json_safe(before),
        after=_json_safe(after),
        remote_addr=_remote_addr.get(),
    )


def audit_record_many(
    *,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_ids: Iterable[str | int],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """One audit entry per target of a set-based change (the same action and values for
    each), written in one statement; return how many."""
    entries = [
        _entry(actor_id, action, target_type, target_id, before, after) for target_id in target_ids
    ]
    return len(AuditEntry.objects.bulk_create(entries))


def pii_access_record(
    *,
    actor: User | AnonymousUser | None,
    export: bool = False,
    target_type: str,
    target_ids: Iterable[str | int] = (),
    fields: Iterable[str] = ("nik",),
    count: int | None = None,
    filters: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Log that full NIK/KK numbers were shown (`pii.view`) or exported (`pii.export`),
    with the filters an export used."""
    ids = [str(i) for i in target_ids]
    return audit_record(
        actor=actor,
        action="pii.export" if export else "pii.view",
        target_type=target_type,
        target_id=ids[0] if len(ids) == 1 else "",
        after={
            "fields": list(fields),
            "count": count if count is not None else len(ids),
            "ids": ids[:1000],
            **({"filters": dict(filters)} if filters else {}),
        },
    )


def pii_shown(
    user: User | AnonymousUser,
    *,
    target_type: str,
    target_ids: Sequence[str | int],
    fields: Iterable[str] = ("nik",),
    export: bool = False,
    count: int | None = None,
) -> bool:
    """Whether `user` may see full NIK/KK numbers (`may_see_pii`); if so, and there is
    something to show, the view or export of `target_ids` is logged (`pii_access_record`)."""
    if not may_see_pii(user):
        return False
    if target_ids:
        pii_access_record(
            actor=user,
            export=export,
            target_type=target_type,
            target_ids=target_ids,
            fields=fields,
            count=count,
        )
    return True


def _json_safe(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    result: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return result
