"""rnnkit's dropout masks against torch's on the CPU: the op alone and a language model's training update.

Two questions, both answered by interleaved rounds in one process (torch's masks, rnnkit's, torch's,
rnnkit's, ...; the ratio is the median over rounds of each round's ratio, so the machine's speed
drifting between rounds moves it less than it moves the times):

1. ``dropout`` alone on the tensors of the 10-minute language model (2 × 384, batch 16 × window 64):
   the embeddings (16·64·64), a layer's output (16·64·384) and a W_hh (1536 × 384).
2. Training updates of that model as ``rnnkit train charlm`` runs them, timed by the trainer's probe
   ``rnnkit.train.tbptt.training_rate`` (bf16 autocast where the CPU has it, truncated BPTT loss,
   backward, clipping, AdamW; two seconds a probe, a third as many rounds): dropout 0.1 on the
   embeddings and the output, weight drop 0.25 on each W_hh (what ``auto_weight_drop`` chooses at the
   cap), with rnnkit's masks and with ``torch.nn.functional.dropout`` put back in their place. The
   between-layer dropout stays inside torch's fused kernel in both.

    python benchmarks/dropout_speed.py [--rounds 30] [--threads 2]
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import statistics
from collections.abc import Iterator

import torch
from torch.nn import functional as F

import rnnkit.dropout
import rnnkit.recurrent
import rnnkit.regularisers
from rnnkit.dropout import dropout
from rnnkit.models.language_model import LanguageModel
from rnnkit.tasks.bench import interleaved
from rnnkit.train.tbptt import training_rate
from rnnkit.train.trainer import resolved_precision

_USERS = (rnnkit.dropout, rnnkit.recurrent, rnnkit.regularisers)  # the modules that call ``dropout``


@contextlib.contextmanager
def torch_masks() -> Iterator[None]:
    """Inside the block every rnnkit dropout is ``torch.nn.functional.dropout``."""
    saved = [m.dropout for m in _USERS]
    for m in _USERS:
        m.dropout = lambda x, p=0.5, training=True, inplace=False: F.dropout(x, p, training, inplace)
    try:
        yield
    finally:
        for m, fn in zip(_USERS, saved, strict=True):
            m.dropout = fn


def report(what: str, times: dict[str, list[float]], unit: float, unit_name: str) -> None:
    torch_t, ours = times["torch"], times["rnnkit"]
    ratio = statistics.median(t / o for t, o in zip(torch_t, ours, strict=True))
    print(f"| {what} | {statistics.median(torch_t) * unit:.2f} {unit_name} | "
          f"{statistics.median(ours) * unit:.2f} {unit_name} | {ratio:.2f}× |")


def op_rounds(rounds: int) -> None:
    print("| tensor | torch's masks | rnnkit's | speed-up (median of rounds) |\n| --- | ---: | ---: | ---: |")
    for what, shape, p in [("embeddings 16·64·64, p 0.1", (64, 16, 64), 0.1),
                           ("layer output 16·64·384, p 0.1", (64, 16, 384), 0.1),
                           ("W_hh 1536 × 384, p 0.25", (1536, 384), 0.25)]:
        x = torch.randn(shape, requires_grad=True)
        fns = {"torch": lambda x=x, p=p: F.dropout(x, p, True).sum().backward(),
               "rnnkit": lambda x=x, p=p: dropout(x, p).sum().backward()}
        times: dict[str, list[float]] = interleaved(fns, rounds * 10, summary=list)  # type: ignore[assignment]
        report(what, times, 1e3, "ms")


def step_rounds(rounds: int, precision: str) -> None:
    """Training updates a second of the 10-minute model, by the trainer's own probe (``training_rate``),
    with rnnkit's masks and with torch's taking turns; reported as milliseconds an update."""
    torch.manual_seed(0)
    model = LanguageModel(66, hidden_size=384, num_layers=2, embed_dim=64, dropout=0.1, weight_drop=0.25)
    chars = 16 * 64  # one update: 16 streams × a 64-character window
    seconds: dict[str, list[float]] = {"torch": [], "rnnkit": []}
    for _ in range(max(rounds // 3, 1)):
        with torch_masks():
            seconds["torch"].append(chars / training_rate(model, 66, 16, 64, precision=precision, seconds=2))
        seconds["rnnkit"].append(chars / training_rate(model, 66, 16, 64, precision=precision, seconds=2))
    print(f"\n| training update, 2 × 384, {precision} | torch's masks | rnnkit's | speed-up (median of rounds) |"
          "\n| --- | ---: | ---: | ---: |")
    report("one update (16 × 64 characters)", seconds, 1e3, "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30,
                        help="interleaved rounds; the ratio is their median (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                        help="the training update's precision, as the trainer's --precision (default %(default)s)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    precision = resolved_precision(args.precision)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, {args.threads} threads\n")
    op_rounds(args.rounds)
    step_rounds(args.rounds, precision)


if __name__ == "__main__":
    main()
