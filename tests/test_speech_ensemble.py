"""Ensembles of speech recognisers (``--ensemble``, ``Transcriber.ensemble``): each frame's probabilities are the
mean of the models', decoded as the first model decodes; models of other symbols, features, frames or tasks are
refused in one line naming their directory. Tiny recognisers trained two steps on the tone corpus of test_speech."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.data.batching import pad_features
from rnnkit.errors import UserError
from rnnkit.models.ctc import greedy_decode
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.tasks._speech_data import features_of
from rnnkit.tasks._speech_ensemble import MeanRecognizer, TranscriberEnsemble

pytest.importorskip("soundfile", reason="the speech extra is not installed: pip install 'rnnkit[speech]'")
from test_speech import _tone_corpus  # noqa: E402  (it needs soundfile)

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TINY = ["--steps", "2", "--hidden", "8", "--layers", "1", "--n-mels", "20", "--subsample", "2", "--batch-size", "4",
        "--no-progress", "--save-minutes", "0"]


def _renamed(corpus: Path, folder: Path) -> Path:
    """A corpus of the same recordings whose tone 'a' is written 'd': the symbols b, c, d."""
    lines = (corpus / "manifest.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines[1:]]
    folder.mkdir()
    (folder / "manifest.tsv").write_text("\n".join([lines[0], *(
        "\t".join([str(corpus / audio), *(c.replace("a", "d") for c in cols)]) for audio, *cols in rows)]) + "\n",
        encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("speech_ensemble")
    corpus = _tone_corpus(root / "corpus", 8, 0)
    out = {"corpus": corpus}
    for name, data, extra in (("a", corpus, []), ("b", corpus, ["--seed", "1", "--cell", "lstm"]),
                              ("c", corpus, ["--seed", "2", "--subsample-kind", "conv"]),
                              ("other_symbols", _renamed(corpus, root / "renamed"), []),
                              ("chars", corpus, ["--symbols", "chars"]),
                              ("other_mels", corpus, ["--n-mels", "16"]),
                              ("other_subsample", corpus, ["--subsample", "3"]),
                              ("other_voice", corpus, ["--voice", "en-gb"])):
        out[name] = root / name
        assert main(["train", "speech", "--data", str(data), "--out", str(out[name]), *TINY, *extra]) == 0
    text = root / "lines.txt"
    text.write_text("a b c\nb a\n" * 40, encoding="utf-8")
    out["charlm"] = root / "charlm"
    assert main(["train", "charlm", "--data", str(text), "--out", str(out["charlm"]), "--steps", "2", "--hidden", "8",
                 "--layers", "1", "--seq-len", "8", "--batch-size", "4", "--no-progress", "--save-minutes", "0"]) == 0
    return out


def _wavs(runs: dict[str, Path], n: int = 3) -> list[str]:
    return [str(runs["corpus"] / "wav" / f"{i}.wav") for i in range(n)]


def test_each_frames_probabilities_are_the_mean_of_the_models(runs: dict[str, Path]) -> None:
    models = [rnnkit.load(runs[name]) for name in "abc"]
    ens = models[0].ensemble(runs["b"], models[2])
    assert isinstance(ens, TranscriberEnsemble) and isinstance(ens.model, MeanRecognizer)
    assert [c.path for c in ens.checkpoints] == [m.checkpoint.path for m in models] and "ensemble=[" in repr(ens)
    x, lengths = pad_features([features_of(Path(w), 20) for w in _wavs(runs)])
    with torch.no_grad():
        got, got_len = ens.model(x, lengths)
        each = [m.model(x, lengths) for m in models]
    want = torch.stack([lp.exp() for lp, _ in each]).mean(0)
    torch.testing.assert_close(got.exp(), want)
    assert all(torch.equal(got_len, n) for _, n in each)
    wav = _wavs(runs)[0]  # decoded as one model decodes the mean: greedy, each frame's most likely symbol
    assert ens.transcribe(wav) == ens.symbols.text(greedy_decode(got[0], int(got_len[0])).symbols)


def test_an_ensemble_of_a_model_with_itself_decodes_as_the_model(runs: dict[str, Path]) -> None:
    a = rnnkit.load(runs["a"])
    ens = a.ensemble(a)
    wavs = _wavs(runs)
    for beam in (1, 3):
        alone, joined = a.transcribe(wavs, beam=beam, timings=True), ens.transcribe(wavs, beam=beam, timings=True)
        assert [r["symbols"] for r in joined] == [r["symbols"] for r in alone]
        assert [r["log_prob"] for r in joined] == pytest.approx([r["log_prob"] for r in alone], abs=1e-4)
    chars, lm = rnnkit.load(runs["chars"]), rnnkit.load(runs["charlm"])  # the language model in the search too
    assert chars.ensemble(chars).transcribe(wavs, beam=3, lm=lm) == chars.transcribe(wavs, beam=3, lm=lm)
    one, two = a.evaluate(runs["corpus"], beam=2), ens.evaluate(runs["corpus"], beam=2)
    assert two.pop("models") == [str(runs["a"] / "best")] * 2 and one.pop("models") == [str(runs["a"] / "best")]
    assert one == two


def test_transcribe_and_evaluate_take_ensemble(runs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    a, b = str(runs["a"]), str(runs["b"])
    ens = rnnkit.load(a).ensemble(b)
    wavs = _wavs(runs, 2)
    capsys.readouterr()
    assert main(["transcribe", a, *wavs, "--beam", "2", "--ensemble", b]) == 0
    assert capsys.readouterr().out.splitlines() == ens.transcribe(wavs, beam=2)
    assert main(["evaluate", a, "--data", str(runs["corpus"]), "--ensemble", b, "--json"]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert result == ens.evaluate(runs["corpus"]) and len(result["models"]) == 2
    assert main(["evaluate", a, "--data", str(runs["corpus"]), "--ensemble", b]) == 0
    first, line = capsys.readouterr().out.splitlines()
    assert first == f"an ensemble of 2 models ({a}/best, {b}/best): the mean of their probabilities"
    assert line.startswith(f"{result['utterances']} utterances, beam 1: PER ")


@pytest.mark.parametrize("other, said", [
    ("other_symbols", "its symbols (b, c, d) are not {a}'s (a, b, c); the models of an ensemble need the same "
                      "symbols in the same order"),
    ("chars", "it writes characters where {a} writes phonemes; the models of an ensemble need to write the same "
              "symbols"),
    ("other_mels", "it reads 16 mel bands (--n-mels 16) where {a} reads 20 mel bands; the models of an ensemble are "
                   "averaged frame by frame and need the same --n-mels"),
    ("other_subsample", "it merges 3 frames into one (--subsample 3) where {a} merges 2 frames into one"),
    ("other_voice", "it writes the phonemes of espeak-ng voice en-gb (--voice) where {a} writes those of en-us; "
                    "the models of an ensemble need to write the same symbols"),
    ("charlm", "a 'charlm' model, not a speech recogniser"),
])
def test_another_model_is_refused_in_one_line_naming_it(runs: dict[str, Path], other: str, said: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    a = str(runs["a"])
    said = f"rnnkit: error: {runs[other]}/best: " + said.format(a=f"{a}/best")
    capsys.readouterr()
    assert main(["transcribe", a, _wavs(runs)[0], "--ensemble", str(runs["b"]), str(runs[other])]) == 2
    captured = capsys.readouterr()
    assert not captured.out and captured.err.count("\n") == 1 and captured.err.startswith(said), captured
    assert main(["evaluate", a, "--data", str(runs["corpus"]), "--ensemble", str(runs[other])]) == 2
    captured = capsys.readouterr()
    assert not captured.out and captured.err.count("\n") == 1 and captured.err.startswith(said), captured


def test_a_loaded_model_of_another_task_and_export_are_refused(runs: dict[str, Path],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    a = rnnkit.load(runs["a"])
    with pytest.raises(UserError, match=rf"^{runs['charlm']}/best: a 'charlm' model, not a 'speech' model; an "
                                        "ensemble of recognisers joins recognisers$"):
        a.ensemble(rnnkit.load(runs["charlm"]))
    with pytest.raises(UserError, match="name at least one other model"):
        a.ensemble()
    ens = a.ensemble(runs["b"])
    assert not hasattr(ens, "export") and not hasattr(ens, "encode")  # as one recogniser: it has neither
    capsys.readouterr()
    assert main(["export", str(runs["a"]), "--ensemble", str(runs["b"])]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_models_that_give_other_frame_counts_are_refused_not_cut(runs: dict[str, Path]) -> None:
    """What the directory checks let through would still not be averaged over frames that do not line up."""
    torch.manual_seed(0)
    nets = [SpeechRecognizer(20, 3, hidden=4, layers=1, subsample=k).eval() for k in (2, 3)]
    mean = MeanRecognizer(nets, ["runs/two", "runs/three"])
    x, lengths = pad_features([torch.randn(12, 20), torch.randn(9, 20)])
    with pytest.raises(UserError, match=r"^runs/three: it gives \[4, 3\] frames where runs/two gives \[6, 5\] for "
                                        "the same recordings; the models of an ensemble are averaged frame by frame"):
        mean(x, lengths)
