"""Sending one webhook message: to the address checked just now (never one a redirect or a
second resolution points to), with a timeout, reading no more than the start of the answer."""

import time
from dataclasses import dataclass
from functools import cache

import httpx

from workflow.kernel.errors import InvalidInput
from workflow.webhooks.addresses import Network, resolve

RESPONSE_HEAD = 1000


@dataclass(frozen=True, slots=True)
class Answer:
    """What an attempt got: the status (None if no answer), the latency, the start of the
    body, the Retry-After header, or why there was no answer."""

    status: int | None
    latency_ms: float
    body: str = ""
    retry_after: str | None = None
    error: str | None = None
    # The address resolved inward at send time: not sent, and not worth retrying.
    refused: bool = False


def send(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allowed: tuple[Network, ...],
    timeout: float,
) -> Answer:
    """POST the message to `url`, resolved and checked again now (a name rebound to a private
    address since registration is refused here)."""
    started = time.perf_counter()
    try:
        target = resolve(url, allowed)
    except InvalidInput as exc:
        return Answer(None, 0.0, error=str(exc)[:500], refused=True)
    host = f"[{target.address}]" if target.address.version == 6 else str(target.address)
    pinned = f"{target.scheme}://{host}:{target.port}{target.path}"
    sent = {**headers, "host": _host_header(target.host, target.scheme, target.port)}
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        client = _client()
        request = client.build_request("POST", pinned, content=body, headers=sent, timeout=timeout)
        request.extensions.update(extensions)
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            head = next(response.iter_bytes(RESPONSE_HEAD), b"")[:RESPONSE_HEAD]
        finally:
            response.close()
        latency = (time.perf_counter() - started) * 1000
        return Answer(
            response.status_code,
            latency,
            head.decode("utf-8", "replace"),
            response.headers.get("retry-after"),
        )
    except httpx.HTTPError as exc:
        latency = (time.perf_counter() - started) * 1000
        return Answer(None, latency, error=f"{type(exc).__name__}: {exc}"[:500])


@cache
def _client() -> httpx.Client:
    """One client per process, its connections kept alive between messages: a client made
    per message spent most of a delivery building its TLS context (bench/webhooks.py). Its
    pool is keyed by the checked address, so a kept connection never outlives a check."""
    return httpx.Client(follow_redirects=False, trust_env=False)


def _host_header(host: str, scheme: str, port: int) -> str:
    default = 443 if scheme == "https" else 80
    return host if port == default else f"{host}:{port}"
