"""Speech's lines say a count of 1 in the singular: training on one utterance and validating on one said "1 training
and 1 validation utterances", and transcribing (or scoring) one recording warned "1 of 1 recordings are ...". They
say "1 training utterance and 1 validation utterance" and "the one recording is ...", and counts above 1 as before."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from rnnkit.wording import part_of
from tests.test_fixspeech_bad_recording import _recogniser

soundfile = pytest.importorskip("soundfile", reason="the speech extra is not installed: pip install 'rnnkit[speech]'")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _corpus(folder: Path, texts: list[str], rate: int = 16000) -> Path:
    """One half-second tone a transcript, listed in ``folder/manifest.tsv``."""
    folder.mkdir(parents=True)
    t = np.arange(rate // 2) / rate
    for i in range(len(texts)):
        soundfile.write(str(folder / f"{i}.wav"), (0.5 * np.sin(2 * math.pi * (300 + 200 * i) * t)).astype(np.float32),
                        rate, subtype="PCM_16")
    lines = ["audio\ttext", *(f"{i}.wav\t{text}" for i, text in enumerate(texts))]
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_part_of_says_the_one_and_counts_the_rest() -> None:
    assert part_of(1, 1, "recording") == "the one recording is"
    assert part_of(1, 1, "reference", ("holds", "hold")) == "the one reference holds"
    assert part_of(1, 3, "recording") == "1 of 3 recordings are"
    assert part_of(2, 1234, "training recording") == "2 of 1,234 training recordings are"


@pytest.mark.parametrize(("train", "val", "said"), [
    (1, 1, "speech: 1 training utterance and 1 validation utterance, "),
    (2, 1, "speech: 2 training utterances and 1 validation utterance, "),
    (2, 2, "speech: 2 training and 2 validation utterances, "),
])
def test_training_counts_each_side(tmp_path: Path, capsys: pytest.CaptureFixture[str], train: int, val: int,
                                   said: str) -> None:
    data = _corpus(tmp_path / "train", ["ab", "ba"][:train])
    held = _corpus(tmp_path / "val", ["ab", "ba"][:val])
    assert main(["train", "speech", "--data", str(data), "--val-data", str(held), "--out", str(tmp_path / "run"),
                 "--symbols", "chars", "--hidden", "8", "--layers", "1", "--n-mels", "16", "--subsample", "2",
                 "--steps", "1", "--no-progress"]) == 0
    assert said in capsys.readouterr().err


def test_one_recording_below_the_rate_is_the_one(tmp_path: Path) -> None:
    rec = _recogniser(tmp_path)
    one = _corpus(tmp_path / "phone", ["ab"], rate=8000) / "0.wav"
    with pytest.warns(RnnkitWarning) as said:
        rec.transcribe(one)
    [line] = [str(w.message) for w in said if "sampled below" in str(w.message)]
    assert line.startswith(f"the one recording is sampled below the model's 16000 Hz ({one}: 8000 Hz): its mel "), line
    assert line.endswith("computes its features at its rate"), line
    with pytest.warns(RnnkitWarning, match=r"^2 of 2 recordings are sampled below the model's 16000 Hz \(first "):
        rec.transcribe([one, one])


def test_one_reference_the_model_cannot_write_is_the_one(tmp_path: Path) -> None:
    rec = _recogniser(tmp_path)
    folder = _corpus(tmp_path / "test", ["abc"])
    with pytest.warns(RnnkitWarning) as said:
        rec.evaluate(folder)
    [line] = [str(w.message) for w in said if "symbols the model does not write" in str(w.message)]
    assert line.startswith(f"the one reference holds symbols the model does not write ('c'), counted as an error "
                           f"({folder / '0.wav'}: 'abc'); "), line
