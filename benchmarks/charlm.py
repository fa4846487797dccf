"""Character language model benchmarks (run by hand; results in docs/CHARLM.md).

    python benchmarks/charlm.py quality --out runs/q1 -- --minutes 1.5      # train + full validation
    python benchmarks/charlm.py sample runs/q1 --length 5000 --threads 1   # chars/s of `rnnkit sample`
    python benchmarks/charlm.py memory --mb 1 50                           # peak RSS vs text size
    python benchmarks/charlm.py ensemble --file val.txt runs/a runs/b      # mean of the models' probabilities

``quality`` passes everything after ``--`` to ``rnnkit train charlm --data shakespeare``, then scores
the whole validation split (not just the ``--eval-chars`` prefix the trainer reads) with the best
checkpoint, read as the trainer reads it (64 streams; a model with a memory of the text read in streams
of at least two of its blocks, one for most texts), and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

import rnnkit


def quality(args: argparse.Namespace) -> None:
    from rnnkit.cli import main
    from rnnkit.data.text import load_text
    from rnnkit.tasks.charlm import _eval_fn

    if args.threads:
        torch.set_num_threads(args.threads)
    argv = ["train", "charlm", "--data", args.data, "--out", args.out, "--no-progress", "--json", *args.train]
    t0 = time.perf_counter()
    status = main(argv)
    wall = time.perf_counter() - t0
    if status:
        sys.exit(status)
    lm = rnnkit.load(args.out)
    model, vocab, ckpt = lm.model, lm.vocab, lm.checkpoint
    text = load_text(args.data)
    frac = ckpt.config["settings"]["val_fraction"]
    val = vocab.encode_tensor(text[len(text) - int(len(text) * frac):], warn=False)
    t1 = time.perf_counter()
    with torch.no_grad():
        full = _eval_fn(val, 0, model.match is not None)(model)
    ts = ckpt.trainer_state
    print(json.dumps({
        "out": args.out, "argv": args.train, "wall_s": round(wall, 1),
        "train_seconds": round(ts.get("train_seconds", 0.0), 1), "steps": ts.get("step"),
        "tokens": ts.get("tokens"), "val_subset": ts.get("best_metric"), "val_full": round(full["loss"], 4),
        "val_full_chars": int(full["tokens"]), "eval_s": round(time.perf_counter() - t1, 1),
        "threads": torch.get_num_threads(), "load1": round(os.getloadavg()[0], 2),
    }), flush=True)


def sample_speed(args: argparse.Namespace) -> None:
    from rnnkit.models.language_model import generate

    torch.set_num_threads(args.threads)
    lm = rnnkit.load(args.dir)
    model, vocab = lm.model, lm.vocab
    prime = vocab.encode_tensor("\n")
    gen = torch.Generator().manual_seed(0)
    for _ in generate(model, prime, 200, generator=gen):  # warm-up
        pass
    t0 = time.perf_counter()
    n = sum(1 for _ in generate(model, prime, args.length, generator=gen, banned=[0]))
    dt = time.perf_counter() - t0
    print(json.dumps({"dir": args.dir, "chars": n, "seconds": round(dt, 3), "chars_per_s": round(n / dt),
                      "threads": args.threads, "load1": round(os.getloadavg()[0], 2)}))


def ensemble(args: argparse.Namespace) -> None:
    """Score ``--file`` statically with each model and with the mean of their probabilities (the text read as
    ``rnnkit score`` reads it: :meth:`~rnnkit.tasks.charlm.CharLM.scoring_ids`)."""
    from rnnkit.models.language_model import sequence_log_probs

    torch.set_num_threads(args.threads)
    text = Path(args.file).read_text(encoding="utf-8")
    models = [rnnkit.load(d) for d in args.dirs]
    if any(lm.vocab.itos != models[0].vocab.itos for lm in models):
        sys.exit("the models' vocabularies differ; an ensemble needs models trained on the same text")
    context, targets, known = models[0].scoring_ids(text)
    if not known.any():
        sys.exit(f"{args.file}: no character of the models' vocabulary to score")
    log_probs = []
    for d, lm in zip(args.dirs, models, strict=True):
        log_probs.append(sequence_log_probs(lm.model, context, targets)[known].double())
        print(json.dumps({"model": d, "nats_per_char": round(-float(log_probs[-1].mean()), 4)}), flush=True)
    mixed = torch.logsumexp(torch.stack(log_probs), 0) - math.log(len(log_probs))
    print(json.dumps({"ensemble": args.dirs, "nats_per_char": round(-float(mixed.mean()), 4),
                      "chars": int(known.sum())}), flush=True)


def _memory_child(mb: float, steps: int) -> None:
    import random

    from rnnkit.cli import main

    torch.set_num_threads(1)
    words = ["thee", "thou", "lord", "king", "love", "night", "speak", "heaven", "sweet", "death"]
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:  # the text and the run, removed after
        path = Path(tmp) / "big.txt"
        target = int(mb * 1_000_000)
        with open(path, "w", encoding="utf-8") as fh:
            block = " ".join(rng.choice(words) for _ in range(20_000)) + "\n"
            written = 0
            while written < target:
                fh.write(block)
                written += len(block)
        size = path.stat().st_size
        out = path.parent / "run"
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        main(["train", "charlm", "--data", str(path), "--out", str(out), "--steps", str(steps), "--hidden", "256",
              "--layers", "2", "--batch-size", "64", "--seq-len", "128", "--eval-every", str(steps),
              "--eval-chars", "100000", "--no-progress"])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"text_mb": round(size / 1e6, 1), "peak_rss_mb": round(peak / 1024, 1),
                          "before_train_mb": round(base / 1024, 1),
                          "peak_minus_text_mb": round(peak / 1024 - size / 2**20, 1)}), flush=True)


def memory(args: argparse.Namespace) -> None:
    for mb in args.mb:
        subprocess.run([sys.executable, __file__, "_memory_child", str(mb), str(args.steps)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--out", required=True, help="the run directory that `rnnkit train charlm` writes")
    q.add_argument("--data", default="shakespeare", help="the text to train on (default %(default)s)")
    q.add_argument("--threads", type=int, default=None,
                   help="torch threads (default: torch's own choice)")
    q.add_argument("train", nargs=argparse.REMAINDER, help="further `rnnkit train charlm` flags, after --")
    s = sub.add_parser("sample")
    s.add_argument("dir", help="a trained charlm run directory")
    s.add_argument("--length", type=int, default=5000, help="characters to sample (default %(default)s)")
    s.add_argument("--threads", type=int, default=1, help="torch threads (default %(default)s)")
    m = sub.add_parser("memory")
    m.add_argument("--mb", type=float, nargs="+", default=[1, 50],
                   help="sizes of text to train on, in MB (one run each) (default %(default)s)")
    m.add_argument("--steps", type=int, default=20, help="training steps of each run (default %(default)s)")
    e = sub.add_parser("ensemble")
    e.add_argument("dirs", nargs="+", help="the trained charlm run directories to average")
    e.add_argument("--file", required=True, help="the text file to score")
    e.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    c = sub.add_parser("_memory_child")
    c.add_argument("mb", type=float, help="size of the text to train on, in MB")
    c.add_argument("steps", type=int, help="training steps")
    args = parser.parse_args()
    if args.cmd == "quality":
        if args.train and args.train[0] == "--":
            args.train = args.train[1:]
        quality(args)
    elif args.cmd == "sample":
        sample_speed(args)
    elif args.cmd == "memory":
        memory(args)
    elif args.cmd == "ensemble":
        ensemble(args)
    else:
        _memory_child(args.mb, args.steps)


if __name__ == "__main__":
    main()
