"""rnnkit.report.write_report: a task's section that fails. With --threshold given, its UserError is the user's
to read, not a note on the page; a value error from a damaged run is named in its first line (mutation audit
round 17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit import report
from rnnkit.cli import main
from rnnkit.errors import UserError


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("plotly")
    tmp = tmp_path_factory.mktemp("mut17a_report")
    data = tmp / "train.csv"
    data.write_text("text,label\n" + "".join(f"w{i % 5} x,{'ab'[i % 2]}\n" for i in range(20)), encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp / "run"), "--steps", "1", "--layers", "0",
                 "--pooling", "mean", "--tokenizer", "word", "--embedding", "4", "--no-progress"]) == 0
    return tmp / "run"


def _failing(exc: Exception):  # noqa: ANN202
    def add(page: object, run: Path, obj: object, options: dict) -> None:
        raise exc
    return add


def test_a_sections_refusal_is_raised_when_a_threshold_was_given(run: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(report.SECTIONS, "classify", _failing(UserError("the scores cannot be read")))
    for threshold in (0.3, 0.0):  # 0.0 is a threshold given too
        with pytest.raises(UserError, match="^the scores cannot be read$"):
            report.write_report(run, output=tmp_path / "a.html", threshold=threshold)
    assert not (tmp_path / "a.html").exists()
    page = report.write_report(run, output=tmp_path / "b.html")  # nothing of the user's: a note, the rest shown
    assert "Not shown: the scores cannot be read" in page.read_text(encoding="utf-8")


def test_a_damaged_runs_error_is_named_in_its_first_line(run: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(report.SECTIONS, "classify", _failing(ValueError("a mean of 'x'\n  in scores.json")))
    with pytest.raises(UserError) as caught:
        report.write_report(run, output=tmp_path / "a.html")
    assert str(caught.value) == (f"{run}: its files hold values rnnkit does not write (ValueError: a mean of 'x'); "
                                 "the run was edited or damaged")


def test_an_empty_run_name_and_an_output_under_a_file_are_refused_in_one_line(run: Path, tmp_path: Path) -> None:
    """'' (an unset shell variable) is no run directory, not the working directory; an --output whose folder is a
    file is named with that file before any work."""
    said = r"^'': an empty name; expected a run directory of rnnkit\.fit, `rnnkit experiment` or `rnnkit diagnose`$"
    with pytest.raises(UserError, match=said):
        report.write_report("")
    blocker = tmp_path / "notes"
    blocker.write_text("mine", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        report.write_report(run, output=blocker / "page.html")
    assert str(caught.value) == f"output {blocker / 'page.html'}: {blocker}: is a file, where a folder is needed"
    assert blocker.read_text(encoding="utf-8") == "mine"
