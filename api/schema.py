"""OpenAPI: our token scheme, and the problem responses every operation can give."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from api.problems import PROBLEM_JSON


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token (`arv_...`) from the API tokens page, sent as "
                "`Authorization: Bearer <token>`. Read-only tokens get 403 on writes."
            ),
        }


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "path": {"type": "string"},
                    "detail": {"type": "string"},
                },
                "required": ["pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}

_ALWAYS = {
    "400": "Invalid input (with the field errors)",
    "401": "No credentials, or an invalid, expired or revoked token",
    "403": "The role or the token's scope does not allow this",
    "404": "No such object, or it belongs to another team",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "429": "Too many requests (see Retry-After)",
}
_WRITES = {"415": "Unsupported media type"}


def add_problem_responses(result, generator, request, public):
    """Postprocessing hook: document the problem+json answers on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            codes = dict(_ALWAYS)
            if method in ("post", "put", "patch"):
                codes.update(_WRITES)
            responses = operation.setdefault("responses", {})
            for code, description in codes.items():
                entry = responses.setdefault(code, {"description": description})
                entry.setdefault("content", {})[PROBLEM_JSON] = {"schema": ref}
            # Conflicts and preconditions a view declares (409, 412, 428) are problems too.
            for code, entry in responses.items():
                if code in ("409", "412", "428"):
                    entry.setdefault("content", {})[PROBLEM_JSON] = {"schema": ref}
    return result
