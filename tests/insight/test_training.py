"""training.report against hand-computed figures, Report.lines, cross_validate, train."""

from __future__ import annotations

import re
import unicodedata

import pytest

from gongzhi.cases.models import Case
from gongzhi.insight.classifier import RECIPES, TrainingError
from gongzhi.insight.datasets import Dataset
from gongzhi.insight.models import ModelStatus
from gongzhi.insight.text import clean
from gongzhi.insight.training import cross_validate, evaluate, platform_dataset, report, train
from tests.cases.conftest import World
from tests.insight.conftest import fitted
from tests.insight.messages import HELD_OUT, labelled
from tests.insight.test_routing import LIGHTS, NOISE, intake

# truth a a a b b c, predicted a a b b c c:
#   a: precision 2/2, recall 2/3, f1 0.8
#   b: precision 1/2, recall 1/2, f1 0.5
#   c: precision 1/2, recall 1/1, f1 2/3
#   macro-F1 (0.8 + 0.5 + 2/3) / 3 = 0.65556, accuracy 4/6
TRUTH = ["a", "a", "a", "b", "b", "c"]
PREDICTED = ["a", "a", "b", "b", "c", "c"]


def test_report_per_class_and_macro_f1_by_hand() -> None:
    r = report(TRUTH, PREDICTED)
    assert r.classes == ["a", "b", "c"]
    got = {s["label"]: (s["precision"], s["recall"], s["f1"], s["support"]) for s in r.per_class}
    assert got["a"] == pytest.approx((1.0, 2 / 3, 0.8, 3))
    assert got["b"] == pytest.approx((0.5, 0.5, 0.5, 2))
    assert got["c"] == pytest.approx((0.5, 1.0, 2 / 3, 1))
    assert r.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert r.accuracy == pytest.approx(4 / 6)
    assert r.confusion == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert r.n == 6


def test_macro_f1_is_over_the_true_classes_only() -> None:
    """A label only ever predicted (never true) is in the table but not in the macro average:
    truth a a b b, predicted a x b b → a f1 2/3, b f1 1 → macro 5/6."""
    r = report(["a", "a", "b", "b"], ["a", "x", "b", "b"])
    assert r.classes == ["a", "b", "x"]
    assert r.per_class[2] == {"label": "x", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert r.macro_f1 == pytest.approx((2 / 3 + 1.0) / 2)
    assert r.confusion == [[1, 0, 1], [0, 2, 0], [0, 0, 0]]


def test_coverage_and_accuracy_when_shown() -> None:
    r = report(["a", "a", "b", "b"], ["a", "b", "b", "b"], [0.9, 0.2, 0.6, 0.4], threshold=0.5)
    assert r.coverage == 0.5  # two of four reached the threshold
    assert r.accuracy_shown == 1.0  # and both were right
    assert r.accuracy == 0.75
    nothing_shown = report(["a", "b"], ["a", "b"], [0.1, 0.1], threshold=0.5)
    assert (nothing_shown.coverage, nothing_shown.accuracy_shown) == (0.0, 0.0)


def test_lines_table_confusion_and_last_line() -> None:
    lines = report(TRUTH, PREDICTED).lines()
    assert re.fullmatch(r"macro_f1 0\.\d{4}", lines[-1])
    assert lines[-1] == "macro_f1 0.6556"
    assert lines[0].split() == ["class", "precision", "recall", "f1", "support"]
    assert lines[1].split() == ["a", "1.0000", "0.6667", "0.8000", "3"]
    assert lines[3].split() == ["c", "0.5000", "1.0000", "0.6667", "1"]
    start = next(i for i, line in enumerate(lines) if line.startswith("confusion matrix"))
    assert [line.split() for line in lines[start + 1:start + 4]] == [["a", "2", "1", "0"], ["b", "0", "1", "1"],
                                                                    ["c", "0", "0", "1"]]
    assert "accuracy 0.6667" in lines


def columns(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def test_lines_align_chinese_labels() -> None:
    """Chinese characters take two terminal columns: the figures of every row start in one column."""
    lines = report(["路灯不亮问题", "路灯不亮问题", "ab"], ["路灯不亮问题", "ab", "ab"]).lines()
    rows = lines[1:3]
    assert [r.split()[0] for r in rows] == ["ab", "路灯不亮问题"]
    figure_at = [columns(r[:r.index(r.split()[1])]) for r in rows]
    assert figure_at[0] == figure_at[1] == columns(lines[0][:lines[0].index("precision")])
    assert re.fullmatch(r"macro_f1 0\.\d{4}", lines[-1])


def test_cross_validate_predicts_every_usable_row() -> None:
    docs, labels = labelled()
    data = Dataset(docs=[*docs, ("燃气管道漏气", "楼道里闻到燃气味")], labels=[*labels, "燃气"])
    r = cross_validate(RECIPES["baseline"], data)
    assert r.n == 48  # the one 燃气 message cannot be cross-validated and is left out
    assert r.classes == ["噪音", "垃圾", "物业", "路灯"]
    assert sum(s["support"] for s in r.per_class) == 48
    assert [s["support"] for s in r.per_class] == [12, 12, 12, 12]
    assert sum(map(sum, r.confusion)) == 48
    assert r.macro_f1 > 0.75
    assert 0.0 <= r.coverage <= 1.0


def test_cross_validate_needs_some_usable_class() -> None:
    with pytest.raises(TrainingError):
        cross_validate(RECIPES["baseline"], Dataset(docs=[("a",), ("b",)], labels=["x", "y"]))


def test_evaluate_a_model_on_held_out_data() -> None:
    data = Dataset(docs=[d for d, _y in HELD_OUT], labels=[y for _d, y in HELD_OUT])
    r = evaluate(fitted(), data)
    assert (r.n, r.accuracy, r.macro_f1) == (4, 1.0, 1.0)
    assert r.coverage == 1.0


@pytest.mark.django_db
def test_train_stores_a_ready_version_with_its_cv_figures() -> None:
    docs, labels = labelled()
    row = train(Dataset(docs=docs, labels=labels, source="留言.xlsx"), recipe="baseline")
    assert (row.name, row.version, row.status, row.recipe) == ("category", 1, ModelStatus.READY, "baseline")
    assert row.trained_on == 48
    assert sorted(row.classes) == ["噪音", "垃圾", "物业", "路灯"]
    assert row.macro_f1 == row.metrics["macro_f1"] > 0.75
    assert row.metrics["n"] == 48


@pytest.mark.django_db
def test_train_refuses_too_little_or_an_unknown_recipe() -> None:
    docs, labels = labelled()
    with pytest.raises(TrainingError, match="至少需要 10 条"):
        train(Dataset(docs=docs[:4], labels=labels[:4]))
    with pytest.raises(TrainingError, match="--recipe") as exc:
        train(Dataset(docs=docs, labels=labels), recipe="bert")
    assert exc.value.field == "--recipe"


@pytest.mark.django_db
def test_platform_dataset_labels_dispatched_cases_and_keeps_the_rest_as_unlabelled(world: World) -> None:
    dispatched = intake(world, LIGHTS, category=world.lights)
    Case.objects.filter(pk=dispatched.pk).update(state="dispatched")  # what dispatch leaves behind
    intake(world, NOISE)  # still waiting for triage: no label yet
    data, priors = platform_dataset()
    assert data.docs == [(clean(LIGHTS[0]), clean(LIGHTS[1]))]  # NFKC: ， becomes ,
    assert data.labels == [world.lights.code]
    assert data.unlabelled == [(clean(NOISE[0]), clean(NOISE[1]))]
    assert any(y == world.lights.code for y, _t in priors)  # the catalog's names and keywords
