"""Materialised area paths: the significant digits of an area's code.

市 4301 → 区 430104 → 街道 430104001 → 社区 430104001001 → 网格 430104001001001
→ 微网格 430104001001001001. An area's subtree is every path that starts with its own, and
"starts with" is asked as a range (``path >= p AND path < next(p)``) so that a plain B-tree
index answers it on SQLite and PostgreSQL alike, whatever the database collation.
"""

from __future__ import annotations

from django.db.models import Q

# Length of the path at each level, top down (城市, 区县, 街镇, 社区村, 网格, 微网格).
PATH_LENGTHS = (4, 6, 9, 12, 15, 18)


def upper_bound(path: str) -> str | None:
    """The smallest digit string of the same length greater than every extension of ``path``."""
    if not path.isdigit():
        raise ValueError(f"area path must be digits, got {path!r}")
    if set(path) == {"9"}:
        return None
    return str(int(path) + 1).zfill(len(path))


def subtree_q(field: str, path: str) -> Q:
    upper = upper_bound(path)
    q = Q(**{f"{field}__gte": path})
    if upper is not None:
        q &= Q(**{f"{field}__lt": upper})
    return q


def ancestors(path: str) -> list[str]:
    """Paths of the areas above ``path``, top down, not including ``path`` itself."""
    return [path[:n] for n in PATH_LENGTHS if n < len(path)]


def minimal_roots(paths: list[str]) -> list[str]:
    """Drop every path that lies inside another one in the list."""
    roots: list[str] = []
    for p in sorted(set(paths), key=lambda s: (len(s), s)):
        if not any(p.startswith(r) for r in roots):
            roots.append(p)
    return sorted(roots)
