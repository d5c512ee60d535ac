from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet

from gongzhi.accounts.models import User
from gongzhi.areas import locate
from gongzhi.areas.models import Area
from gongzhi.core import workcal
from tests.builders import make_role_users, make_tree


@pytest.fixture(autouse=True)
def _pii_keys(settings: Any) -> None:
    # Fixed per test session so values written in a test decrypt in the same test.
    settings.PII_KEYS = [_KEY]
    settings.PII_HASH_KEY = "test-hash-key"
    # Argon2 is slow on purpose; tests log in many users and test no hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    # Each test has a fresh database; caches keyed by row ids must not outlive it.
    locate.forget()
    workcal.forget_overrides()


@pytest.fixture
def tree(db: None) -> dict[str, Area]:
    return make_tree()


@pytest.fixture
def role_users(tree: dict[str, Area]) -> dict[str, User]:
    return make_role_users(tree)
