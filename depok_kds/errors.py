"""The one domain error type, mapped once to an API error body and once to a portal message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A use case refused: the message is for the person who asked (already translated)."""

    code = "invalid"
    status_code = 400

    def __init__(self, message: Any, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class Forbidden(DomainError):
    code = "forbidden"
    status_code = 403


class Conflict(DomainError):
    code = "conflict"
    status_code = 409
