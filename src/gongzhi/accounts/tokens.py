"""API keys for integrations: created once, stored as a hash, checked in constant time."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from gongzhi.accounts.models import ApiToken, User
from gongzhi.core import audit


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    key = "gz_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[3:11], key_hash=_digest(key))
    audit.record("api_token.create", obj=user, data={"name": name, "prefix": token.prefix})
    return token, key


USE_NOTED_EVERY = timedelta(minutes=1)


def user_for_key(key: str) -> User | None:
    """The active user behind ``key``, or None. The lookup is by a hash of the key, so timing
    does not reveal how much of a guessed key was right."""
    if not key or not key.startswith("gz_"):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_digest(key), is_active=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > USE_NOTED_EVERY:
        # At most once a minute: a read-only API call should not be a write every time.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
