"""The command line's drawing flags (``translate``/``caption --attention-png``, ``evaluate --png``,
``--find-lr-plot``) write the format a name's suffix names, as ``rnnkit.plots`` does from Python: they took a
``.png`` name only (``--png m.svg``: "the drawing is written as PNG; expected a name ending .png"). A suffix
matplotlib does not write is refused in the one line of :func:`rnnkit.plots.drawing_format`, after the flag, before
the work. The files are judged by their own magic bytes (and PIL for the JPEG), not by rnnkit."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SAID = ": a drawing is written in the format its name's suffix names; expected one of "

TINY = ["--hidden", "4", "--embedding", "4", "--no-progress", "--threads", "1"]


def is_svg(path: Path) -> bool:
    return b"<svg" in path.read_bytes()[:2000]


def is_pdf(path: Path) -> bool:
    return path.read_bytes().startswith(b"%PDF-")


def is_jpeg(path: Path) -> bool:
    from PIL import Image

    with Image.open(path) as image:
        return image.format == "JPEG"


def refused_in_one_line(err: str, flag: str, path: Path) -> bool:
    return err.startswith(f"rnnkit: error: {flag} {path}{SAID}") and err.count("\n") == 1 and ".svg" in err


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drawings")
    (root / "pairs.tsv").write_text("a b\tx y\nb a\ty x\n", encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(root / "pairs.tsv"), "--out", str(root / "run"), "--steps", "1",
                 "--val-fraction", "0", *TINY]) == 0
    return root


def test_translate_draws_the_attention_as_svg(pairs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    svg = pairs / "att.svg"
    assert main(["translate", str(pairs / "run"), "a b", "--attention-png", str(svg)]) == 0
    assert is_svg(svg)
    capsys.readouterr()
    txt = pairs / "att.txt"
    assert main(["translate", str(pairs / "run"), "a b", "--attention-png", str(txt)]) == 2
    said = capsys.readouterr()
    assert said.out == "" and refused_in_one_line(said.err, "--attention-png", txt), said.err
    assert not txt.exists()


def test_find_lr_plot_draws_a_pdf(pairs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = pairs / "lr.pdf"
    assert main(["train", "seq2seq", "--data", str(pairs / "pairs.tsv"), "--out", str(pairs / "lr"), "--find-lr",
                 "--find-lr-plot", str(pdf), *TINY]) == 0
    assert is_pdf(pdf)
    capsys.readouterr()
    txt = pairs / "lr.txt"
    assert main(["train", "seq2seq", "--data", str(pairs / "pairs.tsv"), "--out", str(pairs / "lr2"), "--find-lr",
                 "--find-lr-plot", str(txt), *TINY]) == 2
    assert refused_in_one_line(capsys.readouterr().err, "--find-lr-plot", txt)
    assert not txt.exists() and not (pairs / "lr2").exists()


def test_evaluate_draws_the_confusion_matrix_as_jpeg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("PIL.Image")
    rows = [f"{'good fine' if i % 2 else 'bad poor'} {i},{'pos' if i % 2 else 'neg'}" for i in range(24)]
    data = tmp_path / "t.csv"
    data.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "1",
                 *TINY]) == 0
    jpg = tmp_path / "m.JPG"
    assert main(["evaluate", str(tmp_path / "run"), "--data", str(data), "--png", str(jpg)]) == 0
    assert is_jpeg(jpg)
    capsys.readouterr()
    txt = tmp_path / "m.txt"
    assert main(["evaluate", str(tmp_path / "run"), "--data", str(data), "--png", str(txt)]) == 2
    said = capsys.readouterr()
    assert said.out == "" and refused_in_one_line(said.err, "--png", txt), said.err
    assert not txt.exists()


def test_caption_draws_the_attention_as_svg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("PIL.Image")
    from test_mut13b_caption_trained import four_grey_images

    folder = four_grey_images(tmp_path)
    assert main(["train", "caption", "--data", str(folder), "--out", str(tmp_path / "m"), "--grey", "--steps", "1",
                 "--attention", "bahdanau", "--channels", "4", "--image-size", "8", "--batch-size", "4",
                 "--eval-images", "0", "--val-fraction", "0", "--save-minutes", "0", *TINY]) == 0
    svg = tmp_path / "att.svg"
    assert main(["caption", str(tmp_path / "m"), str(folder / "0.png"), "--attention-png", str(svg)]) == 0
    assert is_svg(svg)
