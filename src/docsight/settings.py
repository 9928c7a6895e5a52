"""One settings class for the whole service.

Read from the environment with the ``DOCSIGHT_`` prefix and ``__`` between nested sections
(``DOCSIGHT_LIMITS__MAX_PAGES=50``). Nothing reads settings at import time: every consumer
takes a ``Settings`` argument so that tests and embedders pass their own.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TextLayerMode = Literal["auto", "always", "never"]


class LimitSettings(BaseModel):
    """Input limits, checked before any expensive decoding."""

    max_bytes: int = Field(200 * 1024 * 1024, gt=0, description="Largest accepted input file.")
    max_pages: int = Field(2000, gt=0, description="Most pages processed from one document.")
    max_pixels_per_page: int = Field(
        120_000_000,
        gt=0,
        description="Largest decoded image (width*height) accepted; guards against bombs.",
    )


class RenderSettings(BaseModel):
    """How PDF pages become images."""

    dpi: int = Field(200, ge=36, le=1200, description="Target resolution for rendered PDF pages.")
    max_render_pixels: int = Field(
        25_000_000,
        gt=0,
        description="Rendered pages are scaled down (aspect kept) to stay under this many pixels.",
    )


class TextLayerSettings(BaseModel):
    """When a PDF's own text replaces OCR."""

    mode: TextLayerMode = "auto"
    min_chars: int = Field(
        20, ge=0, description="A page with fewer extractable characters is treated as scanned."
    )
    max_bad_ratio: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of replacement/private-use/control characters that marks a layer bad.",
    )


OnnxRuntimeName = Literal["auto", "openvino", "onnxruntime"]
OnnxPrecision = Literal["auto", "f32", "bf16", "int8"]
# The recogniser's classes the CPU engine keeps (``engines._charset``).
RecCharset = Literal["latin", "all"]
# The word lists inside the pyspellchecker wheel.
LexiconLanguage = Literal["en", "de", "fr", "es", "it", "pt", "nl", "ru", "ar", "eu", "lv", "fa"]


class EngineSettings(BaseModel):
    """Engine choice and tuning shared by the CPU engines."""

    default: str = "rapidocr"
    threads: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        ge=1,
        description="Threads an engine may use for one page.",
    )
    use_layout: bool = Field(True, description="Run the layout model (tables, headings, figures).")
    checkboxes: bool = Field(True, description="Find checkbox frames and write them as ☐ / ☑.")
    auto_rotate: bool = Field(
        True,
        description="Turn pages that lie sideways or upside down and straighten slanted ones "
        "before reading them (the CPU engine; results give the page's rotation and deskew).",
    )
    runtime: OnnxRuntimeName = Field(
        "auto",
        description="Runs the CPU engine's ONNX models: openvino (auto, when installed) or "
        "onnxruntime.",
    )
    precision: OnnxPrecision = Field(
        "auto",
        description="OpenVINO precision: auto (the int8 models on x86 CPUs with AVX2 or int8 "
        "dot products and no AMX, else bf16 where the CPU computes it natively, else f32), f32, "
        "bf16 or int8.",
    )
    charset: RecCharset = Field(
        "latin",
        description="Characters the CPU engine's recogniser may read: latin (Latin and Greek "
        "letters, digits, punctuation and symbols: 1,750 of its 18,709) or all (also CJK, "
        "kana, Hangul and fullwidth forms, for East Asian pages; recognition ~20% slower).",
    )
    lexicon: LexiconLanguage | None = Field(
        "en",
        description="Word list the CPU engine mends doubtful letters against (a look-alike "
        "letter that makes a known word); null turns it off.",
    )
    tesseract_lang: str = "eng"
    tessdata_path: str | None = Field(
        None, description="Folder holding *.traineddata; found automatically when unset."
    )

    @field_validator("lexicon", mode="before")
    @classmethod
    def _lexicon_off(cls, value: object) -> object:
        """``off``, ``none``, ``null`` or empty: no word list.

        An environment variable cannot carry ``None`` itself.
        """
        if isinstance(value, str) and value.strip().lower() in ("", "off", "none", "null"):
            return None
        return value


QueueBackend = Literal["inline", "celery"]


class ServerSettings(BaseModel):
    """The HTTP service and its job machinery (``DOCSIGHT_SERVER__*``)."""

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, description="uvicorn worker processes.")
    database_url: str = Field(
        "sqlite:///docsight-data/docsight.db",
        description="Job store: a SQLite file by default, postgresql+psycopg://… for replicas.",
    )
    blob_dir: str = Field(
        "docsight-data/blobs",
        description="Inputs and results: a directory (shared volume) or s3://bucket/prefix.",
    )
    s3_endpoint_url: str | None = Field(
        None, description="S3-compatible endpoint (MinIO, Ceph); AWS when unset."
    )
    queue: QueueBackend = Field("inline", description="inline threads, or celery on Redis.")
    inline_workers: int = Field(1, ge=1, description="Worker threads of the inline queue.")
    redis_url: str | None = Field(None, description="Celery broker and shared cache when set.")
    celery_visibility_timeout: int = Field(
        300, ge=1, description="Seconds before Redis redelivers a task a lost worker held."
    )
    max_retries: int = Field(3, ge=0, description="Attempts after a crash before dead letter.")
    reconcile_after: float = Field(
        60.0, gt=0, description="Re-send queued ids the broker has not delivered in this long."
    )
    housekeeping_every: float = Field(
        30.0, gt=0, description="Seconds between expiry clean-ups and queue reconciliation."
    )
    lease_seconds: int = Field(30, ge=2, description="A running job unheard of this long is lost.")
    max_queued: dict[str, int] = Field(
        default_factory=lambda: {"high": 100, "normal": 1000, "low": 5000},
        description="Queue-depth limit per priority; beyond it submissions get 429.",
    )
    max_upload_bytes: int = Field(200 * 1024 * 1024, gt=0, description="Largest upload accepted.")
    sync_timeout: float = Field(
        30.0, ge=0, description="Seconds POST /v1/ocr waits before answering 202 instead."
    )
    max_wait: float = Field(60.0, ge=0, description="Longest ?wait= long-poll honoured.")
    result_ttl: int = Field(7 * 86400, ge=60, description="Seconds results are kept.")
    cache_ttl: int = Field(86400, ge=0, description="Seconds a cached result is reused; 0 = off.")
    hot_results_bytes: int = Field(
        64 * 1024 * 1024,
        ge=0,
        description="Memory per API process for finished results served without I/O; 0 = off.",
    )
    webhook_allow_private: bool = Field(
        False, description="Allow webhooks to private/loopback/link-local addresses (SSRF risk)."
    )
    webhook_secret: str = Field(
        "change-me", repr=False, description="HMAC-SHA256 key that signs webhook bodies."
    )
    webhook_retries: int = Field(5, ge=0)
    webhook_backoff: float = Field(1.0, ge=0, description="First retry delay; doubles each time.")
    fetch_allow_private: bool = Field(
        False, description="Allow submissions by URL from private addresses (SSRF risk)."
    )
    tenant: str = Field("default", description="Tenant of every job until authentication lands.")


QuantizationMode = Literal["auto", "none", "8bit", "4bit"]
DtypeName = Literal["auto", "bfloat16", "float16", "float32"]
DeviceName = Literal["auto", "cuda", "mps", "cpu"]

NANONETS_PROMPT = (
    "Extract the text from the above document as if you were reading it naturally. Return the "
    "tables in html format. Return the equations in LaTeX representation. If there is an image "
    "in the document and image caption is not present, add a small description of the image "
    "inside the <img></img> tag; otherwise, add the image caption inside <img></img>. Watermarks "
    "should be wrapped in brackets. Ex: <watermark>OFFICIAL COPY</watermark>. Page numbers "
    "should be wrapped in brackets. Ex: <page_number>14</page_number> or "
    "<page_number>9/22</page_number>. Prefer using ☐ and ☑ for check boxes."
)


class VlmSettings(BaseModel):
    """The transformers VLM engine (Nanonets-OCR); every automatic choice can be overridden."""

    model: str = Field(
        "nanonets/Nanonets-OCR-s", description="Hub id or local folder of the checkpoint."
    )
    revision: str | None = Field(None, description="Hub revision (commit) to pin.")
    model_dir: str | None = Field(
        default_factory=lambda: os.environ.get("DOCSIGHT_MODEL_DIR") or None,
        description="Folder holding downloaded models (also the hub cache); DOCSIGHT_MODEL_DIR.",
    )
    offline: bool = Field(
        default_factory=lambda: os.environ.get("HF_HUB_OFFLINE", "") in ("1", "true", "True"),
        description="Never contact the hub; also honours HF_HUB_OFFLINE.",
    )
    prompt: str = NANONETS_PROMPT
    device: DeviceName = "auto"
    dtype: DtypeName = "auto"
    quantization: QuantizationMode = "auto"
    attn_implementation: str | None = Field(
        None, description="Override: flash_attention_2, sdpa or eager; by what is installed."
    )
    max_new_tokens: int = Field(15000, ge=1, description="Token budget of one page (cards: 15000).")
    min_pixels: int = Field(256 * 28 * 28, gt=0, description="Small pages are scaled up to this.")
    max_pixels: int = Field(
        4096 * 28 * 28, gt=0, description="Large pages are scaled down (aspect kept) to this."
    )
    batch_size: int | None = Field(
        None, ge=1, description="Pages per generate call; auto if unset."
    )
    max_batch_size: int = Field(8, ge=1, description="Upper bound of the automatic batch size.")
    repetition_penalty: float = Field(
        1.05, ge=1.0, description="Used only for the one retry of a page that looped."
    )
    memory_budget_gb: float | None = Field(
        None, gt=0, description="Models kept loaded at once; free device memory if unset."
    )
    idle_timeout_s: float = Field(
        900, ge=0, description="Unload a model unused this long; 0 keeps it loaded."
    )
    warmup: bool = Field(True, description="Run one tiny generation after loading.")


class OpenAISettings(BaseModel):
    """An OpenAI-compatible server (vLLM) serving a Nanonets model."""

    base_url: str = "http://localhost:8000/v1"
    api_key: str = Field("EMPTY", repr=False)
    model: str = Field("nanonets/Nanonets-OCR-s", description="The server's served model name.")
    prompt: str = NANONETS_PROMPT
    max_tokens: int = Field(15000, ge=1)
    concurrency: int = Field(8, ge=1, description="Pages in flight at once.")
    timeout_s: float = Field(600, gt=0, description="Per request.")
    retries: int = Field(2, ge=0, description="Extra tries after a timeout, 429 or 5xx.")
    backoff_s: float = Field(1.0, ge=0, description="First retry delay; doubles each time.")
    repetition_penalty: float = Field(1.05, ge=1.0, description="Sent only when retrying a loop.")
    min_pixels: int = Field(256 * 28 * 28, gt=0)
    max_pixels: int = Field(4096 * 28 * 28, gt=0)


class ModelSpec(BaseModel):
    """One entry of the model registry: a name users pick per call."""

    engine: str = Field(..., description="Engine that runs it (nanonets, openai, rapidocr, ...).")
    model: str | None = Field(None, description="Hub id, local folder or served model name.")
    base_url: str | None = Field(None, description="Server URL for the openai engine.")
    revision: str | None = None
    prompt: str | None = None
    max_new_tokens: int | None = Field(None, ge=1)
    max_pixels: int | None = Field(None, gt=0)
    description: str = ""


def _default_models() -> dict[str, ModelSpec]:
    return {
        "nanonets-ocr-s": ModelSpec(
            engine="nanonets",
            model="nanonets/Nanonets-OCR-s",
            description="Nanonets-OCR-s (Qwen2.5-VL-3B) through transformers",
        ),
        "nanonets-ocr2-3b": ModelSpec(
            engine="nanonets",
            model="nanonets/Nanonets-OCR2-3B",
            description="Nanonets-OCR2-3B (Qwen2.5-VL-3B) through transformers",
        ),
        "vllm": ModelSpec(
            engine="openai",
            model="nanonets/Nanonets-OCR-s",
            description="Nanonets-OCR-s served by vLLM (see docsight vllm-command)",
        ),
    }


class Settings(BaseSettings):
    """All configuration of docsight; nested sections map to ``DOCSIGHT_<SECTION>__<KEY>``."""

    model_config = SettingsConfigDict(
        env_prefix="DOCSIGHT_", env_nested_delimiter="__", extra="ignore"
    )

    limits: LimitSettings = LimitSettings()
    render: RenderSettings = RenderSettings()
    text_layer: TextLayerSettings = TextLayerSettings()
    engine: EngineSettings = EngineSettings()
    vlm: VlmSettings = Field(default_factory=VlmSettings)  # reads env only when built
    openai: OpenAISettings = OpenAISettings()
    models: dict[str, ModelSpec] = Field(default_factory=_default_models)
    server: ServerSettings = ServerSettings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, built once per process for the interfaces."""
    return Settings()
