"""A model whose character vocabulary was saved decomposed (NFD: an accent apart from its letter, Hangul as jamo, as
macOS writes text) before its input was read NFC-normalised reads the composed input as it knows it: a character
tagger splits 'é' into 'e' and the accent, the tagger's spelling encoder spells a word so, and a speech recogniser's
training targets keep the accent; before, each such character was unknown (or left out of the targets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.data.speech import Utterance
from rnnkit.data.spelling import spell
from rnnkit.data.tokenize import UNK_ID, TokenVocab, spelled_as_known
from rnnkit.tasks.speech import SymbolTable

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ACCENT = "\u0301"  # COMBINING ACUTE ACCENT: 'é' in NFD is 'e' + ACCENT


def test_a_character_known_only_decomposed_is_written_so() -> None:
    assert spelled_as_known("café", {"c", "a", "f", "e", ACCENT}) == "cafe" + ACCENT
    jamo = {"\u1109", "\u1165", "\u110b", "\u116e", "\u11af"}  # 서울 as conjoining jamo
    assert spelled_as_known("서울", jamo) == "\u1109\u1165\u110b\u116e\u11af"


def test_a_known_character_and_one_whose_parts_are_not_all_known_stay() -> None:
    assert spelled_as_known("café", {"c", "a", "f", "é", "e", ACCENT}) == "café"  # a model that knows both keeps NFC
    assert spelled_as_known("café", {"c", "a", "f", "e"}) == "café"  # no accent known: unknown as before
    assert spelled_as_known("", set()) == ""


def test_the_spelling_encoder_spells_a_composed_word_with_its_decomposed_characters() -> None:
    chars = TokenVocab(["c", "a", "f", "e", ACCENT])
    ids = spell("café", chars)
    assert UNK_ID not in ids and ids == chars.ids(["c", "a", "f", "e", ACCENT])


def test_a_recogniser_of_decomposed_symbols_keeps_the_accent_in_its_targets() -> None:
    table = SymbolTable("chars", ["a", "c", "e", "f", ACCENT, "|"])
    utt = Utterance(Path("a.wav"), "café")
    assert table.encode(utt) == [table.index[s] for s in ["c", "a", "f", "e", ACCENT]]
    assert table.reference(utt) == "café"


@pytest.fixture(scope="module")
def nfd_char_tagger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A character tagger whose saved characters hold 'e' and the combining accent, not 'é' (trained on 'é', its
    vocabulary then written as an NFD run would have saved it)."""
    tmp = tmp_path_factory.mktemp("nfdtag")
    data = tmp / "t.conll"
    data.write_text("c\tL\na\tL\nf\tL\né\tL\n1\tD\n\ne\tL\n2\tD\n\n", encoding="utf-8")
    out = tmp / "run"
    assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(out), "--steps", "1",
                 "--hidden", "4", "--embedding", "4", "--no-progress", "--json"]) == 0
    vocab_path = out / "best" / "vocab.json"
    vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
    vocab["symbols"] = [ACCENT if s == "é" else s for s in vocab["symbols"]]
    vocab_path.write_text(json.dumps(vocab), encoding="utf-8")
    return out / "best"


def test_a_character_tagger_saved_in_nfd_splits_composed_input_as_it_knows_it(nfd_char_tagger: Path,
                                                                              capsys: pytest.CaptureFixture[str]
                                                                              ) -> None:
    tagger = rnnkit.load(nfd_char_tagger)
    tokens = tagger.split("café")
    assert tokens == ["c", "a", "f", "e", ACCENT]
    assert UNK_ID not in tagger.tokenizer.ids(tokens)
    assert len(tagger.predict("café")) == 5
    capsys.readouterr()
    assert main(["predict", str(nfd_char_tagger), "café", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == tokens
