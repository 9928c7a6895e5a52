"""Which of the recogniser's characters a page in Latin script can hold.

PP-OCRv6's recogniser scores 18,709 characters in every output column; 16,959 of them are CJK
ideographs, kana, Hangul and fullwidth forms. On Latin-script pages those classes only ever
win by mistake (a faint ``<`` read as ``く``, a colon as ``：``), yet their share of the last
layer, its softmax and the argmax over its output was ~28% of recognition time. The ``latin``
charset keeps every character below the CJK blocks (Latin, Greek, digits, punctuation,
symbols, arrows) and the box glyphs the checkbox finder reads, and the recogniser's last layer
is cut to those (``_runtime.restrict_classes``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from docsight.engines.checkboxes import BOX_GLYPHS
from docsight.settings import RecCharset

# The first of the CJK and East Asian blocks (CJK Radicals Supplement); all above it is East
# Asian, fullwidth or emoji.
EAST_ASIAN_START = 0x2E80


def foreign(ch: str) -> bool:
    """Whether ``ch`` is out of place in Latin-script text: CJK, kana, Hangul, fullwidth."""
    return ord(ch) >= EAST_ASIAN_START and ch not in BOX_GLYPHS


def recognizer_classes(charset: list[str], choice: RecCharset) -> NDArray[np.intp] | None:
    """Indices into ``charset`` (blank first) to keep for ``choice``; None keeps them all."""
    if choice == "all":
        return None
    keep = [0] + [i for i, ch in enumerate(charset[1:], 1) if len(ch) == 1 and not foreign(ch)]
    return np.asarray(keep, dtype=np.intp)


__all__ = ["EAST_ASIAN_START", "foreign", "recognizer_classes"]
