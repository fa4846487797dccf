"""``--attention-png att.jpg`` (translate, caption), evaluate's ``--png m.jpg`` and ``--find-lr-plot lr.jpg`` wrote
PNG data under a .jpg name without a word (every drawing is saved through a temporary ``.png``, so matplotlib always
writes PNG): an image viewer then failed on it. A suffix matplotlib does not write (``.txt``; ``.jpg`` is now drawn as
JPEG: tests/test_fixexp_drawing_names.py) is refused in one line naming the flag, before anything is decoded, scored
or trained; a name with no suffix, or .PNG, is taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.plots import drawing_format

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SAID = ": a drawing is written in the format its name's suffix names; expected one of "


def test_another_suffix_is_refused_naming_the_flag(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=f"^--png {tmp_path}/m.txt{SAID}"):
        drawing_format(tmp_path / "m.txt", "--png")
    for name in ("m.png", "M.PNG", "m", "v1.0/m.png"):
        assert drawing_format(tmp_path / name, "--png") == "png"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("png")
    (root / "pairs.tsv").write_text("a b\tx y\nb a\ty x\n", encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(root / "pairs.tsv"), "--out", str(root / "run"), "--hidden", "4",
                 "--embedding", "4", "--steps", "1", "--val-fraction", "0", "--no-progress", "--threads", "1"]) == 0
    return root


def test_translate_refuses_it_before_writing_anything(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    png = run / "att.txt"
    assert main(["translate", str(run / "run"), "a b", "--attention-png", str(png)]) == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err.count("\n") == 1
    assert said.err.startswith(f"rnnkit: error: --attention-png {png}{SAID}")
    assert not png.exists()


def test_find_lr_plot_is_refused_before_the_range_test(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = run / "lr.txt"
    assert main(["train", "seq2seq", "--data", str(run / "pairs.tsv"), "--out", str(run / "lr"), "--find-lr",
                 "--find-lr-plot", str(png), "--no-progress", "--threads", "1"]) == 2
    assert f"rnnkit: error: --find-lr-plot {png}{SAID}" in capsys.readouterr().err
    assert not png.exists()


def test_evaluate_png_is_refused_before_the_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [f"{'good fine' if i % 2 else 'bad poor'} {i},{'pos' if i % 2 else 'neg'}" for i in range(24)]
    (tmp_path / "t.csv").write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(tmp_path / "t.csv"), "--out", str(tmp_path / "run"), "--steps",
                 "1", "--hidden", "4", "--embedding", "4", "--no-progress", "--threads", "1"]) == 0
    capsys.readouterr()
    png = tmp_path / "m.txt"
    assert main(["evaluate", str(tmp_path / "run"), "--data", str(tmp_path / "t.csv"), "--png", str(png)]) == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err.count("\n") == 1
    assert said.err.startswith(f"rnnkit: error: --png {png}{SAID}")
    assert not png.exists()
