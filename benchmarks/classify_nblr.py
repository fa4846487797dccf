"""Is naive-Bayes-scaled logistic regression (Wang & Manning 2012's NBSVM, with a logistic loss) a stronger
linear model than the TF-IDF baseline? (run by hand; docs/CLASSIFY.md, "Tried on the bag")

For each corpus and split (80/20, stratified, ``--split-seed``), both models learn from the same 90 % of the
training side and choose their ``C`` on the same 10 % (the validation split ``rnnkit train classify`` makes,
stratified with seed 0), then are scored once on the test side. NB-LR's features are binary word 1-2-grams
and character 2-5-grams inside word boundaries (the baseline's n-grams), each scaled by its log-count ratio
``r = log((p / |p|) / (q / |q|))`` with add-one counts over the two classes' texts; ``--words`` drops the
character n-grams. Two-class corpora only. Prints each split and the paired gap to the baseline, mean ±
standard error over the splits. Needs scikit-learn; about three minutes for the five corpora on ten splits.

    python benchmarks/classify_nblr.py --split-seed 20-29
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from rnnkit.data.polarity import load_corpus
from rnnkit.data.split import stratified_split
from rnnkit.models.baseline import TfidfLogReg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classify_bag_variants import split_seeds  # noqa: E402
from classify_corpora import CORPORA  # noqa: E402

C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # smaller than the baseline's: the scaled features are larger


def features(words_only: bool) -> Any:
    words = CountVectorizer(ngram_range=(1, 2), binary=True, token_pattern=r"(?u)\b\w+\b")
    if words_only:
        return words
    chars = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), binary=True, max_features=300_000)
    return FeatureUnion([("word", words), ("char", chars)])


def nb_lr(fit: tuple[list[str], list[str]], val: tuple[list[str], list[str]], test: list[str],
          words_only: bool) -> tuple[np.ndarray, float]:
    """NB-LR's predictions on ``test`` and the ``C`` it chose on ``val``."""
    f = features(words_only)
    x, y = f.fit_transform(fit[0]), np.array(fit[1])
    positive = sorted(set(fit[1]))[1]
    p = 1 + np.asarray(x[y == positive].sum(0)).ravel()
    q = 1 + np.asarray(x[y != positive].sum(0)).ravel()
    scale = sparse.diags(np.log((p / p.sum()) / (q / q.sum())))
    xs, xv, xt = x @ scale, f.transform(val[0]) @ scale, f.transform(test) @ scale
    best: tuple[float, Any, float] | None = None
    for c in C_GRID:
        model = LogisticRegression(C=c, max_iter=3000).fit(xs, y)
        accuracy = float((model.predict(xv) == np.array(val[1])).mean())
        if best is None or accuracy > best[0]:
            best = (accuracy, model, c)
    assert best is not None
    return best[1].predict(xt), best[2]


def run_split(corpus: str, split: int, words_only: bool) -> float:
    """Print the split's two accuracies; return NB-LR's minus the baseline's, in points."""
    table = load_corpus(corpus)
    train, test = stratified_split(table.labels, 0.2, split)
    labels = [table.labels[i] for i in train]
    fit_i, val_i = stratified_split(labels, 0.1, 0)
    fit = ([table.texts[train[i]] for i in fit_i], [labels[i] for i in fit_i])
    val = ([table.texts[train[i]] for i in val_i], [labels[i] for i in val_i])
    texts, truth = [table.texts[i] for i in test], np.array([table.labels[i] for i in test])
    baseline = float((np.array(TfidfLogReg().fit(*fit, *val).predict(texts)) == truth).mean())
    predicted, c = nb_lr(fit, val, texts, words_only)
    accuracy = float((predicted == truth).mean())
    print(f"{corpus} split {split}: NB-LR {accuracy:.3f} (C {c:g}), TF-IDF LR {baseline:.3f}", flush=True)
    return 100 * (accuracy - baseline)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--split-seed", default="20-29", help="a seed or a range such as 20-29")
    p.add_argument("--corpus", action="append", help="a corpus of the tarball (repeat; default: all five)")
    p.add_argument("--words", action="store_true", help="word 1-2-grams only, no character n-grams")
    a = p.parse_args()
    rows = []
    for corpus in a.corpus or CORPORA:
        gaps = [run_split(corpus, s, a.words) for s in split_seeds(a.split_seed)]
        se = np.std(gaps, ddof=1) / math.sqrt(len(gaps)) if len(gaps) > 1 else float("nan")
        rows.append(f"| {corpus} | {np.mean(gaps):+.2f} ± {se:.2f} | {sum(g > 0 for g in gaps)} / "
                    f"{sum(g == 0 for g in gaps)} / {sum(g < 0 for g in gaps)} |")
    print("\n| corpus | NB-LR − TF-IDF LR, points | splits above / level / below |\n| --- | ---: | :---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
