"""Gaps a mutation audit (round 39) found in the refusal of a drawing's name whose suffix names no format
matplotlib writes (``plots.drawing_format`` with a flag; then any but .png): ``rnnkit caption --attention-png att.txt``
is refused as translate's is, and a name that is refused for its place (the file evaluate reads, a file the run
keeps) is refused as that first, so that mending the name once is enough."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SAID = ": a drawing is written in the format its name's suffix names; expected one of "


def test_caption_refuses_it_before_captioning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("PIL.Image")
    from test_mut13b_caption_trained import four_grey_images

    folder = four_grey_images(tmp_path)
    assert main(["train", "caption", "--data", str(folder), "--out", str(tmp_path / "m"), "--grey", "--steps", "1",
                 "--attention", "bahdanau", "--channels", "4", "--image-size", "8", "--hidden", "4", "--embedding",
                 "4", "--batch-size", "4", "--eval-images", "0", "--val-fraction", "0", "--no-progress",
                 "--save-minutes", "0", "--threads", "1"]) == 0
    capsys.readouterr()
    png = tmp_path / "att.txt"
    assert main(["caption", str(tmp_path / "m"), str(folder / "0.png"), "--attention-png", str(png)]) == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err.count("\n") == 1
    assert said.err.startswith(f"rnnkit: error: --attention-png {png}{SAID}")
    assert not png.exists()


def test_evaluate_names_the_data_it_reads_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [f"{'good fine' if i % 2 else 'bad poor'} {i},{'pos' if i % 2 else 'neg'}" for i in range(24)]
    data = tmp_path / "t.csv"
    data.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--hidden", "4", "--embedding", "4", "--no-progress", "--threads", "1"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "run"), "--data", str(data), "--png", str(data)]) == 2
    err = capsys.readouterr().err
    assert "--data being read" in err and SAID not in err, err


def test_translate_names_a_file_the_run_keeps_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pairs.tsv").write_text("a b\tx y\nb a\ty x\n", encoding="utf-8")
    run = tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(tmp_path / "pairs.tsv"), "--out", str(run), "--hidden", "4",
                 "--embedding", "4", "--steps", "1", "--val-fraction", "0", "--no-progress", "--threads", "1"]) == 0
    capsys.readouterr()
    png = run / "best" / "att.txt"
    assert main(["translate", str(run), "a b", "--attention-png", str(png)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: --attention-png {png}: is ") and SAID not in err, err
    assert not png.exists()
