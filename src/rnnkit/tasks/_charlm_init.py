"""``rnnkit train charlm --init-from DIR``: a new run that starts from the weights of a trained character language
model (char-rnn's ``-init_from``; OpenNMT-py's ``-train_from`` with a reset optimizer): fine-tune a model trained
on a large text on your own.

What a user gets: the model of ``DIR`` (its ``best/``), its shape (cell, sizes, memory, regularisers; a
``--hidden``, ``--layers`` or ``--weight-drop`` given another value is refused) and its characters; its
``--dropout`` unless one is given; a fresh optimizer, schedule and step count from the flags; the new
``--data`` read in ``DIR``'s characters, those it lacks read as unknown (named in a warning; a text of which more than
:data:`MOST_UNKNOWN` is unknown, another script, is refused). ``--resume`` continues a run instead, and the two
are refused together.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.tokenize import CharVocab, warn_unknown
from rnnkit.errors import UserError, flag_as_given
from rnnkit.tasks._charlm_config import CharLMConfig
from rnnkit.train.checkpoint import RUN_FOLDERS, Checkpoint, load_checkpoint, run_folder
from rnnkit.train.options import config_from, settings_of
from rnnkit.train.tbptt import smallest_int_dtype

__all__ = ["FIXED_BY_WEIGHTS", "MOST_UNKNOWN", "SHAPE", "in_vocabulary", "init_source"]

#: characters of the new text's start looked at for a text written in the other Unicode form than the model's
FORM_SAMPLE = 65_536

#: the settings a run started from another takes from it: what its weights fix
SHAPE = ("cell", "hidden", "layers", "embed_dim", "dropout", "weight_drop", "recurrent_dropout", "zoneout",
         "layer_norm", "memory", "counts")
#: the settings of :data:`SHAPE` a flag may give (their default, None, is the budget's choice) that fix the weights:
#: another value than the model's is refused (so is one of the others of :data:`SHAPE` set to other than both its
#: default and the model's). ``--dropout`` given is the new run's (as char-rnn's ``-init_from``
#: takes it from the new flags): it drops activations, the weights are the same
FIXED_BY_WEIGHTS = ("hidden", "layers", "weight_drop")
#: above this share of unknown characters the new text is refused: the model would learn little from it
MOST_UNKNOWN = 0.5


def init_source(config: CharLMConfig, out: Path, resume: bool) -> tuple[Checkpoint, CharLMConfig]:
    """The checkpoint ``config.init_from`` names (a run's ``best/``) and ``config`` with that model's
    :data:`SHAPE`; refused in one line with ``resume``, for another task's model or for ``--out`` itself."""
    if resume:
        raise UserError("--init-from starts a new run from a trained model's weights; --resume continues a run: "
                        "give one of the two")
    source = str(config.init_from)
    folder, out_dir = Path(source).resolve(), out.resolve()
    # OUT/best or OUT/last whatever OUT holds beside it: --overwrite would remove it before the first save
    if run_folder(source).resolve() == out_dir or (folder.parent == out_dir and folder.name in RUN_FOLDERS):
        raise UserError(f"--init-from {source} is --out: the new run would replace the model it starts from; give "
                        "another --out")
    try:
        ckpt = load_checkpoint(source, prefer="best")
    except UserError as exc:  # "PATH: not a model directory ..." said which flag it came from nowhere
        raise UserError(f"--init-from {exc}") from None
    if ckpt.config.get("task") != "charlm":
        raise UserError(f"--init-from {source}: a {ckpt.config.get('task')!r} model, not a character language model")
    saved = ckpt.config.get("settings") or {}
    values = settings_of(config)
    values.update({k: saved[k] for k in SHAPE if k in saved and not (k == "dropout" and config.dropout is not None)})
    values["init_from"] = os.path.abspath(source)  # the record of where it came from, read from any directory
    shift, seq_len = values.get("shift"), values.get("seq_len")
    if values.get("memory") and shift is not None and shift != seq_len:  # checked for the flags' --no-memory
        raise UserError(f"--shift {shift} with --init-from {source}: its model has the memory, into which "
                        f"overlapping windows would read the text twice; drop --shift (or give --seq-len {shift})")
    _refuse_replaced(config, saved, source)  # after: a --no-memory given for --shift is told of the shift
    return ckpt, config_from(type(config), values)


def _refuse_replaced(config: CharLMConfig, saved: dict[str, Any], source: str) -> None:
    """Refuse a setting of :data:`SHAPE` (not ``dropout``, the new run's) that the model's own value would replace,
    unsaid: one of :data:`FIXED_BY_WEIGHTS` given (None is the task's choice), or another set to other than its
    default (``--embed-dim 16``, ``--cell gru``, ``--no-memory``; one given at its default cannot be told from one
    not given) and to other than the model's."""
    defaults = type(config)()
    for key in SHAPE:
        value = getattr(config, key)
        if key == "dropout" or key not in saved or value in (getattr(defaults, key), saved[key]):
            continue
        given, on_off = flag_as_given(key, value), isinstance(value, bool)
        has = f"it {'on' if saved[key] else 'off'}" if on_off else saved[key]
        raise UserError(f"{given} with --init-from {source}: its model has {has}, which a run started from its "
                        f"weights keeps; drop {given if on_off else given.split()[0]}")


def in_vocabulary(tokens: torch.Tensor, vocab: CharVocab, saved: CharVocab, data: str) -> torch.Tensor:
    """``tokens`` (ids of ``vocab``, the new text's own characters) as ids of ``saved``, the model's; a character
    it lacks becomes its unknown id, named in a warning with its share of the text."""
    table = torch.tensor([saved.index.get(s, saved.unk_index) for s in vocab.symbols])
    missing = [i for i, s in enumerate(vocab.symbols) if s not in saved.index]
    counts = torch.bincount(tokens.long(), minlength=len(vocab.symbols))
    share = float(counts[missing].sum()) / max(tokens.numel(), 1) if missing else 0.0
    form = _other_form(vocab.decode(tokens[:FORM_SAMPLE]), saved) if missing else None
    if share > MOST_UNKNOWN:
        why = "(another script?): train a new model on it" if form is None else form
        raise UserError(f"{data}: {share:.0%} of its characters are not among those of the --init-from model; "
                        f"it cannot learn this text {why}")
    if missing:
        said = f"{share:.2%}" if share >= 5e-5 else "under 0.01%"  # a few in a long text were "0.00%": none
        warn_unknown("character", [vocab.symbols[i] for i in missing], "the --init-from model",
                     "read as its unknown symbol", where=data, detail=f"{said} of the text" + (
                         "" if form is None else f"; {form}"))
    return table[tokens.long()].to(smallest_int_dtype(len(saved)))


def _other_form(text: str, saved: CharVocab) -> str | None:
    """What to do where ``text`` (the start of the new text) is written in the other Unicode form than the model's
    characters (Hangul or accents decomposed, NFD, as macOS writes them, for a model of composed text, NFC, or the
    reverse: :meth:`CharVocab.known_form`); None otherwise. As written, each jamo was unknown, and the refusal
    guessed another script."""
    form = saved.known_form(text)[1]
    if form is None:
        return None
    ours, theirs = ("decomposed", "composed") if form == "NFC" else ("composed", "decomposed")
    return (f"as written: it is in Unicode's {ours} form and the model's characters are {theirs} ({form}); save "
            f"the text in {form} first (Python's unicodedata.normalize('{form}', text))")


def source_line(ckpt: Checkpoint, vocab_size: int) -> str:
    """What the run says it starts from."""
    model: dict[str, Any] = ckpt.config.get("model") or {}
    return (f"charlm: starting from the weights of {ckpt.path} ({model.get('cell')} {model.get('num_layers')}x"
            f"{model.get('hidden_size')}, {vocab_size} characters); the model's shape and characters are its own, "
            "the optimizer and schedule new")
