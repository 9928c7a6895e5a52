"""The engine contract: one page image in, Nanonets-style markdown (and geometry) out.

Lifecycle and threading rules every engine follows:

- An engine is constructed once per process with ``Settings`` and kept (model sessions are
  expensive to create); construction may load models and raise ``EngineUnavailableError``.
- ``recognize`` takes one ``PageImage`` and must be safe to call from several threads at once:
  the registry hands every caller the same instance, so a library user's thread pool or the
  server's inline workers do call it concurrently. An engine serialises what cannot run
  concurrently itself (a model session's infer request, Tesseract's API) rather than failing
  the page.
- ``recognize`` raises ``EngineFailedError`` for a page it cannot read; the pipeline records
  that on the page and goes on with the next one.
- ``availability()`` is a classmethod that checks imports and files without loading models, so
  ``docsight engines`` stays fast.
- Output markdown follows the Nanonets-OCR conventions (DESIGN.md §2) so one parser serves all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np
from PIL import Image

from docsight.models import EngineOutput
from docsight.settings import Settings


@dataclass(frozen=True)
class Capabilities:
    """What an engine can give beyond markdown, so callers can branch without try/except."""

    boxes: bool = False
    confidence: bool = False
    layout: bool = False
    tables: bool = False
    gpu: bool = False
    prompting: bool = False  # has ``ask(image, prompt) -> str`` (the VLM fields path)


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: str = ""


@dataclass
class PageImage:
    """A page ready for recognition: an RGB image and the resolution it was made at.

    ``dpi`` is the render resolution for PDF pages and the file's own metadata for images; it
    is 0 when the file does not say (phone photos, screenshots), in which case an engine that
    needs it should estimate it from the text height rather than assume a fixed value.
    """

    image: Image.Image
    number: int
    dpi: float


# PIL's transposes for a clockwise turn (its ROTATE_* constants turn counter-clockwise).
_CLOCKWISE_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def straighten(image: Image.Image, degrees: float) -> Image.Image:
    """``image`` turned ``degrees`` clockwise on a canvas grown to hold it all.

    The corners it uncovers take the colour of the image's border (the paper, or the table a
    phone photo lies on), so no new edge appears for the detector to read.
    """
    if not degrees:
        return image
    image = image.convert("RGB")
    pixels = np.asarray(image)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    fill = tuple(int(v) for v in np.median(border, axis=0))
    return image.rotate(-degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def upright(image: Image.Image, rotation: int, deskew: float) -> Image.Image:
    """The page image as an engine that turned it (``EngineOutput.rotation``, ``.deskew``) read it.

    Boxes in a result are in this image's pixels, so an export that draws the page (the
    searchable PDF) draws this one.
    """
    if rotation:
        image = image.transpose(_CLOCKWISE_TRANSPOSE[rotation])
    return straighten(image, deskew)


@runtime_checkable
class Engine(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def __init__(self, settings: Settings) -> None: ...

    @classmethod
    def availability(cls) -> Availability: ...

    def recognize(self, page: PageImage) -> EngineOutput: ...

    @property
    def model(self) -> str | None: ...


def check_modules(*modules: str, extra: str | None = None) -> Availability:
    """Availability from importable modules; the reason names the extra to install."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return Availability(True)
    hint = f"; install with: pip install 'docsight[{extra}]'" if extra else ""
    return Availability(False, f"missing Python module(s) {', '.join(missing)}{hint}")


__all__ = [
    "Availability",
    "Capabilities",
    "Engine",
    "PageImage",
    "check_modules",
    "straighten",
    "upright",
]
