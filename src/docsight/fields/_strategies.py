"""Field-specific finders where a label alone is not enough: totals, dates, the letterhead.

These are general rules about how receipts and invoices are laid out (the seller's name and
address head the page; a total is the largest "total" amount, not a quantity or a tax line),
not rules about any one document.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from docsight.fields._candidates import Candidate, label_candidates, make
from docsight.fields._dates import find_dates
from docsight.fields._layout import DocumentView, Row
from docsight.fields._money import NUMBER, find_currency
from docsight.fields._ocrfix import mend_text
from docsight.fields._text import fold
from docsight.fields.templates import FieldSpec

_NOT_TOTAL = re.compile(
    r"\b(qty|quantity|items?|pcs|units?|saving|savings|discount|disc|excl\w*|exclusive|before|"
    r"sub|ex|points?|tendered|change|cash|paid|rounding adj\w*|adjustment|weight|kg|count)\b",
    re.IGNORECASE,
)
_TAX_WORD = re.compile(r"\b(tax|gst|vat|sst)\b|@", re.IGNORECASE)
_INCLUSIVE = re.compile(r"\b(incl\w*|inc|includes|inclusive|with|payable|due)\b", re.IGNORECASE)
_ROUNDING = re.compile(r"\bround\w*", re.IGNORECASE)
_PAYMENT = re.compile(r"\b(cash|change|tender\w*|paid|payment|card|visa|master|balance)\b", re.I)
_MONEY = re.compile(r"\d[\d,.\s]*[.,]\d{2}(?!\d)")


def total_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    """Labelled totals, preferring money-shaped, larger and later ones; else the largest amount."""
    found: list[Candidate] = []
    rounded = _rounding_applied(view)
    summary = _tax_summary_rows(view)
    summary_values: list[float] = []
    for candidate in label_candidates(view, spec):
        text = view.rows[candidate.order].text
        if candidate.order in summary:
            # the tax summary's "TOTAL" row sums its columns (net, tax, maybe gross): it may
            # confirm a total printed above but is never the total on its own
            summary_values.append(candidate.value)
            continue
        split = _SPLIT_DECIMAL.search(candidate.raw)
        if split is not None:
            mended = make(spec, split.group(1) + split.group(2), 0.0, None, 0, 0, "")
            if mended is not None:
                candidate.value = mended.value
        if not isinstance(candidate.value, float) or candidate.value <= 0:
            continue
        if _NOT_TOTAL.search(text) or (_TAX_WORD.search(text) and not _INCLUSIVE.search(text)):
            continue
        if rounded and _on_nickel(candidate.value):
            candidate.score += 0.1  # cash rounding: the amount paid is the rounded one
        if not _MONEY.search(candidate.raw):
            candidate.score *= 0.7
        found.append(candidate)
    if rounded and found and not any(_on_nickel(c.value) for c in found):
        # the printed rounded figure was misread or unlabelled: apply the 0.05 cash rounding
        top_candidate = max(found, key=lambda c: c.score)
        derived = make(spec, f"{round(top_candidate.value * 20) / 20:.2f}", 0.0, None, 0, 0, "")
        if derived is not None:
            derived.score, derived.source = top_candidate.score + 0.02, "cash_rounding"
            derived.page, derived.box, derived.order = (
                top_candidate.page,
                top_candidate.box,
                top_candidate.order,
            )
            found.append(derived)
    if found:
        payable = [c for c in found if _on_nickel(c.value)] if rounded else found
        top = max(c.value for c in payable or found)
        for candidate in found:
            if candidate.value == top:
                candidate.score = min(1.0, candidate.score + 0.08)
            agreeing = sum(1 for c in found if c.value == candidate.value)
            if candidate.value in summary_values:
                candidate.score = min(1.0, candidate.score + 0.1)  # the POS's own sum agrees
            candidate.score = min(1.0, candidate.score + 0.04 * (agreeing - 1))
        yield from found
        return
    tendered = _cash_less_change(view, spec)
    if tendered is not None:
        yield tendered
        return
    amounts: list[Candidate] = []
    for row in view.rows:
        if _PAYMENT.search(row.text):
            continue
        for match in _MONEY.finditer(row.text):
            amount = make(spec, match.group(0), 0.3, row, *match.span(), "largest_amount")
            if amount is not None:
                amounts.append(amount)
    if amounts:
        yield max(amounts, key=lambda c: c.value)


_SPLIT_DECIMAL = re.compile(r"(\d+[.,])\s+(\d{2})\s*$")  # "TOTAL RM 64. 15"
_SUMMARY = re.compile(r"\b(gst|tax|vat|sst)\s*summary\b", re.IGNORECASE)
_CASH = re.compile(r"^\W*(cash|tunai|tendered|amount tendered)\b", re.IGNORECASE)
_CHANGE = re.compile(r"^\W*(change|change due|baki)\b", re.IGNORECASE)


def _tax_summary_rows(view: DocumentView) -> set[int]:
    """Rows of the ``GST Summary`` table: its header and the few rows of rates and sums.

    The table is short (a column header, one row per tax code, a total), so only the next
    five rows count; a grand total printed after a summary is still found as a total.
    """
    rows: set[int] = set()
    for row in view.rows:
        if _SUMMARY.search(row.text):
            rows.update(range(row.index, row.index + 6))
    return rows


def _cash_less_change(view: DocumentView, spec: FieldSpec) -> Candidate | None:
    """With the total's figure lost, what was paid: cash handed over less the change given.

    Only when both lines are printed, in that order, and the cash covers a positive amount.
    """
    cash = change = None
    for row in view.rows:
        amounts = _MONEY.findall(row.text)
        if not amounts:
            continue
        if cash is None and _CASH.search(row.text):
            cash = (row, amounts[-1])
        elif cash is not None and _CHANGE.search(row.text):
            change = amounts[-1]
            break
    if cash is None or change is None:
        return None
    paid = make(spec, cash[1], 0.0, None, 0, 0, "")
    back = make(spec, change, 0.0, None, 0, 0, "")
    if paid is None or back is None or not paid.value > back.value >= 0:
        return None
    row = cash[0]
    start = row.text.rfind(cash[1])
    candidate = make(
        spec, f"{paid.value - back.value:.2f}", 0.4, row, start, start + len(cash[1]), "cash_change"
    )
    return candidate


def _on_nickel(value: float) -> bool:
    return round(value * 100) % 5 == 0


def _rounding_applied(view: DocumentView) -> bool:
    """A cash-rounding line with a non-zero adjustment is printed."""
    for row in view.rows:
        if _ROUNDING.search(row.text):
            numbers = _MONEY.findall(row.text)
            if numbers and abs(float(numbers[-1].replace(",", ".").replace(" ", ""))) >= 0.01:
                return True
    return False


_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3]):[0-5]\d(?![\d.,])")  # not "12.30", a price


def date_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    """Labelled dates first; the first date printed with a time, else the first date, weaker.

    A till prints its transaction date with the time of sale (``14-03-18 21:49``); a date
    alone higher up may be a stamp (``PAID 13 MAR 2018``) or an opening date.
    """
    yield from label_candidates(view, spec)
    first: Candidate | None = None
    for row in view.rows:
        for _value, start, end in find_dates(row.text):
            candidate = make(spec, row.text[start:end], 0.55, row, start, end, "first_date")
            if candidate is None or candidate.error is not None:
                continue
            if _CLOCK.search(row.text[:start] + " " + row.text[end:]):
                candidate.source = "date_with_time"
                yield candidate
                return
            if first is None:
                first = candidate
                first.score = 0.5
    if first is not None:
        yield first


def currency_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    """The commonest currency marked next to amounts; a code printed alone counts once."""
    yield from label_candidates(view, spec)
    votes: Counter[str] = Counter()
    where: dict[str, tuple[Row, int, int]] = {}
    for row in view.rows:
        for match in NUMBER.finditer(row.text):
            window = row.text[max(0, match.start() - 5) : match.end() + 5]
            code = find_currency(window)
            if code is not None:
                votes[code] += 1
                where.setdefault(code, (row, match.start(), match.end()))
        code = find_currency(row.text)
        if code is not None:
            votes[code] += 0.5  # type: ignore[assignment]
            where.setdefault(code, (row, 0, len(row.text)))
    if votes:
        code, count = votes.most_common(1)[0]
        row, start, end = where[code]
        share = count / sum(votes.values())
        candidate = make(spec, code, 0.5 + 0.4 * share, row, start, end, "amounts")
        if candidate is not None:
            yield candidate


_LEGAL = re.compile(
    r"\b(s[d0oq]n\.?\s*b[hn][d0o]|s/b|bhd|berhad|ltd|limited|inc|llc|l\.l\.c|gmbh|corp|corporation|pty|"
    r"plc|s\.a|sarl|s\.r\.l|srl|b\.v|pvt|llp|enterprises?|trading)\b\.?",
    re.IGNORECASE,
)
_NOT_NAME = re.compile(
    r"\b(tax invoice|invoice|receipt|cash bill|bill|welcome|tel|fax|phone|gst|reg|date|"
    r"order|table|cashier|official|copy|original|simplified|page|statement|quotation|"
    r"www|http|email|e-mail|co\.?\s*no)\b|@|\.com\b",
    re.IGNORECASE,
)
_REGISTRATION = re.compile(
    r"^(?=.*\d)\W*(\(?\s*(co\.?|company|roc|reg\.?|registration)?\s*(no\.?|number)?\s*[:.]?\s*"
    r"[\dA-Z]{3,}[-·.][A-Z0-9]{1,3}\s*\)?)\W*$|^\W*\(\s*[A-Z]{0,3}\d{5,}[A-Z]?\s*\)\W*$|\b(co\.?\s*reg|company\s*(reg\.?\s*)?no|roc\s*no|"
    r"reg\.?\s*no|br\s*no|co[\s.\-]*reg|co\.?\s*no\b)"
    # a company number alone, whatever its misread label: "(CO. RFG : 860671-D)"
    r"|^\W*\(?[^()\d]{0,15}\b\d{5,12}-[A-Z]\W*\)?\W*$",
    re.IGNORECASE,
)


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _header_rows(view: DocumentView) -> list[Row]:
    first_page = [r for r in view.rows if r.page == (view.rows[0].page if view.rows else 1)]
    return first_page[:14]


def _name_like(text: str) -> bool:
    compact = text.replace(" ", "")
    return (
        _letters(text) >= 3
        and _letters(text) >= len(compact) / 2
        and not _NOT_NAME.search(text)
        and not _REGISTRATION.search(text)
        and not find_dates(text)
    )


def vendor_name_rows(view: DocumentView) -> list[Row]:
    """The letterhead rows: a legal-form row near the top, else the first name-like row.

    A name broken over two rows (``HARDWARE &`` / ``ELECTRICAL``, ``(TAMAN`` / ``ALAM) SDN
    BHD``) is rejoined from the dangling ``&`` or the unbalanced parenthesis.
    """
    rows = _header_rows(view)
    chosen = next(
        (
            i
            for i, r in enumerate(rows[:6])
            if _LEGAL.search(r.text)
            and _name_like(_TRAILING_REG.sub("", _LEGAL.sub("", r.text)) + " xxx")
        ),
        None,
    )
    if chosen is None:  # letterheads are capitalised; a lower-case line is a scribble
        # the name heads the address: once the street line is printed, what follows is address,
        # items and footer, and an item line ("GARBAGE BAG (BLUE)") is no letterhead
        street = next((i for i, r in enumerate(rows) if _street_line(r.text)), len(rows))
        chosen = next(
            (i for i, r in enumerate(rows[:street]) if _name_like(r.text) and not r.text.islower()),
            None,
        )
    if chosen is None:
        return []
    picked = [rows[chosen]]
    text = rows[chosen].text
    bare = _LEGAL.sub("", re.sub(r"(?i)\(m\)|\bco\b\.?|\(?\d[\d\-A-Z]*\)?", "", text))
    previous = rows[chosen - 1].text if chosen > 0 else ""
    continues = (
        text.count(")") > text.count("(")
        or _letters(bare) < 3
        or bool(_LEGAL.match(text))  # "ENTERPRISE (SETIA ALAM) SDN BHD" under its first words
        or (len(bare.split()) <= 1 and previous.isupper() and len(previous.split()) <= 5)
    )
    if continues and previous and _name_like(previous) and not re.search(r"\d", previous):
        picked.insert(0, rows[chosen - 1])
    if (
        chosen + 2 < len(rows)
        and _name_like(rows[chosen + 1].text)
        and rows[chosen + 1].text.isupper()
        and len(rows[chosen + 1].text.split()) <= 3
        and _REGISTRATION.search(rows[chosen + 2].text)
    ):
        picked.append(rows[chosen + 1])  # the name block ends at its registration number
        return picked
    dangling = text.count("(") > text.count(")")
    if (dangling or re.search(r"(&|\band|-)\s*$", text, re.I)) and chosen + 1 < len(rows):
        picked.append(rows[chosen + 1])
    return picked


_TRAILING_REG = re.compile(r"\s*\(?\s*[A-Z]{0,3}\d{4,}[\-\s·.]?[A-Z]?\s*\)?\s*$")


def _street_line(text: str) -> bool:
    """A house number with a street word: the address has begun, this is not a name."""
    postcode = re.search(r"(?<![\d.,\-])\d{5}\s*,?\s+[A-Za-z]{3}", text)
    return bool(postcode) or (bool(re.search(r"\d", text)) and bool(_STREET_WORD.search(text)))


def vendor_name_row(view: DocumentView) -> Row | None:
    rows = vendor_name_rows(view)
    return rows[-1] if rows else None


def vendor_name_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    yield from label_candidates(view, spec)
    rows = vendor_name_rows(view)
    if rows:
        raw = _TRAILING_REG.sub("", " ".join(r.text for r in rows))
        raw = re.sub(r"^[^:]{3,20}:\s*(?=\S)", "", raw)  # "Owned by: NAME"
        raw = mend_text(raw, "name")
        score = 0.7 if _LEGAL.search(raw) else 0.5
        candidate = make(spec, raw, score, rows[-1], 0, len(rows[-1].text), "letterhead")
        if candidate is not None:
            yield candidate


_REGION = re.compile(
    r"\b(johor|selangor|kedah|kelantan|melaka|malacca|negeri sembilan|pahang|perak|perlis|"
    r"penang|pulau pinang|sabah|sarawak|terengganu|kuala lumpur|kl|putrajaya|labuan|"
    r"darul \w+|malaysia|singapore|klang|usa|uk|india|australia)\b",
    re.IGNORECASE,
)
_STREET = re.compile(
    r"\d|\b(jalan|jln|jl|lot|no|unit|floor|flr|taman|tmn|road|rd|street|st|avenue|ave|block|blk|"
    r"lorong|persiaran|lebuh|plaza|building|bangunan|kawasan)\b",
    re.IGNORECASE,
)
_STREET_WORD = re.compile(
    r"\b(jalan|jln|jl|lot|unit|floor|flr|taman|tmn|road|rd|street|st|avenue|ave|block|blk|"
    r"lorong|persiaran|lebuh|strasse|straße|rue|via|calle)\b",
    re.IGNORECASE,
)
_TAX_REGISTRATION = re.compile(r"\b(gst|sst|vat|tax\s*id|roc|reg\w*)\b", re.IGNORECASE)
_OUTLET = re.compile(
    r"^\s*(\([A-Z][^()]{3,40}\)|\d{3,5}\s?-\s?[A-Z][A-Z .]{3,30}"
    r"|\d{3,4}\s+[A-Z]{3,}[A-Z0-9 .]{2,30})\s*$"  # "(TESCO NILAI)", "1076-IJOK", "1317 TRILLIUM"
)
_PHONE_ONLY = re.compile(r"[\d\s()+\-./]{8,}")
_ADDRESS_STOP = re.compile(
    r"\b(tel|tél|telephone|phone|fax|h/?p|mobile|gst|sst|email|e-mail|website|www|http|"
    r"tax\s*invoice|invoice|receipt|cash bill|date|cashier|doc|table|order|vat|tin|abn|"
    r"opening hours|open|thank|guest|check|[TF]\s*:)|@|\bgst",
    re.IGNORECASE,
)


def _branch_line(text: str, view: DocumentView) -> bool:
    """A row opening with the brand of the letterhead and holding no street word: the outlet.

    Chains print the company, then ``<brand> <outlet>`` (``Nando's 1 Mont Kiara``), then the
    outlet's street address; the outlet line names a shop, it is not part of the address.
    """
    names = vendor_name_rows(view)
    if not names or _STREET_WORD.search(text) or re.search(r"\d{5}", text):
        return False
    brand = fold(names[0].text.split()[0]) if names[0].text.split() else ""
    first = fold(text.split()[0]) if text.split() else ""
    return len(brand) >= 3 and brand == first


def vendor_address_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    """The rows under the letterhead up to the first contact or document line."""
    yield from label_candidates(view, spec)
    name = vendor_name_row(view)
    if not view.rows:
        return
    start = name.index + 1 if name is not None else 0
    street = next((r.index for r in _header_rows(view)[:6] if _street_line(r.text)), None)
    weak_name = name is None or not _LEGAL.search(name.text)
    if street is not None and street < start and weak_name:
        start = street  # the address heads the slip, above whatever was taken for the name
    page = view.rows[start].page if start < len(view.rows) else 0
    collected: list[Row] = []
    for row in view.rows[start : start + 8]:
        text = row.text.strip()
        if row.page != page:
            break
        skippable = _REGISTRATION.search(text) or _letters(text) < 2 or find_dates(text)
        text = re.sub(r"(?i)^site\s*:?\s*\d+\s*,?\s*", "", text)
        if not collected and (skippable or _TAX_REGISTRATION.search(text)):
            continue  # registration and tax numbers often sit between name and address
        if _ADDRESS_STOP.search(text) or skippable or _PHONE_ONLY.fullmatch(text):
            break
        postcode = any(re.search(r"\d{5}", r.text) for r in collected)
        if postcode and _OUTLET.match(text):
            collected.append(row)  # a chain's outlet under its head-office address
            break
        if postcode and not (_REGION.search(text) and len(text.split()) <= 6):
            break  # a postcode ends the address unless a state or country follows
        collected.append(row)
        if len(collected) >= 6:
            break
    while len(collected) > 2 and not _STREET.search(collected[0].text):
        collected = collected[1:]  # a branch or former name above the street ("IKEA Cheras")
    if len(collected) > 2 and _branch_line(collected[0].text, view):
        collected = collected[1:]  # "Nando's 1 Mont Kiara": the brand and its outlet
    if not collected:
        return
    raw = "\n".join(
        re.sub(r"(?i)^site\s*:?\s*\d+\s*,?\s*", "", r.text.strip()).rstrip(",") for r in collected
    )
    first, last = collected[0], collected[-1]
    raw = mend_text(raw, "address")
    candidate = make(spec, raw, 0.6 if len(collected) > 1 else 0.4, None, 0, 0, "letterhead")
    if candidate is not None:
        candidate.page = first.page
        boxes = [r.box for r in collected if r.box is not None]
        if boxes:
            box = boxes[0]
            for other in boxes[1:]:
                box = box.union(other)
            candidate.box = box
        candidate.order = last.index
        yield candidate
