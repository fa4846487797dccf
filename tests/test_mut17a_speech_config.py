"""``rnnkit train speech``'s settings: the bounds SpeechConfig.validate holds a mask count, the number of
utterances decoded, the vocal-tract warp, the validation fraction and the regularisers to, and the voice and split
seed a resumed run keeps (mutation audit round 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_speech import _tone_corpus

from rnnkit.cli import main
from rnnkit.errors import SettingError
from rnnkit.tasks._speech_config import SpeechConfig


@pytest.mark.parametrize("name", ["freq_masks", "freq_width", "time_masks", "time_width"])
def test_a_negative_spec_augment_mask_setting_is_refused(name: str) -> None:
    SpeechConfig(spec_augment=True, **{name: 0}).validate()  # 0: that mask off
    with pytest.raises(SettingError, match=rf"^{name} -1: expected a number >= 0$"):
        SpeechConfig(spec_augment=True, **{name: -1}).validate()


def test_a_negative_count_of_utterances_to_decode_is_refused() -> None:
    SpeechConfig(eval_utterances=0).validate()  # no error rate, only the loss
    with pytest.raises(SettingError, match=r"^eval_utterances -1: expected a number >= 0$"):
        SpeechConfig(eval_utterances=-1).validate()


def test_the_vocal_tract_warp_is_under_one_half() -> None:
    SpeechConfig(vtlp=0.49).validate()
    with pytest.raises(SettingError, match=r"^vtlp 0\.5: expected a warp in \[0, 0\.5\)"):
        SpeechConfig(vtlp=0.5).validate()


@pytest.mark.parametrize(("settings", "message"), [
    ({"subsample_kind": "pool"}, r"^subsample_kind 'pool': expected one of stack, conv$"),
    ({"dropout": 1.0}, r"^dropout 1\.0: expected a number from 0 to below 1$"),
    ({"symbols": "words"}, r"^symbols 'words': expected one of phonemes, chars$"),
    ({"eval_every": 0}, r"^eval_every 0: "),  # the trainer's settings, as every task's config checks them
    ({"hidden": 8.5}, r"^hidden 8\.5: ")])
def test_settings_out_of_their_range_or_kind_are_refused(settings: dict, message: str) -> None:
    with pytest.raises(SettingError, match=message):
        SpeechConfig(**settings).validate()


@pytest.mark.parametrize("value", [1.0, -0.1])
def test_a_validation_fraction_outside_0_to_below_1_is_refused(value: float) -> None:
    """1.0 kept no utterance to train on; the check is SpeechConfig's own, also for the Python API."""
    with pytest.raises(SettingError, match=rf"^val_fraction {value}: expected a number from 0 to below 1$"):
        SpeechConfig(val_fraction=value).validate()


@pytest.mark.parametrize(("settings", "message"), [
    ({"zoneout": 1.0}, r"^zoneout 1\.0: expected a number from 0 to below 1$"),
    ({"layer_norm": True}, r"^layer_norm True: the layer-normalised cell is the LSTM, not gru$")])
def test_the_recurrent_regularisers_are_checked_too(settings: dict, message: str) -> None:
    """SpeechConfig takes --zoneout and --layer-norm from RegulariserSettings: its validate checks them (a zoneout
    of 1 froze every unit; the layer-normalised cell is an LSTM, and speech's default cell is the GRU)."""
    with pytest.raises(SettingError, match=message):
        SpeechConfig(**settings).validate()
    SpeechConfig(zoneout=0.5, layer_norm=True, cell="lstm").validate()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("mut17a_speech_frozen")
    corpus, out = _tone_corpus(tmp / "corpus", 4, 0), tmp / "run"
    assert main(["train", "speech", "--data", str(corpus), "--out", str(out), "--steps", "1", "--hidden", "4",
                 "--layers", "1", "--n-mels", "8", "--no-progress", "--voice", "en-gb", "--split-seed", "3"]) == 0
    return corpus, out


@pytest.mark.parametrize(("flags", "said"), [(["--voice", "fr"], "--voice fr: the resumed run used en-gb"),
                                             (["--split-seed", "4"], "--split-seed 4: the resumed run used 3")])
def test_a_resumed_run_keeps_its_voice_and_split_seed(run: tuple[Path, Path], flags: list[str], said: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run
    capsys.readouterr()
    assert main(["train", "speech", "--resume", str(out), "--steps", "2", "--no-progress", *flags]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {said}; a resumed run keeps its model and data: leave it out "
                                       "to resume the run as it is, or train a new run with another --out\n")
