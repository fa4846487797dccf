"""``rnnkit report`` on a speech run named a bad recording by its path only ("val/1.wav: empty file ..."), where
training names ``manifest:line: path: reason``: the report now names the manifest's line too, both where it checks the
run's own validation recordings (the page's note) and where it draws those of ``--data`` (one line, exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_fixspeech_counts import _corpus

pytest.importorskip("soundfile", reason="the speech extra is not installed: pip install 'rnnkit[speech]'")
pytest.importorskip("plotly")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

EMPTY = "1.wav: empty file; expected an audio file"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A speech run of one step validated on ``val``, whose second recording is then emptied."""
    tmp = tmp_path_factory.mktemp("listed")
    data, held = _corpus(tmp / "train", ["ab", "ba"]), _corpus(tmp / "val", ["ab", "ba"])
    assert main(["train", "speech", "--data", str(data), "--val-data", str(held), "--out", str(tmp / "run"),
                 "--symbols", "chars", "--hidden", "8", "--layers", "1", "--n-mels", "16", "--subsample", "2",
                 "--steps", "1", "--no-progress"]) == 0
    (held / "1.wav").write_bytes(b"")
    return tmp / "run", held


def test_the_run_s_own_recording_is_named_by_its_manifest_line(run: tuple[Path, Path],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out, held = run
    assert main(["report", str(out)]) == 0
    capsys.readouterr()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"Not shown: {held.resolve() / 'manifest.tsv'}:3: {held.resolve() / EMPTY}" in page


def test_a_recording_of_data_is_named_by_its_manifest_line(run: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    out, held = run
    assert main(["report", str(out), "--data", str(held), "--output", str(held.parent / "page.html")]) == 2
    said = capsys.readouterr()
    assert said.err == f"rnnkit: error: {held / 'manifest.tsv'}:3: {held / EMPTY}" + said.err.split(EMPTY, 1)[1]
    assert said.err.count("\n") == 1
