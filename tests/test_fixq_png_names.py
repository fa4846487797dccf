"""``--attention-png att.jpg`` (translate, caption), evaluate's ``--png m.jpg`` and ``--find-lr-plot lr.jpg`` wrote
PNG data under a .jpg name without a word (every drawing is saved through a temporary ``.png``, so matplotlib always
writes PNG): an image viewer then failed on it. A suffix other than .png is now refused in one line naming the flag,
before anything is decoded, scored or trained; a name with no suffix, or .PNG, is taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.files import check_png_name

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SAID = ": the drawing is written as PNG; expected a name ending .png"


def test_another_suffix_is_refused_naming_the_flag(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=f"^--png {tmp_path}/m.jpg{SAID}$"):
        check_png_name(tmp_path / "m.jpg", "--png")
    for name in ("m.png", "M.PNG", "m", "v1.0/m.png"):
        check_png_name(tmp_path / name, "--png")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("png")
    (root / "pairs.tsv").write_text("a b\tx y\nb a\ty x\n", encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(root / "pairs.tsv"), "--out", str(root / "run"), "--hidden", "4",
                 "--embedding", "4", "--steps", "1", "--val-fraction", "0", "--no-progress", "--threads", "1"]) == 0
    return root


def test_translate_refuses_it_before_writing_anything(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    png = run / "att.jpg"
    assert main(["translate", str(run / "run"), "a b", "--attention-png", str(png)]) == 2
    assert capsys.readouterr() == ("", f"rnnkit: error: --attention-png {png}{SAID}\n")
    assert not png.exists()


def test_find_lr_plot_is_refused_before_the_range_test(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = run / "lr.jpg"
    assert main(["train", "seq2seq", "--data", str(run / "pairs.tsv"), "--out", str(run / "lr"), "--find-lr",
                 "--find-lr-plot", str(png), "--no-progress", "--threads", "1"]) == 2
    assert capsys.readouterr().err.endswith(f"rnnkit: error: --find-lr-plot {png}{SAID}\n")
    assert not png.exists()


def test_evaluate_png_is_refused_before_the_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [f"{'good fine' if i % 2 else 'bad poor'} {i},{'pos' if i % 2 else 'neg'}" for i in range(24)]
    (tmp_path / "t.csv").write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(tmp_path / "t.csv"), "--out", str(tmp_path / "run"), "--steps",
                 "1", "--hidden", "4", "--embedding", "4", "--no-progress", "--threads", "1"]) == 0
    capsys.readouterr()
    png = tmp_path / "m.jpg"
    assert main(["evaluate", str(tmp_path / "run"), "--data", str(tmp_path / "t.csv"), "--png", str(png)]) == 2
    assert capsys.readouterr() == ("", f"rnnkit: error: --png {png}{SAID}\n")
    assert not png.exists()
