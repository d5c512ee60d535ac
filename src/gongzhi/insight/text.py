"""Message text as the models see it: title and body joined, stray tabs and newlines folded
(the hotline exports are full of them)."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def clean(*parts: object) -> str:
    """The parts (title, body, …) as one line of NFKC-normalised text."""
    joined = " ".join("" if p is None else str(p) for p in parts)
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", joined)).strip()
