from __future__ import annotations

import pytest

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from tests.registry.pages_builders import City, build


@pytest.fixture
def city(tree: dict[str, Area], role_users: dict[str, User]) -> City:
    """The registry pages' small city: people, houses and tags in two grids (pages_builders)."""
    return build(tree, role_users)
