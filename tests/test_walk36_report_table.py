"""The report page of an ``rnnkit experiment`` gives its table in results.md's words: a copy-task accuracy that
results.md and docs/RESULTS.md show as "10.0%" was "0.1" on the page (a fraction, no unit), and the updates
each run made (what docs/RESULTS.md says to compare across seeds) were on results.md only (walk36)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnkit.cli import main


def _cells(text: str, row: str) -> list[str]:
    """The cells of the HTML table row that starts with ``row``."""
    found = re.search(rf"<tr><td>{row}</td>(.*?)</tr>", text)
    assert found, text
    return re.findall(r"<td>(.*?)</td>", found.group(1))


def test_the_pages_accuracy_is_a_percent_and_its_steps_those_of_results_md(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "copy"
    assert main(["experiment", "copy", "--cells", "gru", "--length", "3", "--hidden", "4", "--steps", "2",
                 "--eval-every", "1", "--eval-size", "8", "--seeds", "2", "--quiet", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    capsys.readouterr()
    md = [c.strip() for c in (out / "results.md").read_text(encoding="utf-8").split("| gru |")[1].split("|")]
    page = _cells((out / "report.html").read_text(encoding="utf-8"), "gru")
    mean = md[3]  # lr, hidden, parameters, then the accuracy: "12.5% ± 0.0%"
    assert re.fullmatch(r"\d+\.\d% ± \d+\.\d%", mean), md
    assert page[0] == mean
    assert page[5] == md[5] == "2"  # steps per run, beside the seconds
