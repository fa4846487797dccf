"""walk42: `rnnkit report RUN --output RUN/results.md` (or another experiment's curves.png, a diagnose directory's
diagnose.md or radius.png) replaced that result with the page, without a word and exit status 0; only results.json,
diagnose.json and diagnose.md of the run reported were refused. Now every file an experiment or diagnose writes is
refused as --output, the run's own or another's, before any work, and it is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit import strictjson
from rnnkit.cli import main
from rnnkit.tasks import experiments as ex


@pytest.fixture(scope="module")
def results_json() -> str:
    """A real results.json of a one-step experiment: the page of it is written unless the output is refused."""
    return strictjson.dumps(ex.run_experiment(ex.Settings(experiment="adding", cells=["rnn_tanh"], steps=1, length=4,
                                                          hidden=2, batch_size=2, eval_every=1, eval_size=2,
                                                          threads=1, seeds=1)))


def _results(folder: Path, kind: str, text: str) -> Path:
    """A folder that reads as an experiment (results.json) or a diagnose directory (diagnose.json)."""
    folder.mkdir()
    (folder / f"{kind}.json").write_text(text)
    for name in ("results.md", "curves.png", "radius.png", "clipping.png"):
        (folder / name).write_text("kept")
    return folder


@pytest.mark.parametrize(("kind", "name", "what"), [("results", "results.md", "an experiment directory"),
                                                    ("results", "curves.png", "an experiment directory"),
                                                    ("diagnose", "radius.png", "a diagnose directory")])
def test_report_output_onto_a_result_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], results_json: str,
                                                kind: str, name: str, what: str) -> None:
    run = _results(tmp_path / "run", "results", results_json)
    other = run if kind == "results" else _results(tmp_path / "other", kind, "{}")
    target = other / name
    assert main(["report", str(run), "--output", str(target)]) == 2
    assert capsys.readouterr().err.strip().endswith(
        f"--output {target}: is the {name} of {what}, which the page would replace; give another --output")
    assert target.read_text() == "kept"
    assert not (run / "report.html").exists()


def test_report_output_elsewhere_in_the_run_is_written(tmp_path: Path, results_json: str) -> None:
    run = _results(tmp_path / "run", "results", results_json)
    assert main(["report", str(run), "--output", str(run / "page.html")]) == 0
    assert (run / "page.html").read_text().startswith("<!DOCTYPE html>")
