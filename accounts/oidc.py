"""OpenID Connect, stricter than allauth's provider out of the box.

allauth's `openid_connect` provider does the code flow with PKCE and checks the ID token's
issuer (against the discovery document), audience and expiry. It skips the signature when
the token came straight from the token endpoint, sends no nonce, and trusts whatever issuer
the discovery document names. Here the signature is always verified against the JWKS, the
discovery document must name the configured issuer, and a nonce is sent with every
authorization request, kept in the (single-use) state, and must come back in the ID token.
"""

from __future__ import annotations

import secrets

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.http import Http404, HttpRequest


class SSORefused(OAuth2Error):
    """A refusal whose text is shown to the person signing in."""


class StrictOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    expected_nonce: str | None = None

    @property
    def openid_config(self):
        config = super().openid_config
        if str(config.get("issuer", "")).rstrip("/") != settings.OIDC_ISSUER:
            raise SSORefused(
                "The identity provider's discovery document names another issuer than the "
                "one configured (OIDC_ISSUER); single sign-on is refused."
            )
        return config

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        try:
            data = jwtkit.verify_and_decode(
                credential=id_token,
                keys_url=self.openid_config["jwks_uri"],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                lookup_kid=jwtkit.lookup_kid_jwk,
                verify_signature=True,
            )
        except OAuth2Error as exc:
            cause = exc.__cause__
            if cause is not None and type(cause).__name__ == "InvalidIssuerError":
                raise SSORefused(
                    "The sign-in token was issued by another identity provider than the one "
                    "configured; it was refused."
                ) from exc
            if cause is not None and type(cause).__name__ == "InvalidAudienceError":
                raise SSORefused("The sign-in token was meant for another application.") from exc
            raise SSORefused(
                "The sign-in token's signature could not be verified with the identity "
                "provider's keys; it was refused."
            ) from exc
        if not self.expected_nonce or not secrets.compare_digest(
            str(data.get("nonce", "")), self.expected_nonce
        ):
            raise SSORefused(
                "The sign-in token does not belong to this sign-in (its nonce does not match: "
                "a replayed or stale token); it was refused. Please sign in again."
            )
        return data


class StrictOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = StrictOpenIDConnectAdapter
    # allauth includes "<package>.urls" for each provider: keep it the original's.
    package = "allauth.socialaccount.providers.openid_connect"

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params = {**auth_params, "nonce": nonce}
        # Extra keyword arguments are stored in the state, which the callback pops.
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


class StrictCallbackView(OAuth2CallbackView):
    def _get_state(self, request: HttpRequest, provider):
        state, response = super()._get_state(request, provider)
        if state is not None:
            self.adapter.expected_nonce = state.get("nonce")
        return state, response


@login_not_required
def login(request: HttpRequest, provider_id: str):
    try:
        view = OAuth2LoginView.adapter_view(StrictOpenIDConnectAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc


@login_not_required
def callback(request: HttpRequest, provider_id: str):
    try:
        view = StrictCallbackView.adapter_view(StrictOpenIDConnectAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc
