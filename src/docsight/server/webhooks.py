"""Webhook delivery: signed JSON, retried with exponential backoff, every attempt recorded.

Signature (Stripe-style, so existing verifiers fit): header
``X-Docsight-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.
Receivers recompute it and reject stale timestamps (replays). Destinations that resolve to
private, loopback, link-local or other non-global addresses are refused unless the operator
allows them: a webhook URL is attacker-chosen and must not reach the internal network (SSRF).
The address is checked at submission and again at each delivery (DNS can change).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from docsight.server.problems import DestinationRefusedError

SIGNATURE_HEADER = "X-Docsight-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300) -> bool:
    """The check a receiver runs (also shown in docs/api.md)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def check_destination(url: str, *, allow_private: bool, what: str = "webhook") -> None:
    """Refuse URLs that are not http(s) or that resolve to a non-global address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefusedError(f"{what} URL must be http(s) with a host: {url!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise DestinationRefusedError(f"{what} host {parts.hostname!r} does not resolve") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise DestinationRefusedError(
                f"{what} host {parts.hostname!r} resolves to non-public address {address}; "
                "set DOCSIGHT_SERVER__WEBHOOK_ALLOW_PRIVATE=true to allow it"
            )


@dataclass(frozen=True)
class Attempt:
    number: int
    status_code: int | None
    error: str | None
    delivered: bool


def deliver(
    url: str,
    payload: dict[str, Any],
    *,
    secret: str,
    retries: int,
    backoff: float,
    allow_private: bool,
    event: str,
    record: Callable[[Attempt], None],
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 10.0,
) -> bool:
    """Post ``payload`` until a 2xx (or retries run out); each attempt goes to ``record``."""
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    delay = backoff
    for number in range(1, retries + 2):
        status: int | None = None
        error: str | None = None
        try:
            check_destination(url, allow_private=allow_private)
            headers = {
                "Content-Type": "application/json",
                "X-Docsight-Event": event,
                SIGNATURE_HEADER: sign(secret, body, int(time.time())),
            }
            # Redirects are not followed: they could point past the SSRF check.
            response = httpx.post(url, content=body, headers=headers, timeout=timeout)
            status = response.status_code
            if 200 <= status < 300:
                record(Attempt(number, status, None, True))
                return True
            error = f"HTTP {status}"
        except DestinationRefusedError as exc:
            record(Attempt(number, None, exc.message, False))
            return False  # a refused destination will not become acceptable by waiting
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        record(Attempt(number, status, error, False))
        if number <= retries:
            sleep(delay)
            delay *= 2
    return False
