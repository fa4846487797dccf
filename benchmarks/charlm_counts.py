"""What the counts of the text read cost a language model's scoring (not a test): a trained charlm's validation
text scored as one stream, as `rnnkit score --file` reads it, without the counts, with them in Python dicts
(`rnnkit.models.counts.tally`) and with them in C++ (`rnnkit/native/tally.cpp`), the three taking turns.

    python benchmarks/charlm_counts.py RUN [--data TEXT] [--repeats 3] [--threads 2]

RUN is a model folder of `rnnkit train charlm` (with a memory); its validation text is the last
``val_fraction`` of TEXT (by default the file it was trained on). Prints each time, the fastest of each, their
ratios, and each variant's loss in nats per character (the two with counts must agree).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import rnnkit  # noqa: E402
from rnnkit.models import counts  # noqa: E402
from rnnkit.models.language_model import LanguageModel, sequence_log_probs  # noqa: E402
from rnnkit.tasks.charlm import _split_point  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="a charlm model folder (its best/ is read)")
    ap.add_argument("--data", help="the text it was trained on (default: the file its config names)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="timings of each way; the fastest is reported (default %(default)s)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    lm = rnnkit.load(args.run)
    settings = lm.checkpoint.config["settings"]
    text = Path(args.data or settings["data"]).read_text(encoding="utf-8")
    ids = lm.vocab.encode_tensor(text, warn=False)[_split_point(len(text), settings["val_fraction"]):]
    config, weights, native_ops = lm.model.config(), lm.model.state_dict(), counts.native.ops
    variants = {"none": ([], native_ops), "python": (list(counts.DEFAULT_COUNTS), lambda: None),
                "c++": (list(counts.DEFAULT_COUNTS), native_ops)}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for repeat in range(args.repeats):
        for name, (lengths, ops) in variants.items():
            counts.native.ops = ops   # the Python dicts where the kernels are not offered
            model = LanguageModel(**{**config, "counts": lengths})
            model.load_state_dict(weights)
            model.eval()
            start = time.perf_counter()
            with torch.no_grad():
                loss = -float(sequence_log_probs(model, ids[:1], ids[1:], window=4096).mean())
            times[name].append(time.perf_counter() - start)
            print(f"{name:6s} run {repeat}: {times[name][-1]:.2f} s, {loss:.4f} nats/char", flush=True)
    counts.native.ops = native_ops
    best = {name: min(t) for name, t in times.items()}
    print(f"{ids.numel() - 1:,} characters, fastest of {args.repeats}: "
          + ", ".join(f"{name} {t:.2f} s" for name, t in best.items()))
    print(f"with the counts in Python {best['python'] / best['none']:.2f}x without them, in C++ "
          f"{best['c++'] / best['none']:.2f}x; C++ {best['python'] / best['c++']:.2f}x faster than Python")


if __name__ == "__main__":
    main()
