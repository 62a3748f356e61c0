"""A per-address limit on public lookups (complaint tracking, card checks), in the shared cache."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 600


def rate_limited(request: HttpRequest, *, bucket: str, limit: int) -> bool:
    """Count this request against `bucket` for its address; True once more than `limit`
    requests came within WINDOW_SECONDS."""
    key = f"kds:{bucket}:{request.META.get('REMOTE_ADDR', '-')}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count > limit
