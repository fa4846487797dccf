"""Gaps a mutation audit of :mod:`rnnkit.tasks._speech_trained` found (round 10): each test fails on one changed line.
A tiny untrained recogniser is saved as a checkpoint; what it writes is checked against its own frame-by-frame
decoding (greedy CTC: each frame's most likely class, repeats merged, blanks dropped)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from rnnkit.data.speech import Utterance, phonemize
from rnnkit.data.tokenize import CharVocab
from rnnkit.errors import SettingError, UserError
from rnnkit.models.language_model import LanguageModel
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.tasks import _speech_trained
from rnnkit.tasks._charlm_trained import CharLM
from rnnkit.tasks._speech_data import SymbolTable, features_of
from rnnkit.tasks._speech_decoding import error_rates
from rnnkit.tasks._speech_trained import Transcriber
from rnnkit.train.checkpoint import save_checkpoint

soundfile = pytest.importorskip("soundfile", reason="the speech extra is not installed: pip install 'rnnkit[speech]'")
RATE = 16000


def _run(tmp_path: Path, kind: str = "phonemes", symbols: tuple[str, ...] = ("|", "a", "b", "c")) -> Path:
    torch.manual_seed(0)
    net = SpeechRecognizer(n_features=20, n_symbols=4, hidden=8, layers=1, subsample=3)
    config = {"task": "speech", "model": net._config}
    return save_checkpoint(tmp_path / f"run-{kind}-{len(symbols)}", model_state=net.state_dict(), config=config,
                           vocab=SymbolTable(kind, list(symbols)).to_json())


def _wav(tmp_path: Path, name: str, freq: float) -> Path:
    t = np.arange(RATE // 2) / RATE
    path = tmp_path / name
    soundfile.write(str(path), (0.5 * np.sin(2 * math.pi * freq * t)).astype(np.float32), RATE)
    return path


def _by_hand(tr: Transcriber, wav: Path) -> tuple[list[int], list[int]]:
    """Greedy CTC over the model's own per-frame log-probabilities: the symbols and the frame each starts at."""
    feats = features_of(wav, tr.n_mels)
    with torch.no_grad():
        log_probs, _ = tr.model(feats[None], torch.tensor([feats.shape[0]]))
    best = log_probs[0].argmax(-1).tolist()  # class 0 the blank, class i + 1 symbol i
    symbols, frames, prev = [], [], 0
    for f, c in enumerate(best):
        if c not in (prev, 0):
            symbols.append(c - 1)
            frames.append(f)
        prev = c
    return symbols, frames


def test_a_loaded_recogniser_reads_its_mel_count_and_frame_length(tmp_path: Path) -> None:
    tr = Transcriber(_run(tmp_path))
    assert tr.n_mels == 20 and tr.frame_seconds == pytest.approx(0.03)


def test_a_symbol_table_of_another_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="the symbol table has 3 entries, but the model has 4"):
        Transcriber(_run(tmp_path, symbols=("|", "a", "b")))


def test_transcribe_writes_the_frame_by_frame_decoding_with_each_start_in_seconds(tmp_path: Path) -> None:
    tr = Transcriber(_run(tmp_path))
    a, b = _wav(tmp_path, "a.wav", 440), _wav(tmp_path, "b.wav", 900)
    symbols, frames = _by_hand(tr, a)
    assert symbols, "the untrained model writes something"
    got = tr.transcribe(a, timings=True)
    assert [s["symbol"] for s in got["symbols"]] == [tr.symbols.symbols[s] for s in symbols]
    assert [s["start"] for s in got["symbols"]] == [round(f * 0.03, 3) for f in frames]
    assert got["log_prob"] < 0 and got["text"] == tr.symbols.text(symbols)
    assert tr.transcribe(a) == got["text"]
    assert tr.transcribe([a, b]) == [got["text"], tr.transcribe(b)]
    with pytest.raises(SettingError, match="beam"):
        tr.transcribe(a, beam=0)
    with pytest.raises((TypeError, SettingError), match="an audio file or a list of them"):
        tr.transcribe([5])  # type: ignore[list-item]


def _charlm(text: str) -> CharLM:
    vocab = CharVocab.from_text(text)
    torch.manual_seed(0)
    lm = CharLM.__new__(CharLM)
    lm.vocab, lm.dynamic_rms = vocab, None
    lm.model = LanguageModel(len(vocab), hidden_size=8, num_layers=1, embed_dim=4).eval()
    lm.checkpoint = SimpleNamespace(path=Path("lm/best"), config={"task": "charlm"})
    return lm


def test_what_cannot_fuse_is_refused_and_what_can_is_reported(tmp_path: Path) -> None:
    phonemes = Transcriber(_run(tmp_path))
    chars = Transcriber(_run(tmp_path, "chars", ("|", "a", "b", "c")))
    lm = _charlm("abc abc\n")
    with pytest.raises(SettingError, match="^lm_weight 0.7: applies only with --lm"):
        chars._fusion(None, 4, 0.7, 0.0)
    with pytest.raises(SettingError, match="this recogniser writes phonemes"):
        phonemes._fusion(lm, 4, 0.5, 0.0)
    with pytest.raises(SettingError, match="needs a beam above 1"):
        chars._fusion(lm, 1, 0.5, 0.0)
    with pytest.raises(SettingError, match="^lm_weight"):
        chars._fusion(lm, 4, -0.5, 0.0)
    with pytest.raises(SettingError, match="^bonus"):
        chars._fusion(lm, 4, 0.5, math.nan)
    with pytest.raises(SettingError, match="not an empty name"):
        chars._fusion("  ", 4, 0.5, 0.0)
    with pytest.raises(SettingError, match="not a character language model"):
        chars._fusion(str(chars.checkpoint.path), 4, 0.5, 0.0)  # a speech run
    fusion = chars._fusion(lm, 4, 0.5, 0.25)
    assert (fusion.weight, fusion.bonus, fusion.source) == (0.5, 0.25, "lm/best")


def test_evaluate_reads_the_phonemes_given_and_reports_the_fusion(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _wav(corpus, "a.wav", 440)
    _wav(corpus, "b.wav", 900)
    (corpus / "manifest.tsv").write_text("audio\ttext\tphonemes\na.wav\tzz\ta b\nb.wav\tzz\tc\n", encoding="utf-8")
    tr = Transcriber(_run(tmp_path))
    hyps = [tr.transcribe(corpus / "a.wav"), tr.transcribe(corpus / "b.wav")]
    got = tr.evaluate(corpus)
    assert got == {**error_rates(hyps, ["a b", "c"], "phonemes"), "utterances": 2, "count": 2,
                   "beam": 1, "models": [str(tr.checkpoint.path)]}
    chars = Transcriber(_run(tmp_path, "chars", ("|", "a", "b", "c")))
    (corpus / "manifest.tsv").write_text("audio\ttext\na.wav\tab\nb.wav\tc\n", encoding="utf-8")
    fused = chars.evaluate(corpus, 3, lm=_charlm("abc abc\n"), lm_weight=0.5, bonus=0.25)
    assert (fused["lm"], fused["lm_weight"], fused["bonus"], fused["beam"]) == ("lm/best", 0.5, 0.25, 3)
    plain = chars.evaluate(corpus, 3)
    assert "lm" not in plain


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_evaluate_speaks_a_text_without_phonemes_in_american_english_by_default(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    a = _wav(corpus, "a.wav", 440)
    (corpus / "manifest.tsv").write_text("audio\ttext\na.wav\ttomato water\n", encoding="utf-8")
    tr = Transcriber(_run(tmp_path))
    want = tr.symbols.reference(Utterance(a, "tomato water", phonemize("tomato water", "en-us")))
    assert want != tr.symbols.reference(Utterance(a, "tomato water", phonemize("tomato water", "en")))
    seen: list[tuple[list[str], list[str]]] = []

    def rates(hyps: list[str], refs: list[str], kind: str) -> dict[str, float]:
        seen.append((hyps, refs))
        return error_rates(hyps, refs, kind)

    monkeypatch.setattr(_speech_trained, "error_rates", rates)
    assert tr.evaluate(corpus) == {**error_rates([tr.transcribe(a)], [want], "phonemes"), "utterances": 1,
                                   "count": 1, "beam": 1, "models": [str(tr.checkpoint.path)]}
    assert seen == [([tr.transcribe(a)], [want])]
