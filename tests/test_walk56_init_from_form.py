"""``rnnkit train charlm --init-from DIR`` on a text written in the other Unicode form than DIR's model (Korean
saved on macOS, decomposed into jamo, for a model of composed Hangul) was refused as "another script?: train a new
model on it", though the text is the model's own script; the refusal now names the form to save it in, and the
text saved so (by :func:`unicodedata.normalize`, the judge) trains from the model."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KOREAN = "대한민국은 민주공화국이다. 대한민국의 주권은 국민에게 있고, 모든 권력은 국민으로부터 나온다.\n" * 6
TINY = ["--steps", "1", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--no-progress"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("lm")
    data = tmp / "composed.txt"
    data.write_text(KOREAN, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(data), "--out", str(tmp / "lm"), *TINY, "--json"]) == 0
    return tmp / "lm"


def _init_from(model: Path, text: str, tmp_path: Path, name: str) -> int:
    data = tmp_path / f"{name}.txt"
    data.write_text(text, encoding="utf-8")
    return main(["train", "charlm", "--data", str(data), "--init-from", str(model), "--out", str(tmp_path / name),
                 *TINY, "--json"])


def test_a_decomposed_text_is_told_the_form_to_save_it_in(model: Path, tmp_path: Path, capsys) -> None:
    capsys.readouterr()
    assert _init_from(model, unicodedata.normalize("NFD", KOREAN), tmp_path, "decomposed") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rnnkit: error: ")
    assert "another script" not in err and "decomposed form" in err and "normalize('NFC', text)" in err
    said = unicodedata.normalize("NFC", unicodedata.normalize("NFD", KOREAN))  # as the refusal says to save it
    assert _init_from(model, said, tmp_path, "saved") == 0


def test_another_script_is_still_said_so(model: Path, tmp_path: Path, capsys) -> None:
    capsys.readouterr()
    assert _init_from(model, "an English text of another script altogether\n" * 8, tmp_path, "english") == 2
    err = capsys.readouterr().err
    assert "(another script?): train a new model on it" in err and "NFC" not in err
