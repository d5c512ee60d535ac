"""The platform's side of the insight tools: hot spots over its cases, their alerts, and
the reply check recorded on a reply step."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from gongzhi.cases.models import Case, Step
from gongzhi.core import access
from gongzhi.core.paths import subtree_q
from gongzhi.insight import hotspots, replies
from gongzhi.insight.hotspots import Group, Message
from gongzhi.insight.models import HotspotAlert

ALERT_COUNT = 5  # messages about one problem …
ALERT_DAYS = 7  # … within this many days raise an alert
ALERT_EVERY = 600.0  # seconds between alert checks from the background loop
MAX_ALERT_CASES = 200  # case numbers an alert keeps (the latest)
MAX_MESSAGES = 20_000
_last_alert_check = 0.0


def messages(area_path: str, since: datetime, until: datetime) -> list[Message]:
    """The cases received in the area in [since, until) as hot-spot messages; the duplicates
    merged into a case count as its support, and are not counted again as messages."""
    merged = dict(Case.objects.filter(subtree_q("area_path", area_path), merged_into__isnull=False,
                                      received_at__gte=since, received_at__lt=until)
                  .values_list("merged_into").annotate(n=Count("id")).values_list("merged_into", "n"))
    rows = (Case.objects.filter(subtree_q("area_path", area_path), merged_into__isnull=True,
                                received_at__gte=since, received_at__lt=until)
            .order_by("-received_at").values_list("pk", "number", "title", "description", "received_at",
                                                  "area_path", "lon", "lat")[:MAX_MESSAGES])
    return [Message(number, title, description, at, merged.get(pk, 0), path, lon, lat)
            for pk, number, title, description, at, path, lon, lat in rows]


def hot_spots(area_path: str, *, days: int = 30, now: datetime | None = None, limit: int = 20) -> list[Group]:
    now = now or timezone.now()
    return hotspots.group(messages(area_path, now - timedelta(days=days), now), now=now)[:limit]


def visible_hot_spots(user: Any, area_path: str, **kw: Any) -> list[Group]:
    access.check(user, access.VIEW, "hotspot", area_path)
    return hot_spots(area_path, **kw)


def raise_alerts(now: datetime | None = None) -> list[HotspotAlert]:
    """Every group of ALERT_COUNT or more messages within ALERT_DAYS, per district, becomes an
    alert once. A group that shares a case with a known alert is that alert, brought up to date
    (its cases joined, its count and last message moved on), however its first message, place
    or area has changed as it grew and the window slid; the others are new alerts."""
    now = now or timezone.now()
    since = now - timedelta(days=ALERT_DAYS)
    raised = []
    districts = set(Case.objects.filter(received_at__gte=since).values_list("area_path", flat=True).distinct())
    for district in sorted({p[:6] for p in districts if len(p) >= 6}):
        known = HotspotAlert.objects.filter(area_path__startswith=district, last_at__gte=since)
        by_case = {number: alert for alert in known for number in alert.cases}
        for g in hot_spots(district, days=ALERT_DAYS, now=now, limit=100):
            if g.count < ALERT_COUNT:
                continue
            alert = next((by_case[k] for k in g.keys if k in by_case), None)
            if alert is None:
                alert, created = HotspotAlert.objects.update_or_create(key=g.signature[:200], defaults={
                    "area_path": g.area_path or district, "title": g.title[:200], "place": g.place[:100],
                    "count": g.count, "score": g.heat, "first_at": g.first_at, "last_at": g.last_at,
                    "cases": g.keys[-MAX_ALERT_CASES:]})
                if created:
                    raised.append(alert)
            else:
                cases = list(dict.fromkeys([*alert.cases, *g.keys]))
                alert.title, alert.place, alert.score = g.title[:200], g.place[:100], g.heat
                alert.count = max(alert.count, len(cases))
                alert.first_at, alert.last_at = min(alert.first_at, g.first_at), max(alert.last_at, g.last_at)
                alert.cases = cases[-MAX_ALERT_CASES:]
                alert.save(update_fields=["title", "place", "score", "count", "first_at", "last_at", "cases"])
            by_case.update(dict.fromkeys(alert.cases, alert))
    return raised


def alerts_now_and_then(**kwargs: Any) -> None:
    """Called on every tick of the background sweep loop; checks at most every ALERT_EVERY s."""
    global _last_alert_check
    if time.monotonic() - _last_alert_check < ALERT_EVERY:
        return
    _last_alert_check = time.monotonic()
    raise_alerts()


def check_reply_step(case: Case, step: Step) -> replies.ReplyCheck:
    """Score the reply in ``step`` and keep the result on it, for the reviewer."""
    result = replies.check(f"{case.title} {case.description}", step.note, received_at=case.received_at,
                           replied_at=step.at, due_at=case.due_at)
    step.data = {**(step.data or {}), "reply_check": result.as_dict()}
    Step.objects.filter(pk=step.pk).update(data=step.data)
    return result
