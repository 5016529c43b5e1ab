"""E-mail settings from one URL, and an SMTP backend that will not talk to private hosts
unless allowed (a mail setting must not become a way to reach the internal network)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.smtp import EmailBackend

_SCHEMES = {"smtp": (False, False, 25), "smtp+tls": (True, False, 587), "smtps": (False, True, 465)}


def parse_email_url(url: str) -> tuple[str, int, str, str, bool, bool]:
    """``smtp+tls://user:password@host:587`` -> host, port, user, password, use_tls, use_ssl."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(
            f"EMAIL_URL must look like smtp://, smtp+tls:// or smtps://user:password@host:port"
            f" (got scheme {parts.scheme!r})"
        )
    use_tls, use_ssl, default_port = _SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number") from exc
    return (
        parts.hostname,
        port,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        use_tls,
        use_ssl,
    )


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


class GuardedSMTPBackend(EmailBackend):
    """Django's SMTP backend that checks where it connects before it does."""

    def open(self) -> bool | None:
        if self.connection is None and not settings.EMAIL_ALLOW_PRIVATE_HOSTS:
            try:
                infos = socket.getaddrinfo(self.host, self.port, proto=socket.IPPROTO_TCP)
            except OSError:
                if self.fail_silently:
                    return False
                raise
            refused = [info[4][0] for info in infos if not _is_public(str(info[4][0]))]
            if refused:
                if self.fail_silently:
                    return False
                raise OSError(
                    f"EMAIL_HOST {self.host} resolves to a private or loopback address "
                    f"({refused[0]}); set EMAIL_ALLOW_PRIVATE_HOSTS=true to allow a local relay"
                )
        return super().open()
