"""OCR slips in letterhead words, mended against a small vocabulary of address and trade words.

Receipt printers use narrow fonts and thermal paper fades, so OCR confuses shapes (``l``/``i``/
``1``, ``O``/``0``/``Q``/``D``, ``E``/``C``, ``B``/``8``) inside words that every address or
business name in a region repeats: ``Jaian`` for ``Jalan``, ``1OT`` for ``LOT``, ``SCLANGOR``
for ``SELANGOR``, ``Perindustrlan`` for ``Perindustrian``. The engine gives one reading per
line, so the fields layer chooses among the readings such a slip could have come from: a word
that is not in the vocabulary but is one or two look-alike letters away from exactly one
vocabulary word is taken to be that word. Proper names outside the
vocabulary are never touched, and a word that is itself in the vocabulary is kept as printed,
so a correct reading cannot be "corrected" into another word.

The vocabulary is general: street and building words, Malay address words, the states and
largest towns of Malaysia and Singapore (where most receipts in the shared benchmark come from)
and common English address words; and, for names, legal forms and common trade words. It is
not a list of any document's words.
"""

from __future__ import annotations

import re
from functools import cache

_ADDRESS_WORDS = """
jalan jln lorong lrg taman tmn kawasan perindustrian perdagangan perniagaan industri bandar baru
bahru bharu jaya indah utama raya seksyen persiaran lebuh lebuhraya lot unit floor ground level
block blok road street avenue plaza building bangunan kompleks pusat kampung bukit sungai desa
selatan utara timur barat tengah off wisma menara medan simpang batu kota pekan darul ehsan
takzim aman makmur tanjung pulau centre center commercial industrial park square mall shopping
business apartment tower court garden gardens heights city town station highway lane drive
crescent place suite shop first second mezzanine section kuala lumpur selangor johor kedah
kelantan melaka malacca pahang perak perlis penang pinang sabah sarawak terengganu negeri sembilan
putrajaya labuan malaysia singapore shah alam petaling klang seri sri kembangan puchong cheras
ampang kajang subang damansara kepong rawang semenyih bangi nilai seremban ipoh kuantan pasir
gudang skudai masai permas senai kulai muar batu pahat kluang segamat alor setar butterworth
georgetown kuching kinabalu sandakan tawau miri sibu bintulu taiping melaka cyberjaya sentul
bangsar cheras setia mutiara sunway serdang balakong kinrara tropicana dataran padang permai
perdana damai sentosa mewah megah emas intan wangsa maju keramat gombak selayang segambut pudu
bintang senawang nusajaya iskandar larkin tebrau stulang sutera jalil
"""
_NAME_WORDS = """
sdn bhd berhad enterprise enterprises trading company corporation limited holdings industries
services service restaurant restoran cafe bakery hardware stationery supermarket hypermarket
market mart store stores pharmacy farmacia electrical electronics machinery engineering
marketing station petrol kedai makan food foods beverage kitchen bistro books bookstore
furniture motor motors auto automobile tyre tyres workshop trading textile fashion boutique
optical clinic medical hotel resort travel tours printing paper office supplies
son sons and the one old new
"""

# Shapes a receipt OCR confuses (both directions); a slip between them costs little.
_LOOKALIKE = ("il1|!", "o0qdu", "s5", "b8", "z2", "g6c", "ec", "ef", "uv", "rk", "mn", "hn", "a4")


def _pairs() -> set[tuple[str, str]]:
    pairs = set()
    for group in _LOOKALIKE:
        for a in group:
            for b in group:
                if a != b:
                    pairs.add((a, b))
    return pairs


_PAIRS = _pairs()


@cache
def _vocabulary(kind: str) -> dict[int, frozenset[str]]:
    words = set((_ADDRESS_WORDS if kind == "address" else _ADDRESS_WORDS + _NAME_WORDS).split())
    by_length: dict[int, set[str]] = {}
    for word in words:
        by_length.setdefault(len(word), set()).add(word)
    return {n: frozenset(ws) for n, ws in by_length.items()}


def _close(token: str, word: str) -> bool:
    """Every differing letter a look-alike, at most two of them, some letter right.

    Only look-alikes count: an arbitrary letter changes one real word into another too often
    (Malay ``pasar``/``pasir``, ``borong``/``lorong``, a town ``Segar`` read as ``Setar``).
    Words of four letters or fewer must also hold a digit, a symbol or a ``q`` without its ``u``
    (``1OT``, ``QFF``), because a short
    real name (``JIN``) is one look-alike away from a short vocabulary word (``JLN``).
    """
    diffs = [(a, b) for a, b in zip(token, word, strict=True) if a != b]
    if len(word) <= 4 and token.isalpha() and not re.search(r"q(?!u)", token):
        return not diffs  # (a q without its u is no word either: "QFF")
    return all(pair in _PAIRS for pair in diffs) and len(diffs) <= 2 and len(diffs) < len(word)


def mend_word(token: str, kind: str = "address") -> str:
    """``token`` as the one vocabulary word it is a likely misreading of, else unchanged."""
    bare = token.replace(".", "") if re.fullmatch(r"\w+(\.\w+)+", token) else token
    lowered = bare.lower()
    if len(lowered) < 3 or not re.fullmatch(r"[a-z0-9|!]+", lowered):
        return token
    if not any(c.isalpha() for c in lowered):
        return token
    vocabulary = _vocabulary(kind).get(len(lowered), frozenset())
    if lowered in vocabulary:
        return token
    if bare is not token and not any(c.isdigit() for c in bare):
        return token  # dotted initials (``S.A.M``) are not a misread word
    matches = [word for word in vocabulary if _close(lowered, word)]
    if len(matches) != 1:
        return token
    return _same_case(bare, matches[0])


def _same_case(original: str, word: str) -> str:
    letters = [c for c in original if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return word.upper()
    if letters and letters[0].isupper():
        return word.capitalize()
    if letters and all(c.islower() for c in letters):
        return word
    return word.upper()


_TOKEN = re.compile(r"[A-Za-z0-9|!]+(?:\.[A-Za-z0-9]+)*")


def mend_text(text: str, kind: str = "address") -> str:
    """Every word of ``text`` mended (see ``mend_word``); spacing and punctuation kept."""
    text = _TOKEN.sub(lambda m: mend_word(m.group(0), kind), text)
    return _mend_postcode(text) if kind == "address" else _mend_legal(text)


_POSTCODE_SLIP = re.compile(r"(?<![\w\-/])(?=\w{5}\s+[A-Za-z]{3})(\d{4}[OoDUQ]|\d{3}[OoDUQ]\d)\b")


def _mend_postcode(text: str) -> str:
    """A five-character postcode before the town with one letter for a ``0`` (``4017U``).

    Only when the address has no clean postcode: a house number with a letter (``1234D``)
    then stays as printed.
    """
    if re.search(r"(?<![\w\-/.])\d{5}(?![\w\-/])", text):
        return text
    return _POSTCODE_SLIP.sub(lambda m: re.sub(r"[OoDUQ]", "0", m.group(0)), text)


_LEGAL_SLIPS = [
    (re.compile(r"\bS[O0Q]N(?=\.?\s*BH[D0O]\b)"), "SDN"),  # "SON BHD"
    (re.compile(r"(?<=\bSDN )BND\b|(?<=\bSDN\. )BND\b|\bBH[0O]\b"), "BHD"),
    (re.compile(r"\bC[P0]\.(?=\s*(\(M\)\s*)?(SDN|BHD|BERHAD|PTE|LTD)\b)"), "CO."),  # "CP. (M)"
    (re.compile(r"\bS/[D8]\s*$"), "S/B"),  # "S/D" at the end of a name: Sendirian Berhad
    (re.compile(r"(?<=\b[A-Z]\.)1(?=\.)"), "I"),  # an initial read as a digit: "D.1.Y."
    (re.compile(r"(?<=\b[A-Z]\.)0(?=\.)"), "O"),
]


def _mend_legal(text: str) -> str:
    """Legal-form slips at the end of a company name (``SON BHD``, ``S/D``) and in initials."""
    for pattern, replacement in _LEGAL_SLIPS:
        text = pattern.sub(replacement, text)
    return text
