"""A plain char-LSTM script, written without rnnkit, as the yardstick for `rnnkit train charlm`.

Issue 4 compares rnnkit with "a plain 60-line 2x256 LSTM script" trained for 90 s. This is such a
script, so that the comparison is made on rnnkit's own Shakespeare conversion and validation split
(the last 10%): torch.nn.Embedding -> torch.nn.LSTM(2 x 256) -> torch.nn.Linear, random windows of
``--seq-len`` characters (no state carried), Adam, gradient clipping at 5, fp32, a wall-clock budget.
Only the text loading comes from rnnkit (the corpus conversion), and the validation loss is measured
the way benchmarks/charlm.py measures rnnkit's models without a memory (64 streams, state carried, nats
per character).

    python benchmarks/charlm_plain.py --seconds 90 --threads 2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import torch
from torch import nn

from rnnkit.data.text import load_text


class CharLSTM(nn.Module):
    """Embedding -> LSTM -> linear: the textbook character language model."""

    def __init__(self, vocab: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.lstm = nn.LSTM(64, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x: torch.Tensor, state: tuple | None = None) -> tuple[torch.Tensor, tuple]:
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


@torch.no_grad()
def evaluate(model: CharLSTM, ids: torch.Tensor, streams: int = 64, window: int = 256) -> float:
    """Mean nats per character over ``ids`` cut into ``streams`` rows, state carried window to window."""
    model.eval()
    n = (len(ids) - 1) // streams
    x_all = ids[: n * streams].view(streams, n)
    y_all = ids[1: n * streams + 1].view(streams, n)
    total, count, state = 0.0, 0, None
    for t in range(0, n, window):
        logits, state = model(x_all[:, t:t + window], state)
        total += nn.functional.cross_entropy(logits.flatten(0, 1), y_all[:, t:t + window].flatten(),
                                             reduction="sum").item()
        count += y_all[:, t:t + window].numel()
    model.train()
    return total / count


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="shakespeare", help="the text to train on (default %(default)s)")
    p.add_argument("--seconds", type=float, default=90.0, help="training time (default %(default)s)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    p.add_argument("--hidden", type=int, default=256, help="hidden units of each LSTM layer (default %(default)s)")
    p.add_argument("--layers", type=int, default=2, help="LSTM layers (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=64, help="streams a batch (default %(default)s)")
    p.add_argument("--seq-len", type=int, default=128,
                   help="characters a window (truncated BPTT) (default %(default)s)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and the batches (default %(default)s)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    text = load_text(args.data)
    split = len(text) - int(len(text) * 0.1)
    chars = sorted(set(text[:split]))
    index = {c: i for i, c in enumerate(chars)}
    train = torch.tensor([index[c] for c in text[:split]], dtype=torch.long)
    val = torch.tensor([index.get(c, 0) for c in text[split:]], dtype=torch.long)

    model = CharLSTM(len(chars), args.hidden, args.layers)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        offsets = torch.randint(0, len(train) - args.seq_len - 1, (args.batch_size,))
        rows = torch.stack([train[o:o + args.seq_len + 1] for o in offsets.tolist()])
        logits, _ = model(rows[:, :-1])
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), rows[:, 1:].flatten())
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        steps += 1
    seconds = time.perf_counter() - start
    val_loss = evaluate(model, val)
    print(json.dumps({
        "script": "plain", "hidden": args.hidden, "layers": args.layers, "batch_size": args.batch_size,
        "seq_len": args.seq_len, "lr": args.lr, "steps": steps, "train_seconds": round(seconds, 1),
        "chars_per_s": round(steps * args.batch_size * args.seq_len / seconds),
        "val_full": round(val_loss, 4), "val_bits_per_char": round(val_loss / math.log(2), 4),
        "threads": args.threads, "load1": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
