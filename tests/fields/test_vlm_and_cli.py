from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from docsight.cli_fields import register
from docsight.fields import get_template
from docsight.fields.confidence import calibrate, fit
from docsight.fields.vlm import build_prompt, can_prompt, extract_with, parse_answer


@dataclass(frozen=True)
class _Caps:
    prompting: bool = True


class FakeVLM:
    capabilities: ClassVar[_Caps] = _Caps()

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.prompts: list[str] = []

    def ask(self, image: Image.Image, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.answer


def test_vlm_answer_goes_through_normalisers() -> None:
    answer = (
        'Sure!\n```json\n{"invoice_number": "INV-7", "invoice_date": "Dec 25, 2018", '
        '"total": "1.234,56", "iban": "DE89370400440532013001", "due_date": null}\n```'
    )
    engine = FakeVLM(answer)
    specs = get_template("invoice").specs()
    values = {v.name: v for v in extract_with(engine, [Image.new("RGB", (8, 8))], specs)}
    assert values["invoice_date"].value == "2018-12-25"
    assert values["total"].value == 1234.56
    assert not values["iban"].valid and values["iban"].box is None
    assert "due_date" not in values
    assert '"invoice_number"' in engine.prompts[0]


def test_vlm_capability_guard() -> None:
    class Plain:
        pass

    assert not can_prompt(Plain())
    with pytest.raises(TypeError):
        extract_with(Plain(), [], [])


def test_parse_answer_tolerates_garbage() -> None:
    assert parse_answer("no json") == {}
    assert parse_answer("{broken") == {}
    assert parse_answer("[1, 2]") == {}
    assert "JSON" in build_prompt(get_template("receipt").specs())


def test_calibration_map_is_monotone() -> None:
    table = fit(
        [(0.2, False), (0.3, False), (0.5, True), (0.6, False), (0.9, True), (0.95, True)], bins=3
    )
    ys = [y for _, y in table]
    assert ys == sorted(ys)
    assert 0 <= calibrate(0.5, table) <= 1
    assert calibrate(1.5) <= 1 and calibrate(-1) >= 0


def test_templates_cli() -> None:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    register(app)
    runner = CliRunner()
    listed = runner.invoke(app, ["templates", "list"])
    assert listed.exit_code == 0 and "invoice" in listed.output and "catalog" in listed.output
    shown = runner.invoke(app, ["templates", "show", "receipt"])
    assert shown.exit_code == 0 and "total" in shown.output
    missing = runner.invoke(app, ["templates", "show", "nope"])
    assert missing.exit_code == 20
