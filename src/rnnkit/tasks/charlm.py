"""Character language model: ``rnnkit train charlm``, ``rnnkit sample``, ``rnnkit score``.

The char-rnn job: learn to predict the next character of a text, then write new text in its style
(``sample``) or say how likely a sentence is (``score``). Training reads the text as parallel streams
with truncated BPTT (:mod:`rnnkit.train.tbptt`); the last ``val_fraction`` of the text is held out
and the checkpoint with the best validation loss (nats per character) is kept in ``OUT/best``.

Python::

    from rnnkit.tasks.charlm import CharLMConfig, train
    train(CharLMConfig(minutes=1.5), data="shakespeare", out="runs/shakespeare")
    lm = rnnkit.load("runs/shakespeare")          # a CharLM
    print(lm.sample(prime="ROMEO:", length=200, seed=1))
    lm.score("To be, or not to be")               # {"log_prob": ..., "bits_per_char": ...}

This file is the task's training entry (:func:`train`) and its registration; the rest is in files of one job
each (what other modules import from here is still imported from here): the settings and their checks
(:mod:`rnnkit.tasks._charlm_config`), the model's size from the budget (:mod:`rnnkit.tasks._charlm_size`), the
text and its records (:mod:`rnnkit.tasks._charlm_data`), the trained model's object
(:mod:`rnnkit.tasks._charlm_trained`), the flags (:mod:`rnnkit.tasks._charlm_flags`) and the verbs
(:mod:`rnnkit.tasks._charlm_verbs`).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import torch

from rnnkit import native, strictjson
from rnnkit.errors import UserError, in_words
from rnnkit.models import match
from rnnkit.models.dynamic_eval import RMS_PREFIX, gradient_rms
from rnnkit.models.language_model import LanguageModel
from rnnkit.models.match import replayed
from rnnkit.tasks import Task, Verb, register
from rnnkit.tasks._charlm_config import FROZEN, CharLMConfig, _model_kwargs
from rnnkit.tasks._charlm_data import (
    BUILT_IN_TEXTS,
    MISSING_DATA,
    _check_same_text,
    _read,
    _remove,
    _resumed_data,
    data_record,
    text_digest,
)
from rnnkit.tasks._charlm_data import DIGEST_CHARS as DIGEST_CHARS
from rnnkit.tasks._charlm_data import _split_point as _split_point
from rnnkit.tasks._charlm_flags import _sample_arguments, _score_arguments, _train_arguments
from rnnkit.tasks._charlm_init import init_source, source_line
from rnnkit.tasks._charlm_size import PLANNING_RATE as PLANNING_RATE
from rnnkit.tasks._charlm_size import PLANNING_RATE_FP32 as PLANNING_RATE_FP32
from rnnkit.tasks._charlm_size import WIDE_MODEL_CHARS as WIDE_MODEL_CHARS
from rnnkit.tasks._charlm_size import _choose_size
from rnnkit.tasks._charlm_size import auto_dropout as auto_dropout
from rnnkit.tasks._charlm_size import auto_hidden as auto_hidden
from rnnkit.tasks._charlm_size import auto_weight_drop as auto_weight_drop
from rnnkit.tasks._charlm_size import measured_rate as measured_rate
from rnnkit.tasks._charlm_size import planned_chars as planned_chars
from rnnkit.tasks._charlm_size import planned_passes as planned_passes
from rnnkit.tasks._charlm_size import planning_rate as planning_rate
from rnnkit.tasks._charlm_trained import CharLM
from rnnkit.tasks._charlm_trained import _check_adapted as _check_adapted
from rnnkit.tasks._charlm_verbs import _sample_command, _score_command
from rnnkit.tasks._text import say
from rnnkit.train import distributed
from rnnkit.train.building import build_model
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.train.options import settings_of, start_run, train_config_from
from rnnkit.train.tbptt import StreamBatches, evaluate_streams, tbptt_lm_loss
from rnnkit.train.trainer import Trainer, TrainResult, run_summary, seed_everything
from rnnkit.wording import counted, seconds

__all__ = ["BUILT_IN_TEXTS", "CharLM", "CharLMConfig", "data_record", "text_digest", "train"]


# ------------------------------------------------------------------------------------------- train
def train(
    config: CharLMConfig,
    data: str | None,
    out: str | Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    verbose: bool = True,
) -> TrainResult:
    """Train a character language model on ``data`` (``"shakespeare"``, ``"korean"`` or a UTF-8 file)
    into ``out``. ``resume=True`` continues the run in ``out``: its model and data settings come from the
    checkpoint, the training settings (steps, minutes, lr ...) from ``config``. ``config.init_from`` starts a new
    run from a trained model's weights (:mod:`rnnkit.tasks._charlm_init`)."""
    out = Path(out)
    config.validate()
    source = None
    if config.init_from is not None:
        source, config = init_source(config, out, resume)
    ckpt, config = start_run(config, out, "charlm", FROZEN, resume=resume, overwrite=overwrite, data=data,
                             reads=[("--init-from", config.init_from)])
    unchecked = False
    if ckpt is not None:
        data, unchecked = _resumed_data(ckpt, data)
    if not data:
        raise UserError(MISSING_DATA)
    # a run started --init-from reads its text in the characters of the model it started from, resumed too
    ids, vocab, cut, made = _read(data, config.val_fraction, ckpt or source, adapt=config.init_from is not None)
    try:  # a refused command leaves nothing new behind: not the text's prepared folder either
        if unchecked:
            _check_same_text(ckpt, data, ids, cut)
        train_ids, val_ids, streams = _split(config, data, ids, cut)
        _choose_size(config, int(train_ids.numel()), len(vocab), streams, verbose)
        ranks = distributed.ranks()
        if streams < config.batch_size and ckpt is None and ranks.is_main:
            short = in_words(f"the text is short: {counted(streams, 'stream')} of --seq-len {config.seq_len} "
                             f"instead of --batch-size {config.batch_size}{_each(ranks.world_size)}")
            print(f"rnnkit: warning: {short}", file=sys.stderr, flush=True)
        model = _model(config, len(vocab), ckpt, source, say_native=verbose and ranks.is_main)
        trainer = Trainer(
            model, train_config_from(settings_of(config), overwrite=overwrite, progress=progress, verbose=verbose,
                                     unit="char"),
            batches=StreamBatches(train_ids, streams, config.seq_len, config.shift),
            loss_fn=replayed(tbptt_lm_loss, model.match.orders) if model.match else tbptt_lm_loss,
            eval_fn=_eval_fn(val_ids, config.eval_chars, config.memory), out_dir=out,
            vocab=vocab.to_json(), resume=ckpt,
            model_config=_checkpoint_config(model, config, data, streams, train_ids, val_ids),
            best_tensors=lambda m: {RMS_PREFIX + n: t for n, t in gradient_rms(m, train_ids).items()},
        )
    except UserError:
        _remove(made)
        raise
    if verbose:
        if source is not None:
            print(source_line(source, len(vocab)), file=sys.stderr, flush=True)
        print(_header(model, len(vocab), int(train_ids.numel()), streams, config.seq_len), file=sys.stderr, flush=True)
    return trainer.fit()


def _model(config: CharLMConfig, vocab_size: int, ckpt: Checkpoint | None, source: Checkpoint | None, *,
           say_native: bool) -> LanguageModel:
    """The model a run trains: the checkpoint's weights when it resumes, the ``--init-from`` model's when it starts
    from one, new ones otherwise; ``config.memory``/``config.counts`` are set from it (a run saved before the memory
    or the counts existed has none)."""
    seed_everything(config.seed)
    weights = ckpt or source
    kwargs = _model_kwargs(config, weights)
    if ckpt is None and source is not None:  # --init-from with --dropout: the new run's (dropout holds no weight)
        kwargs["dropout"] = config.dropout
    config.memory = bool(kwargs.get("memory"))
    config.counts = bool(kwargs.get("counts"))

    def factory() -> LanguageModel:
        return LanguageModel(vocab_size, **kwargs)

    model = build_model(factory, weights) if weights else factory()
    if model.counts:   # validation counts in C++ (rnnkit.native): built before the budget's clock starts
        native.ops(say=say if say_native else None)
    return model


def _split(config: CharLMConfig, data: str, ids: torch.Tensor,
           cut: int) -> tuple[torch.Tensor, torch.Tensor | None, int]:
    """The training and validation ids, and how many streams of ``--seq-len`` windows the training part gives
    each process (at most ``--batch-size``; under torchrun each process reads its own streams of the text); a
    text too short for one window is refused."""
    world = distributed.ranks().world_size
    if cut < (config.seq_len + 1) * world:
        raise UserError(
            f"{data}: too short: {ids.numel()} characters leave {max(cut, 0)} for training, and one "
            f"window of --seq-len {config.seq_len} needs {config.seq_len + 1}{_each(world)}; use a longer text or a "
            "smaller --seq-len"
        )
    train_ids, val_ids = ids[:cut], (ids[cut:] if cut < ids.numel() else None)
    return train_ids, val_ids, min(config.batch_size, train_ids.numel() // ((config.seq_len + 1) * world))


def _each(world: int) -> str:
    return f" in each of {world} processes" if world > 1 else ""


def _header(model: LanguageModel, vocab_size: int, chars: int, streams: int, window: int) -> str:
    """The line that opens a training run: the model and the data it reads."""
    params = sum(p.numel() for p in model.parameters())
    world = distributed.ranks().world_size  # under torchrun each process reads ``streams`` of them
    read = counted(streams * world, "stream") + (f" ({streams} a process)" if world > 1 else "")
    return (f"charlm: {model.cell} {model.num_layers}x{model.hidden_size}, {params:,} parameters, vocabulary "
            f"{vocab_size}, {chars:,} training chars in {read}, window {window}")


def _eval_fn(val_ids: torch.Tensor | None, eval_chars: int, memory: bool) -> Any:
    """Validation: 64 streams side by side; for a model with a memory of the text read, streams no shorter
    than the memory reaches back (two blocks of :data:`rnnkit.models.match.BLOCK`), one for most texts, so
    that it reads the validation text as ``score --file`` does, with all of its past that it can use."""
    if val_ids is None:
        return None
    length = min(val_ids.numel(), eval_chars or val_ids.numel())
    streams, window = (max(1, length // (2 * match.BLOCK)), 4096) if memory else (64, 256)

    def eval_fn(m: torch.nn.Module) -> dict[str, float]:
        return evaluate_streams(m, val_ids, batch_size=streams, window=window, max_tokens=eval_chars or None)

    return eval_fn


def _checkpoint_config(model: LanguageModel, config: CharLMConfig, data: str, streams: int,
                       train_ids: torch.Tensor, val_ids: torch.Tensor | None) -> dict[str, Any]:
    settings = {"data": data, **settings_of(config), "streams": streams}
    out = {"task": "charlm", "model": model.config(), "settings": settings, "train_chars": int(train_ids.numel()),
           "val_chars": int(val_ids.numel()) if val_ids is not None else 0}
    if data not in BUILT_IN_TEXTS:  # the trainer adds the file's absolute path and digest (rnnkit.train.provenance)
        out["data"] = {"train": data}
    if val_ids is not None:
        out["val_digest"] = text_digest(val_ids)
        if "data" in out:   # what the run validates on, the same from the text and from its prepared folder
            out["data"]["content"] = out["val_digest"]
    return out


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train charlm`` (on stderr with ``--json``, which prints one object)."""
    out = result.out_dir
    took = f"{counted(result.steps, 'step')} in {seconds(result.seconds)}, {result.tokens_per_s:,.0f} chars/s"
    way_on = result.stopped == "interrupted"
    if result.best_metric is not None:
        name = "validation" if result.last_eval else "training"
        line = (f"best {name} loss {result.best_metric:.4f} nats/char ({result.best_metric / math.log(2):.3f} "
                f"bits/char) at step {result.best_step}; {took}; model in {out}")
    elif result.steps and result.model_dir() is None:  # stopped before its first evaluation: as classify says it,
        line, way_on = f"{took}; {result.where()}", False  # with the way on
    elif result.steps:  # trained, never evaluated (--val-fraction 0: no validation text; best/ is the last step)
        line = f"no validation text, so no validation loss; {took}; model in {out}"
    else:
        line = f"no step was trained; {out}"
    if way_on:
        line += f"; interrupted: continue with --resume {out}"
    print(line, file=sys.stderr if as_json else sys.stdout, flush=True)
    if as_json:
        print(strictjson.dumps({"best_val_loss": result.best_metric, "best_step": result.best_step, "out": str(out),
                                **run_summary(result)}))


register(Task(
    name="charlm", help="character language model (char-rnn)",
    description="Train a character language model on a text with truncated BPTT.",
    config=CharLMConfig, train=train, load=CharLM, add_arguments=_train_arguments, report=report,
    frozen=FROZEN,  # and the data, which train() compares as files (the CLI would compare the names)
    loss_unit="char",
    verbs=(
        Verb("sample", "write text with a trained character language model", _sample_arguments, _sample_command),
        Verb("score", "log-probability (natural log, nats), bits per character and perplexity of texts",
             _score_arguments, _score_command),
    ),
))
