"""Mutation audit round 14: ``rnnkit train tag``'s settings (:mod:`rnnkit.tasks._tag_config`)."""

from __future__ import annotations

import math

import pytest

from rnnkit.errors import SettingError
from rnnkit.tasks._tag_config import FROZEN, TagConfig


def test_the_defaults_validate_with_the_embedding_left_to_its_default() -> None:
    config = TagConfig()
    config.validate()
    assert config.embedding is None and config.char_dim is None
    assert (config.crf, config.word_dropout, config.char_encoder, config.fold_words) == (False, 0.25, "lstm", False)
    TagConfig(char_dim=0, word_dropout=0.0, char_encoder="cnn").validate()


@pytest.mark.parametrize(("changes", "name"), [
    ({"pretrained_vectors": ""}, "pretrained_vectors"),
    ({"freeze_vectors": True}, "freeze_vectors"),
    ({"char_hidden": 0}, "char_hidden"),
    ({"char_encoder": "gru"}, "char_encoder"),
    ({"char_dim": -1}, "char_dim"),
    ({"word_dropout": -0.1}, "word_dropout"),
    ({"word_dropout": math.nan}, "word_dropout"),
    ({"embedding": 0}, "embedding"),
])
def test_a_setting_out_of_range_is_named(changes: dict, name: str) -> None:
    with pytest.raises(SettingError) as err:
        TagConfig(**changes).validate()
    assert err.value.name == name


def test_frozen_vectors_with_a_vectors_file_are_taken() -> None:
    TagConfig(pretrained_vectors="v.vec", freeze_vectors=True).validate()


def test_a_resumed_run_keeps_the_settings_that_shape_its_model() -> None:
    for name in ("char_dim", "char_hidden", "char_encoder", "fold_words", "crf", "pretrained_vectors",
                 "freeze_vectors", "hidden", "embedding"):
        assert name in FROZEN, name
