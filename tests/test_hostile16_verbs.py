"""Round 16 of hostile command lines, the verbs of a trained model: a path flag given an empty name (an unset shell
variable) is refused in one line naming the flag, instead of being dropped (``--file ""`` beside TEXT arguments),
sending the output elsewhere (``--output ""``: standard output; ``--png ""``: the model's folder) or reading the
working directory (``--data ""``)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hostile16_verbs")
    data = root / "train.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(10)))
    rnnkit.fit("classify", data=str(data), out=root / "run", tokenizer="word", hidden=4, embedding=4, steps=1,
               threads=1, verbose=False, progress=False)
    return root / "run", data


@pytest.mark.parametrize("empty", ["", " "])
@pytest.mark.parametrize(("verb", "flags", "flag", "expected"), [
    ("evaluate", [], "--data", "the data to read"),
    ("evaluate", ["--data", "DATA"], "--png", "the name of a PNG file to write"),
    ("evaluate", ["--data", "DATA", "--baseline"], "--train", "the training file to read"),
    ("predict", ["a film"], "--file", "the file to read"),
    ("predict", ["a film"], "--output", "the name of a file to write")])
def test_an_empty_name_for_a_path_flag_is_refused(classifier: tuple[Path, Path], verb: str, flags: list[str],
                                                  flag: str, expected: str, empty: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    run, data = classifier
    before = sorted(p.name for p in run.rglob("*"))
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    argv = [verb, str(run), *(str(data) if f == "DATA" else f for f in flags), flag, empty, "--threads", "1"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"rnnkit: error: {flag} {empty!r}: an empty name; expected {expected}\n"
    assert captured.out == ""
    assert sorted(p.name for p in run.rglob("*")) == before and list(tmp_path.iterdir()) == []
