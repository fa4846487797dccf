"""Character language model: ``rnnkit train charlm``, ``rnnkit sample``, ``rnnkit score``.

The char-rnn job: learn to predict the next character of a text, then write new text in its style
(``sample``) or say how likely a sentence is (``score``). Training reads the text as parallel streams
with truncated BPTT (:mod:`rnnkit.train.tbptt`); the last ``--val-fraction`` of the text is held out
and the checkpoint with the best validation loss (nats per character) is kept in ``OUT/best``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.text import CharVocab, load_text
from rnnkit.errors import UserError
from rnnkit.models.language_model import LanguageModel, generate, sequence_log_probs
from rnnkit.train.checkpoint import Checkpoint, load_checkpoint
from rnnkit.train.options import add_trainer_arguments, resolve_settings, train_config_from
from rnnkit.train.tbptt import StreamBatches, evaluate_streams, smallest_int_dtype, tbptt_lm_loss
from rnnkit.train.trainer import Trainer, TrainResult, check_out_dir, seed_everything

__all__ = ["CHARLM_DEFAULTS", "load_charlm", "register", "train_charlm"]

#: Defaults of ``rnnkit train charlm`` (tuned on Shakespeare, 2 CPU cores: see docs/CHARLM.md).
CHARLM_DEFAULTS: dict[str, Any] = {
    "data": None,
    "out": None,
    "cell": "lstm",
    "hidden": 384,
    "layers": 1,
    "embed_dim": 64,
    "seq_len": 64,
    "shift": None,
    "batch_size": 16,
    "dropout": 0.0,
    "val_fraction": 0.1,
    "eval_chars": 0,
    "steps": 3500,
    "minutes": None,
    "lr": 6e-3,
    "warmup": 0,
    "clip": 5.0,
    "eval_every": 5000,
    "log_every": 50,
    "seed": 0,
    "precision": "auto",
}

#: Settings that fix the model's shape or the data: a resumed run must keep them.
_FROZEN = ("data", "cell", "hidden", "layers", "embed_dim", "seq_len", "shift", "batch_size", "dropout",
           "val_fraction", "seed")


def _warn(message: str) -> None:
    print(f"rnnkit: warning: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _report_warnings() -> Iterator[None]:
    """Show warnings raised inside (unknown characters ...) as ``rnnkit: warning:`` lines."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        _warn(str(w.message))


# ------------------------------------------------------------------------------------------- train
def _split_point(length: int, val_fraction: float) -> int:
    """Index where the validation split (the last ``val_fraction`` of the text) begins."""
    if not 0.0 <= val_fraction < 1.0:
        raise UserError(f"--val-fraction {val_fraction}: expected a number from 0 to below 1")
    n_val = int(length * val_fraction)
    if val_fraction > 0 and n_val < 2:
        n_val = 2
    return length - n_val


def train_charlm(args: argparse.Namespace) -> TrainResult:
    """``rnnkit train charlm``: returns the trainer's result (also printed)."""
    resume: Checkpoint | None = None
    saved: dict[str, Any] | None = None
    if args.resume:
        resume = load_checkpoint(args.resume, prefer="last")
        if resume.config.get("task") != "charlm":
            raise UserError(f"{resume.path}: a {resume.config.get('task')!r} model, not a charlm one")
        saved = resume.config.get("settings", {})
    s = resolve_settings(args, CHARLM_DEFAULTS, saved)
    if saved is not None:
        for key in _FROZEN:
            given = getattr(args, key, None)
            if given is not None and given != saved.get(key):
                raise UserError(f"--{key.replace('_', '-')} {given}: the resumed run used {saved.get(key)}; "
                                "a resumed run keeps its model and data")
    out = Path(s["out"] or (args.resume if args.resume else ""))
    if not s["out"] and not args.resume:
        raise UserError("--out DIR is required: where to write the model")
    if not s["data"]:
        raise UserError("--data is required: 'shakespeare', 'korean' or a UTF-8 text file")
    for key in ("hidden", "layers", "seq_len", "batch_size", "embed_dim"):
        if int(s[key]) < 1:
            raise UserError(f"--{key.replace('_', '-')} {s[key]}: expected a positive integer")
    if s["shift"] is not None and not 1 <= int(s["shift"]) <= int(s["seq_len"]):
        raise UserError(f"--shift {s['shift']}: expected 1 to --seq-len ({s['seq_len']})")
    if not 0.0 <= float(s["dropout"]) < 1.0:
        raise UserError(f"--dropout {s['dropout']}: expected a number from 0 to below 1")

    if resume is None:
        check_out_dir(out, overwrite=bool(getattr(args, "overwrite", False)))
    text = load_text(s["data"])
    seq_len = int(s["seq_len"])
    cut = _split_point(len(text), float(s["val_fraction"]))
    if cut < seq_len + 1:
        raise UserError(
            f"{s['data']}: too short: {len(text)} characters leave {max(cut, 0)} for training, and one "
            f"window of --seq-len {seq_len} needs {seq_len + 1}; use a longer text or a smaller --seq-len"
        )
    if resume is not None:
        vocab = CharVocab.from_json(resume.vocab, f"{resume.path}/vocab.json")
    else:
        vocab = CharVocab.from_text(text[:cut])
    # one encoding of the whole text, split as views: memory stays one small integer per character
    with _report_warnings():
        ids = vocab.encode(text, warn=resume is not None, dtype=smallest_int_dtype(len(vocab)))
    train_ids = ids[:cut]
    val_ids = ids[cut:] if cut < ids.numel() else None
    del text
    batch_size = int(s["batch_size"])
    fit = train_ids.numel() // (seq_len + 1)
    if fit < batch_size:
        if resume is None:
            _warn(f"the text is short: {fit} stream(s) of --seq-len {seq_len} instead of --batch-size {batch_size}")
        batch_size = fit

    seed_everything(int(s["seed"]))
    model_cfg = {"cell": s["cell"], "hidden_size": int(s["hidden"]), "num_layers": int(s["layers"]),
                 "embed_dim": int(s["embed_dim"]), "dropout": float(s["dropout"])}
    if resume is not None:
        model_cfg = dict(resume.config["model"])
        model_cfg.pop("vocab_size", None)
    try:
        model = LanguageModel(len(vocab), **model_cfg)
    except ValueError as exc:
        raise UserError(f"--cell {s['cell']}: {exc}") from None
    batches = StreamBatches(train_ids, batch_size, seq_len, s["shift"])

    eval_fn = None
    if val_ids is not None:
        eval_chars = int(s["eval_chars"]) if s["eval_chars"] else None

        def eval_fn(m: torch.nn.Module) -> dict[str, float]:
            return evaluate_streams(m, val_ids, batch_size=64, window=256, max_tokens=eval_chars)

    settings = {k: v for k, v in s.items() if k != "out"}
    settings["streams"] = batch_size
    config = {"task": "charlm", "model": model.config(), "settings": settings,
              "train_chars": int(train_ids.numel()), "val_chars": int(val_ids.numel()) if val_ids is not None else 0}
    tcfg = train_config_from(s, overwrite=bool(getattr(args, "overwrite", False)),
                             progress=False if getattr(args, "no_progress", False) else None, unit="char")
    trainer = Trainer(model, tcfg, batches=batches, loss_fn=tbptt_lm_loss, eval_fn=eval_fn, out_dir=out,
                      model_config=config, vocab=vocab.to_json(), resume=resume)
    if resume is not None and tcfg.steps and trainer.step >= tcfg.steps:
        raise UserError(f"{out}: the run already reached its end (step {trainer.step} of --steps {tcfg.steps}); "
                        "give a larger --steps to train on")
    if resume is not None and tcfg.minutes and trainer.elapsed >= 60 * tcfg.minutes:
        raise UserError(f"{out}: the run already used its --minutes {tcfg.minutes:g} ({trainer.elapsed:.0f} s); "
                        "give a larger --minutes (the total budget) to train on")
    n_params = sum(p.numel() for p in model.parameters())
    print(f"charlm: {model.cell} {model.num_layers}x{model.hidden_size}, {n_params:,} parameters, "
          f"vocabulary {len(vocab)}, {int(train_ids.numel()):,} training chars in {batch_size} streams, "
          f"window {seq_len}", file=sys.stderr, flush=True)
    result = trainer.fit()
    _report(result, args, out)
    return result


def _report(result: TrainResult, args: argparse.Namespace, out: Path) -> None:
    if result.best_metric is not None:
        name = "validation" if result.last_eval else "training"
        line = (f"best {name} loss {result.best_metric:.4f} nats/char ({result.best_metric / math.log(2):.3f} "
                f"bits/char) at step {result.best_step}; {result.steps} steps in {result.seconds:.0f} s, "
                f"{result.tokens_per_s:,.0f} chars/s; model in {out}")
    else:
        line = f"no step was trained; {out}"
    if result.stopped == "interrupted":
        line += f"; interrupted: continue with --resume {out}"
    print(line, file=sys.stderr if args.json else sys.stdout, flush=True)
    if args.json:
        print(json.dumps({
            "best_val_loss": result.best_metric,
            "best_step": result.best_step,
            "steps": result.steps,
            "seconds": round(result.seconds, 3),
            "tokens_per_s": round(result.tokens_per_s, 1),
            "stopped": result.stopped,
            "out": str(out),
        }))


def _train_command(args: argparse.Namespace) -> int:
    result = train_charlm(args)
    return 130 if result.stopped == "interrupted" else 0


# ------------------------------------------------------------------------------------------- use
def load_charlm(path: str | Path) -> tuple[LanguageModel, CharVocab, Checkpoint]:
    """The trained model (eval mode), its vocabulary and checkpoint from a model directory."""
    ckpt = load_checkpoint(path)
    if ckpt.config.get("task") != "charlm":
        raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a character language model")
    if ckpt.vocab is None:
        raise UserError(f"{ckpt.path}: vocab.json is missing")
    vocab = CharVocab.from_json(ckpt.vocab, f"{ckpt.path}/vocab.json")
    cfg = dict(ckpt.config["model"])
    cfg.pop("vocab_size", None)
    model = LanguageModel(len(vocab), **cfg)
    try:
        model.load_state_dict(ckpt.model_state)
    except RuntimeError as exc:
        raise UserError(f"{ckpt.path}/model.safetensors: does not match config.json ({exc})") from None
    model.eval()
    return model, vocab, ckpt


def _sample_command(args: argparse.Namespace) -> int:
    if args.length < 0:
        raise UserError(f"--length {args.length}: expected a number >= 0")
    if args.temperature < 0:
        raise UserError(f"--temperature {args.temperature}: expected a number >= 0 (0 = greedy)")
    model, vocab, _ = load_charlm(args.dir)
    if args.threads:
        torch.set_num_threads(args.threads)
    seed = args.seed if args.seed is not None else int(time.time_ns() % 2**31)
    gen = torch.Generator().manual_seed(seed)
    prime = args.prime
    if not prime:
        prime = "\n" if "\n" in vocab else vocab.itos[1 + int(torch.randint(len(vocab) - 1, (1,), generator=gen))]
    with _report_warnings():
        prime_ids = vocab.encode(prime)
    out = sys.stdout
    if args.prime:
        out.write(args.prime)
    buf: list[str] = []
    token = 0
    start = time.perf_counter()
    for token in generate(model, prime_ids, args.length, temperature=args.temperature, top_k=args.top_k,
                          generator=gen, banned=[vocab.unk_index]):
        ch = vocab.itos[token]
        buf.append(ch)
        if ch == "\n" or len(buf) >= 64:
            out.write("".join(buf))
            out.flush()
            buf.clear()
    last = buf[-1] if buf else (vocab.itos[token] if args.length else prime[-1:])
    out.write("".join(buf) + ("" if last == "\n" else "\n"))
    out.flush()
    if args.verbose:
        dt = time.perf_counter() - start
        print(f"{args.length} chars in {dt:.2f} s ({args.length / max(dt, 1e-9):,.0f} chars/s), seed {seed}",
              file=sys.stderr)
    return 0


def score_text(model: LanguageModel, vocab: CharVocab, text: str) -> dict[str, Any]:
    """Log-probability of ``text`` under the model, scored as if it began a line.

    Characters outside the vocabulary are read as the unknown symbol and left out of the total and
    the count (a warning names them).
    """
    if not text:
        raise UserError("cannot score an empty text")
    ids = vocab.encode(text)
    if "\n" in vocab:
        context, targets = vocab.encode("\n", warn=False), ids
    else:
        context, targets = ids[:1], ids[1:]
    logp = sequence_log_probs(model, context, targets) if targets.numel() else torch.zeros(0)
    known = targets != vocab.unk_index
    total = float(logp[known].double().sum())
    n = int(known.sum())
    return {
        "text": text,
        "log_prob": total,
        "chars": n,
        "nats_per_char": -total / n if n else None,
        "bits_per_char": -total / n / math.log(2) if n else None,
        "perplexity": math.exp(-total / n) if n else None,
    }


def _score_command(args: argparse.Namespace) -> int:
    model, vocab, _ = load_charlm(args.dir)
    results = []
    with _report_warnings():
        for text in args.texts:
            results.append(score_text(model, vocab, text))
    if args.json:
        print(json.dumps({"model": str(args.dir), "results": results}, ensure_ascii=False))
        return 0
    for r in results:
        shown = r["text"] if len(r["text"]) <= 60 else r["text"][:57] + "..."
        if r["chars"]:
            print(f"log_prob {r['log_prob']:10.3f}  bits/char {r['bits_per_char']:.3f}  "
                  f"perplexity {r['perplexity']:8.3f}  chars {r['chars']:5d}  {shown!r}")
        else:
            print(f"log_prob {0:10.3f}  (no known characters)  {shown!r}")
    return 0


# ------------------------------------------------------------------------------------------- CLI
def register(verbs: Any, train_verbs: Any) -> None:
    """Add ``train charlm``, ``sample`` and ``score`` to the CLI."""
    d = CHARLM_DEFAULTS
    p = train_verbs.add_parser(
        "charlm", help="character language model (char-rnn)",
        description="Train a character language model on a text with truncated BPTT.",
    )
    p.add_argument("--data", help="'shakespeare', 'korean' or the path of a UTF-8 text file")
    p.add_argument("--out", help="model directory to write (best/, last/, metrics.jsonl, loss.png)")
    p.add_argument("--cell", choices=["lstm", "gru", "rnn_tanh", "rnn_relu", "irnn", "clockwork"],
                   help=f"recurrent cell (default {d['cell']})")
    p.add_argument("--hidden", type=int, help=f"hidden units per layer (default {d['hidden']})")
    p.add_argument("--layers", type=int, help=f"stacked layers (default {d['layers']})")
    p.add_argument("--embed-dim", type=int, help=f"character embedding size (default {d['embed_dim']})")
    p.add_argument("--seq-len", type=int, help=f"truncated-BPTT window in characters (default {d['seq_len']})")
    p.add_argument("--shift", type=int, help="characters between window starts (default: --seq-len)")
    p.add_argument("--batch-size", type=int, help=f"parallel streams (default {d['batch_size']})")
    p.add_argument("--dropout", type=float, help=f"dropout between layers and before the output "
                   f"(default {d['dropout']})")
    p.add_argument("--val-fraction", type=float, help=f"last part of the text held out (default {d['val_fraction']})")
    p.add_argument("--eval-chars", type=int,
                   help=f"validation characters read at each evaluation (default {d['eval_chars']:,}; 0 = all)")
    add_trainer_arguments(p, defaults=d)
    p.set_defaults(func=_train_command)

    sp = verbs.add_parser("sample", help="write text with a trained character language model",
                          description="Generate text one character at a time, carrying the hidden state.")
    sp.add_argument("dir", help="model directory (from rnnkit train charlm)")
    sp.add_argument("--prime", default="", help="text to start from (printed first)")
    sp.add_argument("--length", type=int, default=500, help="characters to generate (default 500)")
    sp.add_argument("--temperature", type=float, default=0.8, help="softmax temperature, 0 = greedy (default 0.8)")
    sp.add_argument("--top-k", type=int, default=None, help="sample only among the k most likely characters")
    sp.add_argument("--seed", type=int, default=None, help="random seed (same seed, same text)")
    sp.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    sp.add_argument("--verbose", action="store_true", help="print the speed on stderr")
    sp.set_defaults(func=_sample_command)

    sc = verbs.add_parser("score", help="log-probability of texts under a character language model",
                          description="For each text: total log-probability (nats), bits per character, "
                                      "perplexity.")
    sc.add_argument("dir", help="model directory (from rnnkit train charlm)")
    sc.add_argument("texts", nargs="+", metavar="TEXT")
    sc.add_argument("--json", action="store_true", help="one JSON object with every result")
    sc.set_defaults(func=_score_command)
