"""Language-model pre-training of a classifier's encoder (`train classify --pretrain-data`)."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
import torch
from test_classify_cli import make_csv

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.models.classifier import Classifier
from rnnkit.models.encoder import LMHeads, lm_loss
from rnnkit.tasks.classify import ClassifyConfig
from rnnkit.tasks.classify import train as train_classifier
from rnnkit.train.pretrain import pretrain_encoder

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model(vocab: int, bidirectional: bool) -> Classifier:
    """Two layers one way; one layer both ways (a stacked bidirectional encoder is refused, see below)."""
    torch.manual_seed(0)
    return Classifier(vocab, 2, embedding_dim=16, hidden_size=24, bidirectional=bidirectional,
                      num_layers=1 if bidirectional else 2)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lm_loss_is_the_sum_over_unpadded_texts(bidirectional: bool) -> None:
    """Padding neither predicts nor is predicted: a padded batch's loss is the sum of each text's alone."""
    model = _model(11, bidirectional).eval()
    heads = LMHeads(24, 2 if bidirectional else 1, 11)
    g = torch.Generator().manual_seed(1)
    texts = [torch.randint(2, 11, (n,), generator=g) for n in (7, 3, 5, 2)]
    width = max(len(t) for t in texts)
    ids = torch.zeros(len(texts), width, dtype=torch.long)
    for i, t in enumerate(texts):
        ids[i, : len(t)] = t
    lengths = torch.tensor([len(t) for t in texts])
    total, count = lm_loss(model, heads, ids, lengths)
    alone = [lm_loss(model, heads, t.unsqueeze(0), torch.tensor([len(t)])) for t in texts]
    torch.testing.assert_close(total, sum(a[0] for a in alone), rtol=1e-5, atol=1e-5)
    assert count == sum(a[1] for a in alone) == (2 if bidirectional else 1) * sum(len(t) - 1 for t in texts)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_no_direction_sees_its_target(bidirectional: bool) -> None:
    """On i.i.d. uniform tokens nothing is predictable: the loss must stay at ln V. A direction that
    could see the token it predicts (a leak) would drive it towards 0."""
    vocab = 8
    g = torch.Generator().manual_seed(2)
    seqs = [torch.randint(2, vocab, (12,), generator=g).tolist() for _ in range(256)]
    model = _model(vocab, bidirectional)
    result = pretrain_encoder(model, seqs, vocab_size=vocab, batch_size=32, lr=1e-2, clip=5.0, minutes=None,
                              steps=150, seed=0)
    assert result.loss > math.log(vocab - 2) - 0.08, result


def test_stacked_bidirectional_encoder_is_refused() -> None:
    """Layer 2 of a bidirectional stack reads layer 1's both directions: every output has seen the whole
    text. Without the refusal, the i.i.d. test above falls to a loss near 0 for such a stack."""
    torch.manual_seed(0)
    model = Classifier(8, 2, embedding_dim=8, hidden_size=8, bidirectional=True, num_layers=2)
    with pytest.raises(UserError, match="--layers 1"):
        pretrain_encoder(model, [[2, 3, 4]], vocab_size=8, batch_size=2, lr=1e-2, clip=None, minutes=None,
                         steps=1, seed=0)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_pretraining_learns_a_predictable_language(bidirectional: bool) -> None:
    """Texts that count upwards (k, k+1, k+2, ...): each neighbour is known, so the loss falls far below ln V."""
    vocab = 12
    rng = random.Random(0)
    seqs = []
    for _ in range(256):
        k = rng.randrange(2, vocab)
        seqs.append([2 + (k - 2 + i) % (vocab - 2) for i in range(rng.randrange(4, 10))])
    model = _model(vocab, bidirectional)
    before = [p.detach().clone() for p in model.head.parameters()]
    result = pretrain_encoder(model, seqs, vocab_size=vocab, batch_size=32, lr=1e-2, clip=5.0, minutes=None,
                              steps=150, seed=0)
    assert result.steps == 150 and result.texts == 256
    assert result.loss < 0.3 * math.log(vocab - 2), result
    # only the encoder is trained: the classifier's own head is left as it was
    assert all(torch.equal(a, b) for a, b in zip(before, model.head.parameters(), strict=True))


def test_cli_pretrains_then_trains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = make_csv(tmp_path / "train.csv", 60, 0)
    unlabelled = tmp_path / "unlabelled.txt"
    unlabelled.write_text("\n".join(["an unseenword film", "", "a good film and a bad one"] * 30) + "\n",
                          encoding="utf-8")
    out = tmp_path / "run"
    argv = ["train", "classify", "--data", str(train), "--out", str(out), "--tokenizer", "word", "--steps", "10",
            "--hidden", "8", "--embedding", "8", "--pretrain-data", str(unlabelled), "--pretrain-steps", "5",
            "--no-progress", "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["pretrain"]["steps"] == 5 and summary["pretrain"]["texts"] == 60
    config = json.loads((out / "best" / "config.json").read_text())
    assert config["pretrain"]["steps"] == 5
    vocab = json.loads((out / "best" / "vocab.json").read_text())
    assert "unseenword" in json.dumps(vocab)  # the vocabulary covers the unlabelled text too

    # a resumed run was pre-trained (or not) when it began: other unlabelled data is refused, in one line
    other = tmp_path / "other.txt"
    other.write_text("more text\n", encoding="utf-8")
    assert main(["train", "classify", "--resume", str(out), "--steps", "12", "--pretrain-data", str(other),
                 "--no-progress", "--json"]) == 2
    err = capsys.readouterr().err
    assert "--pretrain-data" in err and err.count("\n") == 1
    # and the resumed run does not pre-train again
    assert main(["train", "classify", "--resume", str(out), "--steps", "12", "--no-progress", "--json"]) == 0
    assert "pretrain" not in json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for side in ("best", "last"):  # the resumed run's checkpoints still say how it was pre-trained
        assert json.loads((out / side / "config.json").read_text())["pretrain"]["steps"] == 5
    # a run that was not pre-trained cannot begin to be on resume
    plain = tmp_path / "plain"
    assert main(["train", "classify", "--data", str(train), "--out", str(plain), "--steps", "2", "--hidden", "8",
                 "--embedding", "8", "--no-progress", "--json"]) == 0
    capsys.readouterr()
    assert main(["train", "classify", "--resume", str(plain), "--steps", "4", "--pretrain-data", str(unlabelled),
                 "--no-progress", "--json"]) == 2
    assert "--pretrain-data" in capsys.readouterr().err
    # the Python API refuses it as well (no frozen-flag check there)
    with pytest.raises(UserError, match="--pretrain-data"):
        train_classifier(ClassifyConfig(steps=6, pretrain_data=str(unlabelled)), None, plain, resume=True,
                         verbose=False, progress=False)


def test_resume_names_the_same_pretrain_data_any_way(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``u.txt``, ``./u.txt`` and its absolute path are one file: a resume naming it another way is not refused,
    and the run records the absolute path, so a resume from another folder finds it the same."""
    monkeypatch.chdir(tmp_path)
    make_csv(tmp_path / "train.csv", 40, 0)
    (tmp_path / "u.txt").write_text("a good film\nan unseenword one\n" * 10, encoding="utf-8")
    args = ["--tokenizer", "word", "--hidden", "8", "--embedding", "8", "--no-progress", "--json"]
    assert main(["train", "classify", "--data", "train.csv", "--out", "run", "--steps", "2", "--pretrain-data",
                 "u.txt", "--pretrain-steps", "2", *args]) == 0
    settings = json.loads((tmp_path / "run" / "best" / "config.json").read_text())["settings"]
    assert settings["pretrain_data"] == str(tmp_path / "u.txt")
    for name in ("./u.txt", str(tmp_path / "u.txt")):
        capsys.readouterr()
        assert main(["train", "classify", "--resume", "run", "--steps", "3", "--pretrain-data", name,
                     "--no-progress", "--json"]) == 0, capsys.readouterr().err
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["train", "classify", "--resume", "../run", "--steps", "4", "--pretrain-data", "../u.txt",
                 "--no-progress", "--json"]) == 0, capsys.readouterr().err
    (tmp_path / "elsewhere" / "u.txt").write_text("a good film\nan unseenword one\n" * 10, encoding="utf-8")
    with pytest.raises(UserError, match="resumed from its checkpoint"):  # another file of that name is another
        train_classifier(ClassifyConfig(steps=5, pretrain_data="u.txt"), None, "../run", resume=True,
                         verbose=False, progress=False)


def test_fit_takes_a_path_as_pretrain_data(tmp_path: Path) -> None:
    """``rnnkit.fit(..., pretrain_data=Path(...))`` was "pretrain_data PosixPath(...): expected a string", where
    ``data`` and ``out`` take a Path; it is stored as its str."""
    import rnnkit

    train = make_csv(tmp_path / "train.csv", 40, 0)
    unlabelled = tmp_path / "unlabelled.txt"
    unlabelled.write_text("a good film\na bad film\n" * 10, encoding="utf-8")
    rnnkit.fit("classify", data=train, out=tmp_path / "run", tokenizer="word", steps=2, hidden=8, embedding=8,
               pretrain_data=unlabelled, pretrain_steps=2, verbose=False, progress=False)
    config = json.loads((tmp_path / "run" / "best" / "config.json").read_text())
    assert config["settings"]["pretrain_data"] == str(unlabelled) and config["pretrain"]["steps"] == 2


def test_cli_refuses_bad_pretrain_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = make_csv(tmp_path / "train.csv", 40, 0)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"fine text\ncaf\xe9 au lait\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    cases = [(bad, "latin1.txt:2: not UTF-8"), (empty, "empty.txt: no text"),
             (tmp_path / "missing.txt", "missing.txt: no such file")]
    for path, message in cases:
        out = tmp_path / f"run-{path.stem}"
        argv = ["train", "classify", "--data", str(train), "--out", str(out), "--steps", "5",
                "--pretrain-data", str(path), "--no-progress", "--json"]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
        assert not (out / "best").exists()


@pytest.mark.parametrize("flag", ["--pretrain-minutes", "--pretrain-steps"])
def test_a_pretraining_budget_without_pretrain_data_is_refused(flag: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """--pretrain-minutes/--pretrain-steps without --pretrain-data were ignored silently."""
    out = tmp_path / "run"
    argv = ["train", "classify", "--data", str(make_csv(tmp_path / "train.csv", 40, 0)), "--out", str(out),
            "--steps", "1", flag, "2", "--no-progress", "--json"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{flag} 2" in err and "applies only with --pretrain-data" in err and err.count("\n") == 1, err
    assert not out.exists()


def test_ctrl_c_in_the_last_update_of_pretraining_ends_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A Ctrl-C in pre-training's last update was lost (the Trainer ended on its steps, not as interrupted):
    the classifier then trained for its whole budget. It ends the command as a Ctrl-C anywhere else does."""
    import signal

    from rnnkit.train.trainer import Trainer

    inner, fits = Trainer._update, []

    def update(self: Trainer, lr: float, progress: float) -> tuple[float, int, float]:
        done = inner(self, lr, progress)
        if self not in fits:
            fits.append(self)
        if fits.index(self) == 0 and self.step == self.cfg.steps:  # pre-training's last update
            signal.raise_signal(signal.SIGINT)
        return done

    monkeypatch.setattr(Trainer, "_update", update)
    train = make_csv(tmp_path / "train.csv", 40, 0)
    unlabelled = tmp_path / "unlabelled.txt"
    unlabelled.write_text("a good film and a bad one\n" * 20, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(train), "--out", str(out), "--tokenizer", "word", "--steps",
                 "4", "--hidden", "8", "--embedding", "8", "--pretrain-data", str(unlabelled), "--pretrain-steps",
                 "3", "--no-progress"]) == 130
    assert capsys.readouterr().err.endswith("rnnkit: interrupted\n")
    assert len(fits) == 1 and not out.exists()  # the classifier never trained, nothing was written


def test_pretrain_data_without_a_text_of_two_tokens_is_named(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A one-word --pretrain-data file was refused as 'pre-training: no text with at least two tokens', the
    file unnamed, after 'on 1 texts'."""
    unlabelled = tmp_path / "one.txt"
    unlabelled.write_text("hello\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(make_csv(tmp_path / "d.csv", 40, 0)), "--out", str(out),
                 "--tokenizer", "word", "--steps", "1", "--pretrain-data", str(unlabelled)]) == 2
    err = capsys.readouterr().err
    assert "language model on 1 text from" in err and not out.exists()
    assert err.endswith(f"rnnkit: error: {unlabelled}: no text of at least two tokens (1 text); pre-training predicts "
                        "each token of a text from those before it\n")
