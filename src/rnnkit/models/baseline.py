"""TF-IDF logistic regression: the linear baseline a recurrent text classifier has to beat.

What a user gets: :class:`TfidfLogReg`, fitted on labelled texts, predicts labels of new ones. Its
features are TF-IDF weights (sublinear term frequency, L2-normalised) of word unigrams and bigrams
joined to those of character 2- to 5-grams inside word boundaries (so spelling variants, affixes and
unspaced scripts count too); the classifier is scikit-learn's ``LogisticRegression`` (L2), its inverse
regularisation ``C`` chosen on the validation texts from :data:`C_GRID`, as the recurrent model chooses
its checkpoint on them. scikit-learn is an optional dependency (``pip install 'rnnkit[baselines]'``);
without it :class:`TfidfLogReg` raises a one-line :class:`~rnnkit.errors.UserError`.

:class:`TfidfOneVsRest` is the baseline of a multi-label model: the same features, scikit-learn's
``OneVsRestClassifier`` over the same logistic regression (one a label, as the model's one sigmoid a
label), ``C`` chosen by validation micro-F1 at the model's threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from rnnkit.errors import UserError
from rnnkit.multilabel import DEFAULT_THRESHOLD, multi_hot, validation_scores, with_unseen

__all__ = ["C_GRID", "DESCRIPTION", "OVR_DESCRIPTION", "TfidfLogReg", "TfidfOneVsRest"]

C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
DESCRIPTION = "TF-IDF (word 1-2 grams + char 2-5 grams) logistic regression"
OVR_DESCRIPTION = "TF-IDF (word 1-2 grams + char 2-5 grams) one-vs-rest logistic regression"
MAX_CHAR_FEATURES = 300_000


def _sklearn() -> Any:
    try:
        from sklearn import feature_extraction, linear_model, pipeline
    except ImportError:
        raise UserError("--baseline needs scikit-learn: pip install 'rnnkit[baselines]'") from None
    return feature_extraction.text, linear_model, pipeline


class TfidfLogReg:
    """TF-IDF word and character n-grams → logistic regression; ``fit`` then ``predict``.

    After :meth:`fit`, ``C`` is the chosen regularisation and ``val_accuracy`` its accuracy on the
    validation texts.
    """

    def __init__(self) -> None:
        text, self._linear, pipeline = _sklearn()
        self.features = pipeline.FeatureUnion([
            ("word", text.TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")),
            ("char", text.TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                          max_features=MAX_CHAR_FEATURES)),
        ])
        self.model: Any = None
        self.C: float | None = None
        self.val_accuracy: float | None = None

    def fit(self, texts: Sequence[str], labels: Sequence[str], val_texts: Sequence[str],
            val_labels: Sequence[str]) -> TfidfLogReg:
        """Learn the vocabulary and IDF weights from ``texts``, then one model per ``C`` of :data:`C_GRID`;
        keep the most accurate on the validation texts (the smaller ``C`` on a tie)."""
        x = self.features.fit_transform(list(texts))
        x_val = self.features.transform(list(val_texts))
        for c in C_GRID:
            model = self._linear.LogisticRegression(C=c, max_iter=2000).fit(x, list(labels))
            accuracy = float((model.predict(x_val) == list(val_labels)).mean())
            if self.val_accuracy is None or accuracy > self.val_accuracy:
                self.model, self.C, self.val_accuracy = model, c, accuracy
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label of each text."""
        if self.model is None:
            raise RuntimeError("TfidfLogReg.predict before fit")
        return [str(y) for y in self.model.predict(self.features.transform(list(texts)))]


class TfidfOneVsRest(TfidfLogReg):
    """The multi-label baseline: :class:`TfidfLogReg`'s features, one logistic regression a label
    (scikit-learn's ``OneVsRestClassifier``); ``fit`` then ``probabilities``.

    ``labels`` are the model's, in the order of its outputs; a label on every training text (or on none)
    gets probability 1 (0), as a constant model gives it. After :meth:`fit`, ``C`` is the chosen
    regularisation and ``val_micro_f1`` its micro-F1 on the validation texts at ``threshold``.
    """

    def __init__(self, labels: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> None:
        super().__init__()
        self.labels = list(labels)
        self.threshold = threshold
        self.val_micro_f1: float | None = None
        self._fitted: list[int] = []          # the labels with a model: on some training texts, not all
        self._always = torch.zeros(len(self.labels), dtype=torch.bool)

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]],  # type: ignore[override]
            val_texts: Sequence[str], val_labels: Sequence[Sequence[str]]) -> TfidfOneVsRest:
        """Learn the features from ``texts``, then one model per ``C`` of :data:`C_GRID` on the multi-hot
        targets of ``labels`` (each text's list); keep the best validation micro-F1 (the smaller ``C`` on a
        tie)."""
        from sklearn.multiclass import OneVsRestClassifier

        x = self.features.fit_transform(list(texts))
        x_val = self.features.transform(list(val_texts))
        y = torch.tensor(multi_hot(labels, self.labels), dtype=torch.long).reshape(len(texts), len(self.labels))
        y_val = torch.tensor(multi_hot(val_labels, with_unseen(val_labels, self.labels)),  # unseen: missed
                             dtype=torch.long).reshape(len(val_texts), -1)
        self._always = y.bool().all(0)
        self._fitted = [k for k in range(len(self.labels)) if 0 < int(y[:, k].sum()) < len(texts)]
        if not self._fitted:
            raise UserError("--baseline: every label is on all of the training texts or on none; nothing to fit")
        for c in C_GRID:
            model = OneVsRestClassifier(self._linear.LogisticRegression(C=c, max_iter=2000))
            model.fit(x, y[:, self._fitted].numpy() if len(self._fitted) > 1 else y[:, self._fitted[0]].numpy())
            score = validation_scores(self._expand(model.predict_proba(x_val)), y_val, self.threshold)["micro_f1"]
            if self.val_micro_f1 is None or score > self.val_micro_f1:
                self.model, self.C, self.val_micro_f1 = model, c, score
        return self

    def _expand(self, probs: Any) -> Tensor:
        """(N, K) probabilities of every label from the fitted labels' (a single fitted label's model is a
        binary one: its second column)."""
        fitted = torch.as_tensor(probs, dtype=torch.float64)
        if len(self._fitted) == 1:
            fitted = fitted[:, -1:]
        out = self._always.to(torch.float64).expand(fitted.shape[0], -1).clone()
        out[:, self._fitted] = fitted
        return out

    def probabilities(self, texts: Sequence[str]) -> Tensor:
        """(N, K) probabilities of each label, in the order of ``labels``."""
        if self.model is None:
            raise RuntimeError("TfidfOneVsRest.probabilities before fit")
        return self._expand(self.model.predict_proba(self.features.transform(list(texts))))

    def predict(self, texts: Sequence[str]) -> list[list[str]]:  # type: ignore[override]
        """The labels of each text at or above ``threshold``."""
        return [[lab for lab, p in zip(self.labels, row, strict=True) if float(p) >= self.threshold]
                for row in self.probabilities(texts)]
