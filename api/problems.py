"""Errors as ``application/problem+json`` (RFC 9457), with every field error listed.

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "The request has 2 invalid fields.",
     "errors": [{"pointer": "#/name", "detail": "Ensure this field has at least 3 characters."}]}

``pointer`` is a JSON Pointer into the request body (RFC 6901); a lens-file problem also
carries the importer's own ``path`` (``pillars[1].questions[3].riskRules[0].condition``).
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(
    status_code: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_JSON)


def _escape(token: str) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _flatten(data: Any, path: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """DRF's nested error structure as a flat list of (pointer, detail)."""
    if isinstance(data, dict):
        out = []
        for key, value in data.items():
            inner = path if key in ("non_field_errors", "__all__") else (*path, str(key))
            out += _flatten(value, inner)
        return out
    if isinstance(data, list):
        if all(isinstance(item, str) for item in data):
            return [_error(path, item) for item in data]
        out = []
        for index, item in enumerate(data):
            # A list of error dicts is per item of a list field (ListField, many=True).
            out += _flatten(item, (*path, str(index)) if isinstance(item, dict | list) else path)
        return out
    return [_error(path, str(data))]


def _error(path: tuple[str, ...], detail: str) -> dict[str, str]:
    return {"pointer": "#" + "".join("/" + _escape(p) for p in path), "detail": str(detail)}


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def json_path_pointer(path: str) -> str:
    """``pillars[1].questions[3].id`` -> ``#/pillars/1/questions/3/id``."""
    return "#" + "".join("/" + _escape(name or index) for name, index in _PATH_TOKEN.findall(path))


def validation_problem(errors: list[dict[str, str]], **extra: Any) -> Response:
    count = len(errors)
    detail = (
        "The request has an invalid value."
        if count == 1
        else (f"The request has {count} invalid values.")
    )
    return problem(status.HTTP_400_BAD_REQUEST, detail, errors=errors, **extra)


def django_validation_errors(error: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(error, "error_dict"):
        return _flatten(error.message_dict)
    return _flatten(list(error.messages))


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return validation_problem(django_validation_errors(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an API exception: a bug. Answer in the API's own format; the log has the trace.
        logger.exception("Unhandled API error", exc_info=exc)
        return problem(500, "An internal error occurred. The administrator can find it in the log.")
    if isinstance(exc, exceptions.ValidationError):
        return validation_problem(_flatten(response.data))
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    headers = {
        name: value
        for name, value in response.items()
        if name in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    return problem(response.status_code, str(detail), headers=headers)
