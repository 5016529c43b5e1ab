"""One outbound webhook POST that never reaches a forbidden address and never hangs.

No Django import: the caller passes the allowed networks and the timeouts.

* **Addresses.** Each hop (the endpoint's URL and every redirect) is resolved once; if any
  resolved address is loopback, private, link-local, shared, multicast, reserved or unspecified
  (also when embedded in an IPv6 address: IPv4-mapped, 6to4, Teredo, NAT64) and not inside one
  of ``allowed_networks``, the hop is refused before a connection is tried.
* **Rebinding.** The connection goes to the address that was checked, never to the name: the
  ``Host`` header, TLS SNI and the certificate check use the name, so a second DNS answer cannot
  swap the target.
* **Redirects** are followed here (at most ``MAX_REDIRECTS``), each new location checked like
  the first: 307/308 repeat the POST, 301/302/303 become a GET without body, as browsers do.
* **Time.** ``connect_timeout`` bounds each connection attempt; ``read_timeout`` bounds the wait
  for each hop's whole response (a watchdog closes the socket at the deadline, so a receiver
  dripping one byte at a time cannot hold the worker either).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3
EXCERPT_BYTES = 1024
REDIRECTS = {301, 302, 303, 307, 308}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """The destination is not allowed (or not a URL we send to); nothing was sent to it."""


class _Unresolvable(Exception):
    pass


class _ResponseTimeout(Exception):
    pass


class _ResponseError(Exception):
    pass


@dataclass(frozen=True)
class SendResult:
    status_code: int | None  # None: no response (refused, timed out, connection error)
    duration_ms: int
    error: str  # "" when a response came back
    final_url: str
    response_excerpt: str = ""
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``["127.0.0.1", "10.0.0.0/8"]`` -> networks; raises ``ValueError`` on a bad entry."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(raw: str, allowed_networks: Iterable[IPNetwork] = ()) -> str | None:
    """Why ``raw`` may not be reached, or ``None`` if it may (public, or allow-listed)."""
    address: IPAddress = ipaddress.ip_address(raw.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(address, ipaddress.IPv6Address):
        address = _embedded_ipv4(address) or address
    if any(address in network for network in allowed_networks):
        return None
    if address.is_loopback:
        kind = "loopback"
    elif address.is_unspecified:
        kind = "unspecified"
    elif address.is_link_local:
        kind = "link-local"
    elif address.is_private:
        kind = "private"
    elif address.is_multicast:
        kind = "multicast"
    elif not address.is_global:
        kind = "reserved"
    else:
        return None
    return f"{address} is not a public address ({kind}) and not in WEBHOOK_ALLOWED_NETWORKS"


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked IP; the Host header carries the name."""


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked IP; SNI and the certificate check use the name."""

    def __init__(self, ip: str, port: int, *, server_hostname: str, timeout: float) -> None:
        super().__init__(ip, port, timeout=timeout, context=ssl.create_default_context())
        self._server_hostname = server_hostname

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_hostname)


@dataclass(frozen=True)
class _Hop:
    scheme: str
    host: str
    port: int
    path: str
    host_header: str


def _parse(url: str) -> _Hop:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"only http and https URLs are allowed, not {parts.scheme or 'no'} scheme")
    if not parts.hostname:
        raise Refused("the URL has no host name")
    if parts.username or parts.password:
        raise Refused("user names and passwords in the URL are not allowed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("the URL's port is not valid") from exc
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    host = parts.hostname
    default_port = port == (443 if parts.scheme == "https" else 80)
    host_for_header = f"[{host}]" if ":" in host else host
    return _Hop(
        scheme=parts.scheme,
        host=host,
        port=port,
        path=path,
        host_header=host_for_header if default_port else f"{host_for_header}:{port}",
    )


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _checked_addresses(
    hop: _Hop, resolver: Resolver, allowed_networks: tuple[IPNetwork, ...]
) -> list[str]:
    if _is_ip_literal(hop.host):
        addresses = [str(ipaddress.ip_address(hop.host))]
    else:
        try:
            addresses = resolver(hop.host, hop.port)
        except (OSError, UnicodeError) as exc:
            raise _Unresolvable(f"could not resolve {hop.host}: {exc}") from exc
        if not addresses:
            raise _Unresolvable(f"could not resolve {hop.host}")
    for address in addresses:
        problem = address_problem(address, allowed_networks)
        if problem:
            raise Refused(f"{hop.host} resolves to {problem}" if address != hop.host else problem)
    return addresses


def _request_once(
    hop: _Hop,
    address: str,
    method: str,
    body: bytes | None,
    headers: Mapping[str, str],
    *,
    connect_timeout: float,
    read_timeout: float,
) -> tuple[int, dict[str, str], bytes]:
    connection: http.client.HTTPConnection
    if hop.scheme == "https":
        connection = _PinnedHTTPSConnection(
            address, hop.port, server_hostname=hop.host, timeout=connect_timeout
        )
    else:
        connection = _PinnedHTTPConnection(address, hop.port, timeout=connect_timeout)
    try:
        connection.connect()  # errors here: the caller tries the next address
        assert connection.sock is not None
        connection.sock.settimeout(read_timeout)
        # The socket timeout bounds each read; the watchdog bounds the whole response.
        fired = threading.Event()
        watchdog = threading.Timer(read_timeout, _abort, args=(connection, fired))
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.request(
                method, hop.path, body=body, headers={**headers, "Host": hop.host_header}
            )
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_BYTES)
            if fired.is_set():
                raise _ResponseTimeout(f"no complete answer within {read_timeout:g} s")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, excerpt
        except (OSError, http.client.HTTPException) as exc:
            if fired.is_set() or isinstance(exc, TimeoutError):
                raise _ResponseTimeout(f"no complete answer within {read_timeout:g} s") from exc
            raise _ResponseError(str(exc) or type(exc).__name__) from exc
        finally:
            watchdog.cancel()
    finally:
        connection.close()


def _abort(connection: http.client.HTTPConnection, fired: threading.Event) -> None:
    fired.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def send(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    allowed_networks: tuple[IPNetwork, ...] = (),
    connect_timeout: float = 5.0,
    read_timeout: float = 10.0,
    resolver: Resolver = system_resolver,
) -> SendResult:
    """POST ``body`` to ``url`` under the rules in the module docstring. Never raises."""
    started = time.monotonic()
    current = url
    method, payload = "POST", body

    def result(**kwargs) -> SendResult:
        duration = int((time.monotonic() - started) * 1000)
        return SendResult(duration_ms=duration, final_url=current, **kwargs)

    for hop_number in range(MAX_REDIRECTS + 1):
        try:
            hop = _parse(current)
            addresses = _checked_addresses(hop, resolver, allowed_networks)
        except Refused as exc:
            return result(status_code=None, error=f"Refused: {exc}.", refused=True)
        except _Unresolvable as exc:
            return result(status_code=None, error=f"Could not connect: {exc}.")
        hop_headers = dict(headers)
        if payload is None:
            hop_headers.pop("Content-Type", None)
        last_error: OSError | None = None
        for address in addresses:
            try:
                status, response_headers, excerpt = _request_once(
                    hop,
                    address,
                    method,
                    payload,
                    hop_headers,
                    connect_timeout=connect_timeout,
                    read_timeout=read_timeout,
                )
                break
            except _ResponseTimeout as exc:
                # The receiver accepted and then stalled: trying its other address would only
                # double the time it holds us.
                return result(status_code=None, error=f"Timed out: {exc}.")
            except _ResponseError as exc:
                return result(status_code=None, error=f"The connection failed: {exc}.")
            except OSError as exc:  # connecting: try the next address
                last_error = exc
        else:
            return result(status_code=None, error=f"Could not connect: {last_error}.")
        location = response_headers.get("location")
        if status in REDIRECTS and location:
            if hop_number == MAX_REDIRECTS:
                return result(
                    status_code=status, error=f"Too many redirects (more than {MAX_REDIRECTS})."
                )
            current = urljoin(current, location)
            if status not in (307, 308):
                method, payload = "GET", None
            continue
        text = excerpt.decode("utf-8", errors="replace")
        error = "" if 200 <= status < 300 else f"The receiver answered {status}."
        return result(status_code=status, error=error, response_excerpt=text)
    raise AssertionError("unreachable")  # pragma: no cover
