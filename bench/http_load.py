"""A lean HTTP/1.1 client for load generation: keep-alive connections over asyncio streams.

The load generator shares the machine it measures, so it must cost little: httpx spends about
a millisecond of CPU per request, this client a fraction of that. It speaks just enough HTTP for
Quorum's and MLflow's JSON APIs: Content-Length bodies, keep-alive, no TLS, no redirects.
"""

import asyncio
import json
import os
import time
from typing import Any


def auth() -> dict[str, str]:
    """The Authorization header for MLFLOW_TRACKING_TOKEN, as the `mlflow` client sends it."""
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


class HttpError(Exception):
    """The server closed the connection or answered something this client does not speak."""


# uvicorn closes a keep-alive connection idle for 5 s; one idle longer than this is reopened
# rather than written to (the server may be closing it as the request arrives).
IDLE_LIMIT = 4.0


class Connection:
    """One keep-alive connection; one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._auth = "".join(f"{name}: {value}\r\n" for name, value in auth().items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """Send one request (a JSON body if given) and return (status, response body)."""
        if self._writer is not None and time.monotonic() - self._last_used > IDLE_LIMIT:
            self.close()
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        payload = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n{self._auth}\r\n"
        )
        self._writer.write(head.encode() + payload)
        try:
            return await self._response()
        except (OSError, asyncio.IncompleteReadError, HttpError):
            self.close()
            raise
        finally:
            self._last_used = time.monotonic()

    async def _response(self) -> tuple[int, bytes]:
        assert self._reader is not None
        header = await self._reader.readuntil(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        if "content-length" not in fields:
            raise HttpError(f"no Content-Length in a {status} response")
        body = await self._reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        """Drop the connection; the next request opens a new one."""
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


class Pool:
    """A fixed number of connections shared by any number of concurrent requests."""

    def __init__(self, host: str, port: int, size: int) -> None:
        # Last in, first out: at a low rate the same few connections stay warm.
        self._idle: asyncio.Queue[Connection] = asyncio.LifoQueue()
        for _ in range(size):
            self._idle.put_nowait(Connection(host, port))

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """Run one request on the next free connection."""
        connection = await self._idle.get()
        try:
            return await connection.request(method, path, body)
        finally:
            self._idle.put_nowait(connection)

    async def timed(self, method: str, path: str, body: Any = None) -> float:
        """Seconds one request took; a status other than 200 is an error."""
        started = time.perf_counter()
        status, text = await self.request(method, path, body)
        if status != 200:
            raise HttpError(f"{method} {path}: {status} {text[:200]!r}")
        return time.perf_counter() - started

    def close(self) -> None:
        """Close every idle connection."""
        while not self._idle.empty():
            self._idle.get_nowait().close()
