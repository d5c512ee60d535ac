"""The audit trail: who did what, to which object, when, from where, and why.

Every service that changes something, or reveals personal data, calls :func:`record`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from gongzhi.core import access
from gongzhi.core.middleware import current_request_context
from gongzhi.core.models import AuditChainHead, AuditEvent
from gongzhi.core.paths import PATH_LENGTHS

GENESIS = "0" * 64
CITY_PATH_LENGTH = PATH_LENGTHS[0]


def _canonical(event: AuditEvent) -> bytes:
    at = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = [
        event.pk, at, event.actor_id, event.actor_name, event.action, event.object_type,
        event.object_id, event.object_repr, event.area_path, event.ip, event.reason,
        event.data, event.prev_hash,
    ]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _describe(obj: models.Model | None) -> tuple[str, str, str, str]:
    if obj is None:
        return "", "", "", ""
    label = obj._meta.label_lower
    area_path = str(getattr(obj, "path", "") or getattr(obj, "area_path", "") or "")
    return label, str(obj.pk), str(obj)[:200], area_path


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    area_path: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Runs in its own transaction (or the caller's)."""
    object_type, object_id, object_repr, obj_area = _describe(obj)
    if ip is None:
        ctx = current_request_context()
        ip = ctx.ip if ctx else ""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    # Inside a caller's transaction no savepoint is needed: a failure here fails the caller's
    # whole write anyway, and two fewer round trips matter on the intake path.
    with transaction.atomic(savepoint=False):
        # The locked head numbers the rows: a row inserted behind its back collides on the key.
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            id=head.last_id + 1,
            at=timezone.now(),
            actor=actor if authenticated else None,
            actor_name=(actor.get_full_name() or actor.get_username()) if authenticated else "",
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            area_path=area_path or obj_area,
            ip=ip,
            reason=reason,
            data=data or {},
            prev_hash=head.last_hash or GENESIS,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        head.last_id, head.last_hash, head.count = event.pk, event.hash, head.count + 1
        head.save(update_fields=["last_id", "last_hash", "count"])
    return event


def visible_events(user: Any) -> models.QuerySet[AuditEvent]:
    """Events in the user's audit scope; events tied to no area (logins…) go to city-wide scopes."""
    roots = access.scope_roots(user, access.VIEW, "audit")
    q = access.scope_q(user, access.VIEW, "audit")
    if any(len(r) <= CITY_PATH_LENGTH for r in roots):
        q |= Q(area_path="")
    return AuditEvent.objects.filter(q)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and not self.problem


def verify_chain(*, tail: int | None = None, chunk_size: int = 5000) -> ChainReport:
    """Recompute the hashes in order; report the first row whose content or link is wrong.

    With ``tail``, only the last ``tail`` rows are checked (linked to the row before them), so
    a page can show the chain's state without reading millions of rows; the full check is
    ``gongzhi audit verify``.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    rows = AuditEvent.objects.order_by("id")
    prev, expected_count = GENESIS, head.count if head else 0
    if tail is not None and head is not None and head.count > tail:
        first_id = head.last_id - tail + 1
        before = AuditEvent.objects.filter(id=first_id - 1).values_list("hash", flat=True).first()
        if before is None:
            return ChainReport(0, first_id - 1, "link")
        prev, expected_count, rows = before, tail, rows.filter(id__gte=first_id)
    checked = 0
    last_id = 0
    for event in rows.iterator(chunk_size=chunk_size):
        if event.prev_hash != prev:
            return ChainReport(checked, event.pk, "link")
        if compute_hash(event) != event.hash:
            return ChainReport(checked, event.pk, "content")
        prev, last_id, checked = event.hash, event.pk, checked + 1
    if head is not None and (expected_count != checked or (checked and (head.last_id != last_id or head.last_hash != prev))):
        return ChainReport(checked, None, "truncated")
    return ChainReport(checked, None, "")
