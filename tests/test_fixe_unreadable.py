"""Every reader words a file it may not read the same way: ``PATH: cannot read (why)``, as the shared opener
(:func:`rnnkit.data.utf8.open_readable`) does; a model's config.json, a TOML config, a vectors file and the
tokens of a prepared text said ``PATH: cannot be read (why)``."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rnnkit.data import mnist, prepared, utf8, vectors
from rnnkit.errors import UserError
from rnnkit.tasks import _charlm_verbs
from rnnkit.train import checkpoint, options

SRC = Path(__file__).resolve().parents[1] / "src" / "rnnkit"


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path, *, stat: bool = False) -> None:
    """open() (and with ``stat`` Path.stat()) of ``denied`` fail as a file of another user does (root reads every
    file)."""
    real_open, real_stat = open, Path.stat

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(file) == denied:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def fake_stat(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    if stat:
        monkeypatch.setattr(Path, "stat", fake_stat)


READERS: dict[str, Callable[[Path], object]] = {
    "checkpoint json": checkpoint._read_json,
    "toml config": options.read_toml,
    "utf8 text": lambda p: utf8.read_utf8(p, "a text file"),
    "score --file": _charlm_verbs._read_score_file,
    "mnist": mnist._open_maybe_gz,
    "vectors": lambda p: vectors._open(p, "--pretrained-vectors"),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_an_unreadable_file_is_cannot_read_with_the_reason(reader: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.txt"
    path.write_text("{}\n", encoding="utf-8")
    _deny(monkeypatch, path)
    with pytest.raises(UserError) as info:
        READERS[reader](path)
    assert re.search(rf"{re.escape(str(path))}: cannot read \(Permission denied\)", str(info.value)), info.value


def test_the_tokens_of_a_prepared_text_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = tmp_path / "t.txt"
    text.write_text("hello world, hello again\n" * 4, encoding="utf-8")
    folder = tmp_path / "t.rnnkit"
    prepared.prepare_text(text, folder)
    _deny(monkeypatch, folder / prepared.TOKENS, stat=True)
    with pytest.raises(UserError, match=r"tokens\.bin: cannot read \(Permission denied\)$"):
        prepared.open_prepared(folder)


def test_no_reader_says_cannot_be_read_of_a_file() -> None:
    """One form in the source too: a new reader that words it another way fails here."""
    said = [f"{p.relative_to(SRC)}:{n}" for p in SRC.rglob("*.py")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"\}: cannot be read\b|could not read|unable to read", line)]
    assert not said, said
