"""Account services: creating users with a role, and pausing repeated failed logins."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from depok_kds.audit import audit_record
from depok_kds.models import User
from depok_kds.roles import Role


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: Role,
    actor: User | None = None,
    first_name: str = "",
    last_name: str = "",
    kelurahan_codes: Iterable[str] = (),
    agency_code: str = "",
) -> User:
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        kelurahan_codes=list(kelurahan_codes),
        agency_code=agency_code,
        is_staff=role == Role.DINSOS_ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        after={
            "username": username,
            "role": str(role),
            "kelurahan_codes": user.kelurahan_codes,
            "agency_code": agency_code,
        },
    )
    return user


# --- failed logins ------------------------------------------------------------------------
#
# Failures are counted per (address, account name) pair, and per address. A pair that fails
# LOGIN_FAILURE_LIMIT times in a row is paused for LOGIN_LOCKOUT_MINUTES, doubled at every
# further pause of the same pair within a day (back-off); an address with
# LOGIN_ADDRESS_FAILURE_LIMIT failures within LOGIN_LOCKOUT_MINUTES, over any names, is paused
# too. The account itself is never locked, so a stranger who knows an officer's name cannot
# keep the officer out from their own desk; and nothing here asks whether the account exists,
# so the answer is the same for a real name and a made-up one. Counters live in the cache
# (Redis in production, shared by every web process).

DAY_SECONDS = 24 * 3600


def _name_key(username: str) -> str:
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]


def _pair_key(*, address: str, username: str) -> str:
    name = _name_key(username)
    # An administrator's unlock moves the account to a new generation: old pauses are gone.
    generation = cache.get(f"login:generation:{name}", 0)
    return f"login:pair:{generation}:{address}:{name}"


def _count(key: str, *, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired in between
        cache.set(key, 1, timeout=seconds)
        return 1


def _pause(key: str, *, minutes: int) -> datetime:
    until = timezone.now() + timedelta(minutes=minutes)
    cache.set(key, until, timeout=minutes * 60)
    return until


def login_paused_until(*, address: str, username: str) -> datetime | None:
    """Until when logins to `username` from `address` are refused (None: they are not)."""
    now = timezone.now()
    pauses = cache.get_many(
        [f"{_pair_key(address=address, username=username)}:until", f"login:address:{address}"]
    )
    active = [until for until in pauses.values() if until and until > now]
    return max(active) if active else None


def login_failure_record(*, address: str, username: str) -> datetime | None:
    """Count a failed login of `username` from `address`; pause the pair, or the address,
    after too many. Return until when logins are now refused there (None: they are not)."""
    pair = _pair_key(address=address, username=username)
    failures = _count(f"{pair}:failures", seconds=DAY_SECONDS)
    limit = settings.LOGIN_FAILURE_LIMIT
    if failures % limit == 0:
        minutes = min(settings.LOGIN_LOCKOUT_MINUTES * 2 ** (failures // limit - 1), 24 * 60)
        until = _pause(f"{pair}:until", minutes=minutes)
        audit_record(
            actor=None,
            action="login.pause",
            target=User.objects.filter(username__iexact=username).first(),
            after={"address": address, "username": username[:150], "until": until.isoformat()},
        )
    window = settings.LOGIN_LOCKOUT_MINUTES * 60
    on_address = _count(f"login:address:{address}:failures", seconds=max(window, 1))
    if on_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        cache.delete(f"login:address:{address}:failures")
        until = _pause(f"login:address:{address}", minutes=settings.LOGIN_LOCKOUT_MINUTES)
        audit_record(
            actor=None,
            action="login.pause_address",
            after={"address": address, "until": until.isoformat()},
        )
    return login_paused_until(address=address, username=username)


def login_success_record(*, address: str, username: str) -> None:
    cache.delete(f"{_pair_key(address=address, username=username)}:failures")


def login_pauses_clear(*, users: Iterable[User], actor: User | None) -> int:
    """Lift every pause of these accounts' logins, from every address (the admin's unlock)."""
    count = 0
    for user in users:
        key = f"login:generation:{_name_key(user.username)}"
        cache.add(key, 0, timeout=None)
        cache.incr(key)
        audit_record(actor=actor, action="user.unlock", target=user)
        count += 1
    return count
