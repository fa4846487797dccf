"""Whether a character language model's one-stream work is faster on one torch thread or on torch's count (not
a test): sampling (`rnnkit sample`, the demo's closing sample: one character at a time, batch 1), fixed at 1
thread, at ``--threads``, and with the count chosen from its first steps (``auto``, what sampling does unless
told), and the validation evaluation of a model with a memory (`rnnkit.tasks.charlm`: a few long streams side by
side) at 1 and at ``--threads``; taking turns, the order reversed every round; alone, or with ``--busy`` beside
one single-threaded Python spin loop (a subprocess, as in busy_machine.py).

    python benchmarks/decode_threads.py RUN [--length 1000] [--rounds 3] [--threads 2] [--eval-chars 0] [--busy]

RUN is a model folder of `rnnkit train charlm` (``rnnkit demo`` writes runs/demo); its validation text is the
last ``val_fraction`` of the text it was trained on (``--eval-chars N``: its first N characters only). Prints
each time, the median of each, and the ratio of one thread's time to the other's (below 1: one thread faster).
The sampled text and the validation loss must be the same with either count (checked).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import rnnkit  # noqa: E402
from rnnkit.tasks import charlm  # noqa: E402
from rnnkit.tasks._charlm_data import _read  # noqa: E402


def _timed(fn: Callable[[], Any], threads: int) -> tuple[float, Any]:
    torch.set_num_threads(threads)   # sampling's "auto" chooses up to this count
    start = time.perf_counter()
    with torch.no_grad():
        out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="a charlm model folder (its best/ is read)")
    ap.add_argument("--length", type=int, default=1000, help="characters sampled each time")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of the thread settings in turns (default %(default)s)")
    ap.add_argument("--threads", type=int, default=2, help="the count compared with 1")
    ap.add_argument("--eval-chars", type=int, default=0, help="validation characters evaluated (0: all)")
    ap.add_argument("--busy", action="store_true", help="beside one single-threaded spin loop")
    args = ap.parse_args()
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        measure(args)
    finally:
        if spin is not None:
            spin.kill()
            spin.wait()


def measure(args: argparse.Namespace) -> None:
    lm = rnnkit.load(args.run)
    settings = lm.checkpoint.config["settings"]
    ids, _, cut, _ = _read(settings["data"], settings["val_fraction"], lm.checkpoint)
    val = ids[cut:].long()
    evaluate = charlm._eval_fn(val, args.eval_chars, settings.get("memory", False))
    def sample(fixed: bool) -> Callable[[], str]:
        return lambda: lm.sample("ROMEO:\n", length=args.length, seed=0,
                                 threads=torch.get_num_threads() if fixed else None)

    work = {"sample": (sample(True), [1, args.threads]), "sample auto": (sample(False), [args.threads]),
            "evaluate": (lambda: evaluate(lm.model)["loss"], [1, args.threads])}
    print(f"{lm.model.cell}, validation {val.numel():,} characters ({args.eval_chars or val.numel():,} evaluated), "
          f"sample {args.length:,} characters, 1 thread against {args.threads}"
          f"{', beside a busy process' if args.busy else ''}", flush=True)
    runs = [(name, n) for name, (_, counts) in work.items() for n in counts]
    times: dict[tuple[str, int], list[float]] = {run: [] for run in runs}
    results: dict[str, set[Any]] = {"sample": set(), "evaluate": set()}
    for r in range(args.rounds):
        for name, n in runs if r % 2 == 0 else runs[::-1]:
            seconds, out = _timed(work[name][0], n)
            times[name, n].append(seconds)
            results[name.split()[0]].add(out)
            print(f"round {r} {name:11s} up to {n} thread(s): {seconds:.2f} s", flush=True)
    median = {run: statistics.median(t) for run, t in times.items()}
    for name in ("sample", "evaluate"):
        one, many = median[name, 1], median[name, args.threads]
        same = "the same" if len(results[name]) == 1 else f"DIFFERENT ({len(results[name])} results)"
        print(f"{name}: median 1 thread {one:.2f} s, {args.threads} threads {many:.2f} s, ratio 1/{args.threads} "
              f"{one / many:.2f}; output {same} with every count")
    auto, fixed = median["sample auto", args.threads], min(median["sample", 1], median["sample", args.threads])
    print(f"sample auto: median {auto:.2f} s, {auto / fixed:.2f}x the time of the faster fixed count")


if __name__ == "__main__":
    main()
