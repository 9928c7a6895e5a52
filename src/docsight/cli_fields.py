"""``docsight templates list|show``: the field templates and catalog, for people choosing one.

Registered on the main app by ``register(app)``; extraction itself is
``docsight.fields.extract_requested``, which ``docsight ocr --template/--fields`` calls.
"""

from __future__ import annotations

from typing import Annotated

import typer

from docsight.errors import DocsightError
from docsight.fields import builtin_templates, get_template, load_catalog


def register(app: typer.Typer) -> None:
    templates = typer.Typer(help="Document templates and the field catalog.", no_args_is_help=True)

    @templates.command("list")
    def list_templates() -> None:
        """List the built-in templates (use one with `docsight ocr --template NAME`)."""
        for template in builtin_templates().values():
            typer.echo(f"{template.name:<16} {len(template.fields):>3} fields  {template.title}")
        typer.echo(f"{'catalog':<16} {len(load_catalog()):>3} fields  every predefined field")

    @templates.command("show")
    def show(name: Annotated[str, typer.Argument(help="Template name, or `catalog`.")]) -> None:
        """Show a template's fields (name, type, description)."""
        try:
            specs = (
                list(load_catalog().values()) if name == "catalog" else get_template(name).specs()
            )
        except DocsightError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(exc.exit_code) from exc
        for spec in specs:
            typer.echo(f"{spec.name:<22} {spec.type:<11} {spec.description}")

    app.add_typer(templates, name="templates")
