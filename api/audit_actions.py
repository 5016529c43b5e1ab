"""The audit actions of the api app."""

# ruff: noqa: S105 (API_TOKEN_* are action names, not secrets)
from __future__ import annotations

from enum import StrEnum


class ApiAction(StrEnum):
    TOKEN_CREATED = "api_token.created"
    TOKEN_REVOKED = "api_token.revoked"
