"""Prepared texts (rnnkit.data.prepared, `rnnkit prepare`): encoded once, reused, the same ids as in memory."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import torch

from rnnkit.cli import main
from rnnkit.data import prepared as prep
from rnnkit.data import utf8
from rnnkit.data.prepared import default_dir, open_prepared, prepare_text
from rnnkit.data.text import read_utf8
from rnnkit.data.tokenize import CharVocab
from rnnkit.errors import UserError
from rnnkit.tasks import _charlm_data, charlm
from rnnkit.train.tbptt import StreamBatches

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MIXED = "\ufeffline one\r\n안녕 세계\rthird é line\r\n" * 5 + "end\r"


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_ids_and_vocabulary_are_those_of_the_text_read_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                chunk: int) -> None:
    path = _write(tmp_path / "t.txt", MIXED)
    text = read_utf8(path)  # in one piece
    # each repeat begins with a BOM, as files joined with cat do: only the text's own characters are read
    assert text == MIXED[1:].replace("\r\n", "\n").replace("\r", "\n").replace("\n\ufeff", "\n")
    monkeypatch.setattr(utf8, "CHUNK_BYTES", chunk)  # pieces that split CRLF and multi-byte characters
    p = prepare_text(path)
    assert p.vocab.symbols == CharVocab.from_text(text).symbols
    assert torch.equal(p.tokens.long(), p.vocab.encode_tensor(text)) and p.tokens.dtype == torch.uint8
    assert p.vocab.decode(p.tokens) == text


def test_prepared_once_reused_while_unchanged_encoded_again_after_a_change(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "t.txt", "abc\n" * 100)
    first = prepare_text(path)
    assert first.encoded and first.directory == default_dir(path) == tmp_path / "t.txt.rnnkit"
    calls: list[Path] = []
    real = prep._encode
    monkeypatch.setattr(prep, "_encode", lambda *a: (calls.append(a[0]), real(*a)))
    again = prepare_text(path)
    assert not again.encoded and calls == [] and torch.equal(again.tokens, first.tokens)
    _write(path, "abd\n" * 100)
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))
    changed = prepare_text(path)
    assert changed.encoded and calls == [path] and changed.vocab.decode(changed.tokens) == "abd\n" * 100


def test_a_change_the_head_and_tail_hashes_miss_is_seen_by_the_mtime_and_one_in_the_tail_by_its_hash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fingerprint is the size, the mtime and the hash of the first and last _EDGE bytes: a same-size edit in
    the middle is seen by its new mtime, one in the tail with the mtime put back by the tail's hash."""
    monkeypatch.setattr(prep, "_EDGE", 16)
    path = _write(tmp_path / "t.txt", "a" * 100)
    prepare_text(path)
    stamp = path.stat().st_mtime_ns
    _write(path, "a" * 50 + "b" + "a" * 49)  # beyond the first and the last 16 bytes
    os.utime(path, ns=(0, stamp + 10**9))
    changed = prepare_text(path)
    assert changed.encoded and changed.vocab.decode(changed.tokens) == "a" * 50 + "b" + "a" * 49
    stamp = path.stat().st_mtime_ns
    _write(path, "a" * 50 + "b" + "a" * 48 + "c")  # in the tail, and the mtime as it was
    os.utime(path, ns=(0, stamp))
    again = prepare_text(path)
    assert again.encoded and again.vocab.decode(again.tokens) == "a" * 50 + "b" + "a" * 48 + "c"


def test_the_token_dtype_is_the_smallest_that_holds_every_id() -> None:
    """ids run from 0 to vocab_size - 1: uint8 holds 256 of them, int16 32,768 (0 to 32,767), beyond that int32."""
    from rnnkit.data.prepared import smallest_int_dtype

    assert [smallest_int_dtype(n) for n in (2, 256, 257, 32768, 32769, 70000)] == [
        torch.uint8, torch.uint8, torch.int16, torch.int16, torch.int32, torch.int32]


def test_a_token_file_cut_short_is_encoded_again_not_reused(tmp_path: Path) -> None:
    """prepared.json unchanged but tokens.bin shorter than the characters it counts (a copy cut short, a full
    disk): preparing the unchanged text writes it again instead of opening a damaged folder."""
    path = _write(tmp_path / "t.txt", "abc\n" * 50)
    prepare_text(path)
    tokens = default_dir(path) / "tokens.bin"
    tokens.write_bytes(tokens.read_bytes()[:-10])
    again = prepare_text(path)
    assert again.encoded and again.vocab.decode(again.tokens) == "abc\n" * 50


def test_a_read_only_directory_prepares_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ro").mkdir()
    path = _write(tmp_path / "ro" / "t.txt", "abc\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(prep.os, "access", lambda p, mode: Path(p) != tmp_path / "ro")
    p = prepare_text(path)
    assert p.directory.parent == tmp_path / "cache/rnnkit/prepared" and p.directory.name.startswith("t.txt-")
    assert not (tmp_path / "ro/t.txt.rnnkit").exists() and p.vocab.decode(p.tokens) == "abc\n"


def test_a_large_vocabulary_takes_a_wider_dtype(tmp_path: Path) -> None:
    text = "".join(chr(0x4E00 + i) for i in range(300)) + "\n"
    p = prepare_text(_write(tmp_path / "cjk.txt", text), tmp_path / "elsewhere")
    assert p.tokens.dtype == torch.int16 and p.vocab.decode(p.tokens) == text
    assert json.loads((tmp_path / "elsewhere/prepared.json").read_text())["dtype"] == "int16"


def test_bad_texts_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"ok\n\xff\n")
    with pytest.raises(UserError, match=r"bad.txt:2: not UTF-8 \(byte 0xff at column 1, byte offset 3\)"):
        prepare_text(tmp_path / "bad.txt")
    with pytest.raises(UserError, match="empty"):
        prepare_text(_write(tmp_path / "empty.txt", " \n"))
    with pytest.raises(UserError, match="no such file"):
        prepare_text(tmp_path / "missing.txt")
    with pytest.raises(UserError, match="not a prepared text"):
        open_prepared(tmp_path)


def test_charlm_reads_a_file_through_the_memmap_with_the_in_memory_batches(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = "the quick brown fox jumps over the lazy dog\n" * 40
    path = _write(tmp_path / "t.txt", text)
    monkeypatch.setattr(_charlm_data, "load_text", lambda d: pytest.fail("a file must not be read into memory"))
    ids, vocab, cut, made = charlm._read(str(path), 0.1, None)
    assert made == default_dir(path)   # this call prepared it
    in_memory = CharVocab.from_text(text[:cut])  # the in-memory path: the training part's vocabulary
    assert vocab.symbols == in_memory.symbols
    ours, theirs = StreamBatches(ids[:cut], 4, 16), StreamBatches(in_memory.encode_tensor(text)[:cut], 4, 16)
    for _ in range(30):  # past an epoch
        a, b = ours.next_batch(), theirs.next_batch()
        assert torch.equal(a.inputs, b.inputs) and torch.equal(a.targets, b.targets) and a.reset == b.reset


def test_charlm_trains_from_a_prepared_directory_and_resumes(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", "abcabd\nxyz\n" * 200)
    prepare_text(path, tmp_path / "prep")
    cfg = charlm.CharLMConfig(hidden=8, embed_dim=4, seq_len=8, batch_size=2, steps=2, eval_every=2, eval_chars=100)
    charlm.train(cfg, str(tmp_path / "prep"), tmp_path / "run", verbose=False, progress=False)
    cfg.steps = 3
    result = charlm.train(cfg, None, tmp_path / "run", resume=True, verbose=False, progress=False)
    assert result.steps == 3


def test_a_run_resumed_from_its_texts_prepared_folder_keeps_its_best(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The text and its prepared folder read as the same data, yet a run trained on the text and resumed with
    ``--data TEXT.rnnkit`` was told "resuming on other validation data ... the next evaluation replaces
    OUT/best", and a worse model could replace the best: the record compared the file's digest with the
    folder's path. The run records the digest of the characters it validates on, which both give."""
    path = _write(tmp_path / "t.txt", "abcabd\nxyz\n" * 200)
    cfg = charlm.CharLMConfig(hidden=8, embed_dim=4, seq_len=8, batch_size=2, steps=2, eval_every=2, eval_chars=100)
    first = charlm.train(cfg, str(path), tmp_path / "run", verbose=False, progress=False)
    cfg.steps = 4
    capsys.readouterr()
    charlm.train(cfg, str(default_dir(path)), tmp_path / "run", resume=True, verbose=True, progress=False)
    assert "other validation data" not in capsys.readouterr().err
    kept = json.loads((tmp_path / "run" / "last" / "trainer_state.json").read_text())
    assert kept["best_metric"] <= first.best_metric


def test_an_out_holding_other_files_is_refused_and_left_as_it_was(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "t.txt", "hello\n")
    model = tmp_path / "run" / "best"  # a trained model's folder: its vocab.json was replaced
    model.mkdir(parents=True)
    (model / "vocab.json").write_text('{"type": "word"}', encoding="utf-8")
    (model / "config.json").write_text("{}", encoding="utf-8")
    assert main(["prepare", str(path), "--out", str(model)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{model}: holds other files than a prepared text (config.json)" in err
    assert sorted(p.name for p in model.iterdir()) == ["config.json", "vocab.json"]
    assert (model / "vocab.json").read_text(encoding="utf-8") == '{"type": "word"}'
    (tmp_path / "empty").mkdir()
    assert prepare_text(path, tmp_path / "empty").encoded  # an empty folder, and a preparation again
    assert not prepare_text(path, tmp_path / "empty").encoded


def test_a_text_refused_as_too_short_leaves_no_prepared_folder_but_keeps_one_that_was_there(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`rnnkit train charlm --data short.txt` refused the text as too short after preparing it, and left
    short.txt.rnnkit/ beside it: a refused command leaves nothing new behind (but under torchrun, where the
    processes take turns preparing it). A folder that was there before the command (prepared by `rnnkit prepare`,
    and one encoded again for a changed text) is the user's, and kept."""
    path = _write(tmp_path / "short.txt", "hello world\n")
    train = ["train", "charlm", "--data", str(path), "--out", str(tmp_path / "run"), "--seq-len", "64", "--steps", "1",
             "--no-progress"]
    assert main(train) == 2
    assert "short.txt: too short: 12 characters" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.txt"]
    monkeypatch.setenv("WORLD_SIZE", "2")   # under torchrun a process still to take its turn may be opening it
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(UserError, match="too short"):
        charlm.train(charlm.CharLMConfig(seq_len=8, steps=1), str(path), tmp_path / "run", verbose=False,
                     progress=False)
    assert default_dir(path).is_dir()
    shutil.rmtree(default_dir(path))
    monkeypatch.delenv("WORLD_SIZE")
    monkeypatch.delenv("RANK")
    assert main(["prepare", str(path)]) == 0
    capsys.readouterr()
    for text in ("hello world\n", "hello again\n"):   # reused, then encoded again: neither is this command's
        _write(path, text)
        assert main(train) == 2
        assert "too short" in capsys.readouterr().err
        assert open_prepared(default_dir(path)).vocab.symbols == CharVocab.from_text(text).symbols
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.txt", "short.txt.rnnkit"]


def test_cli_prepare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "t.txt", "hello\n")
    assert main(["prepare", str(path), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["chars"] == 6 and first["vocab_size"] == 6 and first["encoded"] and first["dtype"] == "uint8"
    assert main(["prepare", str(path)]) == 0
    assert "6 characters, vocabulary 6 (unchanged, reused)" in capsys.readouterr().out
    assert main(["prepare", str(tmp_path / "shakespeare")]) == 2  # no file: not 'expected shakespeare'
    assert "need no preparing" in capsys.readouterr().err


def test_a_missing_text_or_a_folder_is_refused_in_the_one_readers_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """prepare_text had its own words for both (and `rnnkit prepare` its own check before it): a folder given to
    `rnnkit prepare` was told 'expected ... (or a directory from rnnkit prepare)', which prepare refuses too.
    Now each caller says what it takes, through rnnkit.data.utf8; nothing is written for a refused path."""
    gone, plain = tmp_path / "gone.txt", tmp_path / "plain"
    plain.mkdir()
    done = prepare_text(_write(tmp_path / "t.txt", "hello\n")).directory

    def refused(argv: list[str]) -> str:
        capsys.readouterr()
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.err.count("\n") == 1 and not captured.out, captured
        return captured.err.removeprefix("rnnkit: error: ").rstrip("\n")

    assert refused(["prepare", str(gone)]) == (f"{gone}: no such file; expected a UTF-8 text file (the built-in "
                                               "corpora, 'shakespeare' and 'korean', need no preparing)")
    for folder in (plain, done):   # a prepared folder too: there is nothing to prepare from
        assert refused(["prepare", str(folder)]) == f"{folder}: is a directory; expected a UTF-8 text file"
    train = ["train", "charlm", "--out", str(tmp_path / "run"), "--steps", "1", "--no-progress", "--data"]
    assert refused([*train, str(gone)]) == (f"{gone}: no such file; --data takes 'shakespeare', 'korean', a UTF-8 "
                                            "text file or a directory from rnnkit prepare")
    assert refused([*train, str(plain)]) == (f"{plain}: is a directory; expected a UTF-8 text file (or a directory "
                                             "from rnnkit prepare)")
    with pytest.raises(UserError) as exc:
        prepare_text(gone)
    assert str(exc.value) == f"{gone}: no such file"

    def refused_open(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    locked = _write(tmp_path / "locked.txt", "hello\n")
    monkeypatch.setattr(utf8, "open", refused_open, raising=False)  # root reads any file: denied here
    with pytest.raises(UserError) as exc:
        prepare_text(locked)
    assert str(exc.value) == f"{locked}: cannot read (Permission denied)"   # was PermissionError's words
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked.txt", "plain", "t.txt", "t.txt.rnnkit"]


def _damage(folder: Path, name: str, change) -> None:
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps(change(json.loads(path.read_text()))))
    else:
        path.write_bytes(change(path.read_bytes()))


@pytest.mark.parametrize(("name", "change", "message"), [
    ("prepared.json", lambda m: {**m, "dtype": "float64"}, "dtype 'float64': expected one of"),
    ("prepared.json", lambda m: {**m, "dtype": [1]}, r"dtype \[1\]"),
    ("prepared.json", lambda m: {k: v for k, v in m.items() if k != "chars"}, "chars None"),
    ("prepared.json", lambda m: {**m, "chars": 10**6}, "bytes, but prepared.json says 1000000"),
    ("tokens.bin", lambda b: b[:-3], "bytes, but prepared.json says"),
    ("tokens.bin", lambda b: b[:-1] + bytes([250]), "holds ids outside the"),
    ("tokens.bin", lambda b: b[:-1] + bytes([9]), "holds ids outside the 9 characters"),  # unknown + 8: 0 to 8
    ("vocab.json", lambda b: b"\xff\xfe not json", "not the vocabulary of a prepared text")])
def test_a_damaged_prepared_folder_is_one_line(tmp_path: Path, name: str, change, message: str) -> None:
    """A stranger's folder from rnnkit prepare gave mmap, numpy or JSON tracebacks, or ids past the
    vocabulary that failed in the embedding mid-training."""
    text = tmp_path / "t.txt"
    text.write_text("to be or not to be\n" * 20, encoding="utf-8")
    folder = tmp_path / "prep"
    prepare_text(text, folder)
    if name == "vocab.json":
        (folder / name).write_bytes(change(b""))
    else:
        _damage(folder, name, change)
    with pytest.raises(UserError, match=message):
        open_prepared(folder)


def test_a_prepared_folder_edited_to_no_characters_is_one_line(tmp_path: Path) -> None:
    """prepared.json set to 0 characters over an emptied tokens.bin gave numpy's "cannot mmap an empty file"
    traceback in rnnkit train charlm; rnnkit prepare never writes an empty text."""
    text = _write(tmp_path / "t.txt", "to be or not to be\n")
    folder = tmp_path / "prep"
    prepare_text(text, folder)
    (folder / "tokens.bin").write_bytes(b"")
    _damage(folder, "prepared.json", lambda m: {**m, "chars": 0})
    with pytest.raises(UserError, match=r"prepared.json: chars 0: expected the number of characters \(1 or more\)"):
        open_prepared(folder)


def test_an_empty_out_is_refused_not_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """--out "" (an unset shell variable) prepared the text into the current directory and said to train with
    --data TEXT, which looks beside the text, not there."""
    text = _write(tmp_path / "t.txt", "hello\n")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["prepare", str(text), "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err == "rnnkit: error: --out '': expected a new or empty directory for the prepared text\n"
    assert list(here.iterdir()) == []


@pytest.mark.parametrize("name", ["tokens.bin", "vocab.json", "prepared.json"])
@pytest.mark.parametrize("how", ["itself", "symlink", "hard link"])
def test_a_text_that_out_would_write_over_is_refused_and_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             name: str, how: str) -> None:
    """A text inside its own --out under one of the three names was replaced by what was prepared from it (a
    prepared.json was removed outright, then the text was missing): the text is lost, by any name it is given."""
    out = tmp_path / "out"
    out.mkdir()
    inside = _write(out / name, "hello world\n")
    text = {"itself": inside, "symlink": tmp_path / "link.txt", "hard link": tmp_path / "hard.txt"}[how]
    if how == "symlink":
        text.symlink_to(inside)
    elif how == "hard link":
        os.link(inside, text)
    assert main(["prepare", str(text), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"rnnkit: error: --out {out}: its {name} is the TEXT being read ({text}); give another --out\n"
    assert inside.read_text(encoding="utf-8") == "hello world\n"
    assert sorted(p.name for p in out.iterdir()) == [name]  # not even a lock file
    with pytest.raises(UserError, match="is the TEXT being read"):
        prepare_text(text, out)


def test_an_out_that_is_a_file_is_refused_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out FILE said "cannot write the prepared text there (File exists)" and told to give --out DIR."""
    text = _write(tmp_path / "t.txt", "hello\n")
    assert main(["prepare", str(text), "--out", str(text)]) == 2
    err = capsys.readouterr().err
    assert err == (f"rnnkit: error: --out {text}: is a file; expected a new or empty directory for the prepared "
                   "text\n")
    assert main(["prepare", str(text), "--out", str(text / "sub")]) == 2
    err = capsys.readouterr().err
    assert err == (f"rnnkit: error: --out {text / 'sub'}: {text} is a file; expected a new or empty directory for "
                   "the prepared text\n")
    assert text.read_text(encoding="utf-8") == "hello\n"
