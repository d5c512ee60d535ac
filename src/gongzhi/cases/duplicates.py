"""Possible duplicates (并单): the same problem reported again — same place, same kind, same days.

Scored without a model (智能派单 brings a learned one later): character-bigram overlap of the
texts, closeness of the points, same grid, same category. The dispatcher decides; merging keeps
every reporter on the case that is handled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

from gongzhi.cases.models import Case
from gongzhi.core.paths import subtree_q

WINDOW = timedelta(days=7)
NEAR_METRES = 300.0
MIN_SCORE = 0.35


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。、；：！？,.;:!?（）()"]
    return {a + b for a, b in pairwise(chars)}


def similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def metres(a: Case, b: Case) -> float | None:
    if a.lon is None or a.lat is None or b.lon is None or b.lat is None:
        return None
    dy = (a.lat - b.lat) * 111_320
    dx = (a.lon - b.lon) * 111_320 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dx, dy)


@dataclass(frozen=True)
class Candidate:
    case: Case
    score: float
    text: float
    distance: float | None


def score(case: Case, other: Case) -> Candidate:
    text = similarity(f"{case.title} {case.description}", f"{other.title} {other.description}")
    distance = metres(case, other)
    place = 0.0
    if distance is not None and distance <= NEAR_METRES:
        place = 1 - distance / NEAR_METRES
    elif case.grid_id and case.grid_id == other.grid_id:
        place = 0.5
    same_kind = 1.0 if case.category_id and case.category_id == other.category_id else 0.0
    return Candidate(other, 0.55 * text + 0.3 * place + 0.15 * same_kind, text, distance)


def possible_duplicates(case: Case, *, limit: int = 5) -> list[Candidate]:
    """Open cases received within a week of ``case`` in its street, best first."""
    street = case.area_path[:9]
    pool = (Case.objects.filter(subtree_q("area_path", street), merged_into__isnull=True, closed_at__isnull=True,
                                received_at__gte=case.received_at - WINDOW, received_at__lte=case.received_at + WINDOW)
            .exclude(pk=case.pk).select_related("category")[:500])
    ranked = sorted((score(case, other) for other in pool), key=lambda c: -c.score)
    return [c for c in ranked if c.score >= MIN_SCORE][:limit]
