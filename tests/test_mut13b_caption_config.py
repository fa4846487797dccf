"""Gaps a mutation audit of :mod:`rnnkit.tasks._caption_config` found (round 13): each of the captioner's settings
refused at the edge of its range and taken inside it, the sizes as Python gives them, and what a resumed run keeps."""

from __future__ import annotations

import pytest

from rnnkit.errors import SettingError
from rnnkit.tasks._caption_config import FROZEN, CaptionConfig


def _validated(**settings: object) -> CaptionConfig:
    config = CaptionConfig(**settings)  # type: ignore[arg-type]
    config.validate()
    return config


@pytest.mark.parametrize("settings, message", [
    ({"channels": [True, 4]}, "channels [True, 4]: expected a list of positive integers (or a comma-separated string)"),
    ({"channels": "0,4"}, "channels '0,4': expected comma-separated positive integers"),
    ({"channels": [4, 0]}, "channels [4, 0]: expected a list of positive integers"),
    ({"image_size": "big"}, "image_size 'big': expected a side (64) or HEIGHTxWIDTH (32x160) in pixels"),
    ({"image_size": 20, "channels": "4,4,4"}, "image_size 20: expected sides that are multiples of 8 (one halving per "
                                               "channel)"),
    ({"max_len": 10_001}, "max_len 10001: expected an integer from 1 to 10000"),
    ({"vocab_size": 0}, "vocab_size 0: expected a positive integer"),
    ({"cell": "lsmt"}, "cell 'lsmt': expected one of"),
    ({"attention": "soft"}, "attention 'soft': expected one of"),
    ({"attention_penalty": -0.5}, "attention_penalty -0.5: expected a number >= 0"),
    ({"attention_penalty": 0.5}, "attention_penalty 0.5: it weighs the attention over the image's regions; give "
                                 "--attention"),
    ({"eval_images": -1}, "eval_images -1: expected a number >= 0 (0: the loss alone)"),
    ({"label_smoothing": 1.0}, "label_smoothing 1.0: expected a number from 0 to below 1"),
    ({"dropout": 1.0}, "dropout 1.0: expected a number from 0 to below 1"),
    ({"val_fraction": 1.0}, "val_fraction 1.0: expected a number from 0 to below 1"),
    ({"teacher_forcing": 1.5}, "teacher_forcing"),
    ({"augment_rotate": 181.0}, "augment_rotate 181.0: expected a number in [0, 180]"),
    ({"augment_scale": 0.95}, "augment_scale 0.95: expected a number in [0, 0.9]"),
    ({"augment_shift": 0.6}, "augment_shift 0.6: expected a number in [0, 0.5]"),
    ({"augment_elastic": 0.15}, "augment_elastic 0.15: expected a number in [0, 0.1]"),
    ({"row_encoder": True, "channels": "4,5"}, "channels '4,5': expected an even last entry with --row-encoder"),
])
def test_a_setting_out_of_range_is_refused_by_name(settings: dict[str, object], message: str) -> None:
    with pytest.raises(SettingError) as caught:
        _validated(**settings)
    assert str(caught.value).startswith(message)


def test_settings_at_the_edges_of_their_ranges_are_taken() -> None:
    _validated(augment_rotate=180.0, augment_scale=0.9, augment_shift=0.5, augment_elastic=0.1, attention_penalty=0.0,
               eval_images=0, max_len=10_000, image_size=16, channels="4,4,4,4", row_encoder=True)
    assert CaptionConfig().max_len == 30
    assert _validated(attention="dot", attention_penalty=0.5).attention_penalty == 0.5


def test_sizes_from_python_are_kept_as_the_cli_writes_them() -> None:
    config = _validated(channels=(8, 16), image_size=(16, 32))
    assert (config.channels, config.image_size) == ("8,16", "16x32")
    assert config.image_shape() == (16, 32) and config.conv_channels() == (8, 16)
    assert CaptionConfig.kept_form("channels", [8, 16]) == (8, 16)
    assert CaptionConfig.kept_form("image_size", 16) == (16, 16) and CaptionConfig.kept_form("grey", True) is True
    with pytest.raises(SettingError) as caught:
        CaptionConfig(image_size=[16, 0]).image_shape()
    assert str(caught.value) == ("image_size [16, 0]: expected a side (64) or HEIGHTxWIDTH (32x160) in pixels, or "
                                 "[height, width]")
    with pytest.raises(SettingError) as caught:
        CaptionConfig(image_size="16x").image_shape()
    assert str(caught.value) == "image_size '16x': expected a side (64) or HEIGHTxWIDTH (32x160) in pixels"


def test_a_resumed_run_keeps_the_settings_of_its_images_and_model() -> None:
    assert {"grey", "positions", "val_fraction", "vocab_size", "image_size", "channels", "split_seed"} <= set(FROZEN)
