"""Gaps a mutation audit of :mod:`rnnkit.data.prepared` found (round 7)."""

from __future__ import annotations

import fcntl
import json
import threading
import warnings
from pathlib import Path

import pytest
import torch

from rnnkit.data import prepared as prep
from rnnkit.data.prepared import default_dir, prepare_text
from rnnkit.errors import UserError


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_a_preparation_beside_the_text_is_used_while_it_can_be_written_even_where_the_texts_folder_cannot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The text's folder read-only but its TEXT.rnnkit/ folder writable (made before, or by its owner): the
    preparation goes there, not into the cache."""
    (tmp_path / "ro").mkdir()
    path = _write(tmp_path / "ro" / "t.txt", "abc\n")
    default_dir(path).mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(prep.os, "access", lambda p, mode: Path(p) != tmp_path / "ro")
    assert prepare_text(path).directory == default_dir(path)
    assert not (tmp_path / "cache").exists()


def test_a_change_anywhere_in_the_head_with_the_mtime_put_back_is_seen(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The head's hash covers all of its _EDGE bytes (here 4,096 of 10,000): an edit at byte 2,000, size and mtime
    as they were, is encoded again."""
    import os

    monkeypatch.setattr(prep, "_EDGE", 4096)
    path = _write(tmp_path / "t.txt", "a" * 10_000)
    prepare_text(path)
    stamp = path.stat().st_mtime_ns
    _write(path, "a" * 2000 + "b" + "a" * 7999)
    os.utime(path, ns=(0, stamp))
    again = prepare_text(path)
    assert again.encoded and again.vocab.decode(again.tokens)[1995:2005] == "aaaaabaaaa"


def test_texts_of_one_name_in_two_read_only_folders_get_two_cache_folders(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache folder is named by the text's resolved path: t.txt given from two folders is two texts, not one
    folder that each preparation writes over."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(prep.os, "access", lambda p, mode: Path(p).resolve().name not in ("a", "b"))
    out = []
    for name, text in (("a", "first\n"), ("b", "second\n")):
        (tmp_path / name).mkdir()
        _write(tmp_path / name / "t.txt", text)
        monkeypatch.chdir(tmp_path / name)
        out.append(prepare_text("t.txt"))
    assert out[0].directory != out[1].directory
    assert [p.vocab.decode(p.tokens) for p in out] == ["first\n", "second\n"]
    monkeypatch.chdir(tmp_path)
    assert prepare_text(tmp_path / "a" / "t.txt").directory == out[0].directory  # and the same text is one


def test_a_folder_named_prepared_json_is_not_a_preparation(tmp_path: Path) -> None:
    (tmp_path / "prepared.json").mkdir()
    assert not prep.is_prepared(tmp_path)


def _prepared(tmp_path: Path, text: str = "to be or not to be\n") -> tuple[Path, Path]:
    path = _write(tmp_path / "t.txt", text)
    prepare_text(path, tmp_path / "prep")
    return path, tmp_path / "prep"


def _edit_meta(folder: Path, change) -> None:
    meta = folder / "prepared.json"
    meta.write_text(json.dumps(change(json.loads(meta.read_text()))))


@pytest.mark.parametrize("change", [lambda m: {**m, "format": 2}, lambda m: [m], lambda m: "{not json"])
def test_a_meta_file_of_another_format_or_not_an_object_or_not_json_is_no_preparation(tmp_path: Path,
                                                                                      change) -> None:
    path, folder = _prepared(tmp_path)
    meta = folder / "prepared.json"
    new = change(json.loads(meta.read_text()))
    meta.write_text(new if isinstance(new, str) else json.dumps(new))
    assert prep._read_meta(folder) is None
    with pytest.raises(UserError, match="not a prepared text"):
        prep.open_prepared(folder)
    assert prepare_text(path, folder).encoded  # and preparing the text again writes it anew


@pytest.mark.parametrize("change", [lambda m: {k: v for k, v in m.items() if k != "chars"},
                                    lambda m: {**m, "chars": "many"}, lambda m: {**m, "dtype": "nonsense"}])
def test_a_meta_file_with_the_texts_fingerprint_but_a_bad_layout_is_encoded_again(tmp_path: Path, change) -> None:
    path, folder = _prepared(tmp_path)
    _edit_meta(folder, change)
    again = prepare_text(path, folder)
    assert again.encoded and again.vocab.decode(again.tokens) == "to be or not to be\n"


def test_a_token_file_longer_than_its_meta_says_is_encoded_again_not_reused(tmp_path: Path) -> None:
    path, folder = _prepared(tmp_path)
    tokens = folder / "tokens.bin"
    tokens.write_bytes(tokens.read_bytes() + b"\x01")
    with pytest.raises(UserError, match=r"tokens.bin: 20 bytes, but prepared.json says 19 characters of uint8"):
        prep.open_prepared(folder)
    again = prepare_text(path, folder)
    assert again.encoded and again.vocab.decode(again.tokens) == "to be or not to be\n"


def test_a_missing_vocabulary_is_one_line(tmp_path: Path) -> None:
    _, folder = _prepared(tmp_path)
    (folder / "vocab.json").unlink()
    with pytest.raises(UserError, match="vocab.json: not the vocabulary of a prepared text"):
        prep.open_prepared(folder)


def test_chars_true_is_not_a_count(tmp_path: Path) -> None:
    _, folder = _prepared(tmp_path, "a")
    _edit_meta(folder, lambda m: {**m, "chars": True})
    with pytest.raises(UserError, match="chars True: expected the number of characters"):
        prep.open_prepared(folder)


def test_a_negative_id_in_a_wide_token_file_is_one_line(tmp_path: Path) -> None:
    """int16 ids (a vocabulary of more than 256 characters) can be negative in a damaged file: refused."""
    text = "".join(chr(0x4E00 + i) for i in range(300)) + "\n"
    _, folder = _prepared(tmp_path, text)
    tokens = folder / "tokens.bin"
    tokens.write_bytes(b"\xff\xff" + tokens.read_bytes()[2:])  # -1 as int16
    with pytest.raises(UserError, match="holds ids outside the"):
        prep.open_prepared(folder)


def test_256_characters_and_the_unknown_symbol_take_int16(tmp_path: Path) -> None:
    """256 distinct characters are 257 ids with id 0 the unknown symbol: one past uint8."""
    text = "".join(chr(0x100 + i) for i in range(255)) + "\n"
    p = prepare_text(_write(tmp_path / "t.txt", text), tmp_path / "prep")
    assert len(p.vocab) == 257 and p.tokens.dtype == torch.int16 and p.vocab.decode(p.tokens) == text


def test_the_tokens_can_be_written_in_memory_and_the_file_is_untouched(tmp_path: Path) -> None:
    """Copy-on-write: a writable tensor (torch warns about a read-only NumPy array), the file as it was."""
    _, folder = _prepared(tmp_path)
    before = (folder / "tokens.bin").read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = prep.open_prepared(folder)
    p.tokens[0] = 0
    assert (folder / "tokens.bin").read_bytes() == before


def test_an_out_of_new_nested_folders_is_made(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", "abc\n")
    p = prepare_text(path, tmp_path / "a" / "b" / "c")
    assert p.created and p.directory == tmp_path / "a" / "b" / "c" and p.vocab.decode(p.tokens) == "abc\n"


def test_a_preparation_that_fails_half_way_leaves_no_preparation_behind(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Encoding a changed text that fails after tokens.bin is replaced (vocab.json cannot be written) leaves no
    prepared.json of the text before to pair with the new tokens."""
    import os

    path, folder = _prepared(tmp_path)
    _write(path, "something else\n")
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(prep.CharVocab, "to_json", fail)
    with pytest.raises(OSError):
        prepare_text(path, folder)
    assert not prep.is_prepared(folder)


def test_a_second_preparation_of_the_folder_waits_for_the_first(tmp_path: Path) -> None:
    """Processes preparing one text take turns on out/.lock: while another holds it, prepare_text waits."""
    path = _write(tmp_path / "t.txt", "abc\n")
    out = tmp_path / "prep"
    out.mkdir()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (prepare_text(path, out), done.set()))
    with open(out / ".lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        worker.start()
        assert not done.wait(0.5)
    worker.join(30)
    assert done.is_set() and prep.is_prepared(out)


def test_a_text_refused_when_encoded_again_keeps_the_folder_that_was_there(tmp_path: Path) -> None:
    """A prepared text changed to bytes that are not UTF-8 is refused; the folder it had (the user's) stays. A new
    folder for a refused text goes."""
    import os

    path, folder = _prepared(tmp_path)
    path.write_bytes(b"ok\n\xff\n")
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))
    with pytest.raises(UserError, match="not UTF-8"):
        prepare_text(path, folder)
    assert folder.is_dir()
    with pytest.raises(UserError, match="not UTF-8"):
        prepare_text(path, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_a_folder_that_was_there_is_not_created_by_the_preparation(tmp_path: Path) -> None:
    import os

    path = _write(tmp_path / "t.txt", "abc\n")
    (tmp_path / "empty").mkdir()
    assert not prepare_text(path, tmp_path / "empty").created
    first = prepare_text(path, tmp_path / "prep")
    _write(path, "abd\n")
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))
    again = prepare_text(path, tmp_path / "prep")
    assert first.created and again.encoded and not again.created


def test_an_out_that_is_a_file_is_one_line_from_the_api_too(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", "abc\n")
    (tmp_path / "f").write_text("mine")
    with pytest.raises(UserError, match=r"/f: cannot write \(.+\); give another --out"):
        prepare_text(path, tmp_path / "f")
    assert (tmp_path / "f").read_text() == "mine"
