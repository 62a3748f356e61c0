"""Account services: creating users with a role, and locking out repeated failed logins."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
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


def user_locked_until(user: User) -> datetime | None:
    if user.locked_until and user.locked_until > timezone.now():
        return user.locked_until
    return None


def login_failure_record(*, username: str) -> User | None:
    """Count a failed login; lock the account for a while after too many in a row."""
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        return None
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    user.refresh_from_db(fields=["failed_login_count", "locked_until"])
    if user.failed_login_count >= settings.LOGIN_FAILURE_LIMIT:
        user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=user.locked_until, failed_login_count=0)
        audit_record(
            actor=None, action="user.lock", target=user, after={"locked_until": user.locked_until}
        )
    return user


def login_success_record(*, user: User) -> None:
    if user.failed_login_count or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
