"""Cross-validation, training and evaluation of the classifier, from a file or from the
platform's dispatched cases; what `gongzhi insight train|evaluate` and the models page run."""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import close_old_connections
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from gongzhi.insight import store
from gongzhi.insight.classifier import RECIPES, Doc, Recipe, TextClassifier, TrainingError
from gongzhi.insight.datasets import Dataset
from gongzhi.insight.models import ModelStatus, TextModel
from gongzhi.insight.text import clean

FOLDS = 5
UNLABELLED_CASES = 20_000  # the platform's cases without a dispatcher's label that join the vocabulary


@dataclass
class Report:
    """Per-class precision/recall/F1, the confusion matrix (rows: true, columns: predicted)."""

    classes: list[str]
    per_class: list[dict[str, Any]]
    confusion: list[list[int]]
    macro_f1: float
    accuracy: float
    n: int
    coverage: float = 1.0  # share of texts whose confidence reached the threshold
    accuracy_shown: float = 0.0  # accuracy on those

    def as_dict(self) -> dict[str, Any]:
        return {"classes": self.classes, "per_class": self.per_class, "confusion": self.confusion,
                "macro_f1": self.macro_f1, "accuracy": self.accuracy, "n": self.n, "coverage": self.coverage,
                "accuracy_shown": self.accuracy_shown}

    def lines(self) -> list[str]:
        width = max([_width(c) for c in self.classes] + [8])
        out = [f"{_pad('class', width)}  precision  recall  f1      support"]
        for stats in self.per_class:
            out.append(f"{_pad(stats['label'], width)}  {stats['precision']:.4f}     {stats['recall']:.4f}  "
                       f"{stats['f1']:.4f}  {stats['support']}")
        out.append("")
        out.append("confusion matrix (rows: true, columns: predicted; classes in the order above)")
        for label, counts in zip(self.classes, self.confusion, strict=True):
            out.append(f"{_pad(label, width)}  " + " ".join(f"{v:4d}" for v in counts))
        out.append("")
        out.append(f"accuracy {self.accuracy:.4f}")
        out.append(f"coverage {self.coverage:.4f}")
        out.append(f"accuracy_when_shown {self.accuracy_shown:.4f}")
        out.append(f"macro_f1 {self.macro_f1:.4f}")
        return out


def _width(s: str) -> int:
    """Columns ``s`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(width - _width(s), 0)


def report(truth: Sequence[str], predicted: Sequence[str], confidence: Sequence[float] | None = None,
           threshold: float = 0.0) -> Report:
    classes = sorted(set(truth) | set(predicted))
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=classes, zero_division=0)
    per_class = [{"label": c, "precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                 for i, c in enumerate(classes)]
    truth_classes = sorted(set(truth))
    macro = float(f1_score(truth, predicted, labels=truth_classes, average="macro", zero_division=0))
    right = np.array([a == b for a, b in zip(truth, predicted, strict=True)])
    out = Report(classes, per_class, confusion_matrix(truth, predicted, labels=classes).tolist(), macro,
                 float(right.mean()) if len(right) else 0.0, len(truth))
    if confidence is not None and len(right):
        shown = np.asarray(confidence) >= threshold
        out.coverage = float(shown.mean())
        out.accuracy_shown = float(right[shown].mean()) if shown.any() else 0.0
    return out


def cross_validate(recipe: Recipe, data: Dataset, *, folds: int = FOLDS, seed: int = 0,
                   priors: Sequence[tuple[str, str]] = (), prior_classes: bool = False) -> Report:
    """Stratified k-fold: every text predicted by a model that did not see its label. The
    unlabelled texts (``data.unlabelled``) join every fold's vocabulary, as they would in use;
    a held-out text is not added to them."""
    counts = Counter(data.labels)
    usable = [i for i, y in enumerate(data.labels) if counts[y] >= 2]
    if not usable:
        raise TrainingError("--label-column", "--label-column: 没有可用于交叉验证的类别（每类至少需要 2 条）")
    k = min(folds, min(counts[data.labels[i]] for i in usable))
    docs = [data.docs[i] for i in usable]
    labels = np.array([data.labels[i] for i in usable])
    predicted = np.empty(len(labels), dtype=object)
    confidence = np.zeros(len(labels))
    threshold = 0.0
    for train, test in StratifiedKFold(k, shuffle=True, random_state=seed).split(docs, labels):
        model = TextClassifier(recipe).fit([docs[i] for i in train], list(labels[train]), priors,
                                           prior_classes=prior_classes, unlabelled=data.unlabelled)
        threshold = model.threshold
        for j, p in zip(test, model.predict([docs[i] for i in test], k=1), strict=True):
            predicted[j], confidence[j] = p.label, p.confidence
    return report(list(labels), list(predicted), list(confidence), threshold)


def evaluate(model: TextClassifier, data: Dataset) -> Report:
    preds = model.predict(data.docs, k=1)
    return report(data.labels, [p.label for p in preds], [p.confidence for p in preds], model.threshold)


def platform_dataset() -> tuple[Dataset, list[tuple[str, str]]]:
    """The platform's own training set: every case with a category (chosen or confirmed by
    whoever dispatched it), labelled by the category's code; the other cases received (the
    latest UNLABELLED_CASES) as unlabelled text; and the catalog's names and keywords as priors."""
    from gongzhi.cases.models import Case

    data = Dataset(source="platform")
    labelled = Case.objects.filter(category__isnull=False, merged_into__isnull=True).exclude(state="received")
    rows = labelled.values_list("title", "description", "category__code").iterator(2000)
    for title, description, code in rows:
        if doc := _case_doc(title, description):
            data.docs.append(doc)
            data.labels.append(code)
    others = Case.objects.exclude(pk__in=labelled.values("pk")).order_by("-pk")[:UNLABELLED_CASES]
    for title, description in others.values_list("title", "description").iterator(2000):
        if doc := _case_doc(title, description):
            data.unlabelled.append(doc)
    return data, catalog_priors()


def _case_doc(title: str, description: str) -> Doc | None:
    """A case's (title, description) cleaned, or None when both are empty."""
    doc = (clean(title), clean(description))
    return doc if any(doc) else None


def catalog_priors() -> list[tuple[str, str]]:
    """The 派单目录's leaf categories as examples of themselves: the name, and each keyword."""
    from gongzhi.cases.models import Category

    out = []
    for c in Category.objects.filter(is_active=True, children__isnull=True).select_related("parent"):
        out.append((c.code, clean(c.parent.name if c.parent else "", c.name)))
        out.extend((c.code, kw) for kw in c.keywords.split() if kw)
    return out


def train(data: Dataset, *, recipe: str = "ours", name: str = store.INTAKE_MODEL, user: Any = None,
          priors: Sequence[tuple[str, str]] = (), prior_classes: bool = False,
          row: TextModel | None = None) -> TextModel:
    """Cross-validate, fit on everything, store as a new version (not yet switched on).
    ``prior_classes``: the priors' labels are classes even without data (the catalog's)."""
    if recipe not in RECIPES:
        raise TrainingError("--recipe", f"--recipe: 未知方法「{recipe}」，可选 {', '.join(RECIPES)}")
    if len(data) + (len(priors) if prior_classes else 0) < 10:
        raise TrainingError("--label-column", f"--label-column: 标注数据只有 {len(data)} 条，至少需要 10 条（每类至少 2 条）")
    chosen = RECIPES[recipe]
    cv = cross_validate(chosen, data, priors=priors, prior_classes=prior_classes)
    model = TextClassifier(chosen).fit(data.docs, data.labels, priors, prior_classes=prior_classes,
                                       unlabelled=data.unlabelled)
    return store.save(model, name=name, source=data.source, metrics=cv.as_dict(), trained_on=len(data),
                      user=user, row=row)


def retrain_in_background(user: Any, *, name: str = store.INTAKE_MODEL, recipe: str = "ours") -> TextModel:
    """A new version row at once (status 训练中), trained from the platform's cases in a thread;
    the models page shows it when ready."""
    row = TextModel.objects.create(name=name, version=store.next_version(name), recipe=recipe,
                                   status=ModelStatus.TRAINING, created_by=user, source="platform")

    def run() -> None:
        close_old_connections()
        try:
            data, priors = platform_dataset()
            train(data, recipe=recipe, name=name, user=user, priors=priors, prior_classes=True, row=row)
        except Exception as exc:  # shown on the models page, not lost
            TextModel.objects.filter(pk=row.pk).update(status=ModelStatus.FAILED, message=str(exc)[:2000])
        finally:
            close_old_connections()

    threading.Thread(target=run, name=f"train-{name}-{row.version}", daemon=True).start()
    return row
