"""Sign-in throttling (等保: 登录失败处理): MAX_ACCOUNT_FAILURES failures for one account, or
MAX_ADDRESS_FAILURES from one address, within WINDOW lock that account or address for LOCK —
even the right password is refused until then. Counted in the database, so every server
process sees the same counts; a successful sign-in clears the account's count."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gongzhi.accounts.models import LoginThrottle

WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 20


def _keys(username: str, ip: str, kind: str = "user") -> list[tuple[str, int]]:
    """``kind`` names what is guessed at: an account's password ("user"), or a case's reporter
    phone on the public tracking page ("case"); the address's budget is shared by both."""
    keys = [(f"{kind}:{username.strip().lower()[:150]}", MAX_ACCOUNT_FAILURES)]
    if ip:
        keys.append((f"ip:{ip[:45]}", MAX_ADDRESS_FAILURES))
    return keys


def locked_until(username: str, ip: str, now: datetime | None = None, *, kind: str = "user") -> datetime | None:
    """When the later of the account's and the address's locks ends, if either is locked."""
    now = now or timezone.now()
    ends = LoginThrottle.objects.filter(key__in=[k for k, _n in _keys(username, ip, kind)],
                                        locked_until__gt=now).values_list("locked_until", flat=True)
    return max((e for e in ends if e is not None), default=None)


def record_failure(username: str, ip: str, now: datetime | None = None, *, kind: str = "user") -> None:
    now = now or timezone.now()
    for key, limit in _keys(username, ip, kind):
        with transaction.atomic():
            row = LoginThrottle.objects.select_for_update().filter(key=key).first()
            if row is None:
                try:
                    with transaction.atomic():
                        LoginThrottle.objects.create(key=key, failures=1, window_start=now)
                    continue
                except IntegrityError:  # another process created it just now
                    row = LoginThrottle.objects.select_for_update().get(key=key)
            if now - row.window_start > WINDOW and not (row.locked_until and row.locked_until > now):
                row.failures, row.window_start, row.locked_until = 1, now, None
            else:
                row.failures = F("failures") + 1
            row.save()
            row.refresh_from_db()
            if row.failures >= limit and not (row.locked_until and row.locked_until > now):
                LoginThrottle.objects.filter(pk=row.pk).update(locked_until=now + LOCK)


def record_success(username: str, *, kind: str = "user") -> None:
    LoginThrottle.objects.filter(key=_keys(username, "", kind)[0][0]).delete()
