"""``rnnkit report DIR --device D --threads N`` on an ``experiment`` or ``diagnose`` directory: its page reads the
results and runs no model, so both went unused, unsaid; each is warned of (a script reporting every run with one
keeps working). A model's page still takes them without a word."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.report import write_report
from tests import test_report as m

pytestmark = pytest.mark.usefixtures("one_torch_thread")
classify_run = m.classify_run


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("flags18-report") / "diag"
    assert main(["diagnose", "--cells", "rnn_tanh", "--length", "6", "--hidden", "4", "--train-steps", "1",
                 "--clip-steps", "1", "--clip-length", "6", "--out", str(out), "--json"]) == 0
    return out


def _report(run: Path, page: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> list[str]:
    capsys.readouterr()
    assert main(["report", str(run), "--output", str(page), *flags]) == 0
    assert page.is_file()
    return capsys.readouterr().err.splitlines()


def test_device_and_threads_of_an_experiment_page_are_said_to_go_unused(diagnosed: Path, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    said = _report(diagnosed, tmp_path / "p.html", capsys, "--device", "auto", "--threads", "1")
    assert said == [f"rnnkit: warning: --threads 1: {diagnosed} is a diagnose directory, whose page runs no model; "
                    "it is not used",
                    f"rnnkit: warning: --device auto: {diagnosed} is a diagnose directory, whose page runs no "
                    "model; it is not used"]
    assert _report(diagnosed, tmp_path / "q.html", capsys, "--device", "cpu") == []  # the default


def test_the_python_api_says_it_of_device(diagnosed: Path, tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match=r"runs no model; it is not used$"):
        write_report(diagnosed, output=tmp_path / "p.html", device="auto")


def test_a_models_page_uses_them_without_a_word(classify_run: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        said = _report(classify_run, tmp_path / "p.html", capsys, "--device", "auto", "--threads", "1")
    assert not any("not used" in line for line in said)


def test_an_option_for_a_diagnose_page_names_the_folder_so(diagnosed: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A diagnose folder was called "an experiment directory" (the two share the page that runs no model)."""
    capsys.readouterr()
    assert main(["report", str(diagnosed), "--chars", "300"]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: --chars: {diagnosed} is a diagnose directory; --chars "
                                              "applies only to a run of charlm")
