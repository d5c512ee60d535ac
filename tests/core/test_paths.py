from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.core.paths import ancestors, minimal_roots, subtree_q, upper_bound


def test_upper_bound_is_the_next_prefix() -> None:
    assert upper_bound("430104") == "430105"
    assert upper_bound("4301049") == "4301050"
    assert upper_bound("099") == "100"
    assert upper_bound("99") is None
    with pytest.raises(ValueError, match="digits"):
        upper_bound("43a")


@given(st.text("0123456789", min_size=2, max_size=8), st.text("0123456789", max_size=10), st.text("0123456789", min_size=2, max_size=18))
def test_range_equals_prefix(prefix: str, suffix: str, other: str) -> None:
    inside = prefix + suffix
    upper = upper_bound(prefix)
    assert inside >= prefix
    assert (upper is None or inside < upper)
    in_range = other >= prefix and (upper is None or other < upper)
    assert in_range == other.startswith(prefix)


def test_subtree_q_uses_a_range() -> None:
    q = subtree_q("path", "430104")
    assert str(q) == "(AND: ('path__gte', '430104'), ('path__lt', '430105'))"


def test_ancestors_and_roots() -> None:
    assert ancestors("430104002014001") == ["4301", "430104", "430104002", "430104002014"]
    assert ancestors("4301") == []
    assert minimal_roots(["430104002", "430104", "430102001", "430104002014"]) == ["430102001", "430104"]
