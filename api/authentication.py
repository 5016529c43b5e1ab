"""``Authorization: Bearer arv_...`` for pipelines; the browser session (with CSRF) stays."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from api.services import token_authenticate

INVALID = "The API token is invalid, expired or revoked. Create a new one on the API tokens page."


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>'."
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        row = token_authenticate(token)
        if row is None:
            raise exceptions.AuthenticationFailed(INVALID)
        return row.user, row

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
