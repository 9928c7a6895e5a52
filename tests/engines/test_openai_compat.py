"""The OpenAI-compatible engine against a real local HTTP server speaking chat completions."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image

from docsight.engines import registry
from docsight.engines.base import PageImage
from docsight.engines.openai_compat import (
    EngineResponseError,
    EngineServerError,
    EngineTimeoutError,
    OpenAICompatEngine,
    vllm_command,
)
from docsight.errors import EngineUnavailableError, exit_code_for
from docsight.models import DocumentStatus, PageStatus
from docsight.pipeline import ProcessOptions, process
from docsight.settings import NANONETS_PROMPT, Settings

PAGE_MD = "# Minutes\n\n<table><tr><td>Item</td><td>3</td></tr></table>"
LOOP_MD = "\n".join(["Total 42.00"] * 40)


@dataclass
class FakeServer:
    """Answers requests from a script; each entry is used once, the last one repeats."""

    url: str = ""
    script: list[tuple[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_action(self) -> tuple[str, Any]:
        with self.lock:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def completion(content: str, finish: str = "stop") -> bytes:
    body = {
        "id": "x",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish,
            }
        ],
    }
    return json.dumps(body).encode()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer(script=[("ok", PAGE_MD)])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            with fake.lock:
                fake.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
                )
            kind, arg = fake.next_action()
            if kind == "sleep":
                time.sleep(arg)
                kind, arg = "ok", PAGE_MD
            if kind == "status":
                code, headers = arg
                self.send_response(code)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b'{"error": "overloaded"}')
                return
            finish = "length" if kind == "cut" else "stop"
            payload = arg if kind == "raw" else completion(arg, finish)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()


def engine_for(server: FakeServer, settings: Settings, **changes: Any) -> OpenAICompatEngine:
    cfg = settings.openai.model_copy(
        update={"base_url": server.url, "api_key": "secret", "backoff_s": 0.0, **changes}
    )
    return OpenAICompatEngine(settings.model_copy(update={"openai": cfg}), sleep=lambda s: None)


def page(number: int = 1, size: tuple[int, int] = (3000, 1500)) -> PageImage:
    return PageImage(Image.new("RGB", size, "white"), number, 300)


def test_request_has_the_model_card_shape(server: FakeServer, settings: Settings) -> None:
    output = engine_for(server, settings, max_tokens=1234).recognize(page())
    assert output.markdown == PAGE_MD and output.lines == [] and output.warnings == []
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer secret"
    body = request["body"]
    assert body["model"] == "nanonets/Nanonets-OCR-s"
    assert body["temperature"] == 0 and body["max_tokens"] == 1234
    assert "repetition_penalty" not in body
    [message] = body["messages"]
    image, text = message["content"]  # the image first, then the prompt
    assert text == {"type": "text", "text": NANONETS_PROMPT}
    url = image["image_url"]["url"]
    assert image["type"] == "image_url" and url.startswith("data:image/png;base64,")
    sent = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert sent.width * sent.height <= settings.openai.max_pixels
    assert sent.width % 28 == 0 and abs(sent.width / sent.height - 2.0) < 0.05  # aspect kept


def test_server_errors_are_retried_then_typed(server: FakeServer, settings: Settings) -> None:
    server.script = [("status", (503, {"Retry-After": "0"})), ("ok", PAGE_MD)]
    assert engine_for(server, settings).recognize(page()).markdown == PAGE_MD
    assert len(server.requests) == 2
    server.script = [("status", (500, {}))]
    with pytest.raises(EngineServerError, match="answered 500") as caught:
        engine_for(server, settings, retries=2).recognize(page())
    assert caught.value.code == "engine_server_error" and exit_code_for(caught.value.code) == 13
    assert len(server.requests) == 2 + 3


def test_client_errors_are_not_retried(server: FakeServer, settings: Settings) -> None:
    server.script = [("status", (400, {}))]
    with pytest.raises(EngineServerError, match="answered 400"):
        engine_for(server, settings).recognize(page())
    assert len(server.requests) == 1


def test_timeouts(server: FakeServer, settings: Settings) -> None:
    server.script = [("sleep", 1.0)]
    with pytest.raises(EngineTimeoutError, match=r"did not answer within 0\.2 s"):
        engine_for(server, settings, timeout_s=0.2, retries=1).recognize(page())
    assert len(server.requests) == 2


def test_malformed_answers(server: FakeServer, settings: Settings) -> None:
    server.script = [("raw", b"<html>bad gateway</html>")]
    with pytest.raises(EngineResponseError, match="not a chat completion"):
        engine_for(server, settings, retries=0).recognize(page())
    server.script = [("raw", b'{"choices": []}'), ("ok", PAGE_MD)]
    assert engine_for(server, settings).recognize(page()).markdown == PAGE_MD


def test_repetition_is_retried_with_a_penalty(server: FakeServer, settings: Settings) -> None:
    server.script = [("cut", LOOP_MD), ("ok", PAGE_MD)]
    output = engine_for(server, settings).recognize(page())
    assert output.markdown == PAGE_MD
    assert output.warnings[0].startswith("repetition:") and "retry" in output.timings
    assert server.requests[1]["body"]["repetition_penalty"] == settings.openai.repetition_penalty
    server.script = [("cut", LOOP_MD)]
    output = engine_for(server, settings).recognize(page())
    assert output.markdown == "Total 42.00" and "looped too" in output.warnings[0]


def test_truncation_is_reported(server: FakeServer, settings: Settings) -> None:
    server.script = [("cut", PAGE_MD)]
    output = engine_for(server, settings).recognize(page())
    assert output.warnings == ["truncated: the page used its whole max_new_tokens budget"]


def test_unreachable_server_stops_the_document(settings: Settings) -> None:
    fake = FakeServer(url="http://127.0.0.1:9/v1")
    with pytest.raises(EngineUnavailableError, match="cannot reach"):
        engine_for(fake, settings, retries=0).recognize(page())


def test_pages_in_flight_are_bounded(server: FakeServer, settings: Settings) -> None:
    server.script = [("sleep", 0.2)]
    engine = engine_for(server, settings, concurrency=3)
    tick = time.perf_counter()
    outputs = engine.recognize_many([page(n, (200, 200)) for n in range(1, 7)])
    elapsed = time.perf_counter() - tick
    assert [o.markdown for o in outputs] == [PAGE_MD] * 6  # type: ignore[union-attr]
    assert 0.35 < elapsed < 3.0  # two waves of three, not six at once nor one by one


def test_per_page_errors_leave_the_document_standing(
    server: FakeServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.pdfgen import image_pdf

    monkeypatch.setattr(registry, "_instances", {})
    pdf = image_pdf([Image.new("RGB", (200, 260), "white") for _ in range(3)])
    server.script = [("ok", PAGE_MD), ("status", (500, {})), ("ok", PAGE_MD)]
    cfg = settings.openai.model_copy(update={"base_url": server.url, "retries": 0})
    result = process(
        pdf, ProcessOptions(engine="openai"), settings.model_copy(update={"openai": cfg})
    )
    assert result.status is DocumentStatus.PARTIAL_SUCCESS
    statuses = [p.status for p in result.pages]
    assert statuses == [PageStatus.SUCCESS, PageStatus.FAILURE, PageStatus.SUCCESS]
    assert result.pages[1].error is not None
    assert result.pages[1].error.code == "engine_server_error"
    assert result.pages[0].blocks[1].table is not None


def test_vllm_command_pins_context_and_images() -> None:
    command = vllm_command("nanonets/Nanonets-OCR2-3B", revision="abc123", port=9000)
    assert command.startswith("vllm serve nanonets/Nanonets-OCR2-3B")
    assert "--max-model-len 32768" in command and "--revision abc123" in command
    assert """--limit-mm-per-prompt '{"image":1,"video":0}'""" in command
    assert "--port 9000" in command
