"""OpenAPI description of the API-key authentication (loaded by the API's AppConfig)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "depok_kds.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "kds_<prefix>_<secret>",
            "description": "An API client key: `Authorization: Bearer kds_…`.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"nullable": True},
            },
        }
    },
}
# Answers any operation may give, all with the one error body (depok_kds.api.errors).
ERROR_RESPONSES = {
    "400": "Invalid input: a query parameter or the request body.",
    "401": "No credentials, or an invalid or revoked API key.",
    "403": "The key lacks the scope, or the user the permission.",
    "404": "Not found, or outside the caller's scope.",
    "429": "Too many requests for this client.",
    "503": "The service is temporarily unavailable (the database is unreachable).",
}
BODY_ERROR_RESPONSES = {"415": "The request body's media type is not accepted."}
WRITE_ERROR_RESPONSES = {"409": "Refused: it conflicts with the current state."}


def error_responses(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Document the error answers of every operation, with the error body they carry."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            codes = dict(ERROR_RESPONSES)
            if method != "get":
                codes.update(WRITE_ERROR_RESPONSES)
            if "requestBody" in operation:
                codes.update(BODY_ERROR_RESPONSES)
            for code, description in codes.items():
                operation["responses"].setdefault(
                    code, {"description": description, "content": reference}
                )
    return result
