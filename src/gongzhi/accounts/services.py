"""Writes to users and posts."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Post, User
from gongzhi.core import access, audit
from gongzhi.core.pii import hash_field_value


def refresh_hashes(user: User) -> None:
    phone = user.phone.reveal() if hasattr(user.phone, "reveal") else str(user.phone or "")
    user.phone_hash = hash_field_value("phone", phone)


@transaction.atomic
def save_new_user(user: User) -> User:
    refresh_hashes(user)
    user.save()
    return user


class RevealRefusedError(ValueError):
    pass


MIN_REASON_LENGTH = 4


@transaction.atomic
def do_reveal_phone(actor: Any, post: Post, reason: str) -> str:
    """Show a staff member's full phone to ``actor`` for a stated reason, and audit it."""
    access.check(actor, access.REVEAL, "personal_data", post.area_path)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise RevealRefusedError(
            _("查看完整信息须填写理由（字段 reason：至少 %(n)d 个字）。") % {"n": MIN_REASON_LENGTH}
        )
    audit.record("pii.reveal", actor=actor, obj=post.user, reason=reason,
                 area_path=post.area_path, data={"field": "phone"})
    return post.user.phone.reveal() if post.user.phone else ""
