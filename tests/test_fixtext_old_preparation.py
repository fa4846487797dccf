"""A text prepared before rnnkit's reader dropped every byte order mark (its ``prepared.json`` has no ``reader``)
kept the BOM of a file joined mid-line as a character, and was reused while the text was unchanged: the model went
on training on it. Such a preparation is now encoded again from the text; given as the folder itself (no text to
encode), it is used with a warning. The judge is the text Python reads from each part (``utf-8-sig``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from rnnkit.cli import main
from rnnkit.data.prepared import default_dir, fingerprint, open_prepared, prepare_text
from rnnkit.data.tokenize import CharVocab

PARTS = ["first file, no final newline", "second file\n" * 20]


def _text(tmp_path: Path) -> tuple[Path, str]:
    """``cat`` of two files that begin with a BOM, and what Python reads of them one by one."""
    files = [tmp_path / f"part{i}.txt" for i in range(len(PARTS))]
    for f, part in zip(files, PARTS, strict=True):
        f.write_bytes(("\ufeff" + part).encode())
    text = tmp_path / "all.txt"
    text.write_bytes(b"".join(f.read_bytes() for f in files))
    return text, "".join(f.open(encoding="utf-8-sig").read() for f in files)


def _old_preparation(text: Path, out: Path) -> None:
    """The folder an older rnnkit wrote for ``text``: its first BOM dropped, the one mid-line a character, and a
    prepared.json of format 1 without ``reader``."""
    kept = text.read_text(encoding="utf-8").removeprefix("\ufeff")
    vocab = CharVocab.from_text(kept)
    out.mkdir()
    vocab.encode_tensor(kept, warn=False, dtype=torch.uint8).numpy().tofile(out / "tokens.bin")
    (out / "vocab.json").write_text(json.dumps(vocab.to_json(), ensure_ascii=False), encoding="utf-8")
    (out / "prepared.json").write_text(json.dumps({
        "format": 1, "source": str(text.resolve()), "chars": len(kept), "dtype": "uint8", "vocab_size": len(vocab),
        "fingerprint": fingerprint(text)}), encoding="utf-8")
    assert "\ufeff" in open_prepared(out).vocab  # the old folder opens as it is: the BOM is one of its characters


def test_an_old_preparation_is_encoded_again(tmp_path: Path) -> None:
    text, expected = _text(tmp_path)
    _old_preparation(text, default_dir(text))
    prepared = prepare_text(text)
    assert prepared.encoded and prepared.directory == default_dir(text)
    assert _read_back(prepared.directory) == expected
    assert not prepare_text(text).encoded  # and the new one is reused


def test_training_on_it_reads_the_text_without_the_bom(tmp_path: Path) -> None:
    text, expected = _text(tmp_path)
    _old_preparation(text, default_dir(text))
    assert main(["train", "charlm", "--data", str(text), "--out", str(tmp_path / "run"), "--hidden", "8",
                 "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--steps", "1", "--no-progress",
                 "--no-memory"]) == 0
    chars = json.loads((tmp_path / "run" / "best" / "vocab.json").read_text(encoding="utf-8"))["chars"]
    assert "\ufeff" not in chars and set(expected) <= set(chars)


def test_an_old_folder_given_itself_is_used_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text, expected = _text(tmp_path)
    folder = tmp_path / "prep"
    _old_preparation(text, folder)
    capsys.readouterr()
    assert main(["train", "charlm", "--data", str(folder), "--out", str(tmp_path / "run"), "--hidden", "8",
                 "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--steps", "1", "--no-progress",
                 "--no-memory"]) == 0
    assert (f"rnnkit: warning: {folder}: prepared by an older rnnkit, which read a byte order mark (U+FEFF) inside "
            f"the text as a character; prepare the text again (rnnkit prepare TEXT --out {folder})\n"
            ) in capsys.readouterr().err
    assert main(["prepare", str(text), "--out", str(folder)]) == 0
    assert _read_back(folder) == expected


def _read_back(folder: Path) -> str:
    """The text a prepared folder holds, its ids read back through its vocabulary."""
    prepared = open_prepared(folder)
    return "".join(prepared.vocab.itos[int(i)] for i in prepared.tokens)
