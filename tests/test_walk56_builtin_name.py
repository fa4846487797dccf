"""``rnnkit train charlm --data korean`` (or ``shakespeare``) where the writer's own text is a file of that name,
without an extension, in the working directory: the built-in corpus was read and the file left unread, without a
word. The run now says so, and how to name the file (``--data ./korean``), which is read."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.tasks import _charlm_data

CORPUS = "the built-in corpus stands in here\n" * 4


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_charlm_data, "load_text", lambda name: CORPUS)  # the bundled text, without reading it
    return tmp_path


def _read(data: str) -> tuple[str, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ids, vocab, _, _ = _charlm_data._read(data, 0.1, None)
    return vocab.decode(ids), [str(w.message) for w in caught]


@pytest.mark.parametrize("name", ["korean", "shakespeare"])
def test_a_file_named_as_a_corpus_is_said_to_be_left_unread(here: Path, name: str) -> None:
    (here / name).write_text("내 소설의 첫 문장이다.\n" * 20, encoding="utf-8")
    text, said = _read(name)
    assert text == CORPUS
    assert said == [f"--data {name}: the built-in corpus is read, not the file {name} here (give --data ./{name} "
                    "to train on the file)"]


def test_the_file_named_with_its_folder_is_read(here: Path) -> None:
    mine = "내 소설의 첫 문장이다.\n" * 20
    (here / "korean").write_text(mine, encoding="utf-8")
    text, said = _read("./korean")
    assert text == mine and said == []


def test_no_file_of_that_name_no_warning(here: Path) -> None:
    text, said = _read("korean")
    assert text == CORPUS and said == []
