"""Client of the bank's host-to-host (H2H) service: submit a disbursement file, fetch its
return file. JSON over HTTPS with basic authentication.

The service is outside our reach (BJB grants it under an agreement), so the client is
small and strict: a timeout on every call, a few retries with growing pauses on a busy
or failing host, and `BankUnavailable` when no usable answer comes, which the service
turns into a message and a batch left as it was.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class BankUnavailable(Exception):
    """The bank's host gave no usable answer."""


@dataclass
class H2HClient:
    url: str
    user: str
    password: str
    timeout_s: float = 20.0
    attempts: int = 3
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls) -> H2HClient | None:
        url = getattr(settings, "BANK_H2H_URL", "")
        if not url:
            return None
        return cls(
            url=url.rstrip("/"),
            user=getattr(settings, "BANK_H2H_USER", ""),
            password=getattr(settings, "BANK_H2H_PASSWORD", ""),
        )

    def submit(self, *, batch_ref: str, file_name: str, content: bytes) -> str:
        """Send a disbursement file; returns the bank's receipt id."""
        answer = self._call(
            "/disbursements",
            {
                "batch": batch_ref,
                "file_name": file_name,
                "content": base64.b64encode(content).decode(),
            },
        )
        receipt = answer.get("receipt")
        if not isinstance(receipt, str) or not receipt:
            raise BankUnavailable("the bank's answer has no receipt")
        return receipt

    def returns(self, *, receipt: str) -> bytes:
        """The return file of a submitted disbursement (empty while the bank is processing)."""
        answer = self._call("/returns", {"receipt": receipt})
        try:
            return base64.b64decode(answer.get("content", ""), validate=True)
        except ValueError as exc:
            raise BankUnavailable("the return file is not base64") from exc

    def _call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        if not self.url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise BankUnavailable("the bank's host must be reached over HTTPS")
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.url + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
            method="POST",
        )
        last: Exception | None = None
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(0.5 * 2**attempt)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                    answer = json.loads(response.read())
            except urllib.error.HTTPError as exc:
                last = exc
                if exc.code in RETRY_STATUSES:
                    continue
                raise BankUnavailable(f"the bank refused the call (HTTP {exc.code})") from exc
            except (urllib.error.URLError, TimeoutError, ValueError) as exc:
                last = exc
                continue
            if not isinstance(answer, dict):
                raise BankUnavailable("the bank's answer is not an object")
            return answer
        raise BankUnavailable(f"no answer from the bank: {last}")
