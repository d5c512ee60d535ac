"""Model versions in the database: saved, listed, switched on; each process keeps the active
one in memory and notices within RECHECK_SECONDS when another version is switched on — no
restart."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gongzhi.cases.models import Category
from gongzhi.core import audit
from gongzhi.insight.classifier import TextClassifier
from gongzhi.insight.models import ModelStatus, TextModel

log = logging.getLogger(__name__)
RECHECK_SECONDS = 5.0
INTAKE_MODEL = "category"  # the name intake asks for its proposals
_lock = threading.Lock()
_cache: dict[str, tuple[float, int | None, TextClassifier | None]] = {}  # name → (checked at, pk, model)


def next_version(name: str) -> int:
    return (TextModel.objects.filter(name=name).aggregate(v=Max("version"))["v"] or 0) + 1


def save(classifier: TextClassifier, *, name: str, source: str, metrics: dict[str, Any], trained_on: int,
         unlabelled: int = 0, user: Any = None, row: TextModel | None = None) -> TextModel:
    """Store a trained classifier as a new version (or into ``row``, a version being trained)."""
    blob = classifier.dumps()
    with transaction.atomic():
        if row is None:
            row = TextModel(name=name, version=next_version(name), created_by=user)
        row.recipe = classifier.recipe.name
        row.status = ModelStatus.READY
        row.source = source[:300]
        row.trained_on = trained_on
        row.unlabelled = unlabelled
        row.classes = classifier.classes
        row.metrics = metrics
        row.macro_f1 = metrics.get("macro_f1")
        row.blob = blob
        row.digest = hashlib.sha256(blob).hexdigest()
        row.save()
    return row


def activate(row: TextModel, user: Any = None) -> TextModel:
    """Switch ``row`` on for its name; the version in use before is retired."""
    if row.status not in (ModelStatus.READY, ModelStatus.RETIRED, ModelStatus.ACTIVE) or not row.blob:
        raise ValueError(f"{row} 尚未训练完成，不能启用")
    catalog = Category.objects.filter(is_active=True)
    if row.name == INTAKE_MODEL and catalog.exists() and not catalog.filter(code__in=row.classes).exists():
        raise ValueError(f"{row} 的类别（{'、'.join(row.classes[:5])}…）不是派单目录中的类别，"
                         "受理时不会给出建议：请用派单目录类别编码作标签，或换一个 --model 名称")
    with transaction.atomic():
        old = list(TextModel.objects.select_for_update().filter(name=row.name, status=ModelStatus.ACTIVE)
                   .exclude(pk=row.pk))
        TextModel.objects.filter(pk__in=[m.pk for m in old]).update(status=ModelStatus.RETIRED)
        TextModel.objects.filter(pk=row.pk).update(status=ModelStatus.ACTIVE, activated_at=timezone.now())
        audit.record("insight.model_activated", actor=user, data={
            "name": row.name, "version": row.version, "replaced": [m.version for m in old],
            "macro_f1": row.macro_f1})
    row.refresh_from_db()
    forget(row.name)
    return row


def load(row: TextModel) -> TextClassifier:
    blob = bytes(row.blob)
    if hashlib.sha256(blob).hexdigest() != row.digest:
        raise ValueError(f"{row}: 模型数据校验失败")
    return TextClassifier.loads(blob)


def active(name: str = INTAKE_MODEL) -> tuple[int | None, TextClassifier | None]:
    """The version in use for ``name`` and its classifier (None, None when none is)."""
    now = time.monotonic()
    hit = _cache.get(name)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[1], hit[2]
    pk = TextModel.objects.filter(name=name, status=ModelStatus.ACTIVE).values_list("pk", flat=True).first()
    if hit is not None and hit[1] == pk:
        model = hit[2]
    elif pk is None:
        model = None
    else:
        try:
            model = load(TextModel.objects.get(pk=pk))
        except Exception:  # a damaged version proposes nothing (logged once), it never breaks intake
            log.exception("model %s cannot be loaded", pk)
            model = None
    with _lock:
        _cache[name] = (now, pk, model)
    return pk, model


def forget(name: str | None = None) -> None:
    with _lock:
        if name is None:
            _cache.clear()
        else:
            _cache.pop(name, None)
