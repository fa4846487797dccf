"""Ensembles of taggers (``--ensemble``, ``SequenceTagger.ensemble``): each token's probabilities against the mean
of each model's own, a CRF's marginals against brute force over its tag sequences, the tags and scores against
those worked from them, and the refusals of models that cannot join."""

from __future__ import annotations

import itertools
import json
import random
import re
import shutil
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.tasks._tag_ensemble import TaggerEnsemble
from tests.test_classify_cli import make_csv
from tests.test_tag import make_conll
from tests.test_tag_words import stems, write_slash

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = ["--steps", "3", "--hidden", "8", "--embedding", "8", "--char-dim", "4", "--char-hidden", "4",
         "--no-progress", "--json"]
SENTENCES = [["the", "bakoed", "mipaly"], ["the", "zzzous"], ["the"]]


def _train(data: Path, out: Path, *flags: str) -> Path:
    assert main(["train", "tag", "--data", str(data), "--out", str(out), *SMALL, *flags]) == 0
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Word taggers of one file: ``a`` (softmax), ``b`` (a CRF, a GRU, another seed and size), ``c`` (``b`` with
    another split); a character tagger; one of other tags; a classifier."""
    tmp = tmp_path_factory.mktemp("tag_ensemble")
    rng = random.Random(0)
    data = write_slash(tmp / "train.txt", stems(rng, 20), 30, 0)
    runs = {"data": data, "a": _train(data, tmp / "a"),
            "b": _train(data, tmp / "b", "--crf", "--cell", "gru", "--hidden", "6", "--seed", "1"),
            "chars": _train(make_conll(tmp / "chars.conll", 20, 0), tmp / "chars"),
            "classifier": tmp / "classifier"}
    other = tmp / "other.txt"
    other.write_text(data.read_text(encoding="utf-8").replace("/ADV", "/RB"), encoding="utf-8")
    runs["other_tags"] = _train(other, tmp / "other")
    assert main(["train", "classify", "--data", str(make_csv(tmp / "t.csv", 20, 0)), "--out",
                 str(runs["classifier"]), "--steps", "1", "--no-progress", "--json"]) == 0
    shutil.copytree(runs["b"], tmp / "c")
    config = json.loads((tmp / "c" / "best" / "config.json").read_text(encoding="utf-8"))
    config["data"]["split_seed"] += 1
    (tmp / "c" / "best" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    runs["c"] = tmp / "c"
    return runs


def test_each_tokens_probabilities_are_the_mean_of_the_models_and_its_tag_the_most_probable(
        runs: dict[str, Path]) -> None:
    a, b = rnnkit.load(runs["a"]), rnnkit.load(runs["b"])
    pair = a.ensemble(runs["b"])
    assert isinstance(pair, TaggerEnsemble) and pair.checkpoints == [a.checkpoint, pair.members[1].checkpoint]
    got = pair.token_probabilities(SENTENCES)
    for sent, mine, pa, pb in zip(SENTENCES, got, a.token_probabilities(SENTENCES), b.token_probabilities(SENTENCES),
                                  strict=True):
        assert mine.shape == (len(sent), len(a.tags))
        torch.testing.assert_close(mine, (pa + pb) / 2)
        torch.testing.assert_close(mine.sum(-1), torch.ones(len(sent)))
    assert pair.tag(SENTENCES) == [[a.tags[int(i)] for i in p.argmax(-1)] for p in got]
    assert pair.predict("the bakoed mipaly") == pair.tag([SENTENCES[0]])[0]
    assert a.checkpoints == [a.checkpoint]  # the caller's tagger is left as it was


def test_a_crf_taggers_probabilities_are_its_marginals_by_brute_force(runs: dict[str, Path]) -> None:
    """p(tag k at t) = the sum of p(y | x) over every tag sequence y with y_t = k, p(y | x) from the CRF's own
    sequence scores: not the softmax of its emissions."""
    from rnnkit.models.encoder import length_mask
    from rnnkit.tasks._tag_decoding import _scores

    b = rnnkit.load(runs["b"])
    seqs, lex, _ = b._pieces([SENTENCES[1]])
    tix = torch.tensor([seqs[0]])
    lengths = torch.tensor([len(seqs[0])])
    with torch.no_grad():
        emissions = _scores(b.model, lex, tix, lengths)[0].double()
    crf = b.model.crf.double()
    k, n = len(b.tags), len(SENTENCES[1])
    paths = list(itertools.product(range(k), repeat=n))
    tags = torch.tensor(paths)
    with torch.no_grad():
        scores = crf.score(emissions.expand(len(paths), -1, -1), tags, length_mask(torch.full((len(paths),), n), n))
    p = torch.softmax(scores, 0)
    want = torch.stack([torch.stack([p[tags[:, t] == j].sum() for j in range(k)]) for t in range(n)])
    torch.testing.assert_close(b.token_probabilities([SENTENCES[1]])[0].double(), want, atol=1e-5, rtol=1e-5)


def test_predict_and_evaluate_take_ensemble_on_the_command_line(runs: dict[str, Path], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    a, b, data = (str(runs[k]) for k in ("a", "b", "data"))
    pair = rnnkit.load(a).ensemble(b)
    capsys.readouterr()
    assert main(["predict", a, "the bakoed mipaly", "--json", "--ensemble", b]) == 0
    assert json.loads(capsys.readouterr().out)["tags"] == pair.predict("the bakoed mipaly")
    assert main(["evaluate", a, "--data", data, "--json", "--ensemble", b]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["models"] == [f"{a}/best", f"{b}/best"]
    assert report["accuracy"] == pair.evaluate(data)["accuracy"]
    assert not (runs["a"] / "confusion.png").exists()  # the first model's own picture is not the ensemble's
    assert main(["evaluate", a, "--data", data, "--ensemble", b]) == 0
    assert capsys.readouterr().out.startswith(f"an ensemble of 2 models ({a}/best, {b}/best)")
    conll, out = tmp_path / "words.conll", tmp_path / "tagged.conll"
    conll.write_text("".join("".join(f"{w}\n" for w in s) + "\n" for s in SENTENCES), encoding="utf-8")
    assert main(["predict", a, "--file", str(conll), "--output", str(out), "--ensemble", b]) == 0
    tagged = [line.split("\t")[1] for line in out.read_text(encoding="utf-8").splitlines() if line]
    assert tagged == [t for s in pair.tag(SENTENCES) for t in s]


def test_the_evaluation_against_the_tags_the_ensemble_gives(runs: dict[str, Path]) -> None:
    pair = rnnkit.load(runs["a"]).ensemble(runs["b"])
    lines = runs["data"].read_text(encoding="utf-8").splitlines()
    true = [t.rpartition("/")[2] for line in lines for t in line.split()]
    pred = [t for s in pair.tag([[t.rpartition("/")[0] for t in line.split()] for line in lines]) for t in s]
    report = pair.evaluate(str(runs["data"]))
    assert report["accuracy"] == pytest.approx(sum(x == y for x, y in zip(true, pred, strict=True)) / len(true))
    assert report["oov_count"] == rnnkit.load(runs["a"]).evaluate(str(runs["data"]))["oov_count"]  # the first's words


@pytest.mark.parametrize(("other", "said"), [
    ("other_tags", "its tags (ADJ, DT, RB, VERB) are not"),
    ("chars", "it tags each of a text's characters"),
    ("classifier", "not a 'tag' model"),
])
def test_a_model_that_cannot_join_is_refused_naming_its_directory(runs: dict[str, Path], other: str,
                                                                    said: str) -> None:
    with pytest.raises(UserError, match=re.escape(said)) as caught:
        rnnkit.load(runs["a"]).ensemble(runs[other] if other != "classifier" else rnnkit.load(runs[other]))
    assert str(runs[other]) in str(caught.value)


def test_split_val_needs_every_model_split_alike_and_export_is_refused(runs: dict[str, Path], tmp_path: Path) -> None:
    a = rnnkit.load(runs["a"])
    assert a.ensemble(runs["b"]).evaluate(str(runs["data"]), split="val")["models"]  # the same split: scored
    with pytest.raises(UserError, match="was trained on another split"):
        a.ensemble(runs["c"]).evaluate(str(runs["data"]), split="val")
    with pytest.raises(UserError, match="no one ONNX graph"):
        a.ensemble(runs["b"]).export(tmp_path / "m.onnx")
