"""Ensembles of a task's trained models: ``--ensemble DIR ...`` and the ``ensemble()`` method. Translators' and
captioners' are built on :class:`rnnkit.models.ensemble.Ensemble` (:func:`joined`); text classifiers' and taggers'
average their members' probabilities (:class:`TextEnsemble`), recognisers' their per-frame probabilities
(:mod:`rnnkit.tasks._speech_ensemble`), each on :class:`MembersEnsemble` and :func:`joined_members`.
"""

from __future__ import annotations

import argparse
import copy
import operator
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import torch
from torch import nn

from rnnkit.device import model_device
from rnnkit.errors import UserError, check_path, on_command_line, report_warnings, warn
from rnnkit.models.ensemble import Ensemble
from rnnkit.tasks import speaks_python
from rnnkit.train.building import loaded_repr
from rnnkit.train.trainer import random_state_kept

Trained = TypeVar("Trained")


class MembersEnsemble:
    """What the ensembles of models that each read the input themselves (classifiers, taggers, recognisers) share,
    put before the task's class in their bases: ``members``; ``checkpoints``, every model's; ``model``, an
    :class:`torch.nn.ModuleList` of the models (``.to(device)`` moves them all); every other attribute the first
    model's; ``reads``, every model's files; the ``repr`` the task's (its ``_repr_facts``) with every model's
    directory. The task's class averages the members' probabilities."""

    def __init__(self, members: Sequence[Any]) -> None:  # not the task's: nothing to read
        members = list(members)
        if not members:
            raise ValueError("an ensemble needs at least one model")
        self.__dict__.update(members[0].__dict__)  # checkpoint, config, labels, max_len, tokenizer
        self.members = members
        self.checkpoints = [m.checkpoint for m in members]
        self.model = self._joined([m.model for m in members]).eval()

    def _joined(self, models: list[nn.Module]) -> nn.Module:
        """The ensemble's ``model``: the models as one :class:`torch.nn.ModuleList` (a task whose ensemble runs
        them as one module gives that module)."""
        return nn.ModuleList(models)

    def __repr__(self) -> str:
        return loaded_repr(self, self.checkpoint, self.model, **self._repr_facts(),  # type: ignore[attr-defined]
                           **ensemble_facts(self.checkpoints))

    @property
    def reads(self) -> list[Any]:
        """The files every model was read from: outputs may not replace them."""
        return reads_of(self.checkpoints)


@speaks_python(onnx="path")  # its own methods (export, encode) speak a Python caller's words too
class TextEnsemble(MembersEnsemble):
    """A :class:`MembersEnsemble` of text models (classifiers, taggers): ``split_side`` only where every model
    split the same file alike; ``encode`` and ``export`` refused."""

    def split_side(self, labels: Sequence[str | None], split: str) -> list[int] | None:
        """The first model's ``"train"`` or ``"val"`` side of a file, taken only where every model split the same
        file alike: else a model would be scored on texts it trained on."""
        refuse_other_splits(self.members, split)
        return super().split_side(labels, split)  # type: ignore[misc]

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Refused: each model of an ensemble reads a text with its own tokenizer (``.members[i].encode``)."""
        raise UserError("encode: the models of an ensemble each read a text with their own tokenizer; call encode "
                        "on one of them (.members[i].encode(texts))")

    def export(self, path: str | Path, check: bool = True) -> dict[str, Any]:
        """Refused: an ensemble is several models, each exported by itself."""
        raise export_refused(len(self.members))


def export_refused(models: int) -> UserError:
    """Why an ensemble of ``models`` models is not exported (its ``export()``, ``rnnkit export DIR --ensemble``)."""
    return UserError(f"export: an ensemble of {models} models is no one ONNX graph; export each model (rnnkit "
                     "export DIR --onnx FILE) and average their probabilities")


def first_model(model: nn.Module) -> nn.Module:
    """The model itself, or an ensemble's first member: what its inputs are prepared for (all members take the
    same)."""
    return model.members[0] if isinstance(model, Ensemble) else model


def joined(owner: Trained, others: tuple[Any, ...], load: Callable[[Any], Trained],
           mismatch: Callable[[Trained, Trained], str | None]) -> Trained:
    """A copy of ``owner`` (a loaded translator or captioner) whose ``model`` is the :class:`Ensemble` of its model
    and those of ``others`` (model directories, ``load``ed onto the device of ``owner``'s model, or objects of
    ``owner``'s class, on that device); ``checkpoints`` lists every model's and ``max_len`` is the longest.
    ``mismatch(owner, other)`` says what ``other`` lacks to join (another tokenizer, image size ...), refused naming
    its directory."""
    members = gathered(owner, others, load, mismatch)
    out = copy.copy(owner)
    out.checkpoints = [c for m in members for c in m.checkpoints]  # type: ignore[attr-defined]
    models = [x for m in members for x in _members(m.model)]  # type: ignore[attr-defined]
    out.model = Ensemble(models).eval()  # type: ignore[attr-defined]
    out.max_len = max(m.max_len for m in members)  # type: ignore[attr-defined]
    return out


def gathered(owner: Trained, others: tuple[Any, ...], load: Callable[[Any], Trained],
             mismatch: Callable[[Trained, Trained], str | None]) -> list[Trained]:
    """``owner`` and ``others`` as :func:`joined` takes them (``load``ed, on ``owner``'s device, each checked by
    ``mismatch`` and refused naming its directory), in that order: the members of an ensemble of any task (a
    classifier's too, whose models each read the text themselves)."""
    refuse_nothing_to_join(owner, others)
    device = model_device(owner.model)  # type: ignore[attr-defined]
    members = [owner, *(_member(other, owner, load, device) for other in others)]
    for other in members[1:]:
        problem = mismatch(owner, other)
        if problem is not None:
            raise UserError(f"{other.checkpoint.path}: {problem}")  # type: ignore[attr-defined]
    every = [c for m in members for c in getattr(m, "checkpoints", [m.checkpoint])]  # an ensemble's: each model's
    _warn_repeated(every, python=not on_command_line())
    return members


def joined_members(owner: Trained, others: tuple[Any, ...], kind: type[Trained], noun: str,
                   mismatch: Callable[[Trained, Trained], str | None]) -> list[Trained]:
    """The members of the ensemble of ``owner`` (a model of class ``kind`` whose models each read the input
    themselves: a classifier, a tagger, a recogniser; or an ensemble of them) and ``others`` (model directories, or
    models of ``kind`` or ensembles of them), each ensemble's models in its place, checked as :func:`gathered`
    does. A loaded model of another task is refused naming its directory and task; ``noun``: what the ensemble
    joins."""
    task = kind.task  # type: ignore[attr-defined]
    for other in others:
        other_task = getattr(getattr(other, "checkpoint", None), "config", {}).get("task")
        if not isinstance(other, (str, os.PathLike, kind)) and other_task is not None:
            raise UserError(f"{other.checkpoint.path}: a {other_task!r} model, not a {task!r} model; an ensemble of "
                            f"{noun} joins {noun}")
    refuse_nothing_to_join(owner, others)
    first, *rest = getattr(owner, "members", [owner])  # an ensemble joins more as its first model would
    members = gathered(first, (*rest, *others), kind, mismatch)
    return [x for m in members for x in getattr(m, "members", [m])]


def refuse_nothing_to_join(owner: Any, others: tuple[Any, ...]) -> None:
    """``ensemble()`` given no other model, refused in one line naming ``owner``'s class."""
    if not others:
        raise UserError(f"ensemble: name at least one other model to join this {type(owner).__name__}")


def _member(other: Any, owner: Any, load: Callable[[Any], Any], device: torch.device) -> Any:
    """``other`` of :func:`joined`: an object of ``owner``'s class as it is (refused on another device: moving it
    would move the caller's model too), or the one ``load``ed from a model directory and put on ``device`` (``rnnkit
    VERB --device cuda`` moves the first model there before ``--ensemble`` reads the others on the CPU)."""
    kind = type(owner).__name__
    if isinstance(other, type(owner)):
        where = model_device(other.model)  # type: ignore[attr-defined]
        if where != device:
            raise UserError(f"{other.checkpoint.path}: its model is on {where}, {owner.checkpoint.path}'s on "
                            f"{device}; the models of an ensemble run on one device (move one there with "
                            ".model.to(device))")
        return other
    check_path("ensemble", other, f"a model directory (a str or a path) or a {kind}")
    if not str(other).strip():  # Path("") is the working directory, which the error then named as "."
        raise UserError(f"ensemble: {str(other)!r} is an empty name; expected a model directory")
    with random_state_kept():  # building a model draws weights its checkpoint replaces: not from the caller's
        loaded = load(other)
    loaded.model.to(device)
    return loaded


def other_labels(one: Any, other: Any, noun: str,
                 labels: Callable[[Any], Sequence[str]] = operator.attrgetter("labels")) -> str | None:
    """What keeps ``other`` from an ensemble with ``one`` (models whose probabilities are averaged label by label):
    other ``noun`` (labels, tags, symbols: ``labels(model)``), or the same in another order; None when they are
    the same."""
    theirs, own = list(labels(other)), list(labels(one))
    if theirs == own:
        return None
    shown = ", ".join(theirs[:8]) + (", ..." if len(theirs) > 8 else "")
    mine = ", ".join(own[:8]) + (", ..." if len(own) > 8 else "")
    reordered = sorted(theirs) == sorted(own)
    are = (f"are {one.checkpoint.path}'s ({mine}) in another order" if reordered
           else f"are not {one.checkpoint.path}'s ({mine})")
    return (f"its {noun} ({shown}) {are}; the models of an ensemble need the same {noun} in the same order "
            "(train them on the same data)")


def refuse_other_splits(members: list[Any], split: str) -> None:
    """``evaluate --split val|train`` of an ensemble of text models (classifiers, taggers), refused naming the first
    model that split another file, or the same file otherwise, than the first model: one model's validation texts
    may be another's training texts."""
    if split not in ("val", "train"):
        return
    first = _split_of(members[0])
    for m in members[1:]:
        if _split_of(m) != first:
            raise UserError(f"--split {split}: {m.checkpoint.path} was trained on another split than "
                            f"{members[0].checkpoint.path} (another training file, --val-fraction or --split-seed in "
                            "their config.json), so one model's validation texts may be another's training texts; "
                            "evaluate the ensemble with --split all on held-out data")


def _split_of(m: Any) -> tuple[Any, ...]:
    """What fixes a model's validation split: its training file (digest, else name), rows (a classifier's) or
    sentences (a tagger's), fraction and seed."""
    data = m.config.get("data") or {}
    file = (data.get("digests") or {}).get("train") or data.get("train")
    return (file, data.get("train_rows"), data.get("train_sentences"), data.get("val_fraction"),
            data.get("split_seed"))


def unattended(checkpoints: list[Any], why: str) -> str:
    """Why a model has no attention to read: ``"DIR {why}"``, or for an ensemble every model named."""
    if len(checkpoints) == 1:
        return f"{checkpoints[0].path} {why}"
    return f"every model of the ensemble ({', '.join(model_paths(checkpoints))}) {why}"


def _members(model: nn.Module) -> list[nn.Module]:
    """A model, or each model of an ensemble (an ensemble joined to another is one level)."""
    return list(model.members) if isinstance(model, Ensemble) else [model]


def add_ensemble_argument(p: argparse.ArgumentParser, models: str, inputs: str | None = None,
                          verb: str = "decode", how: str | None = None) -> None:
    """``--ensemble DIR [DIR ...]`` of ``rnnkit translate``/``caption`` (``inputs``: what their arguments are), of
    their ``evaluate`` and of ``rnnkit score`` (``verb`` "score": it reads the given targets, decoding nothing);
    ``how``: what the models' mean is and what they need, said in place of the decoders' (a classifier's)."""
    hint = f". Give {inputs} arguments before it" if inputs else ""
    how = how or ("each step's next-token probabilities the mean of all the models' (fairseq's ensembles, "
                  "OpenNMT-py's -model A B); they need DIR's vocabulary")
    p.add_argument("--ensemble", nargs="+", action=_EnsembleAction, inputs=inputs, metavar="DIR",
                   help=f"{verb} with these {models} too, {how}{hint}")


class _EnsembleAction(argparse.Action):
    """``--ensemble``'s values, each use's added to the last's (argparse's ``extend``). Where the verb takes
    ``inputs`` arguments, a value that is no model directory is refused as it is read: the flag takes every word
    up to the next flag, so an IMAGE written after it was read as a model directory, and argparse then said only
    'the following arguments are required: IMAGE' (``rnnkit caption DIR --ensemble D2 IMG.png``)."""

    def __init__(self, *args: Any, inputs: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inputs = inputs

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        for path in values if self.inputs else ():
            if (problem := _no_model_directory(path, self.inputs)) is not None:
                raise UserError(problem)
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), *values])


def _no_model_directory(path: str, inputs: str | None) -> str | None:
    """Why ``--ensemble path`` names no model directory (with a hint where ``inputs`` written after the flag would
    be read so); None when it names a directory."""
    if not path.strip():  # Path("") is the working directory
        return f"--ensemble {path!r}: an empty name; expected a model directory"
    if Path(path).is_dir():
        return None
    hint = f" (give {inputs} arguments before --ensemble)" if inputs else ""
    what = "a file, not a directory" if Path(path).exists() else "no such directory"
    return f"--ensemble {path}: {what}; expected a model directory{hint}"


def with_ensemble(trained: Any, args: argparse.Namespace) -> Any:
    """``trained``, or with ``--ensemble`` the ensemble of it and those models (a value that is no directory is
    named; a verb's inputs written after the flag were refused as it was read, by :class:`_EnsembleAction`)."""
    if not args.ensemble:
        return trained
    for path in args.ensemble:
        if (problem := _no_model_directory(path, None)) is not None:
            raise UserError(problem)
    with report_warnings():  # a model named twice (gathered)
        return trained.ensemble(*args.ensemble)


def _warn_repeated(checkpoints: list[Any], python: bool = False) -> None:
    """A warning for each model that DIR and ``--ensemble`` name more than once (``--ensemble runs/*`` beside
    ``runs/a``, ``runs/a`` and ``runs/a/best``), or that a Python call's ``ensemble()`` joins more than once
    (``python``; ``a.ensemble(a)`` said nothing): it counts as many times in the mean, which nothing else says."""
    counts: dict[Path, list[Any]] = {}
    for c in checkpoints:
        counts.setdefault(Path(c.path).resolve(), []).append(c)
    for same in counts.values():
        n, where = len(same), same[0].path
        if n > 1:
            named = (f"ensemble: {where} is joined {n} times (this model and the others given)" if python else
                     f"--ensemble: {where} is named {n} times (as DIR or in --ensemble)")
            warn(f"{named}, so it counts {n} times in the mean of the {len(checkpoints)} models; "
                 f"{'join' if python else 'name'} each model once for an even mean")


def say_ensemble(checkpoints: list[Any], as_json: bool) -> None:
    """The line above the report of an ensemble of :class:`MembersEnsemble` (a classifier's, a tagger's, a
    recogniser's) that says which models it averages (``--json``: none, the report's ``models`` says it)."""
    if len(checkpoints) > 1 and not as_json:
        print(f"an ensemble of {len(checkpoints)} models ({', '.join(model_paths(checkpoints))}): the mean of "
              "their probabilities")


def model_paths(checkpoints: list[Any]) -> list[str]:
    """Each model's directory: an evaluation's ``models``, the ``repr``'s ``ensemble=[...]``."""
    return [str(c.path) for c in checkpoints]


def reads_of(checkpoints: list[Any]) -> list[Any]:
    """The files every model was read from, as :func:`rnnkit.files.output_name`'s ``reads``: an output may not
    replace any of them."""
    return [r for c in checkpoints for r in c.reads]


def ensemble_facts(checkpoints: list[Any]) -> dict[str, list[str]]:
    """The ``repr``'s ``ensemble=[...]`` of an ensemble (every model's directory); nothing for one model."""
    return {"ensemble": model_paths(checkpoints)} if len(checkpoints) > 1 else {}


def models_note(checkpoints: list[Any]) -> str:
    """``", an ensemble of N models"`` for an evaluation's line, or nothing for one model."""
    return f", an ensemble of {len(checkpoints)} models" if len(checkpoints) > 1 else ""
