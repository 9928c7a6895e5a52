"""Nanonets-OCR behind vLLM (or any OpenAI-compatible chat-completions server).

The request is the model cards' own: one user message holding the page as a base64 PNG data URL
first and the prompt second, ``temperature`` 0 and a long ``max_tokens``. The page is sized
exactly as the in-process engine sizes it, so both engines see the same pixels.

Failure policy, per page (the pipeline records the error and goes on with the next page):

- timeouts, 408, 429 and 5xx answers, and bodies that are not the expected JSON are retried
  with exponential backoff (``Retry-After`` honoured); when the tries run out the page fails
  with ``EngineTimeoutError``, ``EngineServerError`` or ``EngineResponseError``;
- other 4xx answers are not retried: the same request would be refused again;
- a server that cannot be reached at all after the retries is ``EngineUnavailableError``,
  which stops the document: every other page would fail the same way, slowly;
- a decoding loop is cut and the page asked again once with ``repetition_penalty`` (a vLLM
  sampling extension), exactly as the in-process engine does.

Threading: ``recognize`` may be called from many threads at once; a semaphore keeps at most
``openai.concurrency`` requests in flight per engine instance. ``recognize_many`` fans a list
of pages out over that many threads.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from docsight.engines._vlm import Attempt, fit_pixels, judge, settle
from docsight.engines.base import Availability, Capabilities, PageImage
from docsight.errors import DocsightError, EngineFailedError, EngineUnavailableError
from docsight.models import EngineOutput
from docsight.settings import OpenAISettings, Settings

_MAX_WAIT = 60.0  # longest single backoff, whatever Retry-After asks for
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}


class EngineTimeoutError(EngineFailedError):
    """The server did not answer within ``openai.timeout_s``, on every try."""

    code = "engine_timeout"


class EngineServerError(EngineFailedError):
    """The server answered with an HTTP error."""

    code = "engine_server_error"


class EngineResponseError(EngineFailedError):
    """The server answered, but not with a chat completion."""

    code = "engine_bad_response"


class _Retryable(Exception):
    def __init__(self, error: DocsightError, wait: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait


class OpenAICompatEngine:
    """Pages sent to a served Nanonets model; nothing runs locally but image encoding."""

    name: ClassVar[str] = "openai"
    description: ClassVar[str] = (
        "Nanonets-OCR served by vLLM or another OpenAI-compatible server (openai.base_url)"
    )
    capabilities: ClassVar[Capabilities] = Capabilities(tables=True, gpu=True)

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        self._cfg: OpenAISettings = settings.openai
        self._slots = threading.BoundedSemaphore(self._cfg.concurrency)
        self._sleep = sleep
        self._url = self._cfg.base_url.rstrip("/") + "/chat/completions"

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True)  # standard library only; reachability is per request

    @property
    def model(self) -> str | None:
        return self._cfg.model

    def recognize(self, page: PageImage) -> EngineOutput:
        image = fit_pixels(page.image, self._cfg.min_pixels, self._cfg.max_pixels)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        data_url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
        first = self._ask(data_url, penalty=None)
        retry = self._ask(data_url, self._cfg.repetition_penalty) if first.looped else None
        outcome = settle(first, retry, self._cfg.repetition_penalty)
        timings = {"request": first.seconds}
        if retry is not None:
            timings["retry"] = retry.seconds
        return EngineOutput(
            markdown=outcome.markdown,
            model=self.model,
            timings=timings,
            warnings=outcome.warnings,
            repetition=outcome.repetition,
        )

    def recognize_many(self, pages: list[PageImage]) -> list[EngineOutput | DocsightError]:
        """Every page, ``concurrency`` at a time; a page's typed error takes its place."""

        def one(page: PageImage) -> EngineOutput | DocsightError:
            try:
                return self.recognize(page)
            except EngineUnavailableError:
                raise
            except DocsightError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=self._cfg.concurrency) as pool:
            return list(pool.map(one, pages))

    def request_body(self, data_url: str, penalty: float | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._cfg.model,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": data_url}},
                        {"type": "text", "text": self._cfg.prompt},
                    ],
                }
            ],
            "temperature": 0.0,
            "max_tokens": self._cfg.max_tokens,
        }
        if penalty is not None:
            body["repetition_penalty"] = penalty
        return body

    def _ask(self, data_url: str, penalty: float | None) -> Attempt:
        payload = json.dumps(self.request_body(data_url, penalty)).encode("utf-8")
        tries = self._cfg.retries + 1
        for attempt in range(tries):
            tick = time.perf_counter()
            try:
                with self._slots:
                    content, finish = self._post(payload)
                return judge(content, finish == "length", time.perf_counter() - tick)
            except _Retryable as exc:
                if attempt + 1 == tries:
                    raise exc.error from None
                delay = self._cfg.backoff_s * 2**attempt
                self._sleep(min(_MAX_WAIT, exc.wait if exc.wait is not None else delay))
        raise AssertionError("unreachable")  # pragma: no cover

    def _post(self, payload: bytes) -> tuple[str, str | None]:
        request = urllib.request.Request(
            self._url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self._cfg.api_key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._cfg.timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace").strip().replace("\n", " ")
            error = EngineServerError(f"{self._url} answered {exc.code}: {detail[:200]}")
            if exc.code in _RETRY_STATUS:
                raise _Retryable(error, _retry_after(exc.headers.get("Retry-After"))) from exc
            raise error from exc
        except TimeoutError as exc:
            raise _Retryable(EngineTimeoutError(self._timeout_message())) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise _Retryable(EngineTimeoutError(self._timeout_message())) from exc
            unreachable = EngineUnavailableError(f"cannot reach {self._url}: {exc.reason}")
            raise _Retryable(unreachable) from exc
        return _parse(raw)

    def _timeout_message(self) -> str:
        return f"{self._url} did not answer within {self._cfg.timeout_s:g} s"


VLLM_VERSION = "0.33.0"  # the release this command line was written against


def vllm_command(
    model: str,
    *,
    revision: str | None = None,
    served_name: str | None = None,
    port: int = 8000,
    min_pixels: int = 256 * 28 * 28,
    max_pixels: int = 4096 * 28 * 28,
    max_model_len: int = 32768,
    gpu_memory_utilization: float = 0.9,
) -> str:
    """The ``vllm serve`` line we recommend for a Nanonets model, as a shell command.

    32k context holds the largest page's image tokens plus a 15k-token answer; one image per
    request and the same pixel bounds as ours stop vLLM from reserving memory for 16k-token
    images and videos it will never get.
    """
    mm = json.dumps({"min_pixels": min_pixels, "max_pixels": max_pixels}, separators=(",", ":"))
    lines = [
        f"vllm serve {model}",
        f"--served-model-name {served_name or model}",
        f"--max-model-len {max_model_len}",
        '--limit-mm-per-prompt \'{"image":1,"video":0}\'',
        f"--mm-processor-kwargs '{mm}'",
        f"--gpu-memory-utilization {gpu_memory_utilization:g}",
        f"--port {port}",
    ]
    if revision:
        lines.insert(1, f"--revision {revision}")
    return " \\\n  ".join(lines)


def _parse(raw: bytes) -> tuple[str, str | None]:
    """The first choice's text and finish reason, or a retryable bad-response error."""
    try:
        body = json.loads(raw)
        choice = body["choices"][0]
        content = choice["message"]["content"]
        if not isinstance(content, str):
            raise TypeError("content is not a string")
        finish = choice.get("finish_reason")
        return content, finish if isinstance(finish, str) else None
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        snippet = raw[:120].decode("utf-8", "replace")
        error = EngineResponseError(f"not a chat completion ({exc}): {snippet!r}")
        raise _Retryable(error) from exc


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


__all__ = [
    "VLLM_VERSION",
    "EngineResponseError",
    "EngineServerError",
    "EngineTimeoutError",
    "OpenAICompatEngine",
    "vllm_command",
]
