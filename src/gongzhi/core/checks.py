"""System checks for a deployment (`gongzhi check --deploy`): in production every secret comes
from the environment, the encryption keys are valid, and the demo is off."""

from __future__ import annotations

import os
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def production_secrets(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    for name in ("GONGZHI_SECRET_KEY", "GONGZHI_PII_KEYS", "GONGZHI_PII_HASH_KEY"):
        if not os.environ.get(name):
            errors.append(Error(f"{name} is not set: in production every secret comes from the environment "
                                "(never from the database or a file in the repository)", id="gongzhi.E001"))
    for i, key in enumerate(k for k in os.environ.get("GONGZHI_PII_KEYS", "").split(",") if k):
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(Error(f"GONGZHI_PII_KEYS: key {i + 1} is not a Fernet key (32 url-safe base64 bytes)",
                                id="gongzhi.E002"))
    if len(os.environ.get("GONGZHI_PII_HASH_KEY", "")) < 32 and os.environ.get("GONGZHI_PII_HASH_KEY"):
        errors.append(Error("GONGZHI_PII_HASH_KEY must be at least 32 characters", id="gongzhi.E003"))
    if settings.DEMO_MODE:
        errors.append(Error("GONGZHI_DEMO is on in production: demo accounts and their shared password",
                            id="gongzhi.E004"))
    if settings.DEBUG:
        errors.append(Error("GONGZHI_DEBUG is on in production: error pages would show data", id="gongzhi.E005"))
    return errors
