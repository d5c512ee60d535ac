from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from tests.builders import make_role_users, make_tree


@pytest.fixture(autouse=True)
def _pii_keys(settings: Any) -> None:
    # Fixed per test session so values written in a test decrypt in the same test.
    settings.PII_KEYS = [_KEY]
    settings.PII_HASH_KEY = "test-hash-key"
    # Argon2 is slow on purpose; tests log in many users and test no hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_KEY = Fernet.generate_key().decode()


@pytest.fixture
def tree(db: None) -> dict[str, Area]:
    return make_tree()


@pytest.fixture
def role_users(tree: dict[str, Area]) -> dict[str, User]:
    return make_role_users(tree)
