"""API clients: keys for other systems, with scopes, a rate limit, and revocation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from functools import cache

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import Model, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.access import CITY_WIDE_SCOPE, user_roles_known
from depok_kds.accounts import user_create
from depok_kds.audit import audit_record
from depok_kds.errors import DomainError
from depok_kds.models import ApiClient, User
from depok_kds.prepared import PreparedValues
from depok_kds.roles import Role

# Every scope a key may carry. `pii:read` lets responses include full NIK/KK numbers.
SCOPES = {
    "registry:read": _("Read households and persons"),
    "registry:write": _("Register and change households"),
    "programs:read": _("Read programmes, applications and enrolments"),
    "programs:write": _("Submit applications"),
    "verification:read": _("Read verification tasks and complaints"),
    "verification:write": _("Record verdicts and complaints"),
    "distribution:read": _("Read disbursements"),
    "dukcapil:read": _("Read Dukcapil matching runs and outcomes"),
    "dukcapil:write": _("Start Dukcapil matching and review outcomes"),
    "jobs:read": _("Read job status"),
    "jobs:write": _("Start jobs"),
    "pii:read": _("See full NIK and KK numbers"),
    CITY_WIDE_SCOPE: _("See the whole city (a key with no agency and no kelurahan)"),
}
KEY_PREFIX = "kds_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_client_create(
    *,
    name: str,
    scopes: Iterable[str],
    actor: User | None = None,
    rate: str = "",
    kelurahan_codes: Iterable[str] = (),
    agency_code: str = "",
) -> tuple[ApiClient, str]:
    """Create a client and return it with its key; the key is never stored or shown again."""
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise DomainError(
            _("Unknown scope: %(scopes)s") % {"scopes": ", ".join(unknown)}, code="unknown_scope"
        )
    if ApiClient.objects.filter(name=name).exists():
        raise DomainError(_("An API client with this name already exists."), code="duplicate")
    user = user_create(
        username=f"api:{name}"[:150],
        password=None,
        role=Role.API_CLIENT,
        actor=actor,
        kelurahan_codes=kelurahan_codes,
        agency_code=agency_code,
    )
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient.objects.create(
        name=name, user=user, key_prefix=prefix, key_hash=_hash(key), scopes=scopes, rate=rate
    )
    audit_record(
        actor=actor,
        action="api_client.create",
        target=client,
        after={"name": name, "scopes": scopes, "rate": rate},
    )
    return client, key


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor: User | None) -> ApiClient:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action="api_client.revoke", target=client)
    return client


# The key prefix a prepared key lookup is run with, and how its row names the user's fields.
_PREFIX_MARKER = "prefix-of-the-key"
_USER = "user__"


def _fields(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@cache
def _client_by_prefix() -> PreparedValues:
    """Every API call's first query, prepared (`depok_kds.prepared`): the client holding a
    key prefix, its user and the user's roles in one row."""
    clients = (
        ApiClient.objects.filter(key_prefix=_PREFIX_MARKER)
        .values(
            *_fields(ApiClient),
            *(f"{_USER}{name}" for name in _fields(User)),
            roles=ArraySubquery(Group.objects.filter(user=OuterRef("user_id")).values("name")),
        )
        .order_by("pk")[:1]
    )
    return PreparedValues(clients, marker=_PREFIX_MARKER)


def api_client_for_key(key: str) -> ApiClient | None:
    """The active client holding `key`, or None (constant-time hash comparison)."""
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return None
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    prepared = _client_by_prefix()
    rows = prepared.rows(prefix)
    if not rows or not hmac.compare_digest(rows[0]["key_hash"], _hash(key)):
        return None
    row = rows[0]
    # The instances the ORM would build from the same row (`select_related("user")`).
    client = ApiClient.from_db(
        prepared.alias, _fields(ApiClient), [row[name] for name in _fields(ApiClient)]
    )
    user = User.from_db(
        prepared.alias, _fields(User), [row[f"{_USER}{name}"] for name in _fields(User)]
    )
    user.api_client = client  # both ways: client.user too
    if client.revoked_at is not None or not user.is_active:
        return None
    user_roles_known(user, row["roles"])
    return client


def api_client_touch(*, client: ApiClient) -> None:
    """Note when a key was last used (at most once a minute, to spare the database)."""
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
