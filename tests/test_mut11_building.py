"""Gaps a mutation audit of :mod:`rnnkit.train.building` found (round 11): a model built from a checkpoint held in
memory (no training), its config's fields refused or taken as the module's tables say, checked against torch's
own modules and hand-counted sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.train.building import MAX_DECODE_LENGTH, build_model, check_size, loaded_repr, saved_max_len
from rnnkit.train.checkpoint import Checkpoint

RUN = Path("runs") / "m" / "best"


def linear(seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(3, 2)  # 8 values in 2 tensors: weight (2, 3), bias (2,)


def ckpt_of(model: nn.Module | None = None, config: dict[str, Any] | None = None,
            state: dict[str, torch.Tensor] | None = None) -> Checkpoint:
    """A checkpoint held in memory: ``state`` (default: ``model``'s tensors), its shapes as the header's."""
    state = state if state is not None else {k: v.clone() for k, v in (model or linear(1)).state_dict().items()}
    return Checkpoint(path=RUN, config=config if config is not None else {"model": {}},
                      model_shapes={k: tuple(v.shape) for k, v in state.items()}, _model_state=state)


def refusal(model_fields: dict[str, Any], factory: Any = linear) -> str:
    with pytest.raises(UserError) as info:
        build_model(factory, ckpt_of(config={"model": model_fields}))
    return str(info.value)


def accepts(model_fields: dict[str, Any]) -> None:
    assert isinstance(build_model(linear, ckpt_of(config={"model": model_fields})), nn.Linear)


def test_the_built_model_holds_the_checkpoints_weights_not_the_factorys() -> None:
    saved = linear(seed=1)
    model = build_model(lambda: linear(seed=2), ckpt_of(saved))
    for name, tensor in saved.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor), name


def test_the_repr_names_the_class_the_quoted_folder_the_parameter_count_and_the_facts() -> None:
    class Owner:
        pass

    shown = loaded_repr(Owner(), ckpt_of(), linear(), vocab=11, cell="lstm")
    assert shown == f"Owner({str(RUN)!r}, parameters=8, vocab=11, cell='lstm')"  # 2*3 + 2 values


def test_a_tensor_the_weights_lack_or_the_model_lacks_is_named() -> None:
    state = linear().state_dict()
    lacking = {"weight": state["weight"]}
    with pytest.raises(UserError, match=r"bias is missing in the weights and \[2\] in the model"):
        build_model(linear, ckpt_of(state=lacking))
    extra = {**state, "scale": torch.ones(4)}
    with pytest.raises(UserError, match=r"scale is \[4\] in the weights and absent in the model"):
        build_model(linear, ckpt_of(state=extra))
    other = {**state, "bias": torch.ones(5)}
    with pytest.raises(UserError, match=r"bias is \[5\] in the weights and \[2\] in the model"):
        build_model(linear, ckpt_of(state=other))


def test_integer_weights_for_a_float_model_are_refused() -> None:
    state = {**linear().state_dict(), "bias": torch.ones(2, dtype=torch.int64)}
    with pytest.raises(UserError, match="bias holds int64 values, where the model has float32"):
        build_model(linear, ckpt_of(state=state))


def test_a_single_nan_or_infinite_value_is_refused() -> None:
    for bad in (float("nan"), float("inf")):
        state = {k: v.clone() for k, v in linear().state_dict().items()}
        state["weight"][1, 2] = bad
        with pytest.raises(UserError, match="weight holds NaN or infinite values"):
            build_model(linear, ckpt_of(state=state))


@pytest.mark.parametrize("error", [TypeError, KeyError, RuntimeError, ValueError, IndexError])
def test_a_factory_that_fails_is_one_line_naming_the_field_its_message_names_first(error: type) -> None:
    def factory() -> nn.Module:
        raise error("unknown pooling 'maxx' for cell 'lsm'")

    said = refusal({"cell": "lsm", "pooling": "maxx", "hidden_size": 2}, factory)
    assert "model.pooling 'maxx': does not describe a model" in said, said


def test_a_list_the_factory_refuses_is_named_too() -> None:
    def factory() -> nn.Module:
        raise ValueError("channels [3, 5] do not fit")

    assert "model.channels [3, 5]: does not describe a model" in refusal({"channels": [3, 5]}, factory)


@pytest.mark.parametrize(("fields", "message"), [
    ({"crf": 1}, "model.crf 1: expected true or false"),
    ({"bidirectional": "yes"}, "expected true or false"),
    ({"hidden_size": 0}, "model.hidden_size 0: expected a whole number from 1 to 8"),
    ({"hidden_size": 9}, "expected a whole number from 1 to 8 (the number of values"),
    ({"hidden_size": True}, "expected a whole number from 1"),
    ({"char_dim": -1}, "model.char_dim -1: expected a whole number from 0 to 8"),
    ({"num_chars": 9}, "expected a whole number from 0 to 8"),
    ({"channels": [2, 0]}, "expected a list of whole numbers from 1"),
    ({"channels": 3}, "expected a list of whole numbers from 1"),
    ({"counts": "3"}, "expected a list of whole numbers from 1"),
    ({"image_size": 65_536}, "expected a side in pixels"),
    ({"image_size": [4, 4, 4]}, "expected a side in pixels"),
    ({"image_size": [4]}, "expected a side in pixels"),
    ({"dropout": 1.5}, "model.dropout 1.5: expected a number from 0 to below 1"),
    ({"zoneout": [0.1, 1.0]}, "model.zoneout [0.1, 1.0]: expected a number from 0 to below 1"),
    ({"cell": 3}, "model.cell 3: expected a name (a string)"),
    ({"decoder_cell": 3}, "expected a name (a string)"),
    ({"num_layers": None}, "model.num_layers None: expected a number of layers"),
    ({"encoder_layers": -1}, "model.encoder_layers -1: expected a number of layers (a whole number from 0)"),
    ({"decoder_layers": 3}, "model.decoder_layers asks for 3 layers, but model.safetensors holds 2 tensors"),
    ({"channels": [1, 1, 1]}, "model.channels asks for 3 layers"),
    ({"hidden_size": 9, "num_layers": 0}, "expected a whole number from 1 to 8"),
])
def test_a_field_of_the_wrong_kind_is_refused_in_one_line(fields: dict[str, Any], message: str) -> None:
    said = refusal(fields)
    assert said.startswith(f"{RUN / 'config.json'}: "), said
    assert message in said, said


@pytest.mark.parametrize("fields", [
    {"bidirectional": False, "crf": True},
    {"hidden_size": 8, "char_dim": 0, "num_chars": 0},   # a size up to all the values the weights hold
    {"channels": [4, 4]}, {"counts": [1, 2, 3, 4, 5]}, {"memory": [1, 2, 3]},  # context lengths build no tensor
    {"image_size": 65_535}, {"image_size": [1, 65_535]},
    {"dropout": 0.0}, {"zoneout": [0.1, 0.2]}, {"zoneout": 0.5},
    {"decoder_layers": None, "decoder_cell": None}, {"num_layers": 2}, {"decoder_layers": 0},
    {"num_layers": 0, "pooling": "mean", "hidden_size": 128},   # a bag of embeddings: hidden_size sizes nothing
    {"unknown_field": object()},
])
def test_a_field_of_the_right_kind_is_taken(fields: dict[str, Any]) -> None:
    accepts(fields)


def test_a_model_config_that_is_not_a_table_is_left_to_the_factory() -> None:
    assert isinstance(build_model(linear, ckpt_of(config={"model": ["x"]})), nn.Linear)


@pytest.mark.parametrize("value", [1, 64, MAX_DECODE_LENGTH])
def test_a_saved_max_len_from_1_to_the_limit_is_taken(value: int) -> None:
    assert MAX_DECODE_LENGTH == 10_000
    assert saved_max_len(ckpt_of(config={"settings": {"max_len": value}}), 50) == value


@pytest.mark.parametrize("value", [0, -1, MAX_DECODE_LENGTH + 1, True, 5.0, "5", None])
def test_a_saved_max_len_outside_that_is_refused(value: Any) -> None:
    with pytest.raises(UserError, match=r"settings.max_len .*: expected an integer from 1 to 10000"):
        saved_max_len(ckpt_of(config={"settings": {"max_len": value}}), 50)


def test_a_missing_max_len_is_the_default() -> None:
    assert saved_max_len(ckpt_of(config={"settings": {}}), 37) == 37
    assert saved_max_len(ckpt_of(config={}), 37) == 37


def test_a_vocabulary_without_its_size_in_the_config_is_refused() -> None:
    check_size(ckpt_of(config={"model": {"vocab_size": 5}}), "the vocabulary", 5, "vocab_size")
    for config in ({"model": {}}, {}):
        with pytest.raises(UserError, match="the vocabulary has 5 entries, but the model has None"):
            check_size(ckpt_of(config=config), "the vocabulary", 5, "vocab_size")


@pytest.mark.parametrize("error", [ValueError(), KeyError(), RuntimeError("")])
def test_a_factory_failing_without_words_is_still_one_line(error: Exception) -> None:
    """An exception with an empty message (``raise ValueError``) was an IndexError traceback from the refusal."""
    def factory() -> nn.Module:
        raise error

    said = refusal({"cell": "lstm"}, factory)
    assert said == f"{RUN / 'config.json'}: does not describe a model ({type(error).__name__})", said
