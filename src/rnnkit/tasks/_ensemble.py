"""Ensembles of a task's trained encoder-decoders (translators, captioners): ``--ensemble DIR ...`` and the
``ensemble()`` method, built on :class:`rnnkit.models.ensemble.Ensemble`.
"""

from __future__ import annotations

import argparse
import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from torch import nn

from rnnkit.device import model_device
from rnnkit.errors import UserError, check_path
from rnnkit.models.ensemble import Ensemble
from rnnkit.train.trainer import random_state_kept

Trained = TypeVar("Trained")


def first_model(model: nn.Module) -> nn.Module:
    """The model itself, or an ensemble's first member: what its inputs are prepared for (all members take the
    same)."""
    return model.members[0] if isinstance(model, Ensemble) else model


def joined(owner: Trained, others: tuple[Any, ...], load: Callable[[Any], Trained],
           mismatch: Callable[[Trained, Trained], str | None]) -> Trained:
    """A copy of ``owner`` (a loaded translator or captioner) whose ``model`` is the :class:`Ensemble` of its model
    and those of ``others`` (model directories, ``load``ed, or objects of ``owner``'s class), all moved to the device
    of ``owner``'s model; ``checkpoints`` lists every model's and ``max_len`` is the longest. ``mismatch(owner,
    other)`` says what ``other`` lacks to join (another tokenizer, image size ...), refused naming its directory."""
    kind = type(owner).__name__
    if not others:
        raise UserError(f"ensemble: name at least one other model to join this {kind}")
    members = [owner]
    with random_state_kept():  # building a model draws weights its checkpoint replaces: not from the caller's
        for other in others:
            if not isinstance(other, type(owner)):
                check_path("ensemble", other, f"a model directory (a str or a path) or a {kind}")
                other = load(other)
            members.append(other)
    for other in members[1:]:
        problem = mismatch(owner, other)
        if problem is not None:
            raise UserError(f"{other.checkpoint.path}: {problem}")  # type: ignore[attr-defined]
    out = copy.copy(owner)
    out.checkpoints = [c for m in members for c in m.checkpoints]  # type: ignore[attr-defined]
    models = [x for m in members for x in _members(m.model)]  # type: ignore[attr-defined]
    # on the device the caller put this model (rnnkit VERB --device moves it before --ensemble loads the others)
    out.model = Ensemble(models).to(model_device(owner.model)).eval()  # type: ignore[attr-defined]
    out.max_len = max(m.max_len for m in members)  # type: ignore[attr-defined]
    return out


def _members(model: nn.Module) -> list[nn.Module]:
    """A model, or each model of an ensemble (an ensemble joined to another is one level)."""
    return list(model.members) if isinstance(model, Ensemble) else [model]


def add_ensemble_argument(p: argparse.ArgumentParser, models: str, inputs: str | None = None) -> None:
    """``--ensemble DIR [DIR ...]`` of ``rnnkit translate``/``caption`` (``inputs``: what their arguments are) and
    of their ``evaluate``."""
    hint = f". Give {inputs} arguments before it" if inputs else ""
    p.add_argument("--ensemble", nargs="+", action="extend", metavar="DIR",
                   help=f"decode with these {models} too, each step's next-token probabilities the mean of all the "
                        f"models' (fairseq's ensembles, OpenNMT-py's -model A B); they need DIR's vocabulary{hint}")


def with_ensemble(trained: Any, args: argparse.Namespace, inputs: str | None = None) -> Any:
    """``trained``, or with ``--ensemble`` the ensemble of it and those models (a value that is no directory is
    named, with a hint where ``inputs`` written after the flag would be read so)."""
    if not args.ensemble:
        return trained
    hint = f" (give {inputs} arguments before --ensemble)" if inputs else ""
    for path in args.ensemble:
        if not Path(path).is_dir():
            raise UserError(f"--ensemble {path}: no such directory; expected a model directory{hint}")
    return trained.ensemble(*args.ensemble)


def ensemble_facts(checkpoints: list[Any]) -> dict[str, list[str]]:
    """The ``repr``'s ``ensemble=[...]`` of an ensemble (every model's directory); nothing for one model."""
    return {"ensemble": [str(c.path) for c in checkpoints]} if len(checkpoints) > 1 else {}


def models_note(checkpoints: list[Any]) -> str:
    """``", an ensemble of N models"`` for an evaluation's line, or nothing for one model."""
    return f", an ensemble of {len(checkpoints)} models" if len(checkpoints) > 1 else ""
