"""``--freeze-vectors`` (OpenNMT-py's ``-freeze_word_vecs_enc``/``_dec``, Keras' ``Embedding(trainable=False)``): the
embedding table started from pretrained vectors does not train (the whole table), for ``classify
--pretrained-vectors``, ``seq2seq --src-vectors``/``--tgt-vectors`` and ``tag --pretrained-vectors``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError, UserError
from rnnkit.tasks import _text, translate
from rnnkit.tasks.classify import ClassifyConfig
from rnnkit.tasks.classify import train as train_classifier
from rnnkit.tasks.tag import TagConfig
from rnnkit.tasks.tag import train as train_tagger
from rnnkit.tasks.translate import Seq2SeqConfig
from tests.test_pretrained_vectors import GOOD, W2V, write
from tests.test_seq2seq_vectors import PAIRS

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: a training that moves every trainable weight: a high rate, decoupled weight decay, clipping and an average
MOVING = {"steps": 3, "lr": 0.05, "optimizer": "adamw", "weight_decay": 0.5, "clip": 1.0, "ema": 0.5,
          "eval_every": 2, "save_minutes": 0}


class Started(Exception):
    """Raised in place of training: the model as it starts."""


def _texts(tmp_path: Path) -> Path:
    rows = ["text,label", *("a good film,pos" if i % 2 == 0 else "a very bad film,neg" for i in range(12))]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _as_saved_before_the_setting(run: Path) -> None:
    """Make ``run`` a run saved before ``freeze_vectors`` was a setting: its settings lack it."""
    for folder in ("last", "best"):
        path = run / folder / "config.json"
        saved = json.loads(path.read_text(encoding="utf-8"))
        del saved["settings"]["freeze_vectors"]
        path.write_text(json.dumps(saved), encoding="utf-8")


def _start(monkeypatch: pytest.MonkeyPatch, run: Callable[[], Any], where: Any = None,
           name: str = "fit") -> dict[str, torch.Tensor]:
    """The weights the run ``run()`` starts training from (``where.name``, by default the text tasks' ``fit``,
    replaced by a capture that stops it)."""
    seen: dict[str, Any] = {}

    def capture(model: Any, *args: Any, **kw: Any) -> None:
        seen.update({k: v.detach().clone() for k, v in model.state_dict().items()})
        raise Started

    with monkeypatch.context() as m:
        m.setattr(_text if where is None else where, name, capture)
        with pytest.raises(Started):
            run()
    return seen


def _classifier_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, out: str,
                      **settings: Any) -> dict[str, torch.Tensor]:
    """The weights a classifier run starts training from."""
    return _start(monkeypatch, lambda: train_classifier(ClassifyConfig(tokenizer="word", hidden=4, **settings),
                                                        str(_texts(tmp_path)), tmp_path / out, verbose=False))


def _saved(out: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The weights and the config.json of the run's last/ (the trained weights, not their average)."""
    return (load_file(str(out / "last" / "model.safetensors")),
            json.loads((out / "last" / "config.json").read_text(encoding="utf-8")))


# ------------------------------------------------------------------------------------------- classify
@pytest.mark.parametrize("freeze", [True, False])
def test_a_frozen_classifier_table_stays_bit_identical_while_the_rest_trains(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, freeze: bool) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    settings = {"pretrained_vectors": str(vec), "freeze_vectors": freeze, **MOVING}
    start = _classifier_start(monkeypatch, tmp_path, "s", **settings)
    train_classifier(ClassifyConfig(tokenizer="word", hidden=4, **settings), str(_texts(tmp_path)), tmp_path / "o",
                     verbose=False, progress=False)
    weights, config = _saved(tmp_path / "o")
    moved = [k for k in start if not torch.equal(start[k], weights[k])]
    assert "head.weight" in moved  # the rest trained
    assert ("embedding.weight" in moved) is not freeze  # the table with the found words' vectors and the others
    assert config["settings"]["freeze_vectors"] is freeze
    assert config["pretrained_vectors"].get("frozen", False) is freeze
    if freeze:  # the found word's row is its vector still
        assert GOOD in weights["embedding.weight"].tolist()


def test_a_frozen_classifier_resumes_frozen_and_refuses_a_change(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    out = tmp_path / "run"
    flags = ["train", "classify", "--data", str(_texts(tmp_path)), "--tokenizer", "word", "--hidden", "4", "--lr",
             "0.05", "--no-progress", "--save-minutes", "0", "--ema", "0.5", "--optimizer", "adamw",
             "--weight-decay", "0.5"]  # the moving average and the optimizer's state resume without the table
    assert main([*flags, "--pretrained-vectors", str(vec), "--freeze-vectors", "--steps", "2", "--out",
                 str(out)]) == 0
    assert "; the whole table is frozen (--freeze-vectors: the rows of words not found keep their random start)" \
        in capsys.readouterr().err
    first, _ = _saved(out)
    assert main([*flags, "--steps", "4", "--resume", str(out)]) == 0  # the flag left out: kept
    weights, config = _saved(out)
    assert config["settings"]["freeze_vectors"] is True
    assert torch.equal(first["embedding.weight"], weights["embedding.weight"])
    assert not torch.equal(first["head.weight"], weights["head.weight"])
    # a run that trained its table is refused the flag on resuming (its optimizer holds the table's state)
    plain = tmp_path / "plain"
    assert main([*flags, "--pretrained-vectors", str(vec), "--steps", "1", "--out", str(plain)]) == 0
    capsys.readouterr()
    assert main([*flags, "--steps", "2", "--resume", str(plain), "--freeze-vectors"]) == 2
    assert ("--freeze-vectors: the resumed run had no freeze-vectors; a resumed run keeps its model and data: "
            "leave it out to resume the run as it is, or train a new run with another --out") in \
        capsys.readouterr().err
    # so is a run saved before the setting was (its settings lack it): it trained its table
    _as_saved_before_the_setting(plain)
    assert main([*flags, "--steps", "2", "--resume", str(plain), "--freeze-vectors"]) == 2
    assert "--freeze-vectors: the resumed run had no freeze-vectors" in capsys.readouterr().err
    assert main([*flags, "--steps", "2", "--resume", str(plain)]) == 0


@pytest.mark.parametrize(("flags", "message"), [
    ([], "--freeze-vectors: freezes the embedding table started from word vectors; give --pretrained-vectors FILE"),
    (["--tokenizer", "ngram", "VEC"], "--freeze-vectors: with --tokenizer ngram: its word pairs share the embedding"),
    (["--char-ngrams", "3,5", "VEC"], "--freeze-vectors: with --char-ngrams 3,5: their hashed rows share the "
                                      "embedding table and have no vectors"),
])
def test_a_classifier_is_refused_a_freeze_it_cannot_make(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         flags: list[str], message: str) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    flags = [*(["--pretrained-vectors", str(vec)] if "VEC" in flags else []), *(f for f in flags if f != "VEC")]
    out = tmp_path / "o"
    assert main(["train", "classify", "--data", str(_texts(tmp_path)), "--tokenizer", "word", "--steps", "1",
                 "--freeze-vectors", *flags, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


# ------------------------------------------------------------------------------------------- seq2seq
def _pairs(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS, encoding="utf-8")
    return path


def _translator_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, config: Seq2SeqConfig,
                      out: str) -> dict[str, torch.Tensor]:
    """The weights a translator run starts training from (its ``Trainer`` replaced)."""
    return _start(monkeypatch, lambda: translate.train(config, str(_pairs(tmp_path)), tmp_path / out, verbose=False),
                  translate, "Trainer")


@pytest.mark.parametrize("freeze", [True, False])
def test_a_frozen_translator_table_stays_bit_identical_while_the_rest_trains(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, freeze: bool) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    config = Seq2SeqConfig(tokenizer="word", hidden=4, src_vectors=str(vec), freeze_vectors=freeze, **MOVING)
    start = _translator_start(monkeypatch, tmp_path, config, "s")
    translate.train(config, str(_pairs(tmp_path)), tmp_path / "o", verbose=False, progress=False)
    weights, saved = _saved(tmp_path / "o")
    moved = {k for k in start if not torch.equal(start[k], weights[k])}
    assert {"tgt_embedding.weight", "output.weight"} <= moved  # the target side has no vectors: it trains
    assert ("src_embedding.weight" in moved) is not freeze
    assert saved["settings"]["freeze_vectors"] is freeze and saved["settings"]["embedding"] == 4


def test_one_shared_matrix_freezes_for_both_sides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    config = Seq2SeqConfig(tokenizer="word", hidden=4, tgt_vectors=str(vec), share_embeddings=True,
                           freeze_vectors=True, **MOVING)
    start = _translator_start(monkeypatch, tmp_path, config, "s")
    translate.train(config, str(_pairs(tmp_path)), tmp_path / "o", verbose=False, progress=False)
    weights, _ = _saved(tmp_path / "o")
    assert torch.equal(start["tgt_embedding.weight"], weights["tgt_embedding.weight"])
    assert not torch.equal(start["output.weight"], weights["output.weight"])


def test_a_frozen_translator_resumes_frozen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    out = tmp_path / "run"
    flags = ["train", "seq2seq", "--data", str(_pairs(tmp_path)), "--tokenizer", "word", "--hidden", "4",
             "--no-progress", "--save-minutes", "0", "--lr", "0.05"]
    assert main([*flags, "--tgt-vectors", str(vec), "--freeze-vectors", "--steps", "2", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "target pretrained vectors: " in err and "; the whole table is frozen (--freeze-vectors" in err
    first, _ = _saved(out)
    assert main([*flags, "--steps", "4", "--resume", str(out)]) == 0
    weights, config = _saved(out)
    assert config["settings"]["freeze_vectors"] is True
    assert torch.equal(first["tgt_embedding.weight"], weights["tgt_embedding.weight"])
    assert not torch.equal(first["src_embedding.weight"], weights["src_embedding.weight"])
    plain = tmp_path / "plain"
    assert main([*flags, "--tgt-vectors", str(vec), "--steps", "1", "--out", str(plain)]) == 0
    capsys.readouterr()
    assert main([*flags, "--steps", "2", "--resume", str(plain), "--freeze-vectors"]) == 2
    assert "--freeze-vectors: the resumed run had no freeze-vectors" in capsys.readouterr().err
    # from Python a kept setting takes the run's value; a run saved before the setting was trained its table
    translate.train(Seq2SeqConfig(freeze_vectors=True, steps=2), None, plain, resume=True, verbose=False,
                    progress=False)
    assert _saved(plain)[1]["settings"]["freeze_vectors"] is False
    _as_saved_before_the_setting(plain)
    with pytest.raises(UserError, match="^--freeze-vectors: the resumed run had no freeze-vectors"):
        translate.train(Seq2SeqConfig(freeze_vectors=True, steps=3), None, plain, resume=True, verbose=False)
    assert main([*flags, "--steps", "3", "--resume", str(plain)]) == 0


def test_a_translator_is_refused_a_freeze_it_cannot_make(tmp_path: Path) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    with pytest.raises(SettingError, match="give --src-vectors FILE or --tgt-vectors FILE too"):
        translate.train(Seq2SeqConfig(tokenizer="word", freeze_vectors=True), str(_pairs(tmp_path)), tmp_path / "o",
                        verbose=False)
    with pytest.raises(SettingError, match="the target embedding matrix is the output layer's weight"):
        translate.train(Seq2SeqConfig(tokenizer="word", hidden=4, tgt_vectors=str(vec), freeze_vectors=True,
                                      share_decoder_embeddings=True), str(_pairs(tmp_path)), tmp_path / "o",
                        verbose=False)
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------------------- --no-freeze-vectors
def test_a_change_of_the_kept_freeze_from_python_is_named_in_its_words(tmp_path: Path) -> None:
    """``fit(resume=True, freeze_vectors=False)`` on a frozen run: the line named the store_true flag with the value
    after it, in Python's words ``freeze_vectors=True False``; a --no- form makes it ``freeze_vectors=False``."""
    vec = write(tmp_path, "v.vec", W2V)
    out = tmp_path / "run"
    rnnkit.fit("classify", str(_texts(tmp_path)), out, tokenizer="word", hidden=4, pretrained_vectors=str(vec),
               freeze_vectors=True, steps=1, save_minutes=0, progress=False, verbose=False)
    with pytest.raises(UserError) as caught:
        rnnkit.fit("classify", None, out, resume=True, freeze_vectors=False, steps=2, progress=False, verbose=False)
    assert str(caught.value).startswith("freeze_vectors=False: the resumed run used freeze-vectors; ")


@pytest.mark.parametrize(("task", "data", "vectors"), [("classify", _texts, "pretrained_vectors"),
                                                       ("seq2seq", _pairs, "src_vectors")])
def test_no_freeze_vectors_turns_off_a_config_files_freeze(tmp_path: Path, task: str, data: Any,
                                                           vectors: str) -> None:
    """A ``--config`` file's ``freeze_vectors = true`` is turned off on the command line, as every other switch
    of the file is (``--no-share-embeddings``); ``--freeze-vectors`` had no --no- form."""
    vec = write(tmp_path, "v.vec", W2V)
    toml = tmp_path / "c.toml"
    toml.write_text(f'tokenizer = "word"\n{vectors} = "{vec}"\nfreeze_vectors = true\nhidden = 4\n', encoding="utf-8")
    out = tmp_path / "o"
    assert main(["train", task, "--data", str(data(tmp_path)), "--config", str(toml), "--no-freeze-vectors",
                 "--steps", "1", "--no-progress", "--save-minutes", "0", "--out", str(out)]) == 0
    assert _saved(out)[1]["settings"]["freeze_vectors"] is False


# ------------------------------------------------------------------------------------------- tag
def _sentences(tmp_path: Path) -> Path:
    """Sentences of The, good, cat, A, bad, dog: good and bad are in the vectors."""
    path = tmp_path / "t.conll"
    path.write_text("The\tDT\ngood\tJJ\ncat\tNN\n\nA\tDT\nbad\tJJ\ndog\tNN\n\n" * 5, encoding="utf-8")
    return path


def _tagger_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, out: str,
                  **settings: Any) -> dict[str, torch.Tensor]:
    """The weights a tagger run starts training from."""
    return _start(monkeypatch, lambda: train_tagger(TagConfig(hidden=4, char_hidden=2, char_dim=3, **settings),
                                                    str(_sentences(tmp_path)), tmp_path / out, verbose=False))


@pytest.mark.parametrize("freeze", [True, False])
def test_a_frozen_tagger_table_stays_bit_identical_while_the_rest_trains(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, freeze: bool) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    settings = {"pretrained_vectors": str(vec), "freeze_vectors": freeze, **MOVING}
    start = _tagger_start(monkeypatch, tmp_path, "s", **settings)
    train_tagger(TagConfig(hidden=4, char_hidden=2, char_dim=3, **settings), str(_sentences(tmp_path)),
                 tmp_path / "o", verbose=False, progress=False)
    weights, config = _saved(tmp_path / "o")
    moved = {k for k in start if not torch.equal(start[k], weights[k])}
    assert "head.weight" in moved and any(k.startswith("char") for k in moved)  # the rest, the spelling too
    assert ("embedding.weight" in moved) is not freeze
    assert config["settings"]["freeze_vectors"] is freeze
    assert config["pretrained_vectors"].get("frozen", False) is freeze
    if freeze:
        assert GOOD in weights["embedding.weight"].tolist()


def test_a_frozen_tagger_resumes_frozen_and_refuses_a_change(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    out = tmp_path / "run"
    flags = ["train", "tag", "--data", str(_sentences(tmp_path)), "--hidden", "4", "--char-hidden", "2", "--lr",
             "0.05", "--no-progress", "--save-minutes", "0", "--ema", "0.5"]
    assert main([*flags, "--pretrained-vectors", str(vec), "--freeze-vectors", "--steps", "2", "--out",
                 str(out)]) == 0
    assert "; the whole table is frozen (--freeze-vectors" in capsys.readouterr().err
    first, _ = _saved(out)
    assert main([*flags, "--steps", "4", "--resume", str(out)]) == 0
    weights, config = _saved(out)
    assert config["settings"]["freeze_vectors"] is True
    assert torch.equal(first["embedding.weight"], weights["embedding.weight"])
    assert not torch.equal(first["head.weight"], weights["head.weight"])
    capsys.readouterr()
    assert main([*flags, "--steps", "5", "--resume", str(out), "--no-freeze-vectors"]) == 2
    assert "--no-freeze-vectors: the resumed run used freeze-vectors" in capsys.readouterr().err
    plain = tmp_path / "plain"
    assert main([*flags, "--pretrained-vectors", str(vec), "--steps", "1", "--out", str(plain)]) == 0
    capsys.readouterr()
    assert main([*flags, "--steps", "2", "--resume", str(plain), "--freeze-vectors"]) == 2
    assert "--freeze-vectors: the resumed run had no freeze-vectors" in capsys.readouterr().err
    _as_saved_before_the_setting(plain)  # it trained its table
    assert main([*flags, "--steps", "2", "--resume", str(plain), "--freeze-vectors"]) == 2
    assert "--freeze-vectors: the resumed run had no freeze-vectors" in capsys.readouterr().err
    assert main([*flags, "--steps", "2", "--resume", str(plain)]) == 0


def test_a_tagger_is_refused_a_freeze_without_vectors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    assert main(["train", "tag", "--data", str(_sentences(tmp_path)), "--steps", "1", "--freeze-vectors", "--out",
                 str(out)]) == 2
    err = capsys.readouterr().err
    assert "--freeze-vectors: freezes the word embedding table started from word vectors; give --pretrained-vectors " \
           "FILE too" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


# ------------------------------------------------------------------------------------------- the run's line
@pytest.mark.parametrize(("task", "data", "flags", "table"), [
    ("classify", _texts, ["--tokenizer", "word", "--pretrained-vectors"], "embedding.weight"),
    ("seq2seq", _pairs, ["--tokenizer", "word", "--tgt-vectors"], "tgt_embedding.weight"),
    ("tag", _sentences, ["--pretrained-vectors"], "embedding.weight"),
])
def test_the_run_line_counts_the_frozen_parameters_also_on_resuming(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], task: str, data: Any, flags: list[str],
        table: str) -> None:
    """A resumed run reads no vectors and said no coverage line: nothing showed its table still frozen. The line
    that starts a run counts the parameters that do not train, as Keras' summary does."""
    vec = write(tmp_path, "v.vec", W2V)
    out = tmp_path / "o"
    common = ["--hidden", "4", "--no-progress", "--save-minutes", "0"]
    assert main(["train", task, "--data", str(data(tmp_path)), *flags, str(vec), "--freeze-vectors", *common,
                 "--steps", "1", "--out", str(out)]) == 0
    weights, _ = _saved(out)
    said = f" parameters ({weights[table].numel():,} frozen)"
    assert said in capsys.readouterr().err
    assert main(["train", task, "--resume", str(out), *common, "--steps", "2"]) == 0
    assert said in capsys.readouterr().err
    plain = tmp_path / "plain"
    assert main(["train", task, "--data", str(data(tmp_path)), *flags, str(vec), *common, "--steps", "1", "--out",
                 str(plain)]) == 0
    assert "frozen)" not in capsys.readouterr().err
