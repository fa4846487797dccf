"""A character language model in the recogniser's prefix search (``rnnkit transcribe --beam K --lm DIR``; shallow
fusion): the scorer against the language model's own forward pass, the search against brute force."""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from test_speech import _tone_corpus

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tokenize import CharVocab
from rnnkit.errors import SettingError, UserError
from rnnkit.models.ctc import prefix_beam_search
from rnnkit.models.ctc_lm import LanguageModelScorer
from rnnkit.models.language_model import LanguageModel, sequence_log_probs
from rnnkit.tasks._speech_decoding import fusion_of

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("cell", ["lstm", "gru", "clockwork"])
def test_the_scorer_gives_the_language_models_own_log_probabilities(cell: str) -> None:
    """Each class's log-probability after a prefix, and the end's, equal the model's forward pass over the line
    (a newline first, the text, a newline): one recurrent step per prefix, carried from its parent's state."""
    torch.manual_seed(0)
    model = LanguageModel(7, cell=cell, hidden_size=8, num_layers=2, embed_dim=4).eval()
    class_ids = [0, 3, 4, 5, 2]  # class c reads the model's token class_ids[c]; class 0 is the blank
    scorer = LanguageModelScorer(model, class_ids, start=1, end=1)
    classes = [2, 1, 1, 4, 3, 2]
    tokens = torch.tensor([class_ids[c] for c in classes] + [1])
    expected = sequence_log_probs(model, torch.tensor([1]), tokens)
    for i, c in enumerate(classes):
        assert scorer.log_probs(tuple(classes[:i]))[c] == pytest.approx(float(expected[i]), abs=1e-5)
        scorer.retain([tuple(classes[: i + 1])])  # the search forgets the parent once the child is kept
    assert scorer.end(tuple(classes)) == pytest.approx(float(expected[-1]), abs=1e-5)


class _Bigram:
    """A toy :class:`rnnkit.models.ctc.PrefixScorer`: a random bigram table over the classes and the end."""

    def __init__(self, classes: int, g: torch.Generator) -> None:
        self.table = torch.log_softmax(torch.randn(classes + 1, classes + 1, generator=g), -1).numpy()

    def log_probs(self, prefix: tuple[int, ...]) -> np.ndarray:
        return self.table[prefix[-1] if prefix else 0][:-1]

    def end(self, prefix: tuple[int, ...]) -> float:
        return float(self.table[prefix[-1] if prefix else 0][-1])

    def retain(self, prefixes: object) -> None:
        pass

    def score(self, labelling: tuple[int, ...]) -> float:
        classes = [c + 1 for c in labelling]
        return sum(float(self.log_probs(tuple(classes[:i]))[c]) for i, c in enumerate(classes)) + self.end(
            tuple(classes))


def test_a_wide_fused_search_finds_the_best_fused_labelling_by_brute_force() -> None:
    g = torch.Generator().manual_seed(2)
    for _ in range(20):
        lp = torch.log_softmax(torch.randn(5, 3, generator=g), -1)
        lm = _Bigram(3, g)
        totals: dict[tuple[int, ...], float] = {}
        for path in itertools.product(range(3), repeat=5):
            labelling = tuple(c - 1 for c, _ in itertools.groupby(path) if c != 0)
            totals[labelling] = totals.get(labelling, 0.0) + math.exp(sum(float(lp[t, c]) for t, c in enumerate(path)))
        fused = {k: math.log(v) + 0.7 * lm.score(k) + 0.3 * len(k) for k, v in totals.items()}
        best = max(fused, key=fused.__getitem__)
        found = prefix_beam_search(lp, beam=300, lm=lm, lm_weight=0.7, bonus=0.3)
        assert tuple(found.symbols) == best
        assert found.log_prob == pytest.approx(fused[best], abs=1e-6)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("speech_lm")
    corpus = _tone_corpus(root / "corpus", 12, 0)  # the transcripts are letters: "a b"
    tiny = ["--steps", "2", "--hidden", "8", "--layers", "1", "--n-mels", "20", "--subsample", "2", "--batch-size",
            "4", "--no-progress", "--save-minutes", "0"]
    out = {"chars": root / "chars", "phonemes": root / "phonemes", "lm": root / "lm", "corpus": corpus}
    assert main(["train", "speech", "--data", str(corpus), "--out", str(out["chars"]), "--symbols", "chars",
                 *tiny]) == 0
    assert main(["train", "speech", "--data", str(corpus), "--out", str(out["phonemes"]), "--symbols", "phonemes",
                 *tiny]) == 0
    text = root / "lines.txt"
    text.write_text("a b c\nb a\nc c a\n" * 60, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(text), "--out", str(out["lm"]), "--steps", "3", "--hidden", "8",
                 "--layers", "1", "--seq-len", "16", "--batch-size", "4", "--no-progress", "--save-minutes", "0"]) == 0
    return out


def test_transcribe_and_evaluate_with_a_language_model(runs: dict[str, Path],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    wav = str(runs["corpus"] / "wav" / "0.wav")
    capsys.readouterr()
    assert main(["transcribe", str(runs["chars"]), wav, "--beam", "4", "--lm", str(runs["lm"]), "--lm-weight", "0.8",
                 "--bonus", "0.5"]) == 0
    written = capsys.readouterr().out
    rec = rnnkit.load(runs["chars"])
    assert written == rec.transcribe(wav, beam=4, lm=rnnkit.load(runs["lm"]), lm_weight=0.8, bonus=0.5) + "\n"
    assert main(["evaluate", str(runs["chars"]), "--data", str(runs["corpus"]), "--beam", "4", "--lm", str(runs["lm"]),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (result["lm"], result["lm_weight"], result["bonus"], result["beam"]) == (str(runs["lm"] / "best"), 0.5,
                                                                                  0.0, 4)
    assert {"cer", "wer"} <= set(result)


def test_what_cannot_fuse_is_refused_in_one_line(runs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    wav = str(runs["corpus"] / "wav" / "0.wav")
    rec = rnnkit.load(runs["chars"])
    with pytest.raises(SettingError, match="needs a beam above 1"):
        rec.transcribe(wav, lm=runs["lm"])
    with pytest.raises(SettingError, match="writes phonemes"):
        rnnkit.load(runs["phonemes"]).transcribe(wav, beam=4, lm=runs["lm"])
    with pytest.raises(SettingError, match="a 'speech' model, not a character language model"):
        rec.transcribe(wav, beam=4, lm=runs["phonemes"])
    with pytest.raises(SettingError, match="lm_weight -1"):
        rec.transcribe(wav, beam=4, lm=runs["lm"], lm_weight=-1)
    capsys.readouterr()
    assert main(["transcribe", str(runs["chars"]), wav, "--beam", "4", "--bonus", "1"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --bonus 1.0: applies only with --lm DIR (a character language "
                                       "model)\n")


def test_characters_the_language_model_lacks_are_named(runs: dict[str, Path], tmp_path: Path) -> None:
    text = tmp_path / "ab.txt"
    text.write_text("a b\nb a\n" * 60, encoding="utf-8")  # no 'c'
    lm = tmp_path / "lm"
    assert main(["train", "charlm", "--data", str(text), "--out", str(lm), "--steps", "1", "--hidden", "8",
                 "--layers", "1", "--seq-len", "16", "--batch-size", "4", "--no-progress", "--save-minutes", "0"]) == 0
    with pytest.warns(UserWarning, match=r"1 character unknown to the language model, scored as its unknown "
                                         "symbol: 'c'$"):
        rnnkit.load(runs["chars"]).transcribe(str(runs["corpus"] / "wav" / "0.wav"), beam=4, lm=lm)



@pytest.mark.parametrize(("text", "symbols", "said"), [
    ("가 나 다\n", ["|", "\u1100", "\u1102", "\u1161"], "this recogniser writes Hangul as jamo: train the model on "
                                                       "the text decomposed, unicodedata.normalize('NFD', text)"),
    ("ab ba\n", ["|", "x", "y"], "train it on text in the transcripts' script"),
])
def test_a_model_that_knows_only_the_space_is_refused(text: str, symbols: list[str], said: str) -> None:
    """A language model of Hangul syllables for a recogniser of jamo (or of another script) knows the space alone:
    every letter was its unknown character, and the search ran on a model of word lengths with a warning naming
    each jamo. Refused in one line, saying how to train a model that fits."""
    lm = SimpleNamespace(vocab=CharVocab.from_text(text), model=None)
    with pytest.raises(UserError, match=re.escape(f"lm: the language model knows none of the recogniser's letters "
                                                  f"({''.join(symbols[1:])}); {said}")):
        fusion_of(symbols, lm, 0.5, 0.0, "lm")


def test_a_model_of_the_decomposed_text_reads_a_jamo_recogniser() -> None:
    vocab = CharVocab.from_text(unicodedata.normalize("NFD", "가 나 다\n"))
    fusion = fusion_of(["|", "\u1100", "\u1102", "\u1161"], SimpleNamespace(vocab=vocab, model=None), 0.5, 0.0, "lm")
    assert fusion.class_ids == (0, vocab.stoi[" "], vocab.stoi["\u1100"], vocab.stoi["\u1102"], vocab.stoi["\u1161"])
    assert fusion.start == fusion.end == vocab.stoi["\n"]


def test_a_weight_or_bonus_without_a_language_model_is_refused_from_python_too(runs: dict[str, Path]) -> None:
    """The command line refused --lm-weight and --bonus without --lm; a Python call took them and decoded without a
    language model, saying nothing."""
    rec, wav = rnnkit.load(runs["chars"]), str(runs["corpus"] / "wav" / "0.wav")
    with pytest.raises(SettingError, match=r"lm_weight 2.0: applies only with lm=DIR \(a character language model\)"):
        rec.transcribe(wav, beam=4, lm_weight=2.0)
    with pytest.raises(SettingError, match="bonus 1: applies only with lm=DIR"):
        rec.evaluate(runs["corpus"], beam=4, bonus=1)
    assert rec.transcribe(wav, beam=4, lm_weight=0.5, bonus=0.0) == rec.transcribe(wav, beam=4)  # the defaults


def test_an_empty_language_model_name_is_refused_as_such(runs: dict[str, Path],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``--lm ""`` (an unset shell variable) was read as the working directory: ".: not a model directory"."""
    wav = str(runs["corpus"] / "wav" / "0.wav")
    capsys.readouterr()
    assert main(["transcribe", str(runs["chars"]), wav, "--beam", "4", "--lm", ""]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --lm '': expected a character language model's directory, "
                                       "not an empty name\n")
