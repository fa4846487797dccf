"""TF-IDF logistic regression: the linear baseline a recurrent text classifier has to beat.

What a user gets: :class:`TfidfLogReg`, fitted on labelled texts, predicts labels of new ones. Its
features are TF-IDF weights (sublinear term frequency, L2-normalised) of word unigrams and bigrams
joined to those of character 2- to 5-grams inside word boundaries (so spelling variants, affixes and
unspaced scripts count too); the classifier is scikit-learn's ``LogisticRegression`` (L2), its inverse
regularisation ``C`` chosen on the validation texts from :data:`C_GRID`, as the recurrent model chooses
its checkpoint on them. scikit-learn is an optional dependency (``pip install 'rnnkit[baselines]'``);
without it :class:`TfidfLogReg` raises a one-line :class:`~rnnkit.errors.UserError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rnnkit.errors import UserError

__all__ = ["C_GRID", "DESCRIPTION", "TfidfLogReg"]

C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
DESCRIPTION = "TF-IDF (word 1-2 grams + char 2-5 grams) logistic regression"
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
