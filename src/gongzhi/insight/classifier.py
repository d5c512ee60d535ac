"""The text classifier: proposes a label (a category of the 派单目录, or whatever a file's label
column holds) with a confidence.

A recipe names the features and the model. ``baseline`` is the published reference: character
1–2-gram TF-IDF and a linear SVM. ``ours`` is the combination that won the cross-validated
comparison in bench/insight_classify.py without embeddings (docs/insight.md gives the
figures): the title weighted, category names and keywords as extra examples, the vocabulary
fitted on the deployment's unlabelled texts too. ``ours+e5`` adds a second opinion, a logistic
regression on multilingual-e5-small sentence vectors, averaged into the probabilities: no
better than ``ours`` on the sample (+0.001 macro-F1) and far slower per message, so an
option. Confidence is the calibrated probability of the top label; below the model's
threshold no guess is shown.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from gongzhi.insight import embeddings

DEFAULT_THRESHOLD = 0.45
Doc = tuple[str, ...]  # a message's parts, title first: (title, body)


@dataclass(frozen=True)
class Recipe:
    name: str
    char_ngrams: tuple[int, int] = (1, 2)
    embed_share: float = 0.0  # >0: this share of the probabilities comes from the e5 sentence vectors
    priors: bool = False  # category names and keywords as extra labelled examples
    title_weight: int = 1  # the first part of a document (its title) repeated this many times
    C: float = 1.0
    min_df: int = 2  # a character n-gram is a feature when this many texts have it …
    min_df_unlabelled: int = 3  # … or this many, when unlabelled texts join the vocabulary
    unlabelled: bool = False  # fit the vocabulary on the deployment's unlabelled texts as well

    def join(self, doc: Doc) -> str:
        if len(doc) > 1 and self.title_weight > 1:
            return " ".join([doc[0]] * self.title_weight + list(doc[1:]))
        return " ".join(doc)


RECIPES: dict[str, Recipe] = {
    "baseline": Recipe("baseline"),
    "ours": Recipe("ours", priors=True, title_weight=3, C=2.0, unlabelled=True),
    "ours+e5": Recipe("ours+e5", priors=True, title_weight=3, C=2.0, unlabelled=True, embed_share=0.2),
}
E5_C = 0.05  # the e5 logistic regression's regularisation (standardised vectors, 384 dimensions)


class TrainingError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Prediction:
    label: str
    confidence: float
    ranked: list[tuple[str, float]] = field(default_factory=list)  # best first


class TextClassifier:
    def __init__(self, recipe: Recipe, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.recipe = recipe
        self.threshold = threshold
        self.classes: list[str] = []
        self._char: TfidfVectorizer | None = None
        self._model: Any = None
        self._e5: Any = None  # (scaler, logistic regression) on the sentence vectors, recipes with embed_share
        self.dropped: dict[str, int] = {}  # labels with too few examples to learn, and their counts

    # -- features --
    def _fit_features(self, texts: Sequence[str], unlabelled: Sequence[str] = ()) -> None:  # joined texts
        lo, hi = self.recipe.char_ngrams
        corpus = list(texts) + list(unlabelled)
        min_df = self.recipe.min_df_unlabelled if unlabelled else self.recipe.min_df
        self._char = TfidfVectorizer(analyzer="char", ngram_range=(lo, hi), sublinear_tf=True, min_df=min_df)
        self._char.fit(corpus)

    def features(self, docs: Sequence[Doc]) -> csr_matrix:
        assert self._char is not None, "fit first"
        mat: csr_matrix = self._char.transform([self.recipe.join(d) for d in docs])
        return mat

    @staticmethod
    def _vectors(docs: Sequence[Doc]) -> np.ndarray:
        return embeddings.passages([" ".join(d) for d in docs])

    # -- training --
    def fit(self, docs: Sequence[Doc], labels: Sequence[str], priors: Sequence[tuple[str, str]] = (), *,
            prior_classes: bool = False, unlabelled: Sequence[Doc] = ()) -> TextClassifier:
        """Learn from labelled texts; ``priors`` are (label, text) pairs — category names and
        keywords — added as examples when the recipe uses them: for the labels the data has,
        or with ``prior_classes`` for every label they name (the catalog defines the classes,
        so a category nobody has reported yet can still be proposed from its keywords). A prior
        text found under several labels (其他, 综合) tells nothing and is left out.
        ``unlabelled``: texts without a label (the deployment's other cases), which the recipes
        that use them add to the vocabulary."""
        docs, labels = list(docs), list(labels)
        labelled_docs, labelled = docs, labels  # _with_priors returns new lists
        if self.recipe.priors and priors:
            docs, labels = _with_priors(docs, labels, priors, prior_classes)
        counts = Counter(labels)
        self.dropped = {c: n for c, n in counts.items() if n < 2}
        keep = [i for i, y in enumerate(labels) if y not in self.dropped]
        docs = [docs[i] for i in keep]
        labels = [labels[i] for i in keep]
        if len(set(labels)) < 2:
            raise TrainingError("--label-column", f"--label-column: 至少需要两个类别、每类至少 2 条标注，现有 {dict(counts)}")
        extra = [self.recipe.join(d) for d in unlabelled] if self.recipe.unlabelled else []
        self._fit_features([self.recipe.join(d) for d in docs], extra)
        mat = self.features(docs)
        folds = min(3, min(Counter(labels).values()))
        svm = LinearSVC(C=self.recipe.C)
        if folds >= 2:
            # ensemble=False: the final SVM is fitted on every example; the calibration comes from folds.
            self._model = CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False).fit(mat, labels)
        else:
            self._model = svm.fit(mat, labels)
        self.classes = [str(c) for c in self._model.classes_]
        if self.recipe.embed_share:
            self._fit_e5(labelled_docs, labelled)
        return self

    def _fit_e5(self, docs: list[Doc], labels: list[str]) -> None:
        """The second opinion: the labelled texts' sentence vectors (not the priors: a short
        category name embeds far from a message about it), standardised, logistic regression.
        A class only the priors have gets no e5 probability."""
        keep = [i for i, y in enumerate(labels) if y in self.classes]
        if len({labels[i] for i in keep}) < 2:
            return
        vectors = self._vectors([docs[i] for i in keep])
        scaler = StandardScaler().fit(vectors)
        lr = LogisticRegression(C=E5_C, max_iter=5000).fit(scaler.transform(vectors), [labels[i] for i in keep])
        self._e5 = (scaler, lr)

    # -- use --
    def scores(self, docs: Sequence[Doc]) -> np.ndarray:
        mat = self.features(docs)
        if hasattr(self._model, "predict_proba"):
            proba = np.asarray(self._model.predict_proba(mat))
        else:
            d = np.asarray(self._model.decision_function(mat))  # two-fold-less fallback: softmax of margins
            e = np.exp(d - d.max(axis=1, keepdims=True))
            proba = e / e.sum(axis=1, keepdims=True)
        if self._e5 is None or not len(docs):
            return proba
        scaler, lr = self._e5
        second = np.zeros_like(proba)
        columns = [self.classes.index(str(c)) for c in lr.classes_]
        second[:, columns] = lr.predict_proba(scaler.transform(self._vectors(docs)))
        share = self.recipe.embed_share
        mixed: np.ndarray = (1 - share) * proba + share * second
        return mixed

    def predict(self, docs: Sequence[Doc], k: int = 3) -> list[Prediction]:
        out = []
        for row in self.scores(docs):
            order = np.argsort(-row)[:k]
            ranked = [(self.classes[i], float(row[i])) for i in order]
            out.append(Prediction(ranked[0][0], ranked[0][1], ranked))
        return out

    def labels(self, docs: Sequence[Doc]) -> list[str]:
        return [p.label for p in self.predict(docs, k=1)]

    def dumps(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(blob: bytes) -> TextClassifier:
        model = pickle.loads(blob)  # noqa: S301 (written by this platform; digest checked by the store)
        if not isinstance(model, TextClassifier):
            raise TypeError("not a TextClassifier")
        return model


def _with_priors(docs: list[Doc], labels: list[str], priors: Sequence[tuple[str, str]],
                 prior_classes: bool) -> tuple[list[Doc], list[str]]:
    """``docs`` and ``labels`` with each distinct prior text as one more example of its label;
    texts that several labels share are left out."""
    known = set(labels)
    owners: dict[str, set[str]] = {}
    for y, t in priors:
        if t and (prior_classes or y in known):
            owners.setdefault(t, set()).add(y)
    extra = [(next(iter(ys)), t) for t, ys in owners.items() if len(ys) == 1]
    return docs + [(t,) for _y, t in extra], labels + [y for y, _t in extra]
