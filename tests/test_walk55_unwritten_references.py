"""evaluate of a recogniser on references holding symbols it never writes (a test set spelt in capitals, with
punctuation its training transcripts lack) counted each as an error without a word: the CER then measured the
spelling. A warning now names them, how many references hold them and the first (walk55)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import rnnkit
from rnnkit.errors import RnnkitWarning

pytestmark = [pytest.mark.usefixtures("one_torch_thread"), pytest.mark.slow]  # a recogniser trained first

TRAIN = ["ab", "ba", "abba", "b a"]


def _corpus(folder: Path, texts: list[str]) -> Path:
    folder.mkdir()
    rng = np.random.default_rng(0)
    lines = ["audio\ttext"]
    for i, text in enumerate(texts):
        sf.write(folder / f"{i}.wav", 0.1 * rng.standard_normal(8000).astype(np.float32), 16000)
        lines.append(f"{i}.wav\t{text}")
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def recogniser(tmp_path_factory: pytest.TempPathFactory) -> rnnkit.tasks._speech_trained.Transcriber:
    root = tmp_path_factory.mktemp("walk55")
    data = _corpus(root / "train", TRAIN * 2)
    rnnkit.fit("speech", data=str(data), out=str(root / "run"), symbols="chars", hidden=8, layers=1, steps=1,
               val_fraction=0.0, verbose=False)
    return rnnkit.load(root / "run")


def _said(recogniser, folder: Path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recogniser.evaluate(folder)
    return [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)]


def test_references_with_symbols_the_model_never_writes_are_warned_of(recogniser, tmp_path: Path) -> None:
    tests = ["ab", "AB", "ab!", "b"]
    folder = _corpus(tmp_path / "test", tests)
    known = {c for t in TRAIN for c in t if c != " "}
    alien = [c for t in tests for c in t if c not in known]
    said = [m for m in _said(recogniser, folder) if "references hold symbols" in m]
    assert len(said) == 1
    message = said[0]
    lacking = [t for t in tests if any(c not in known for c in t)]
    assert message.startswith(f"{len(lacking)} of {len(tests)} references hold symbols the model does not write "
                              f"({', '.join(repr(c) for c in dict.fromkeys(alien))})")
    assert f"(first {folder / '1.wav'}: 'AB')" in message
    assert f"the {len(known) + 1} chars of its training corpus" in message  # and the word boundary


def test_references_the_model_can_write_are_not_warned_of(recogniser, tmp_path: Path) -> None:
    folder = _corpus(tmp_path / "test", ["ab", "b a", "a"])
    assert not [m for m in _said(recogniser, folder) if "references hold symbols" in m]
