"""A real HTTP receiver for webhook tests, listening on a loopback address only.

``Receiver(script=[...])`` answers each request with the next entry of its script (the last
one repeats): ``Answer(status, headers, body)``, ``HANG`` (accept, read the request, never
answer until the receiver stops) or ``Drip(interval)`` (send a valid status line, then one
header byte every ``interval`` seconds). Every request is recorded in ``.requests``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


@dataclass(frozen=True)
class Drip:
    interval: float = 0.3


HANG = "hang"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self, *, host: str = "127.0.0.1", script: list | None = None) -> None:
        self.script = list(script or [Answer()])
        self.requests: list[Recorded] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver._lock:
                    receiver.requests.append(
                        Recorded(self.command, self.path, dict(self.headers.items()), body)
                    )
                    index = min(len(receiver.requests), len(receiver.script)) - 1
                    step = receiver.script[index]
                if step == HANG:
                    receiver._stopping.wait(60)
                    return
                if isinstance(step, Drip):
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    self.wfile.flush()
                    while not receiver._stopping.wait(step.interval):
                        try:
                            self.wfile.write(b"X")
                            self.wfile.flush()
                        except OSError:
                            return
                    return
                self.send_response(step.status)
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(step.body)))
                self.end_headers()
                self.wfile.write(step.body)

            do_POST = _handle  # noqa: N815
            do_GET = _handle  # noqa: N815

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host = host
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.requests)} of {count} requests arrived")
            time.sleep(0.05)
        return self.requests
