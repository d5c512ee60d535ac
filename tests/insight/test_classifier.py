"""classifier.TextClassifier and its recipes, on the messages of tests/insight/messages.py."""

from __future__ import annotations

import pytest

from gongzhi.insight.classifier import RECIPES, Recipe, TextClassifier, TrainingError
from tests.insight.conftest import fitted
from tests.insight.messages import HELD_OUT, labelled

# Examples of 路灯 only in the catalog's words: 照明 appears in no training message.
LIGHT_PRIORS = [("路灯", "路灯 照明 灯杆"), ("路灯", "照明 灯具 亮灯")]


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_held_out_messages_get_their_class(recipe: str) -> None:
    model = fitted(recipe=recipe)
    assert sorted(model.classes) == ["噪音", "垃圾", "物业", "路灯"]
    docs = [d for d, _y in HELD_OUT]
    assert model.labels(docs) == [y for _d, y in HELD_OUT]
    for p in model.predict(docs):
        assert p.confidence >= model.threshold  # sure enough to be shown


def test_confidence_is_a_probability_ranked_best_first() -> None:
    model = fitted()
    preds = model.predict([d for d, _y in HELD_OUT] + [("咨询社保卡补办",)], k=4)
    for p in preds:
        assert p.ranked[0][0] == p.label
        assert p.ranked[0][1] == p.confidence
        scores = [s for _c, s in p.ranked]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert sorted(c for c, _s in p.ranked) == sorted(model.classes)  # k=4: every class once
        assert sum(scores) == pytest.approx(1.0, abs=1e-6)
    assert [len(p.ranked) for p in model.predict([HELD_OUT[0][0]], k=2)] == [2]
    # A message about none of the classes is less sure than one about a class.
    assert preds[-1].confidence < min(p.confidence for p in preds[:-1])


def test_priors_are_examples_for_a_recipe_that_uses_them() -> None:
    docs, labels = labelled()
    query = [("照明",)]
    with_priors = TextClassifier(RECIPES["ours"]).fit(docs, labels, LIGHT_PRIORS)
    assert RECIPES["ours"].priors
    assert with_priors.labels(query) == ["路灯"]
    without = TextClassifier(RECIPES["ours"]).fit(docs, labels)
    assert without.labels(query) != ["路灯"]
    # The baseline recipe does not use them: the same as no priors at all.
    assert not RECIPES["baseline"].priors
    ignored = TextClassifier(RECIPES["baseline"]).fit(docs, labels, LIGHT_PRIORS)
    plain = TextClassifier(RECIPES["baseline"]).fit(docs, labels)
    assert ignored._char is not None
    assert plain._char is not None
    assert ignored._char.vocabulary_ == plain._char.vocabulary_
    assert "照明" not in ignored._char.vocabulary_
    assert with_priors._char is not None
    assert "照明" in with_priors._char.vocabulary_


GAS_PRIORS = [("燃气", "燃气泄漏"), ("燃气", "燃气管道 漏气"), ("燃气", "闻到燃气味")]


def test_priors_for_a_label_without_examples_add_no_class_by_default() -> None:
    docs, labels = labelled()
    model = TextClassifier(RECIPES["ours"]).fit(docs, labels, GAS_PRIORS)
    assert "燃气" not in model.classes
    assert len(model.classes) == 4
    assert model.dropped == {}


def test_with_prior_classes_a_category_nobody_reported_can_be_proposed() -> None:
    docs, labels = labelled()
    model = TextClassifier(RECIPES["ours"]).fit(docs, labels, GAS_PRIORS, prior_classes=True)
    assert sorted(model.classes) == ["噪音", "垃圾", "燃气", "物业", "路灯"]
    assert model.labels([("楼道里燃气泄漏", "闻到很重的燃气味，怕出事")]) == ["燃气"]
    assert model.labels([d for d, _y in HELD_OUT]) == [y for _d, y in HELD_OUT]  # the others still right
    # One keyword is not enough to learn a class from: dropped like a label with one example.
    one = TextClassifier(RECIPES["ours"]).fit(docs, labels, [("井盖", "井盖丢失")], prior_classes=True)
    assert one.dropped == {"井盖": 1}
    assert "井盖" not in one.classes
    # A recipe without priors ignores them, prior_classes or not.
    assert "燃气" not in TextClassifier(RECIPES["baseline"]).fit(docs, labels, GAS_PRIORS, prior_classes=True).classes


def test_priors_and_data_count_together() -> None:
    """One message and one keyword of 燃气 make the two examples a class needs."""
    docs, labels = labelled()
    model = TextClassifier(RECIPES["ours"]).fit([*docs, ("燃气管道漏气", "楼道里闻到燃气味")], [*labels, "燃气"],
                                                [("燃气", "燃气泄漏 漏气")])
    assert "燃气" in model.classes
    assert model.dropped == {}


def test_classes_with_one_example_are_dropped_and_reported() -> None:
    docs, labels = labelled()
    docs = [*docs, ("燃气管道漏气", "楼道里闻到很重的燃气味"), ("井盖丢失", "路中间的井盖不见了")]
    labels = [*labels, "燃气", "井盖"]
    model = TextClassifier(RECIPES["baseline"]).fit(docs, labels)
    assert model.dropped == {"燃气": 1, "井盖": 1}
    assert sorted(model.classes) == ["噪音", "垃圾", "物业", "路灯"]
    # A second fit forgets the first one's drops.
    assert TextClassifier(RECIPES["baseline"]).fit(*labelled()).dropped == {}


def test_fewer_than_two_usable_classes_is_a_training_error() -> None:
    docs, labels = labelled()
    lights = [(d, y) for d, y in zip(docs, labels, strict=True) if y == "路灯"]
    one_noise = next(d for d, y in zip(docs, labels, strict=True) if y == "噪音")
    with pytest.raises(TrainingError, match="至少需要两个类别") as exc:
        TextClassifier(RECIPES["baseline"]).fit([d for d, _y in lights] + [one_noise],
                                                [y for _d, y in lights] + ["噪音"])
    assert exc.value.field == "--label-column"
    assert str(exc.value).startswith("--label-column: ")
    with pytest.raises(TrainingError):
        TextClassifier(RECIPES["baseline"]).fit([], [])


def test_two_examples_per_class_is_enough() -> None:
    docs, labels = labelled()
    pick = [i for y in ("路灯", "垃圾") for i in [j for j, z in enumerate(labels) if z == y][:2]]
    pick += [labels.index("路灯") + 2]  # a third 路灯: min_df=2 needs repeated characters anyway
    model = TextClassifier(RECIPES["baseline"]).fit([docs[i] for i in pick], [labels[i] for i in pick])
    assert sorted(model.classes) == ["垃圾", "路灯"]
    p = model.predict([("路灯不亮",)])[0]
    assert 0.0 <= p.confidence <= 1.0


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_dumps_loads_round_trip(recipe: str) -> None:
    model = fitted(recipe=recipe, threshold=0.6)
    again = TextClassifier.loads(model.dumps())
    docs = [d for d, _y in HELD_OUT] + [("照明",), ("",)]
    assert again.classes == model.classes
    assert again.threshold == 0.6
    assert again.recipe == model.recipe
    assert [(p.label, p.confidence, p.ranked) for p in again.predict(docs)] == \
        [(p.label, p.confidence, p.ranked) for p in model.predict(docs)]


def test_loads_refuses_what_is_not_a_classifier() -> None:
    import pickle

    with pytest.raises(TypeError, match="not a TextClassifier"):
        TextClassifier.loads(pickle.dumps({"classes": ["路灯"]}))


def test_title_weight_repeats_the_title() -> None:
    assert Recipe("x", title_weight=3).join(("路灯不亮", "麓山南路一周不亮")) == "路灯不亮 路灯不亮 路灯不亮 麓山南路一周不亮"
    assert Recipe("x", title_weight=3).join(("标题", "正文", "附言")) == "标题 标题 标题 正文 附言"
    assert Recipe("x", title_weight=1).join(("标题", "正文")) == "标题 正文"
    assert Recipe("x", title_weight=3).join(("只有一段",)) == "只有一段"  # no body: nothing to outweigh
    assert RECIPES["ours"].title_weight == 3
    assert RECIPES["baseline"].join(("标题", "正文")) == "标题 正文"


def test_title_weight_changes_what_the_model_hears() -> None:
    """A title about lights with a body about noise: the weighted title wins."""
    docs, labels = labelled()
    mixed = [("路灯坏了", "楼下工地夜间施工噪音太大，晚上很吵睡不着觉")]
    heavy = TextClassifier(Recipe("heavy", title_weight=6)).fit(docs, labels).predict(mixed, k=4)[0]
    light = TextClassifier(Recipe("light", title_weight=1)).fit(docs, labels).predict(mixed, k=4)[0]
    assert dict(heavy.ranked)["路灯"] > dict(light.ranked)["路灯"]
    assert heavy.label == "路灯"
    assert light.label == "噪音"
