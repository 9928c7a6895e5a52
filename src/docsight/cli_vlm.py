"""CLI commands for the VLM side: ``hardware``, ``vllm-command``, ``models`` and ``compare``.

Kept apart from ``cli.py`` so the OCR commands stay readable; ``register`` adds these to the
one Typer app. Each command only gathers options, calls the core and prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from docsight.settings import Settings, get_settings


def register(app: typer.Typer) -> None:
    app.command()(hardware)
    app.command("vllm-command")(vllm_command)
    app.command()(models)
    app.command()(compare)


def hardware(
    model: Annotated[
        str | None, typer.Option(help="Registry name or hub id to plan for (default: vlm.model).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the GPUs, CPU and memory found here, and how a VLM would be run on them."""
    from docsight.cli import _errors
    from docsight.hardware import GB, detect, footprint, plan

    with _errors(as_json):
        settings = _model_settings(get_settings(), model)
        found = detect()
        chosen = plan(found, footprint(settings.vlm.model), settings.vlm)
        if as_json:
            body = {"hardware": found.__dict__ | {"gpus": [g.__dict__ for g in found.gpus]}}
            typer.echo(json.dumps(body | {"model": settings.vlm.model, "plan": chosen.to_dict()}))
            return
        typer.echo(f"torch: {found.torch_version or 'not installed (pip install docsight[vlm])'}")
        for gpu in found.gpus:
            typer.echo(
                f"cuda:{gpu.index}: {gpu.name}, compute {gpu.capability[0]}.{gpu.capability[1]}, "
                f"{gpu.free_bytes / GB:.1f}/{gpu.total_bytes / GB:.1f} GB free, "
                f"bf16 {'yes' if gpu.bf16 else 'no'}"
            )
        if not found.gpus:
            typer.echo("cuda: none")
        typer.echo(f"mps: {'yes' if found.mps else 'no'}")
        typer.echo(
            f"cpu: {found.cpu_cores} cores, {found.ram_available_bytes / GB:.1f}/"
            f"{found.ram_total_bytes / GB:.1f} GB RAM available"
        )
        typer.echo(f"bitsandbytes: {found.bitsandbytes_version or 'not installed'}")
        typer.echo(f"flash-attn: {'yes' if found.flash_attention else 'no'}")
        typer.echo(f"\nplan for {settings.vlm.model}:")
        typer.echo(
            f"  device={chosen.device} dtype={chosen.dtype} quantization={chosen.quantization} "
            f"batch={chosen.batch_size} attention={chosen.attn_implementation}"
        )
        typer.echo(
            f"  weights {chosen.weights_bytes / GB:.1f} GB + {chosen.per_page_bytes / GB:.2f} GB "
            f"per page in a batch; {chosen.budget_bytes / GB:.1f} GB usable; "
            f"{'fits' if chosen.fits else 'does NOT fit'}"
        )
        for note in chosen.notes:
            typer.echo(f"  note: {note}")
        typer.echo("  override with DOCSIGHT_VLM__DEVICE, __DTYPE, __QUANTIZATION, __BATCH_SIZE")


def vllm_command(
    model: Annotated[str, typer.Argument(help="Registry name (e.g. nanonets-ocr-s) or hub id.")],
    port: Annotated[int, typer.Option(help="Port the server listens on.")] = 8000,
) -> None:
    """Print the vLLM serve command we recommend, and how to point docsight at it."""
    from docsight.engines.openai_compat import VLLM_VERSION
    from docsight.engines.openai_compat import vllm_command as build

    settings = get_settings()
    spec = settings.models.get(model)
    hub_id = spec.model if spec is not None and spec.model else model
    revision = spec.revision if spec is not None else None
    typer.echo(f"pip install 'vllm=={VLLM_VERSION}'")
    typer.echo(
        build(
            hub_id,
            revision=revision,
            port=port,
            min_pixels=settings.openai.min_pixels,
            max_pixels=settings.openai.max_pixels,
        )
    )
    typer.echo(
        f"\n# then:\nexport DOCSIGHT_OPENAI__BASE_URL=http://HOST:{port}/v1\n"
        f"export DOCSIGHT_OPENAI__MODEL={hub_id}\ndocsight ocr scan.pdf --engine openai"
    )


def models(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the model registry (settings.models): names to pass to compare or select_model."""
    rows = [
        {"name": name, **spec.model_dump(exclude_none=True)}
        for name, spec in get_settings().models.items()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['name']}\tengine={row['engine']}\t{row.get('model', '')}")


def compare(
    file: Annotated[Path, typer.Argument(help="Document to read with every engine.")],
    engines: Annotated[str, typer.Option(help="Comma-separated engine or model names.")],
    output_dir: Annotated[
        Path | None, typer.Option("-o", "--output-dir", help="Write HTML and JSON here.")
    ] = None,
    pages: Annotated[str | None, typer.Option(help="Pages to compare, e.g. 1-3.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON to stdout.")] = False,
) -> None:
    """Run one document through several engines and show where they agree."""
    from docsight.cli import _errors
    from docsight.compare import compare as run_compare
    from docsight.compare_html import render_html
    from docsight.errors import DocumentNotFoundError

    with _errors(as_json):
        if not file.is_file():
            raise DocumentNotFoundError(f"{file}: no such file")
        names = [name.strip() for name in engines.split(",") if name.strip()]
        result = run_compare(file, names, get_settings(), pages=pages, name=file.name)
        if output_dir is not None:
            output_dir.mkdir(parents=True, exist_ok=True)
            html_path = output_dir / f"{file.stem}.compare.html"
            json_path = output_dir / f"{file.stem}.compare.json"
            html_path.write_text(render_html(result), encoding="utf-8")
            json_path.write_text(result.model_dump_json(indent=2), encoding="utf-8")
            typer.echo(f"wrote {html_path} and {json_path}", err=True)
        if as_json:
            typer.echo(result.model_dump_json(indent=2))
            return
        for s in result.summary:
            typer.echo(
                f"{s.engine}: {s.pages_ok} page(s) ok, {s.pages_failed} failed, "
                f"{s.seconds_per_page:.2f} s/page"
            )
        for page in result.pages:
            for p in page.pairs:
                typer.echo(
                    f"page {page.number}: {p.a} vs {p.b}: CER {p.cer:.1%}, agreement "
                    f"{p.agreement:.1%}, tables {p.tables.a_tables}/{p.tables.b_tables}, "
                    f"values only in {p.a}: {len(p.values.only_a)}, "
                    f"only in {p.b}: {len(p.values.only_b)}"
                )


def _model_settings(settings: Settings, model: str | None) -> Settings:
    """Settings whose ``vlm.model`` is ``model`` (a registry name or a hub id / folder)."""
    if model is None:
        return settings
    spec = settings.models.get(model)
    hub_id = spec.model if spec is not None and spec.model else model
    return settings.model_copy(update={"vlm": settings.vlm.model_copy(update={"model": hub_id})})


__all__ = ["register"]
