"""``extract(result, template_or_fields)``: typed field values from a processed document.

Every field is found the same way: its strategy proposes scored candidates (labels beside or
below, a regex, the letterhead, tables, contract phrasing), the best valid one wins, and its
score becomes a calibrated confidence. Values that parse but fail validation are still
returned, marked ``valid=False``, so a user sees the misread instead of a silent gap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from docsight.fields import _contract, _strategies
from docsight.fields._candidates import (
    Candidate,
    label_candidates,
    make,
    regex_candidates,
    scan_candidates,
)
from docsight.fields._layout import DocumentView, document_view
from docsight.fields._lineitems import items_from_table
from docsight.fields.classify import classify
from docsight.fields.confidence import calibrate
from docsight.fields.templates import FieldSpec, Template, get_template
from docsight.models import BlockType, FieldValue, Result

Finder = Callable[[DocumentView, FieldSpec], Iterator[Candidate]]
TemplateOrFields = str | Template | Sequence[str | FieldSpec] | dict[str, Any] | None


def _line_items(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    items: list[dict[str, Any]] = []
    first_page = None
    for page in view.result.pages:
        for block in page.blocks:
            if block.type is BlockType.TABLE and block.table is not None:
                found = items_from_table(block.table)
                if found and first_page is None:
                    first_page = page.number
                items.extend(found)
    if items:
        candidate = make(spec, items, 0.7, None, 0, 0, "table")
        if candidate is not None:
            candidate.page = first_page
            yield candidate


def _mrz(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    candidate = make(spec, view.text, 0.95, None, 0, 0, "mrz")
    if candidate is not None:
        yield candidate


def _signature(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    for page in view.result.pages:
        for block in page.blocks:
            if block.type is BlockType.SIGNATURE:
                candidate = make(spec, "yes", 0.8, None, 0, 0, "signature_block")
                if candidate is not None:
                    candidate.page, candidate.box = page.number, block.box
                    yield candidate
                    return


def _checkboxes(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    boxes = [
        {"label": b.checkbox.label, "state": b.checkbox.state, "page": page.number}
        for page in view.result.pages
        for b in page.blocks
        if b.type is BlockType.CHECKBOX and b.checkbox is not None
    ]
    if boxes:
        candidate = make(spec, boxes, 0.8, None, 0, 0, "checkbox_marks")
        if candidate is not None:
            yield candidate


FINDERS: dict[str, Finder] = {
    "label": label_candidates,
    "regex": regex_candidates,
    "date": _strategies.date_candidates,
    "total": _strategies.total_candidates,
    "currency": _strategies.currency_candidates,
    "vendor_name": _strategies.vendor_name_candidates,
    "vendor_address": _strategies.vendor_address_candidates,
    "line_items": _line_items,
    "mrz": _mrz,
    "signature": _signature,
    "checkboxes": _checkboxes,
    "parties": _contract.parties_candidates,
    "effective_date": _contract.effective_date_candidates,
    "term": _contract.term_candidates,
    "jurisdiction": _contract.jurisdiction_candidates,
}


def resolve_specs(
    template_or_fields: TemplateOrFields, result: Result | None = None
) -> list[FieldSpec]:
    """Specs from a template name/object, a list of names/specs, or a JSON Schema.

    ``None`` classifies the document and uses the matching built-in template.
    """
    from docsight.fields.templates import template_from_data

    if template_or_fields is None:
        name = classify(result).name if result is not None else "invoice"
        return get_template(name).specs()
    if isinstance(template_or_fields, str):
        return get_template(template_or_fields).specs()
    if isinstance(template_or_fields, Template):
        return template_or_fields.specs()
    if isinstance(template_or_fields, dict):
        return template_from_data(template_or_fields).specs()
    return Template(name="custom", fields=list(template_or_fields)).specs()


def best(candidates: list[Candidate]) -> Candidate | None:
    """The highest-scoring candidate, later rows winning ties (totals follow subtotals)."""
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c.error is None, round(c.score, 3), c.order))


def extract_field(view: DocumentView, spec: FieldSpec) -> FieldValue | None:
    finder = FINDERS.get(spec.strategy, label_candidates)
    candidates = list(finder(view, spec))
    if spec.strategy != "regex":
        candidates.extend(regex_candidates(view, spec))
    if not any(c.error is None for c in candidates):
        candidates.extend(scan_candidates(view, spec))
    chosen = best(candidates)
    if chosen is None:
        return None
    rivals = {repr(c.value) for c in candidates if c.error is None} - {repr(chosen.value)}
    score = chosen.score * (0.9 if rivals else 1.0)
    return FieldValue(
        name=spec.name,
        type=spec.type,
        value=chosen.value,
        raw=chosen.raw if isinstance(chosen.raw, str) else None,
        confidence=calibrate(score, valid=chosen.error is None),
        page=chosen.page,
        box=chosen.box,
        valid=chosen.error is None,
        error=chosen.error,
        source=chosen.source,
    )


def extract(
    result: Result, template_or_fields: TemplateOrFields = None, *, store: bool = True
) -> list[FieldValue]:
    """Field values found in ``result``; also stored on ``result.fields`` unless ``store=False``.

    ``template_or_fields`` is a built-in template name (``"invoice"``), a ``Template``, a list
    of catalog names and/or ``FieldSpec`` objects, a JSON Schema dict, or ``None`` to classify
    the document and use its template. Fields not found are left out.
    """
    specs = resolve_specs(template_or_fields, result)
    view = document_view(result)
    values = [v for v in (extract_field(view, spec) for spec in specs) if v is not None]
    if store:
        result.fields = values
    return values
