"""Weight tying of the captioner's decoder (``rnnkit train caption --share-decoder-embeddings``), the translator's
(tests/test_seq2seq_tied.py holds the model's own tests: the shared Parameter, its gradient, saving)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--channels", "4", "--image-size", "16", "--batch-size", "4", "--eval-images", "2", "--no-progress",
        "--save-minutes", "0"]


def _captions(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "images"
    path.mkdir()
    captions = ["a red box", "a blue dot", "the big box", "a small dot"] * 2
    for i in range(len(captions)):
        Image.new("RGB", (16, 16), (30 * i, 0, 200 - 20 * i)).save(path / f"{i}.png")
    (path / "captions.tsv").write_text("".join(f"{i}.png\t{c}\n" for i, c in enumerate(captions)))
    return path


def test_a_tied_captioner_trains_resumes_and_captions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _captions(tmp_path), tmp_path / "run"
    assert main(["train", "caption", "--data", str(data), "--out", str(out), "--steps", "2", "--hidden", "8",
                 "--embedding", "8", "--attention", "--share-decoder-embeddings", *TINY]) == 0
    assert json.loads((out / "last" / "config.json").read_text())["model"]["share_decoder_embeddings"] is True
    assert main(["train", "caption", "--resume", str(out), "--steps", "3", "--no-progress"]) == 0
    model = rnnkit.load(out).model
    assert model.output.weight is model.tgt_embedding.weight
    capsys.readouterr()
    assert main(["caption", str(out), str(data / "0.png")]) == 0
    assert capsys.readouterr().out.strip() == rnnkit.load(out).caption([str(data / "0.png")])[0]


def test_a_captioner_with_hidden_other_than_embedding_is_refused_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _captions(tmp_path), tmp_path / "run"
    capsys.readouterr()
    assert main(["train", "caption", "--data", str(data), "--out", str(out), "--steps", "2",
                 "--share-decoder-embeddings", *TINY]) == 2  # the defaults: --hidden 256, --embedding 64
    assert capsys.readouterr().err == ("rnnkit: error: --share-decoder-embeddings needs --hidden equal to --embedding: "
                                       "--hidden 256, --embedding 64 (the output layer's weight is the target "
                                       "embedding matrix)\n")
    assert not out.exists()
