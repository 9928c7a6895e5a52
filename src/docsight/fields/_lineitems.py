"""Line items from the document's tables: a header row names the columns, rows become items.

Column roles come from header words in several languages; rows without a description or any
amount (section headers, totals, blank separators) are not items.
"""

from __future__ import annotations

import re
from typing import Any

from docsight.fields._money import NUMBER, parse_number
from docsight.models import Table

ROLES = {
    "description": r"desc|item|article|product|service|designation|désignation|bezeichnung|"
    r"artikel|leistung|descripción|concepto|descrizione|omschrijving|name|particulars|details",
    "quantity": r"qty|quantity|qté|quantité|menge|anzahl|cantidad|quantità|aantal|ilość",
    "unit_price": r"unit|price|rate|prix|preis|precio|prezzo|prijs|cena|u\.?p",
    "amount": r"amount|total|montant|betrag|importe|importo|bedrag|wartość|line total|net|sum",
    "tax_rate": r"tax|vat|tva|mwst|iva|gst|btw",
    "code": r"code|sku|ref|article no|art\.? ?nr|part",
}


def _roles(header: list[str]) -> dict[int, str]:
    roles: dict[int, str] = {}
    for index, cell in enumerate(header):
        text = cell.lower()
        for role, pattern in ROLES.items():
            if role not in roles.values() and re.search(pattern, text):
                # "unit price" is a price, "total" after a price column is the amount
                roles[index] = role
                break
    return roles


def _number(text: str) -> float | None:
    match = NUMBER.search(text)
    if match is None:
        return None
    try:
        return float(parse_number(match.group(0)))
    except ValueError:
        return None


def items_from_table(table: Table) -> list[dict[str, Any]]:
    if not table.grid or len(table.grid) < 2:
        return []
    header_count = max(1, table.header_rows)
    header = [
        " ".join(row[col] for row in table.grid[:header_count]) for col in range(table.n_cols)
    ]
    roles = _roles(header)
    if "description" not in roles.values() or not {"amount", "unit_price", "quantity"} & set(
        roles.values()
    ):
        return []
    items = []
    for row in table.grid[header_count:]:
        item: dict[str, Any] = {}
        for index, role in roles.items():
            if index >= len(row) or not row[index].strip():
                continue
            cell = row[index].strip()
            item[role] = cell if role in ("description", "code") else _number(cell)
        if (
            item.get("description")
            and any(item.get(k) is not None for k in ("amount", "unit_price", "quantity"))
            and not re.match(r"(?i)\s*(sub)?total", str(item["description"]))
        ):
            items.append(item)
    return items
