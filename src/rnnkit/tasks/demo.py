"""`rnnkit demo`: the textbook example end to end.

``rnnkit demo --hello`` trains a tiny Elman RNN on the word "hello" with one-hot characters: it sees
h, e, l, l and must predict e, l, l, o. The second "l" is the point: the input is the same "l" both
times, so only the hidden state can tell "l → l" from "l → o". It prints the prediction at every step
and the loss falling, in a second or two.
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

from rnnkit.recurrent import Recurrent


def run_hello(steps: int = 100, hidden: int = 8, cell: str = "rnn_tanh", seed: int = 0, lr: float = 0.02) -> float:
    """Train on "hello" and print each step's predictions; returns the final loss."""
    torch.manual_seed(seed)
    word = "hello"
    chars = sorted(set(word))  # e, h, l, o
    index = {c: i for i, c in enumerate(chars)}
    x = nn.functional.one_hot(torch.tensor([index[c] for c in word[:-1]]), len(chars)).float().unsqueeze(1)
    y = torch.tensor([index[c] for c in word[1:]])
    rnn = Recurrent(cell, len(chars), hidden)
    head = nn.Linear(hidden, len(chars))
    opt = torch.optim.Adam([*rnn.parameters(), *head.parameters()], lr=lr)
    print(f"{cell} with {hidden} hidden units learns 'hello': inputs {' '.join(word[:-1])} -> targets "
          f"{' '.join(word[1:])}  (vocabulary {''.join(chars)}, one-hot)")
    loss_value = float("nan")
    for step in range(steps + 1):
        out, _ = rnn(x)
        logits = head(out.squeeze(1))
        loss = nn.functional.cross_entropy(logits, y)
        loss_value = loss.item()
        if step % 10 == 0 or step == steps:
            pred = logits.argmax(-1).tolist()
            pairs = "  ".join(f"{a}->{chars[p]}" for a, p in zip(word[:-1], pred, strict=True))
            ok = sum(int(p == t) for p, t in zip(pred, y.tolist(), strict=True))
            print(f"step {step:3d}  loss {loss_value:.4f}  {pairs}   {ok}/4 right")
        if step < steps:
            opt.zero_grad()
            loss.backward()
            opt.step()
    return loss_value


def _main(args: argparse.Namespace) -> int:
    run_hello(steps=args.steps, hidden=args.hidden, cell=args.cell, seed=args.seed)
    return 0


def register(verbs: argparse._SubParsersAction, train_verbs: argparse._SubParsersAction) -> None:
    p = verbs.add_parser("demo", help="the textbook 'hello' example: a tiny RNN learns to predict the next character")
    p.add_argument("--hello", action="store_true", help="run the 'hello' example (the default for now)")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--hidden", type=int, default=8)
    p.add_argument("--cell", default="rnn_tanh")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_main)
