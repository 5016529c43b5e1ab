"""A small OpenID Provider for the tests, run in its own process on loopback.

    python -m tests.oidc_provider --client-id ID --client-secret SECRET

prints ``READY http://127.0.0.1:PORT`` once it listens. It serves the discovery document,
an authorization endpoint that signs in the configured person at once (no login page), a token
endpoint that checks the client secret, the redirect URI and the PKCE verifier (S256), and a
JWKS with its RSA key; ID tokens are RS256-signed JWTs carrying the request's nonce.

The tests steer it through ``POST /_control`` (JSON): ``email``, ``email_verified``, ``sub``,
and ``mode``: ``normal``, ``wrong_issuer`` (another ``iss``), ``bad_signature`` (signed with a
key that is not in the JWKS), ``replay_nonce`` (the nonce of the previous authorization).
``GET /_log`` returns what the provider saw (authorization parameters, PKCE outcomes).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KID = "test-key-1"


class State:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict] = {}
        self.last_nonce: str | None = None
        self.person = {"sub": "alice-1", "email": "alice@example.com", "email_verified": True}
        self.mode = "normal"
        self.log: list[dict] = []
        self.lock = threading.Lock()


def _b64url_sha256(value: str) -> str:
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_handler(state: State, issuer_ref: list[str]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                return json.loads(raw or "{}")
            return {k: v[0] for k, v in parse_qs(raw).items()}

        def do_GET(self) -> None:  # noqa: N802
            issuer = issuer_ref[0]
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                return self._json(
                    200,
                    {
                        "issuer": issuer,
                        "authorization_endpoint": f"{issuer}/authorize",
                        "token_endpoint": f"{issuer}/token",
                        "jwks_uri": f"{issuer}/jwks",
                        "userinfo_endpoint": f"{issuer}/userinfo",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                        "token_endpoint_auth_methods_supported": [
                            "client_secret_basic",
                            "client_secret_post",
                        ],
                    },
                )
            if url.path == "/jwks":
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(state.key.public_key()))
                jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
                return self._json(200, {"keys": [jwk]})
            if url.path == "/authorize":
                with state.lock:
                    state.log.append({"authorize": query})
                if (
                    query.get("client_id") != state.client_id
                    or query.get("response_type") != "code"
                ):
                    return self._json(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                with state.lock:
                    state.codes[code] = {
                        "nonce": query.get("nonce"),
                        "challenge": query.get("code_challenge"),
                        "method": query.get("code_challenge_method"),
                        "redirect_uri": query.get("redirect_uri"),
                    }
                target = (
                    query["redirect_uri"]
                    + "?"
                    + urlencode({"code": code, "state": query.get("state", "")})
                )
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()
                return None
            if url.path == "/_log":
                with state.lock:
                    return self._json(200, {"log": state.log})
            return self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            form = self._form()
            if url.path == "/_control":
                with state.lock:
                    state.mode = form.get("mode", state.mode)
                    for key in ("sub", "email", "email_verified"):
                        if key in form:
                            state.person[key] = form[key]
                return self._json(200, {"ok": True})
            if url.path == "/token":
                return self._token(form)
            return self._json(404, {"error": "not_found"})

        def _token(self, form: dict[str, str]) -> None:
            client_id, secret = form.get("client_id"), form.get("client_secret")
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                decoded = base64.b64decode(auth[6:]).decode()
                client_id, _, secret = decoded.partition(":")
            if client_id != state.client_id or secret != state.client_secret:
                return self._json(401, {"error": "invalid_client"})
            with state.lock:
                grant = state.codes.pop(form.get("code", ""), None)  # single use
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return self._json(400, {"error": "invalid_grant"})
            verifier = form.get("code_verifier", "")
            pkce_ok = grant["method"] == "S256" and _b64url_sha256(verifier) == grant["challenge"]
            with state.lock:
                state.log.append({"token": {"pkce_ok": pkce_ok}})
            if not pkce_ok:
                return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
            with state.lock:
                mode, person = state.mode, dict(state.person)
                nonce = state.last_nonce if mode == "replay_nonce" else grant["nonce"]
                state.last_nonce = grant["nonce"]
            now = int(time.time())
            claims = {
                "iss": "https://other-issuer.example" if mode == "wrong_issuer" else issuer_ref[0],
                "aud": state.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": nonce,
                "sub": person["sub"],
                "email": person["email"],
                "email_verified": person["email_verified"] in (True, "true", "1"),
                "preferred_username": person["email"].split("@")[0],
                "name": "Alice Example",
            }
            key = state.other_key if mode == "bad_signature" else state.key
            id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
            return self._json(
                200,
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": id_token,
                },
            )

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    args = parser.parse_args()
    state = State(args.client_id, args.client_secret)
    issuer_ref = [""]
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state, issuer_ref))
    issuer_ref[0] = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"READY {issuer_ref[0]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
