"""Sign-ins and sign-outs go to the audit trail, failures included (without the password)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from gongzhi.accounts import throttle
from gongzhi.core import audit
from gongzhi.core.middleware import client_ip


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit.record("auth.login", actor=user, obj=user, ip=_ip(request))
    throttle.record_success(user.get_username())


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record("auth.logout", actor=user, obj=user, ip=_ip(request))


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    ip = _ip(request) or ""
    locked = throttle.locked_until(username, ip) is not None
    audit.record("auth.login_failed", data={"username": username, "locked": locked}, ip=ip or None)
    if not locked:  # attempts on a locked account do not extend its lock
        throttle.record_failure(username, ip)
