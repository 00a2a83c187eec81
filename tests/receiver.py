"""A webhook receiver on 127.0.0.1 for the subscription tests: it records every request
and answers as its ``answer`` says (a status, a body, a delay before answering)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """``answer(n)`` -> (status, body, seconds to wait first) for the n-th request (0-based)."""

    answer: Callable[[int], tuple[int, bytes, float]] = lambda n: (200, b"ok", 0.0)
    received: list[Received] = field(default_factory=list)
    arrival_times: list[float] = field(default_factory=list)  # time.time() of each request
    arrived: threading.Condition = field(default_factory=threading.Condition)
    release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.arrived:
                    number = len(receiver.received)
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    receiver.arrival_times.append(time.time())
                    receiver.arrived.notify_all()
                status, answer, delay = receiver.answer(number)
                if delay:
                    receiver.release.wait(delay)
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the sender gave up (a timeout, a kill)
                    self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The requests once ``count`` have arrived (AssertionError after ``timeout`` s)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} of {count} requests arrived")
            return list(self.received)

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
