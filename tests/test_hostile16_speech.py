"""Round 16 of hostile command lines, the recogniser: an empty WAV name (an unset shell variable) is refused as
one, not as the working directory (".: is a directory; expected a WAV file")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from rnnkit.cli import main
from rnnkit.data.audio import read_wav
from rnnkit.errors import UserError

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def recogniser(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile16_speech")
    rng = np.random.default_rng(0)
    (root / "c" / "wav").mkdir(parents=True)
    lines = ["audio\ttext\tphonemes"]
    for i in range(6):
        soundfile.write(str(root / "c" / "wav" / f"{i}.wav"), rng.normal(0, 0.1, 4000).astype(np.float32), 16000)
        lines.append(f"wav/{i}.wav\t{'ab'[i % 2]}\t{'ab'[i % 2]}")
    (root / "c" / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["train", "speech", "--data", str(root / "c"), "--out", str(root / "run"), "--hidden", "4",
                 "--n-mels", "20", "--subsample", "4", "--batch-size", "4", "--steps", "1", "--threads", "1",
                 "--val-fraction", "0.34", "--no-progress"]) == 0
    return root / "run"


@pytest.mark.parametrize("empty", ["", " "])
def test_read_wav_refuses_an_empty_name(empty: str) -> None:
    with pytest.raises(UserError, match=f"^{empty!r}: an empty name; expected the path of an audio file$"):
        read_wav(empty)


@pytest.mark.parametrize("empty", ["", " "])
def test_transcribe_refuses_an_empty_file_name(recogniser: Path, empty: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["transcribe", str(recogniser), empty, "--threads", "1"]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {empty!r}: an empty name; expected the path of an audio file\n"
