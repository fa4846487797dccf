"""How much faster is an update of a later pass when training replays the memory's offers? (run by hand;
docs/CHARLM.md, "A memory of the text read")

Two copies of the character model with a memory train on the same text, 16 streams x 64 characters a
window, bf16 autocast as the trainer uses on this CPU: one with the trainer's loss as charlm builds it
(``replayed(tbptt_lm_loss)``: the offers of the first pass recorded, later passes read them back), one
with the plain loss (the tables built in every pass). Both first make one untimed pass, then take turns,
``--chunk`` updates at a time for ``--rounds`` rounds, so a change in the machine's load falls on both.
Prints each one's time per update in the second pass and their ratio.

    python benchmarks/charlm_replay.py --text shakes1m.txt --layers 2 --hidden 384
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import torch

from rnnkit.models.language_model import LanguageModel
from rnnkit.models.match import DEFAULT_ORDERS, replayed
from rnnkit.recurrent import detach_state
from rnnkit.train.tbptt import StreamBatches, tbptt_lm_loss


def make(ids: torch.Tensor, vocab: int, args: argparse.Namespace, replay: bool) -> dict[str, Any]:
    torch.manual_seed(0)
    model = LanguageModel(vocab, hidden_size=args.hidden, num_layers=args.layers, dropout=0.06,
                          weight_drop=0.15 if args.layers > 1 else 0.0, memory=DEFAULT_ORDERS).train()
    return {"model": model, "opt": torch.optim.AdamW(model.parameters(), lr=1e-3), "state": None,
            "batches": StreamBatches(ids, 16, 64),
            "loss": replayed(tbptt_lm_loss, DEFAULT_ORDERS) if replay else tbptt_lm_loss}


def step(run: dict[str, Any]) -> None:
    batch = run["batches"].next_batch()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, _, run["state"] = run["loss"](run["model"], batch, run["state"])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(run["model"].parameters(), 5.0)
    run["opt"].step()
    run["opt"].zero_grad(set_to_none=True)
    run["state"] = detach_state(run["state"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", required=True, help="a UTF-8 text; its first --chars characters are read")
    parser.add_argument("--chars", type=int, default=900_000,
                        help="characters of text to train on (default %(default)s)")
    parser.add_argument("--layers", type=int, default=2, help="LSTM layers (default %(default)s)")
    parser.add_argument("--hidden", type=int, default=384, help="hidden units of each layer (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=12,
                        help="rounds of the two copies in turns (default %(default)s)")
    parser.add_argument("--chunk", type=int, default=40,
                        help="updates of one copy before the other's turn (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default %(default)s)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.text, encoding="utf-8") as f:
        text = f.read(args.chars)
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.int16)
    runs = {"replayed": make(ids, len(chars), args, True), "tables": make(ids, len(chars), args, False)}
    per_pass = runs["replayed"]["batches"].windows_per_epoch
    for name, run in runs.items():
        start = time.perf_counter()
        for _ in range(per_pass):
            step(run)
        print(f"{name}: first pass, {per_pass} updates, {time.perf_counter() - start:.1f} s", flush=True)
    spent = dict.fromkeys(runs, 0.0)
    for _ in range(args.rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            for _ in range(args.chunk):
                step(run)
            spent[name] += time.perf_counter() - start
    updates = args.rounds * args.chunk
    print(f"{args.layers} x {args.hidden}, second pass, {updates} updates each: "
          + ", ".join(f"{name} {1000 * s / updates:.1f} ms/update" for name, s in spent.items())
          + f"; replayed is {spent['tables'] / spent['replayed']:.3f}x as fast")


if __name__ == "__main__":
    main()
