"""``rnnkit sample RUN --prime-file FILE``: the prime read from a file as training reads its text (char-rnn users
keep long primes in files; there was only ``--prime TEXT``). The judge of what the file holds is Python's own
reading of it (``utf-8-sig``, universal newlines), and of what follows it the same sample primed with ``--prime``."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "ANNA:\nWhere are you going?\n\nBEN:\nTo the café, to see Zoë.\n\n" * 10
GREEDY = ["--length", "40", "--temperature", "0", "--json"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("prime")
    (root / "text.txt").write_text(TEXT, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(root / "text.txt"), "--out", str(root / "run"), "--hidden", "16",
                 "--embed-dim", "8", "--seq-len", "16", "--batch-size", "4", "--steps", "6", "--no-progress",
                 "--no-memory"]) == 0
    return root / "run"


def sampled(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    """What ``rnnkit sample ARGS --json`` printed, with its standard error as ``"err"``."""
    capsys.readouterr()
    assert main(["sample", *args]) == 0
    said = capsys.readouterr()
    return {**json.loads(said.out), "err": said.err}


def test_a_prime_file_samples_as_its_text_given_with_prime(run: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "prime.txt"
    path.write_bytes("\ufeffANNA:\r\nWhere are you\r\n".encode())  # Notepad's: a BOM and CRLF
    prime = path.open(encoding="utf-8-sig").read()  # universal newlines: CRLF read as LF
    assert prime == "ANNA:\nWhere are you\n"
    from_file = sampled(capsys, str(run), "--prime-file", str(path), *GREEDY)
    assert from_file == sampled(capsys, str(run), "--prime", prime, *GREEDY)
    assert from_file["prime"] == prime and from_file["text"].startswith(prime)


def test_a_decomposed_prime_file_is_read_in_the_models_form(run: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "nfd.txt"
    path.write_text(unicodedata.normalize("NFD", "BEN:\nTo the café"), encoding="utf-8")
    from_file = sampled(capsys, str(run), "--prime-file", str(path), *GREEDY)
    assert "the prime is read in Unicode's composed form (NFC)" in from_file["err"]
    composed = sampled(capsys, str(run), "--prime", "BEN:\nTo the café", *GREEDY)
    assert from_file["text"][len(from_file["prime"]):] == composed["text"][len(composed["prime"]):]


@pytest.mark.parametrize(("content", "said"), [
    (b"caf\xe9\n", "p.txt:1: not UTF-8 (byte 0xe9 at column 4, byte offset 3)"),
    (b" \n", "p.txt: the file is empty; expected UTF-8 text"),
    (None, "p.txt: no such file; --prime-file takes a UTF-8 text file"),
])
def test_a_bad_prime_file_is_one_line(run: Path, tmp_path: Path, capsys, monkeypatch, content, said) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        Path("p.txt").write_bytes(content)
    assert main(["sample", str(run), "--prime-file", "p.txt"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {said}") and err.count("\n") == 1


def test_prime_and_prime_file_together_are_refused(run: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "p.txt").write_text("ANNA:\n", encoding="utf-8")
    assert main(["sample", str(run), "--prime", "BEN:", "--prime-file", str(tmp_path / "p.txt")]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --prime and --prime-file both give the text to start from: "
                                       "give one of the two\n")
