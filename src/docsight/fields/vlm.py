"""The VLM path: ask a vision-language engine for the fields as JSON (docext-style).

Engines opt in through a capability flag, ``capabilities.prompting``, and one method,
``ask(image, prompt) -> str``, run with the same lifecycle and threading rules as
``recognize`` (engines/base.py). Nothing here imports a model: the engines module implements
``PromptableEngine`` and this module only builds the prompt, reads the answer and sends every
value through the catalog's normalisers and validators, so VLM and OCR values mean the same.
VLMs give no geometry or token confidence, so values carry no box and a fixed prior
confidence, lowered when a value fails validation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from PIL import Image

from docsight.fields.confidence import calibrate
from docsight.fields.templates import FieldSpec
from docsight.fields.types import TYPES, normalise
from docsight.models import FieldValue

VLM_PRIOR = 0.7  # share of VLM answers right on the dev data is not measured yet


@runtime_checkable
class PromptableEngine(Protocol):
    capabilities: ClassVar[Any]

    def ask(self, image: Image.Image, prompt: str) -> str: ...


def can_prompt(engine: object) -> bool:
    """True when the engine declares ``capabilities.prompting`` and has ``ask``."""
    capabilities = getattr(engine, "capabilities", None)
    return bool(getattr(capabilities, "prompting", False)) and callable(
        getattr(engine, "ask", None)
    )


def build_prompt(specs: Sequence[FieldSpec]) -> str:
    lines = []
    for spec in specs:
        kind = TYPES[spec.type].json_type
        hint = {"date": " (YYYY-MM-DD)", "amount": " (number)", "currency": " (ISO 4217)"}.get(
            spec.type, ""
        )
        lines.append(f'  "{spec.name}": {kind}{hint} - {spec.description or spec.name}')
    return (
        "Extract the following fields from the document image. Answer with one JSON object "
        "and nothing else, using exactly these keys; use null for a field that is not on the "
        "document; copy values as printed.\n{\n" + "\n".join(lines) + "\n}"
    )


def parse_answer(text: str) -> dict[str, Any]:
    """The JSON object in a model answer, tolerating code fences and chatter around it."""
    body = re.sub(r"```(?:json)?", "", text)
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        return {}
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def values_from_answer(
    answer: dict[str, Any], specs: Sequence[FieldSpec], page: int
) -> list[FieldValue]:
    values = []
    for spec in specs:
        raw = answer.get(spec.name)
        if raw is None or raw == "" or raw == []:
            continue
        text = raw if isinstance(raw, str | list | dict) else str(raw)
        try:
            value, error = normalise(spec.type, text)
        except (ValueError, TypeError):
            value, error = raw, f"not a {spec.type}"
        score = VLM_PRIOR * (0.3 if error else 1.0)
        values.append(
            FieldValue(
                name=spec.name,
                type=spec.type,
                value=value,
                raw=text if isinstance(text, str) else json.dumps(text),
                confidence=calibrate(score, valid=error is None),
                page=page,
                valid=error is None,
                error=error,
                source="vlm",
            )
        )
    return values


def extract_with(
    engine: object, images: Sequence[Image.Image], specs: Sequence[FieldSpec]
) -> list[FieldValue]:
    """Ask the engine page by page; the first page that answers a field wins."""
    if not can_prompt(engine):
        raise TypeError("engine cannot answer prompts (capabilities.prompting is not set)")
    prompt = build_prompt(specs)
    found: dict[str, FieldValue] = {}
    for number, image in enumerate(images, start=1):
        answer = parse_answer(engine.ask(image, prompt))  # type: ignore[attr-defined]
        for value in values_from_answer(answer, specs, number):
            found.setdefault(value.name, value)
        if len(found) == len(specs):
            break
    return list(found.values())
