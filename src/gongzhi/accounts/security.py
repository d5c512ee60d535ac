"""What the security administrator sees: the sign-in and password policies in force (read from
the running configuration, not restated), current locks, the encryption keys' fingerprints —
never the keys — and how many hold each post."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import get_default_password_validators
from django.db.models import Count
from django.utils import timezone

from gongzhi.accounts import throttle
from gongzhi.accounts.models import ApiToken, LoginThrottle, Post
from gongzhi.accounts.second_factor import PRIVILEGED
from gongzhi.core.access import Role


def fingerprint(secret: str) -> str:
    """A short, one-way tag to tell keys apart on screen and in logs."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def password_rules() -> list[str]:
    return [str(v.get_help_text()) for v in get_default_password_validators()]


def security_state() -> dict[str, Any]:
    now = timezone.now()
    roles = dict(Role.choices)
    posts = (Post.objects.filter(is_active=True, user__is_active=True).values("role")
             .annotate(n=Count("id")).order_by("role"))
    return {
        "password_rules": password_rules(),
        "throttle": {"account": throttle.MAX_ACCOUNT_FAILURES, "address": throttle.MAX_ADDRESS_FAILURES,
                     "window": int(throttle.WINDOW.total_seconds() // 60), "lock": int(throttle.LOCK.total_seconds() // 60)},
        "idle_minutes": settings.GONGZHI_IDLE_MINUTES,
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "require_2fa": settings.GONGZHI_REQUIRE_2FA,
        "privileged": [roles[r] for r in Role.values if r in PRIVILEGED],
        "locks": list(LoginThrottle.objects.filter(locked_until__gt=now).order_by("-locked_until")),
        "pii_keys": [fingerprint(k) for k in settings.PII_KEYS],
        "hash_key": fingerprint(settings.PII_HASH_KEY) if settings.PII_HASH_KEY else "",
        "posts": [(roles.get(p["role"], p["role"]), p["n"]) for p in posts],
        "active_tokens": ApiToken.objects.filter(is_active=True).count(),
    }
