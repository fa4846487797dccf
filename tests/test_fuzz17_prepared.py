"""Prepared-text folders (``rnnkit prepare``, ``rnnkit train charlm --data DIR``) whose files are damaged
(hypothesis, the mutations of test_fuzz_readers.py) or disagree with each other: :func:`open_prepared` opens the
text or raises a UserError whose one-line message names the folder; never another exception, never ids read
against another vocabulary."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from rnnkit.data.prepared import open_prepared, prepare_text
from rnnkit.errors import UserError
from tests import test_fuzz_readers as fuzz

EXAMPLES = fuzz.EXAMPLES
TEXT = "to be or not to be, that is the question\n"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("prepared")
    (root / "t.txt").write_text(TEXT, encoding="utf-8")
    return prepare_text(root / "t.txt", root / "t.rnnkit").directory


def copy(prepared: Path, where: Path) -> Path:
    folder = where / "copy"
    shutil.copytree(prepared, folder)
    return folder


def refused(folder: Path) -> str:
    with pytest.raises(UserError) as info:
        open_prepared(folder)
    message = str(info.value)
    assert str(folder) in message and "\n" not in message, message
    return message


@pytest.mark.parametrize("name", ["prepared.json", "vocab.json", "tokens.bin"])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=fuzz.mutations())
def test_a_damaged_file_of_the_folder_is_opened_or_refused_by_name(prepared: Path, name: str, damage) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = copy(prepared, Path(tmp))
        (folder / name).write_bytes(damage((folder / name).read_bytes()))
        try:
            opened = open_prepared(folder)
        except UserError as exc:
            assert str(folder) in str(exc) and "\n" not in str(exc), str(exc)
        else:
            assert int(opened.tokens.max()) < len(opened.vocab)


def test_the_good_folder_opens(prepared: Path) -> None:
    opened = open_prepared(prepared)
    assert opened.vocab.decode(opened.tokens) == TEXT


def test_a_meta_file_nested_too_deeply_is_no_preparation(prepared: Path, tmp_path: Path) -> None:
    """json's RecursionError escaped _read_meta: a traceback of `rnnkit train charlm --data DIR`, and of a run on
    the text itself, whose TEXT.rnnkit/prepared.json is read to see whether it can be reused."""
    folder = copy(prepared, tmp_path)
    (folder / "prepared.json").write_text("[" * 100_000)
    assert "not a prepared text (prepared.json is missing or unreadable)" in refused(folder)
    text = tmp_path / "t.txt"
    text.write_text(TEXT, encoding="utf-8")
    again = prepare_text(text, folder)
    assert again.encoded and again.vocab.decode(again.tokens) == TEXT


def test_a_character_inserted_into_the_vocabulary_is_refused(prepared: Path, tmp_path: Path) -> None:
    """Every id after the inserted character named the one before it, and the ids all stayed in range: the text
    was read as another one, without a word."""
    folder = copy(prepared, tmp_path)
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    vocab["chars"].insert(1, "!")
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    assert "vocab.json: 17 characters, but prepared.json says 16; the folder is damaged" in refused(folder)


def test_a_token_file_that_is_a_folder_of_the_right_size_is_refused(prepared: Path, tmp_path: Path) -> None:
    """A tokens.bin folder whose size (as the file system gives a folder's: 4096 bytes on ext4) is the count
    prepared.json gives was numpy's IsADirectoryError from np.memmap."""
    folder = copy(prepared, tmp_path)
    (folder / "tokens.bin").unlink()
    (folder / "tokens.bin").mkdir()
    size = (folder / "tokens.bin").stat().st_size
    meta = json.loads((folder / "prepared.json").read_text())
    (folder / "prepared.json").write_text(json.dumps({**meta, "chars": max(size, 1)}))
    assert "tokens.bin: not a file" in refused(folder)
