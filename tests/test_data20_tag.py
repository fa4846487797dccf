"""Tagged files as users export them: lines ended by a lone CR (an old Mac file, Excel for Mac's text export)
are lines, in CoNLL and in WORD/TAG form, as the other readers of rnnkit take them; a word spelled with combining
accents or Hangul typed as jamo (NFD, as macOS writes them) is the word of the composed spelling (NFC)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.data.conll import read_conll
from rnnkit.data.slashtags import read_tagged
from rnnkit.errors import UserError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CONLL = "John\tB-PER\nlives\tO\n\nParis\tB-LOC\n"


@pytest.mark.parametrize("content", [CONLL, CONLL.replace("\t", " ")])
def test_a_conll_file_of_lone_cr_line_ends_is_read_by_its_lines(tmp_path: Path, content: str) -> None:
    path = tmp_path / "old-mac.conll"
    path.write_bytes(content.replace("\n", "\r").encode())
    sentences = read_tagged(path)
    assert sentences.tokens == [["John", "lives"], ["Paris"]]
    assert sentences.tags == [["B-PER", "O"], ["B-LOC"]]
    assert sentences.lines == [1, 4]
    assert read_conll(path, require_tags=False).tokens == [["John", "lives"], ["Paris"]]  # predict --file


def test_a_slash_tagged_file_of_lone_cr_line_ends_is_a_sentence_a_line(tmp_path: Path) -> None:
    path = tmp_path / "old-mac.txt"
    path.write_bytes(b"The/DT cat/NN\rA/DT 1/2/CD dog/NN\r")
    sentences = read_tagged(path)
    assert sentences.one_per_line
    assert sentences.tokens == [["The", "cat"], ["A", "1/2", "dog"]]
    assert sentences.lines == [1, 2]


def test_a_bad_token_of_a_lone_cr_file_is_named_by_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "old-mac.txt"
    path.write_bytes(b"The/DT cat/NN\rA/DT dog/NN\rbad/ x/NN y/NN\r")
    with pytest.raises(UserError, match=r"old-mac\.txt:3: malformed token 'bad/'"):
        read_tagged(path)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


SENTENCE = [("서울", "B-LOC"), ("에", "O"), ("café", "B-ORG"), ("간다", "O")]


@pytest.mark.parametrize("name", ["ko.conll", "ko.txt"])
def test_a_tagged_file_in_nfd_reads_as_its_nfc_spelling(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".conll"):
        path.write_text(nfd("".join(f"{w}\t{t}\n" for w, t in SENTENCE)), encoding="utf-8")
    else:
        path.write_text(nfd(" ".join(f"{w}/{t}" for w, t in SENTENCE)) + "\n" + "a/DT b/NN\n", encoding="utf-8")
    sentences = read_tagged(path)
    assert sentences.tokens[0] == [w for w, _ in SENTENCE]  # the literals of this file are NFC
    assert sentences.tags[0] == [t for _, t in SENTENCE]


@pytest.fixture(scope="module")
def korean_tagger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny word tagger trained on NFC text."""
    tmp = tmp_path_factory.mktemp("ko")
    data = tmp / "ko.conll"
    data.write_text("\n".join(["".join(f"{w}\t{t}\n" for w, t in SENTENCE)] * 12), encoding="utf-8")
    out = tmp / "run"
    assert main(["train", "tag", "--data", str(data), "--out", str(out), "--steps", "5", "--hidden", "8",
                 "--embedding", "8", "--no-progress", "--json"]) == 0
    return out / "best"


def test_a_tagger_reads_nfd_text_as_the_nfc_text_it_learned(korean_tagger: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    tagger = rnnkit.load(korean_tagger)
    text = " ".join(w for w, _ in SENTENCE)
    assert tagger.predict(nfd(text)) == tagger.predict(text)
    tokens = tagger.split(text)
    torch.testing.assert_close(tagger.token_probabilities([[nfd(w) for w in tokens]])[0],
                               tagger.token_probabilities([tokens])[0])
    monkeypatch.setitem(tagger.config, "split", "chars")  # a character tagger: a syllable is one token
    assert tagger.split(nfd("서울")) == ["서", "울"]


def test_tagged_files_joined_each_with_its_bom_have_no_bom_glued_to_a_token(tmp_path: Path) -> None:
    """``cat a.conll b.conll`` of files that each begin with a BOM: the second's first token was '\\ufeffParis', a word
    of its own, and its '-DOCSTART-' line a token."""
    conll = tmp_path / "joined.conll"
    conll.write_text("\ufeffJohn\tB-PER\n\n\ufeff-DOCSTART-\tO\n\nParis\tB-LOC\n\n\ufeffRome\tB-LOC\n",
                     encoding="utf-8")
    assert read_tagged(conll).tokens == [["John"], ["Paris"], ["Rome"]]
    slash = tmp_path / "joined.txt"
    slash.write_text("\ufeffThe/DT cat/NN\n\ufeffA/DT dog/NN\n", encoding="utf-8")
    assert read_tagged(slash).tokens == [["The", "cat"], ["A", "dog"]]
