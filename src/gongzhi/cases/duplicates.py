"""Possible duplicates (并单): the same problem reported again — same place, same kind, same days.

Scored without a model: character-bigram overlap of the texts (the whole texts, or the shorter
contained in the longer), closeness of the points, same grid, same category. The dispatcher decides; merging keeps
every reporter on the case that is handled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from typing import Any, Protocol

from gongzhi.cases.models import Case
from gongzhi.cases.selectors import visible_cases
from gongzhi.core.paths import subtree_q

WINDOW = timedelta(days=7)
NEAR_METRES = 300.0
MIN_SCORE = 0.35
CONTAINED_MIN_BIGRAMS = 12
POOL = 500  # cases scored per call


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。、；：！？,.;:!?（）()"]
    return {a + b for a, b in pairwise(chars)}


def similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


class Located(Protocol):
    lon: float | None
    lat: float | None


def metres(a: Located, b: Located) -> float | None:
    """Distance between two WGS-84 points (a case, a hot-spot message …) over a few km; None
    when either has no point."""
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


def text_similarity(a: Case, b: Case) -> float:
    """The better of: the whole texts alike, or one text (of some length) contained in the
    other — a caller who gives only the gist of what another described."""
    x, y = bigrams(f"{a.title} {a.description}"), bigrams(f"{b.title} {b.description}")
    if not x or not y:
        return 0.0
    whole = len(x & y) / len(x | y)
    shorter = min(len(x), len(y))
    contained = 0.8 * len(x & y) / shorter if shorter >= CONTAINED_MIN_BIGRAMS else 0.0
    return max(whole, contained)


def score(case: Case, other: Case) -> Candidate:
    text = text_similarity(case, other)
    distance = metres(case, other)
    place = 0.0
    if distance is not None and distance <= NEAR_METRES:
        place = 1 - distance / NEAR_METRES
    elif case.grid_id and case.grid_id == other.grid_id:
        place = 0.5
    same_kind = 1.0 if case.category_id and case.category_id == other.category_id else 0.0
    return Candidate(other, 0.55 * text + 0.3 * place + 0.15 * same_kind, text, distance)


def possible_duplicates(case: Case, *, limit: int = 5, user: Any = None) -> list[Candidate]:
    """Open cases received within a week of ``case`` in its street, best first; with ``user``,
    only those the user may see (a page lists them to that user)."""
    street = case.area_path[:9]
    near = (Case.objects.filter(subtree_q("area_path", street), merged_into__isnull=True, closed_at__isnull=True)
            .exclude(pk=case.pk).select_related("category"))
    if user is not None:
        near = near.filter(pk__in=visible_cases(user).values("pk"))
    # The cases closest in time on either side, so a busy street cannot push the original out.
    before = near.filter(received_at__gte=case.received_at - WINDOW, received_at__lte=case.received_at)
    after = near.filter(received_at__gt=case.received_at, received_at__lte=case.received_at + WINDOW)
    pool = [*before.order_by("-received_at")[:POOL // 2], *after.order_by("received_at")[:POOL // 2]]
    ranked = sorted((score(case, other) for other in pool), key=lambda c: -c.score)
    return [c for c in ranked if c.score >= MIN_SCORE][:limit]
