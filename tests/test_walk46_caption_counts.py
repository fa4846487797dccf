"""``rnnkit train caption`` on a handful of one's own photos began 'caption: 2 training images (2 captions) and 1
validation images'; each count now takes its noun's number (1 validation image, 1 caption)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from rnnkit.cli import main

TINY = ["--channels", "4", "--image-size", "8", "--hidden", "4", "--embedding", "4", "--eval-images", "0",
        "--no-progress", "--save-minutes", "0", "--steps", "1", "--threads", "1"]


def test_one_validation_image_and_one_caption_are_said_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, val = tmp_path / "photos", tmp_path / "val"
    for folder, names in ((data, ("a.png",)), (val, ("c.png",))):
        folder.mkdir()
        for name in names:
            Image.new("RGB", (8, 8), "red").save(folder / name)
    (data / "captions.tsv").write_text("a.png\t빨간 네모\n", encoding="utf-8")
    (val / "captions.tsv").write_text("c.png\tred\n", encoding="utf-8")
    assert main(["train", "caption", "--data", str(data), "--val-data", str(val), "--out", str(tmp_path / "run"),
                 *TINY]) == 0
    assert capsys.readouterr().err.startswith("caption: 1 training image (1 caption) and 1 validation image, ")
