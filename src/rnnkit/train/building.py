"""A task's model from a checkpoint, checked before anything is built: what ``predict``, ``sample``, ``evaluate``
and every other verb of a trained model start with.

:func:`build_model` holds each field of the config's ``model`` to its kind (:data:`SIZES`, :data:`RATES` ...),
builds a skeleton on torch's meta device (which allocates nothing) and compares its tensors' names and shapes
with the weights' header, and only then builds the model and loads the weights. A config from a stranger that
asks for absurd sizes, or weights of other shapes, NaN or another dtype, are refused in one line naming the file
and the field. :func:`check_size` holds a vocabulary or label list to the config, :func:`saved_max_len` a
decoder's output limit; :func:`loaded_repr` is a loaded model's repr.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from rnnkit.device import float32_by_default
from rnnkit.errors import SettingError, UserError, check_fraction, whole_number
from rnnkit.train.checkpoint import CONFIG, MODEL, VOCAB, Checkpoint

__all__ = ["MAX_DECODE_LENGTH", "build_model", "check_size", "loaded_repr", "saved_max_len"]


def loaded_repr(owner: object, ckpt: Checkpoint, model: nn.Module, **facts: object) -> str:
    """The repr of a task's loaded model ``owner`` (read from ``ckpt``, running ``model``): its class, its
    directory, its parameter count and ``facts``, ``CharLM('runs/abc/best', parameters=5873, vocab=11)``;
    the default ``<rnnkit.tasks.charlm.CharLM object at 0x7f...>`` said nothing of which model it was."""
    params = sum(p.numel() for p in model.parameters())
    shown = "".join(f", {name}={value!r}" for name, value in facts.items())
    return f"{type(owner).__name__}({str(ckpt.path)!r}, parameters={params}{shown})"


class _NoMetaNormal(TorchFunctionMode):
    """``nn.init.normal_`` (``nn.Embedding``'s initialiser) leaves a skeleton's meta tensor as it is: it has no
    values to draw, and torch computes the meta result through its Python references, whose first call imports
    Dynamo, about a second of every ``predict`` and ``score`` for a skeleton that is thrown away (rnnkit's own
    initialisers skip meta tensors: ``rnnkit.init.initialize_``)."""

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        tensor = kwargs.get("tensor")   # init.normal_ hands its tensor over by name
        if func is nn.init.normal_ and isinstance(tensor, Tensor) and tensor.is_meta:
            return tensor
        return func(*args, **kwargs)


def build_model(factory: Callable[[], nn.Module], ckpt: Checkpoint) -> nn.Module:
    """The model ``factory()`` builds from a checkpoint's config, with the checkpoint's weights loaded.

    The config is checked against the tensors first, on torch's meta device (which allocates nothing),
    so a config from a stranger that asks for absurd sizes is refused in one line instead of exhausting
    the machine; so are weights of other shapes or names than the config's model has. The model is float32,
    as rnnkit trains it, whatever torch's default dtype (a notebook's ``torch.set_default_dtype(torch.float64)``):
    this is where every way of loading one builds it (:func:`rnnkit.load`, a task's class called on a folder, the
    members of an ensemble, ``--resume``, ``--init-from``).
    """
    with float32_by_default():
        return _built(factory, ckpt)


def _built(factory: Callable[[], nn.Module], ckpt: Checkpoint) -> nn.Module:
    """:func:`build_model` in torch's default dtype."""
    where = ckpt.path / CONFIG
    _check_model_fields(where, ckpt.config.get("model"), ckpt.model_shapes)
    try:
        with torch.device("meta"), _NoMetaNormal():
            skeleton = factory()
    except (TypeError, ValueError, KeyError, RuntimeError, ArithmeticError, IndexError, AttributeError) as exc:
        # a name the model does not know ("unknown cell 'x'") or a list it does not take is said of its field
        # its first line with words: a bare `raise ValueError` has none, and was an IndexError traceback here
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        fields = ckpt.config.get("model")
        said = sorted((first.index(repr(value)), key, value) for key, value in
                      (fields if isinstance(fields, dict) else {}).items()
                      if isinstance(value, (str, list)) and repr(value) in first)   # the first one the message says
        named = f"model.{said[0][1]} {said[0][2]!r}: " if said else ""
        raise UserError(f"{where}: {named}does not describe a model ({first})") from None
    expected = {k: tuple(v.shape) for k, v in skeleton.state_dict().items()}
    held = ckpt.model_shapes  # from the file's header: nothing read yet
    for name in sorted(set(expected) | set(held)):
        if expected.get(name) != held.get(name):
            raise UserError(f"{ckpt.path / MODEL}: does not match {CONFIG}: {name} is "
                            f"{list(held[name]) if name in held else 'missing'} in the weights and "
                            f"{list(expected[name]) if name in expected else 'absent'} in the model it describes")
    wanted = skeleton.state_dict()
    for name, tensor in ckpt.model_state.items():
        if tensor.is_floating_point() != wanted[name].is_floating_point():
            raise UserError(f"{ckpt.path / MODEL}: {name} holds {str(tensor.dtype).removeprefix('torch.')} values, "
                            f"where the model has {str(wanted[name].dtype).removeprefix('torch.')}")
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise UserError(f"{ckpt.path / MODEL}: {name} holds NaN or infinite values (saved from a run that "
                            "diverged?); this model cannot predict")
    model = factory()
    model.load_state_dict(ckpt.model_state)
    return model


#: the switches of a model's config: true or false only (torch's kernels take 0 or "x" as a traceback)
FLAGS = ("bidirectional", "crf", "positions", "row_encoder", "layer_norm", "skip_unknown", "multi_label",
         "share_decoder_embeddings", "share_embeddings")
#: the sizes of a model's config: whole numbers from 1 (from 0 where 0 turns a part off: a tagger without its
#: spelling encoder), at most the number of values the weights hold (each is a tensor's side, or multiplies one)
SIZES = ("vocab_size", "num_classes", "embedding_dim", "hidden_size", "embed_dim", "num_tags", "char_hidden",
         "src_vocab", "tgt_vocab", "embedding", "hidden", "n_features", "n_symbols", "in_channels", "subsample")
SIZES_OR_OFF = ("num_chars", "char_dim")
#: the lists of sizes or lengths of a model's config: a CNN's channels, a language model's memory and counts
SIZE_LISTS = ("channels", "memory", "counts")
#: those whose entries are context lengths, not layers: the language model holds them to distinct lengths up to its
#: longest context (:data:`rnnkit.models.match.MAX_CONTEXT`) and builds no tensor for each
CONTEXT_LISTS = ("memory", "counts")
#: the rates of a model's config: dropout and the recurrent regularisers' (zoneout also a pair of them), each
#: checked as the training setting of the same name is (:func:`rnnkit.errors.check_fraction`)
RATES = ("dropout", "weight_drop", "recurrent_dropout", "zoneout")
#: the names of a kind in a model's config (a cell, a pooling, an attention); the model says which it knows
NAMES = ("cell", "decoder_cell", "pooling", "attention", "char_encoder", "subsample_kind")
#: fields that may be null: the model then takes another's value (the decoder's layers and cell, the encoder's)
NULLABLE = ("decoder_layers", "decoder_cell")
#: the longest side of an image a captioner's config may ask its images to be resized to: JPEG's largest
MAX_IMAGE_SIDE = 65_535

#: the longest output a saved ``settings.max_len`` may ask a decoder for (a stranger's 10^9 ran for ever)
MAX_DECODE_LENGTH = 10_000


def saved_max_len(ckpt: Checkpoint, default: int) -> int:
    """``settings.max_len`` of a decoder's checkpoint (translation, captions): an integer from 1 to
    :data:`MAX_DECODE_LENGTH`, else one line naming it."""
    value = (ckpt.config.get("settings") or {}).get("max_len", default)
    if not whole_number(value) or not 1 <= value <= MAX_DECODE_LENGTH:
        raise UserError(f"{ckpt.path / CONFIG}: settings.max_len {value!r}: expected an integer from 1 to "
                        f"{MAX_DECODE_LENGTH}")
    return value


def check_size(ckpt: Checkpoint, what: str, size: int, key: str) -> None:
    """Refuse a checkpoint whose ``what`` (a vocabulary, the labels) has ``size`` entries where the model's
    config says ``model.key`` (which :func:`build_model` holds to the weights): a vocabulary larger than the
    embedding failed mid-prediction with torch's index error, a smaller one silently changed the answers."""
    want = (ckpt.config.get("model") or {}).get(key)
    if want != size:
        raise UserError(f"{ckpt.path}: {what} has {size} entries, but the model has {want} ({CONFIG}: "
                        f"model.{key}); {VOCAB} and {CONFIG} are not from the same run")


def _check_model_fields(where: Path, model: Any, shapes: dict[str, tuple[int, ...]]) -> None:
    """Each field of the model's config of a kind named here (:data:`FLAGS`, :data:`SIZES`, :data:`RATES` ...) is
    of that kind, else one line naming ``config.json``, the field and what it takes (a NaN dropout was taken, a
    size of 0 or ``"x"`` was torch's own words from inside the model); each layer count (a key naming
    ``layers``) and each list (a CNN's channels) but the :data:`CONTEXT_LISTS` asks for at least one tensor per
    layer: more than the weights hold is refused before the model is built, which for a stranger's
    ``num_layers: 10000000`` would take hours even on the meta device (counts 1 to 11 on a model of 10 tensors were
    refused as "11 layers")."""
    if not isinstance(model, dict):
        return
    tensors, values = len(shapes), sum(math.prod(shape) for shape in shapes.values())
    # a classifier's bag of embeddings (no recurrent layer) sizes nothing by its hidden_size (128 unless given):
    # a bag of fewer values than that trained, and its load was refused
    unsized = {"hidden_size"} if model.get("num_layers") == 0 and "pooling" in model else set()
    for key, value in model.items():
        if value is None and key in NULLABLE:
            continue
        try:
            expected = _field_expects(key, value, None if key in unsized else values)
        except SettingError as exc:
            expected = exc.expected
        if expected:
            raise UserError(f"{where}: model.{key} {value!r}: {expected}")
        count = len(value) if isinstance(value, list) and key not in CONTEXT_LISTS else value if "layers" in key else 0
        if count > tensors:
            raise UserError(f"{where}: model.{key} asks for {count} layers, but {MODEL} holds {tensors} tensors")


def _is_count(value: Any, least: int, most: int | None = None) -> bool:
    return whole_number(value) and value >= least and (most is None or value <= most)


def _field_expects(key: str, value: Any, values: int | None) -> str | None:
    """What field ``key`` of a model's config takes, where ``value`` is not that (None where it is, or where the
    field is not one of a kind named here); ``values``: the number of values the weights hold (None: a size that
    sizes no tensor, held to no most)."""
    if key in FLAGS:
        return None if isinstance(value, bool) else "expected true or false"
    if "layers" in key:
        return None if _is_count(value, 0) else "expected a number of layers (a whole number from 0)"
    if key in SIZES or key in SIZES_OR_OFF:
        least = 0 if key in SIZES_OR_OFF else 1
        if _is_count(value, least, values):
            return None
        return (f"expected a whole number from {least}" if values is None
                else f"expected a whole number from {least} to {values:,} (the number of values {MODEL} holds)")
    if key in SIZE_LISTS:
        ok = isinstance(value, list) and all(_is_count(v, 1) for v in value)
        return None if ok else "expected a list of whole numbers from 1"
    if key == "image_size":
        sides = value if isinstance(value, list) and len(value) == 2 else [value]
        ok = all(_is_count(v, 1, MAX_IMAGE_SIDE) for v in sides)
        return None if ok else f"expected a side in pixels, or [height, width], each from 1 to {MAX_IMAGE_SIDE:,}"
    if key in RATES:
        for rate in value if key == "zoneout" and isinstance(value, list) else [value]:
            check_fraction(key, rate)
        return None
    if key in NAMES:
        return None if isinstance(value, str) else "expected a name (a string)"
    return None
