"""What the two Nanonets engines (local transformers, remote OpenAI-compatible) share.

Both send the same page image at the same size and the same prompt, and judge the answer with
the same loop check, so that switching between running a model in-process and behind vLLM
changes the speed, not the output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PIL import Image

from docsight.parsing.repetition import collapse_repetition

PATCH = 28  # Qwen2-VL family: 14-pixel patches merged 2x2 into one visual token


def fit_pixels(image: Image.Image, min_pixels: int, max_pixels: int) -> Image.Image:
    """The page scaled to between ``min_pixels`` and ``max_pixels``, aspect ratio kept.

    Sides are rounded to multiples of 28 so the model's own processor has nothing left to
    change; pages are never squared (squashing text into a square is a known accuracy loss).
    """
    width, height = image.size
    area = width * height
    scale = 1.0
    if area > max_pixels:
        scale = math.sqrt(max_pixels / area)
    elif area < min_pixels:
        scale = math.sqrt(min_pixels / area)
    new_w = max(PATCH, round(width * scale / PATCH) * PATCH)
    new_h = max(PATCH, round(height * scale / PATCH) * PATCH)
    # Rounding may push just over the bound; step the longer side down until it fits.
    while new_w * new_h > max_pixels and max(new_w, new_h) > PATCH:
        if new_w >= new_h:
            new_w -= PATCH
        else:
            new_h -= PATCH
    image = image.convert("RGB") if image.mode != "RGB" else image
    if (new_w, new_h) == (width, height):
        return image
    return image.resize((new_w, new_h), Image.Resampling.BICUBIC)


def chat_messages(prompt: str) -> list[dict[str, object]]:
    """The model cards' conversation: the image first, then the prompt."""
    return [
        {"role": "system", "content": "You are a helpful assistant."},
        {
            "role": "user",
            "content": [{"type": "image", "image": "page"}, {"type": "text", "text": prompt}],
        },
    ]


@dataclass
class Attempt:
    """One decoding of a page and what was wrong with it."""

    text: str
    looped: bool = False
    truncated: bool = False
    seconds: float = 0.0


@dataclass
class Outcome:
    markdown: str
    repetition: bool
    warnings: list[str] = field(default_factory=list)


def judge(raw: str, truncated: bool, seconds: float = 0.0) -> Attempt:
    """Loops are judged by the parser's own rule so the engine and the parser agree."""
    text, looped = collapse_repetition(raw.strip())
    return Attempt(text=text, looped=looped, truncated=truncated and not looped, seconds=seconds)


def settle(first: Attempt, retry: Attempt | None, penalty: float) -> Outcome:
    """The page's final text from the first decoding and, when it looped, the retry.

    A loop is cut to one copy in any case; the retry (with a repetition penalty) replaces the
    first answer only when it did not loop itself. Either way the page is flagged, since a
    page that looped once may have lost text where the loop began.
    """
    warnings: list[str] = []
    if not first.looped:
        if first.truncated:
            warnings.append("truncated: the page used its whole max_new_tokens budget")
        return Outcome(first.text, False, warnings)
    if retry is not None and not retry.looped:
        warnings.append(
            f"repetition: decoding loop cut; page re-read with repetition_penalty={penalty}"
        )
        if retry.truncated:
            warnings.append("truncated: the page used its whole max_new_tokens budget")
        return Outcome(retry.text, True, warnings)
    best = retry if retry is not None and len(retry.text) > len(first.text) else first
    warnings.append("repetition: decoding loop cut; the retry looped too, text may be missing")
    return Outcome(best.text, True, warnings)


__all__ = ["PATCH", "Attempt", "Outcome", "chat_messages", "fit_pixels", "judge", "settle"]
