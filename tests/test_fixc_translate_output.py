"""``rnnkit translate --output FILE --json`` writes the JSON lines it would print (the file's format, as documented:
a translation has no table whose format an extension could choose) and now says what it wrote as one JSON object
on standard output, as ``rnnkit predict --output FILE --json`` does; it printed nothing. Without ``--json`` it says
so on stderr, as before."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnkit.cli import main
from tests.test_walk37_output_limit import uncut

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def translator(tmp_path_factory: pytest.TempPathFactory, tiny_translator: Callable[..., Path]) -> Path:
    return tiny_translator(tmp_path_factory.mktemp("tr"), "--json")


def test_output_with_json_writes_json_lines_and_says_what_it_wrote_as_json(translator: Path, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.txt"
    capsys.readouterr()
    assert main(["translate", str(translator), "ab", "ba", "--output", str(target), "--json"]) == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out) == {"output": str(target), "format": "jsonl", "sources": 2}
    assert uncut(printed.err) == ""
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["source"] for line in lines] == ["ab", "ba"]


def test_output_without_json_says_it_on_stderr(translator: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.txt"
    capsys.readouterr()
    assert main(["translate", str(translator), "ab", "--output", str(target)]) == 0
    printed = capsys.readouterr()
    assert printed.out == "" and uncut(printed.err) == f"wrote the translations of 1 source to {target}\n"
    assert len(target.read_text(encoding="utf-8").splitlines()) == 1


def test_the_help_says_what_json_does_to_the_file(translator: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["translate", str(translator), "-h"])
    text = " ".join(capsys.readouterr().out.split())
    assert "JSON lines with --json" in text and "says what it wrote as one JSON object" in text
