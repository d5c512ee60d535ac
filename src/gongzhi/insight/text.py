"""Message text as the models see it: title and body joined, stray tabs and newlines folded
(the hotline exports are full of them), jieba words for the word features."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable

_SPACE = re.compile(r"\s+")
_lock = threading.Lock()
_ready = False


def clean(*parts: object) -> str:
    """The parts (title, body, …) as one line of NFKC-normalised text."""
    joined = " ".join("" if p is None else str(p) for p in parts)
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", joined)).strip()


def _jieba() -> object:
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _ready = True
    return jieba


def words(text: str) -> list[str]:
    """jieba's words of ``text``, spaces and punctuation dropped."""
    jieba = _jieba()
    return [w for w in jieba.lcut(text) if w.strip() and not _is_punct(w)]  # type: ignore[attr-defined]


def words_text(texts: Iterable[str]) -> list[str]:
    """Each text as its words joined by spaces (what the word vectoriser splits again)."""
    return [" ".join(words(t)) for t in texts]


def _is_punct(w: str) -> bool:
    return all(unicodedata.category(c).startswith("P") or unicodedata.category(c).startswith("S") for c in w)
