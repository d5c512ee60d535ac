"""The audit trail: who did what, to which object, when, from where, and why.

Every service that changes something, or reveals personal data, calls :func:`record`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, models, transaction
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


_HEAD = AuditChainHead._meta.db_table
_EVENTS = AuditEvent._meta.db_table
_COLUMNS = ("id", "at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr",
            "area_path", "ip", "reason", "data", "prev_hash", "hash")


def _claim_next_id() -> tuple[int, str]:
    """Lock the head row and take the next id with one statement; the lock is held until the
    caller's transaction ends, so the ids and the chain follow the commit order. (Under READ
    COMMITTED the UPDATE waits for a concurrent appender, then sees its committed head.)"""
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {_HEAD} SET last_id = last_id + 1, count = count + 1 "  # noqa: S608 (model table name)
                    "WHERE id = 1 RETURNING last_id, last_hash")
        row = cur.fetchone()
    if row is None:
        raise RuntimeError("the audit chain head row is missing (migration core 0001 creates it)")
    return int(row[0]), str(row[1])


def _append(event: AuditEvent) -> None:
    """Insert the event and move the head's hash to it: one round trip on PostgreSQL."""
    values: list[Any] = [event.id, event.at, event.actor_id, event.actor_name, event.action, event.object_type,
              event.object_id, event.object_repr, event.area_path, event.ip, event.reason,
              json.dumps(event.data, ensure_ascii=False), event.prev_hash, event.hash]
    marks = ", ".join(["%s::jsonb" if c == "data" else "%s" for c in _COLUMNS])
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"WITH e AS (INSERT INTO {_EVENTS} ({', '.join(_COLUMNS)}) VALUES ({marks})) "  # noqa: S608
                        f"UPDATE {_HEAD} SET last_hash = %s WHERE id = 1", [*values, event.hash])
        else:
            event.save(force_insert=True)
            cur.execute(f"UPDATE {_HEAD} SET last_hash = %s WHERE id = 1", [event.hash])  # noqa: S608


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
        event_id, prev_hash = _claim_next_id()
        event = AuditEvent(
            id=event_id,
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
            prev_hash=prev_hash or GENESIS,
        )
        event.hash = compute_hash(event)
        _append(event)
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
