"""A real HTTP receiver on loopback for the webhook tests: it verifies every message with the
`standardwebhooks` package (an implementation independent of Quorum's), and answers as told."""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


@dataclass
class Received:
    """One message as the receiver got it: its id, whether each secret verifies it, body."""

    message_id: str
    verified: dict[str, bool]
    body: dict
    signatures: int


@dataclass
class Receiver:
    """What the receiver got, and how it answers the next request (`answer(n)`, n counting
    from 1, gives the status and extra headers)."""

    url: str = ""
    secrets: list[str] = field(default_factory=list)
    got: list[Received] = field(default_factory=list)
    answer: Callable[[int], tuple[int, dict[str, str]]] = lambda n: (200, {})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        return [r.message_id for r in self.got]


def _verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except Exception:  # the package raises its own error for a bad or stale signature
        return False
    return True


@contextmanager
def receiver() -> Iterator[Receiver]:
    """A receiver listening on 127.0.0.1 for the test's length."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with state.lock:
                state.got.append(
                    Received(
                        headers.get("webhook-id", ""),
                        {s: _verifies(s, body, headers) for s in state.secrets},
                        json.loads(body or b"{}"),
                        len(headers.get("webhook-signature", "").split()),
                    )
                )
                count = len(state.got)
            # Outside the lock: an answer may take its time (a test holds one back).
            status, extra = state.answer(count)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("content-length", "2")
            self.end_headers()
            # The sender may be gone (killed mid-send): nobody reads the answer then.
            with suppress(OSError):
                self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks?from=quorum"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
