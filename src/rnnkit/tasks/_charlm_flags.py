"""The flags of ``rnnkit train charlm``, ``rnnkit sample`` and ``rnnkit score``, with their help;
:mod:`rnnkit.tasks.charlm` registers them."""

from __future__ import annotations

import argparse

from rnnkit.cells import CELLS
from rnnkit.data.utf8 import utf8_argument
from rnnkit.models.dynamic_eval import DYNAMIC_LR, DYNAMIC_SEGMENT, RMS_LR
from rnnkit.tasks._charlm_config import CharLMConfig
from rnnkit.tasks._charlm_size import (
    DEEP_MODEL_CHARS,
    DEEP_MODEL_PASSES,
    DROPOUT_CAP,
    DROPOUT_FREE_PASSES,
    PLANNING_RATE,
    PLANNING_RATE_FP32,
    WIDE_MODEL_CHARS,
)


def _sample_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--prime", type=utf8_argument("--prime"), help="text to start from (printed first)")
    sp.add_argument("--prime-file", metavar="FILE", help="start from the text of a UTF-8 file, read as training "
                    "reads its text (printed first; not with --prime)")
    sp.add_argument("--length", type=int, default=500, help="characters to generate (default 500)")
    sp.add_argument("--temperature", type=float, default=0.8, help="softmax temperature, 0 = greedy (default 0.8)")
    sp.add_argument("--top-k", type=int, default=None, help="sample only among the k most likely characters")
    sp.add_argument("--top-p", type=float, default=1.0, metavar="P",
                    help="nucleus sampling: only among the fewest most likely characters whose probabilities "
                         "reach P (default 1 = off; 0.9 is common)")
    sp.add_argument("--seed", type=int, default=None, help="random seed (same seed, same text)")
    sp.add_argument("--verbose", action="store_true", help="print the speed on stderr")
    sp.add_argument("--json", action="store_true", help="one JSON object: the text (the prime and what follows it) "
                    "and the settings that drew it, the seed too (a seed of the clock where none was given)")


def _score_arguments(sc: argparse.ArgumentParser) -> None:
    sc.add_argument("texts", nargs="*", metavar="TEXT", type=utf8_argument("TEXT"))
    sc.add_argument("--file", action="append", metavar="PATH",
                    help="score the text of a UTF-8 file (repeatable; - reads standard input, whole, as one text)")
    sc.add_argument("--json", action="store_true", help="one JSON object with every result")
    sc.add_argument("--dynamic", action="store_true",
                    help="dynamic evaluation: the model keeps learning from each text as it reads it, each "
                    "character scored before the model trains on it (Krause et al. 2018)")
    sc.add_argument("--dynamic-method", choices=("rms", "sgd"), default=None,
                    help="with --dynamic: rms, Krause et al.'s step normalised by the weights' gradient statistics "
                    "from training (the default for a model that carries them), or sgd, a plain SGD step (the "
                    "default for a model saved by an older rnnkit)")
    sc.add_argument("--dynamic-lr", type=float, default=None,
                    help=f"with --dynamic: step size on each segment's mean loss (default {RMS_LR:g} for rms, "
                    f"{DYNAMIC_LR:g} for sgd)")
    sc.add_argument("--segment", type=int, default=None,
                    help=f"with --dynamic: characters scored between two updates (default {DYNAMIC_SEGMENT})")


def _minutes(chars: int) -> str:
    """The ``--minutes`` budget that plans ``chars`` characters: in bf16, and in fp32 on a CPU without fast bf16."""
    return (f"about {chars / PLANNING_RATE / 60:.0f} minutes in bf16, {chars / PLANNING_RATE_FP32 / 60:.0f} on a CPU "
            "without fast bf16")


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = CharLMConfig()
    p.add_argument("--data", help="'shakespeare', 'korean' or the path of a UTF-8 text file")
    p.add_argument("--out", help="model directory to write (best/, last/, metrics.jsonl, loss.png)")
    p.add_argument("--cell", choices=list(CELLS), help=f"recurrent cell (default {d.cell})")
    p.add_argument("--hidden", type=int, help="hidden units per layer (default: from the budget: 384, or 512 for "
                   f"budgets of {WIDE_MODEL_CHARS / 1e6:g} M characters and more, {_minutes(WIDE_MODEL_CHARS)}; 384 "
                   "when stacked)")
    p.add_argument("--layers", type=int, help="stacked layers (default: from the budget: 1, or 2 for budgets of "
                   f"{DEEP_MODEL_CHARS / 1e6:g} M characters and more, {_minutes(DEEP_MODEL_CHARS)}, that read the "
                   f"text {DEEP_MODEL_PASSES} times or more; 1 when --hidden is given)")
    p.add_argument("--embed-dim", type=int, help=f"character embedding size (default {d.embed_dim})")
    p.add_argument("--seq-len", type=int, help=f"truncated-BPTT window in characters (default {d.seq_len})")
    p.add_argument("--shift", type=int, help="characters between window starts (default: --seq-len)")
    p.add_argument("--batch-size", type=int, help=f"parallel streams (default {d.batch_size})")
    p.add_argument("--dropout", type=float, help="dropout on the embeddings, between layers and before the output "
                   f"(default: from the budget: none up to {DROPOUT_FREE_PASSES} passes over the text, then 0.1 per "
                   f"doubling beyond 4, at most {DROPOUT_CAP:g})")
    p.add_argument("--no-memory", dest="memory", action="store_const", const=False,
                   help="no memory of the text read: the plain char-rnn (by default the model also learns to copy "
                   "what followed the last occurrence of the current 2-24 characters)")
    p.add_argument("--no-counts", dest="counts", action="store_const", const=False,
                   help="keep the memory but do not mix in how often each character followed the last 1-7 in the "
                   "text read (by default they are, with a weight learnt as the text is read)")
    p.add_argument("--init-from", metavar="DIR",
                   help="start a new run from the weights of this trained character model (its best/; char-rnn's "
                        "-init_from): its shape and characters, a new optimizer and schedule; fine-tune it on --data")
    p.add_argument("--val-fraction", type=float, help=f"last part of the text held out (default {d.val_fraction})")
    p.add_argument("--eval-chars", type=int,
                   help=f"validation characters read at each evaluation (default {d.eval_chars:,}; 0 = all)")
