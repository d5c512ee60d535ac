"""What the recipes do with few labels: category lists as priors (a text several labels share
says nothing), unlabelled texts in the vocabulary, and the e5 second opinion of ``ours+e5``."""

from __future__ import annotations

import numpy as np
import pytest

from gongzhi.insight import embeddings
from gongzhi.insight.classifier import RECIPES, Recipe, TextClassifier
from gongzhi.insight.datasets import Dataset
from gongzhi.insight.training import cross_validate
from tests.insight.messages import HELD_OUT, labelled

# A category list as a hotline's taxonomy gives it: 其他 under every label.
TAXONOMY = [("路灯", "照明设施"), ("路灯", "照明灯杆"), ("路灯", "其他"), ("噪音", "其他"), ("垃圾", "其他"),
            ("物业", "其他"), ("垃圾", "生活垃圾清运")]
# 停电 is in no labelled message; the deployment's other cases mention it often.
UNLABELLED = [("小区停电", "昨晚停电到现在"), ("又停电了", "整栋楼停电"), ("停电通知", "明天停电吗"),
              ("停电太久", "冰箱坏了")]


def test_a_prior_text_under_several_labels_is_left_out() -> None:
    docs, labels = labelled()
    model = TextClassifier(RECIPES["ours"]).fit(docs, labels, TAXONOMY)
    assert model._char is not None
    vocabulary = model._char.vocabulary_
    assert "照明" in vocabulary  # one label's own texts: examples
    # 其他 appears only in the taxonomy, under four labels: no example, so not even a feature.
    assert not any("其" in " ".join(d) for d in docs)
    assert "其他" not in vocabulary
    assert "其" not in vocabulary
    assert model.labels([("照明设施",)]) == ["路灯"]


def test_unlabelled_texts_join_the_vocabulary_of_recipes_that_use_them() -> None:
    docs, labels = labelled()
    assert RECIPES["ours"].unlabelled
    assert not RECIPES["baseline"].unlabelled
    ours = TextClassifier(RECIPES["ours"]).fit(docs, labels, unlabelled=UNLABELLED)
    plain = TextClassifier(RECIPES["ours"]).fit(docs, labels)
    base = TextClassifier(RECIPES["baseline"]).fit(docs, labels, unlabelled=UNLABELLED)
    assert ours._char is not None
    assert plain._char is not None
    assert base._char is not None
    assert "停电" in ours._char.vocabulary_  # in 4 unlabelled texts: ≥ min_df_unlabelled
    assert "停电" not in plain._char.vocabulary_
    assert "停电" not in base._char.vocabulary_
    # Unlabelled texts are not examples: the classes stay those of the labels.
    assert sorted(ours.classes) == sorted(set(labels))
    assert ours.labels([d for d, _y in HELD_OUT]) == [y for _d, y in HELD_OUT]


def test_min_df_is_stricter_with_unlabelled_texts() -> None:
    docs, labels = labelled()
    recipe = RECIPES["ours"]
    twice = [("偶尔停水", "一次"), ("又停水", "两次")]  # 停水 in two texts only
    assert recipe.min_df == 2
    assert recipe.min_df_unlabelled == 3
    model = TextClassifier(recipe).fit(docs, labels, unlabelled=twice + UNLABELLED)
    assert model._char is not None
    assert "停水" not in model._char.vocabulary_
    assert "停电" in model._char.vocabulary_


def test_cross_validation_uses_the_unlabelled_texts_of_the_dataset() -> None:
    docs, labels = labelled()
    with_text = cross_validate(RECIPES["ours"], Dataset(docs=docs, labels=labels, unlabelled=UNLABELLED * 3))
    assert with_text.n == len(docs)
    assert 0.0 <= with_text.macro_f1 <= 1.0


def test_ours_e5_mixes_the_sentence_vector_opinion_into_the_probabilities() -> None:
    docs, labels = labelled()
    recipe = RECIPES["ours+e5"]
    assert 0 < recipe.embed_share < 1
    mixed = TextClassifier(recipe).fit(docs, labels)
    alone = TextClassifier(Recipe("no-e5", priors=True, title_weight=3, C=2.0, unlabelled=True)).fit(docs, labels)
    assert mixed._e5 is not None
    assert alone._e5 is None
    scaler, lr = mixed._e5
    held = [d for d, _y in HELD_OUT]
    second = lr.predict_proba(scaler.transform(embeddings.passages([" ".join(d) for d in held])))
    assert [str(c) for c in lr.classes_] == mixed.classes
    expected = (1 - recipe.embed_share) * alone.scores(held) + recipe.embed_share * second
    np.testing.assert_allclose(mixed.scores(held), expected, atol=1e-5)
    assert mixed.labels(held) == [y for _d, y in HELD_OUT]
    np.testing.assert_allclose(mixed.scores(held).sum(axis=1), 1.0)


def test_a_class_only_priors_name_gets_no_e5_probability() -> None:
    docs, labels = labelled()
    gas = [("燃气", "燃气泄漏"), ("燃气", "燃气管道 漏气"), ("燃气", "闻到燃气味")]
    model = TextClassifier(RECIPES["ours+e5"]).fit(docs, labels, gas, prior_classes=True)
    assert "燃气" in model.classes
    assert model._e5 is not None
    assert "燃气" not in [str(c) for c in model._e5[1].classes_]
    row = model.scores([("楼道里燃气泄漏", "闻到很重的燃气味")])[0]
    assert row.sum() == pytest.approx(1.0)
    assert model.labels([("楼道里燃气泄漏", "闻到很重的燃气味")]) == ["燃气"]


def test_embeddings_are_remembered_per_text() -> None:
    texts = ["路灯不亮 麓山南路一周不亮", "楼下广场舞太吵"]
    first = embeddings.passages(texts)
    assert first.shape == (2, embeddings.DIM)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-3)
    assert all(t in embeddings._memo for t in texts)
    again = embeddings.passages([texts[1], texts[0], texts[1]])
    np.testing.assert_array_equal(again, first[[1, 0, 1]])
    assert embeddings.passages([]).shape == (0, embeddings.DIM)
