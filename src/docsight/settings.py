"""One settings class for the whole service.

Read from the environment with the ``DOCSIGHT_`` prefix and ``__`` between nested sections
(``DOCSIGHT_LIMITS__MAX_PAGES=50``). Nothing reads settings at import time: every consumer
takes a ``Settings`` argument so that tests and embedders pass their own.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field
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


class EngineSettings(BaseModel):
    """Engine choice and tuning shared by the CPU engines."""

    default: str = "rapidocr"
    threads: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        ge=1,
        description="Threads an engine may use for one page.",
    )
    use_layout: bool = Field(True, description="Run the layout model (tables, headings, figures).")
    tesseract_lang: str = "eng"
    tessdata_path: str | None = Field(
        None, description="Folder holding *.traineddata; found automatically when unset."
    )


class Settings(BaseSettings):
    """All configuration of docsight; nested sections map to ``DOCSIGHT_<SECTION>__<KEY>``."""

    model_config = SettingsConfigDict(
        env_prefix="DOCSIGHT_", env_nested_delimiter="__", extra="ignore"
    )

    limits: LimitSettings = LimitSettings()
    render: RenderSettings = RenderSettings()
    text_layer: TextLayerSettings = TextLayerSettings()
    engine: EngineSettings = EngineSettings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, built once per process for the interfaces."""
    return Settings()
