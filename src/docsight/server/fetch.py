"""Fetching a document by URL for submission, with the same SSRF rule as webhooks."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from docsight.server.problems import FetchError, PayloadTooLargeError
from docsight.server.webhooks import check_destination


def fetch_document(url: str, *, max_bytes: int, allow_private: bool,
                   timeout: float = 30.0) -> tuple[bytes, str]:
    """The bytes at ``url`` and a file name from its path; refuses private addresses."""
    check_destination(url, allow_private=allow_private, what="document")
    chunks: list[bytes] = []
    size = 0
    try:
        # No redirects: a redirect could lead past the address check.
        with httpx.stream("GET", url, timeout=timeout) as response:
            if response.status_code != 200:
                raise FetchError(f"fetching {url} answered HTTP {response.status_code}")
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLargeError(f"document at {url} exceeds {max_bytes} bytes")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc
    name = urlsplit(url).path.rsplit("/", 1)[-1] or "document"
    return b"".join(chunks), name
