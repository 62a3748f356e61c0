"""Client of Dukcapil's per-person verification web service (JSON over HTTPS).

Dukcapil grants a Dinsos account under a PKS and throttles it, so the client keeps to a
configured rate, retries a failed call a few times with growing pauses, and stops calling
altogether for a while after repeated failures (a circuit breaker): during an outage the
matching job then marks persons "not verified this run" quickly instead of waiting on
every one of them.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from registry.dukcapil.matching.verification import (
    NAME_THRESHOLD,
    UnreadableAnswer,
    Verification,
    parse_answer,
)

Clock = Callable[[], float]
Sleep = Callable[[float], None]
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0


class ServiceUnavailable(Exception):
    """Dukcapil gave no usable answer: timeout, outage, refusal or an unreadable body."""


class CircuitOpen(ServiceUnavailable):
    """Calls are suspended after repeated failures; the service is not asked at all."""


@dataclass(frozen=True)
class VerificationRequest:
    nik: str
    full_name: str
    birth_date: date
    birth_place: str = ""
    sex: str = ""  # "M" / "F"
    mother_name: str = ""

    def payload(self) -> dict[str, Any]:
        """The elements to verify, under Dukcapil's names; empty ones are not sent."""
        elements: dict[str, Any] = {
            "NIK": self.nik,
            "NAMA_LGKP": self.full_name,
            "TGL_LHR": self.birth_date.strftime("%d-%m-%Y"),
            "TMPT_LHR": self.birth_place,
            "JENIS_KLMIN": {"M": "LAKI-LAKI", "F": "PEREMPUAN"}.get(self.sex, ""),
            "NAMA_LGKP_IBU": self.mother_name,
        }
        return {key: value for key, value in elements.items() if value}


class RateLimiter:
    """At most `rate_per_s` calls a second, evenly spaced; safe across threads."""

    def __init__(
        self, rate_per_s: float, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ):
        if rate_per_s <= 0:
            raise ImproperlyConfigured("DUKCAPIL_RATE_PER_S must be greater than 0")
        self.interval = 1.0 / rate_per_s
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self.sleep(start - now)


class CircuitBreaker:
    """Open after `threshold` failures in a row; after `reset_after_s` let one call try."""

    def __init__(
        self, *, threshold: int = 5, reset_after_s: float = 30.0, clock: Clock = time.monotonic
    ):
        self.threshold, self.reset_after_s, self.clock = threshold, reset_after_s, clock
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.clock() - self.opened_at < self.reset_after_s

    def allow(self) -> bool:
        # Once the pause is over the next call is a trial: one more failure re-opens at once.
        return not self.is_open

    def record_success(self) -> None:
        self.failures, self.opened_at = 0, None

    def record_failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = self.clock()


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class DukcapilClient:
    """Verify one person at a time; raises ServiceUnavailable when no answer can be had."""

    def __init__(
        self,
        *,
        url: str,
        user: str,
        password: str,
        rate_per_s: float,
        timeout_s: float,
        max_attempts: int = 3,
        backoff_s: float = 0.5,
        failure_threshold: int = 5,
        reset_after_s: float = 30.0,
        name_threshold: float = NAME_THRESHOLD,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ImproperlyConfigured("DUKCAPIL_URL must be an http(s) URL")
        self.url, self.user, self.password = url, user, password
        self.timeout_s, self.max_attempts, self.backoff_s = timeout_s, max_attempts, backoff_s
        self.name_threshold = name_threshold
        self.sleep = sleep
        self.limiter = RateLimiter(rate_per_s, clock=clock, sleep=sleep)
        self.breaker = CircuitBreaker(
            threshold=failure_threshold, reset_after_s=reset_after_s, clock=clock
        )

    @classmethod
    def from_settings(cls, **overrides: Any) -> DukcapilClient:
        options: dict[str, Any] = {
            "url": settings.DUKCAPIL_URL,
            "user": settings.DUKCAPIL_USER,
            "password": settings.DUKCAPIL_PASSWORD,
            "rate_per_s": settings.DUKCAPIL_RATE_PER_S,
            "timeout_s": settings.DUKCAPIL_TIMEOUT_S,
        }
        # Tuning knobs with sound defaults; a deployment rarely needs to set them.
        for name in ("max_attempts", "backoff_s", "failure_threshold", "reset_after_s"):
            setting = f"DUKCAPIL_{name.upper()}"
            if hasattr(settings, setting):
                options[name] = getattr(settings, setting)
        return cls(**{**options, **overrides})

    def verify(self, request: VerificationRequest) -> Verification:
        if not self.breaker.allow():
            raise CircuitOpen("Dukcapil calls are paused after repeated failures")
        body = {
            "user_id": self.user,
            "password": self.password,
            "threshold": self.name_threshold,
            **request.payload(),
        }
        reason = ""
        for attempt in range(self.max_attempts):
            self.limiter.wait()
            try:
                answer = self._post(body)
                verification = parse_answer(answer, threshold=self.name_threshold)
            except _Retryable as exc:
                reason = str(exc)
                if attempt + 1 < self.max_attempts:
                    pause = self.backoff_s * 2**attempt
                    if exc.retry_after is not None:
                        pause = max(pause, min(exc.retry_after, MAX_RETRY_AFTER_S))
                    self.sleep(pause)
                continue
            except (ServiceUnavailable, UnreadableAnswer) as exc:
                self.breaker.record_failure()
                raise ServiceUnavailable(str(exc)) from exc
            self.breaker.record_success()
            return verification
        self.breaker.record_failure()
        raise ServiceUnavailable(f"no answer after {self.max_attempts} attempts: {reason}")

    def _post(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        data = json.dumps(body).encode()
        http_request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(http_request, timeout=self.timeout_s) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code in RETRY_STATUSES:
                raise _Retryable(
                    f"HTTP {exc.code}", _retry_after(exc.headers.get("Retry-After"))
                ) from exc
            raise ServiceUnavailable(f"HTTP {exc.code}") from exc
        except TimeoutError as exc:
            raise _Retryable("timeout") from exc
        except urllib.error.URLError as exc:
            raise _Retryable(f"connection failed: {exc.reason}") from exc
        except ConnectionError as exc:
            raise _Retryable(f"connection failed: {exc}") from exc
        try:
            parsed = json.loads(raw)
        except ValueError as exc:
            raise UnreadableAnswer("the answer is not JSON") from exc
        if not isinstance(parsed, Mapping):
            raise UnreadableAnswer("the answer is not a JSON object")
        return parsed


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
