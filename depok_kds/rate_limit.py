"""Limits on public lookups (complaint tracking, card checks, the self-check), in the shared
cache: per client address, and per any other key (a NIK's digest)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 600


def rate_limited(request: HttpRequest, *, bucket: str, limit: int) -> bool:
    """Count this request against `bucket` for its address; True once more than `limit`
    requests came within WINDOW_SECONDS."""
    return key_rate_limited(bucket=bucket, key=request.META.get("REMOTE_ADDR", "-"), limit=limit)


def key_rate_limited(*, bucket: str, key: str, limit: int) -> bool:
    """Count one use of `key` in `bucket`; True once more than `limit` came within
    WINDOW_SECONDS. The key is stored as given: pass a digest, never personal data."""
    name = f"kds:{bucket}:{key}"
    cache.add(name, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count > limit
