"""Structured JSON logs (structlog) with the request id on every line.

The id comes from ``X-Request-ID`` or is minted by the API; it is stored on the job and bound
again in the worker, so one grep follows a document from upload to webhook across processes.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

_configured = False
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    """Idempotent: apps created in tests call it many times."""
    global _configured
    if _configured:
        return
    _configured = True
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


def request_id_from(header: str | None) -> str:
    """The caller's id if it is safe to log and echo, else a fresh one."""
    if header and _SAFE_ID.match(header):
        return header
    return uuid.uuid4().hex


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Bind context for the duration of a job or request, restoring what was there before."""
    tokens = structlog.contextvars.bind_contextvars(**values)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
