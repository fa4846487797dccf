"""Gaps a mutation audit of :mod:`rnnkit.tasks._speech_data` found (round 14): the first utterance too short
named with its own frames, every new symbol named, jamo found past the first utterance, the symbol table's
JSON checked for its kind and symbols and its jamo kept, a table's ids in its own order, the feature progress every
2000 utterances, and the phonemes a manifest gives kept."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.data.speech import Utterance
from rnnkit.errors import UserError
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.tasks import _speech_data
from rnnkit.tasks._speech_config import SpeechConfig
from rnnkit.tasks._speech_data import (
    SymbolTable,
    _check_symbols,
    _warn_too_short,
    _with_phonemes,
    recordings_features,
)


def test_the_first_utterance_too_short_is_named_with_its_own_frames() -> None:
    model = SpeechRecognizer(4, 3, hidden=2, layers=1, subsample=2)
    utts = [Utterance(Path(f"{n}.wav"), n, None) for n in ("ok", "a", "b")]
    with pytest.warns(UserWarning, match=r"^2 of 3 training utterances .* leaves 1 for the 2 of a.wav: 'a'\)$"):
        assert _warn_too_short(utts, [20, 2, 5], [[1], [1, 2], [1, 2, 1, 2]], model) == [1, 2]


def test_every_new_symbol_is_named_in_the_order_met() -> None:
    table = SymbolTable("phonemes", ["a", "b"])
    utts = [Utterance(Path("a.wav"), "x", "a c"), Utterance(Path("b.wav"), "y", "b"),
            Utterance(Path("c.wav"), "z", "e a d c")]
    with pytest.warns(UserWarning, match=r"^2 of 3 training utterances hold symbols the model does not write "
                                         r"\('c', 'e', 'd'\), left out .* first a.wav: 'x'\)"):
        _check_symbols(utts, [table.encode(u) for u in utts], table)


def test_korean_after_the_first_utterance_takes_jamo() -> None:
    utts = [Utterance(Path("a.wav"), "hello", None), Utterance(Path("k.wav"), "한국어", None)]
    table = SymbolTable.build(utts, "chars", None)
    assert table.jamo is True and set(unicodedata.normalize("NFD", "한국어")) <= set(table.symbols)
    assert "한" not in table.symbols


@pytest.mark.parametrize("bad", [{"kind": "words", "symbols": ["a"], "jamo": False},
                                 {"kind": "chars", "symbols": ["a", 1], "jamo": False},
                                 {"kind": "chars", "symbols": "ab", "jamo": False}, ["chars"]])
def test_a_symbol_table_of_another_kind_or_with_other_symbols_is_refused(bad: object) -> None:
    with pytest.raises(UserError, match=r'^s.json: expected an object with "kind" \(phonemes or chars\), "symbols"'):
        SymbolTable.from_json(bad, "s.json")


def test_a_symbol_table_keeps_its_jamo_through_json() -> None:
    jamo = list(unicodedata.normalize("NFD", "가"))  # U+1100 U+1161
    table = SymbolTable.from_json(SymbolTable("chars", jamo, jamo=True).to_json(), "s.json")
    assert (table.kind, table.symbols, table.jamo) == ("chars", jamo, True)
    assert table.encode(Utterance(Path("k.wav"), "가")) == [0, 1] and table.text([0, 1]) == "가"


def test_feature_progress_is_reported_every_2000_utterances(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(_speech_data, "read_audio", lambda path: (np.full(1, 0.1, np.float32), 16000))  # not silent
    monkeypatch.setattr(_speech_data, "_wave_features", lambda *args: torch.zeros(1, 1))
    feats, _ = recordings_features([Path("a.wav")] * 4001, 8, 16000, [1.0, 1.1], "training")
    assert len(feats) == 4001 and all(len(f) == 2 for f in feats)
    assert capsys.readouterr().err == ("  features: 2000 / 4001 training utterances\n"
                                       "  features: 4000 / 4001 training utterances\n")


def test_a_tables_ids_follow_its_own_order() -> None:
    """A table read back from a run keeps the order its model was trained with, sorted or not."""
    table = SymbolTable("chars", ["b", "|", "a"])
    assert table.encode(Utterance(Path("a.wav"), "ab ba")) == [2, 0, 1, 0, 2]
    assert table.text([0, 1, 2]) == "b a"


def test_only_utterances_without_phonemes_are_phonemized(monkeypatch: pytest.MonkeyPatch) -> None:
    spoken = []
    monkeypatch.setattr(_speech_data, "phonemize", lambda text, voice: spoken.append((text, voice)) or "s p")
    utts = [Utterance(Path("a.wav"), "given", "ɡ ɪ v"), Utterance(Path("b.wav"), "spoken")]
    got = _with_phonemes(utts, SpeechConfig(symbols="phonemes", voice="en-gb"))
    assert [u.phonemes for u in got] == ["ɡ ɪ v", "s p"] and spoken == [("spoken", "en-gb")]
    assert _with_phonemes(utts, SpeechConfig(symbols="chars")) == utts and len(spoken) == 1


@pytest.mark.parametrize(("symbols", "what"), [([], "no symbols"), (["a", ""], "an empty symbol"),
                                               (["a", "b", "a"], "the symbol 'a' twice")])
def test_a_symbol_table_with_no_symbol_an_empty_one_or_one_twice_is_refused(symbols: list[str], what: str) -> None:
    with pytest.raises(UserError, match=f"run/best/vocab.json: \"symbols\" holds {what}; expected each symbol"):
        SymbolTable.from_json({"kind": "chars", "symbols": symbols, "jamo": False}, "run/best/vocab.json")
    table = SymbolTable.from_json({"kind": "chars", "symbols": ["a", "b"], "jamo": False}, "v")
    assert table.index == {"a": 0, "b": 1}
