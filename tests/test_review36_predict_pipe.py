"""``rnnkit predict TAGGER --file <(zcat test.conll.gz)``: a pipe, which rnnkit reads as a file, gives its text once.
``predict --file`` read it a second time to line its output up with the file (fixm's ``tagged_lines``), and so
printed one blank line for the whole file, every tag lost, exit 0; a file of plain sentences read from a pipe was
read again too, and tagged nothing. The file is now read once."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="no /dev/fd to name a pipe by")]


@contextmanager
def _pipe(text: str) -> Iterator[str]:
    """A pipe that gives ``text`` once, named as bash's ``<(...)`` names one: /dev/fd/N."""
    read, write = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write, text.encode()), os.close(write)))
    writer.start()
    try:
        yield f"/dev/fd/{read}"
    finally:
        writer.join()
        os.close(read)


def test_a_conll_file_from_a_pipe_is_tagged(tiny_ner_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    with _pipe("-DOCSTART- O\n\nJohn\nvisited\nParis\n\nMary\nleft\n") as path:
        assert main(["predict", str(tiny_ner_run), "--file", path]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert lines[:2] == ["-DOCSTART- O", ""] and len(lines) == 9, lines
    assert [line.split("\t")[0] for line in lines[2:8]] == ["John", "visited", "Paris", "", "Mary", "left"]


def test_plain_sentences_from_a_pipe_are_tagged(tiny_ner_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    with _pipe("John visited Paris\nMary left\nMary visited Paris today\n") as path:
        assert main(["predict", str(tiny_ner_run), "--file", path]) == 0
    assert len(capsys.readouterr().out.strip().split("\n")) == 3
