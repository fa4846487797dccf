"""One vocabulary and one embedding matrix for both sides of a translator (``--share-embeddings``; OpenNMT-py's
``-share_vocab -share_embeddings``): the encoder reads the target embedding matrix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from test_seq2seq_tied import saved_before

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.train.building import build_model
from rnnkit.train.checkpoint import load_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SIZES = {"embedding": 6, "hidden": 6, "attention": "bahdanau"}
V = 12


def _batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    src = torch.randint(1, V, (3, 5), generator=g)
    src_len = torch.tensor([5, 3, 2])
    src[1, 3:] = 0
    src[2, 2:] = 0
    tgt = torch.randint(1, V, (3, 5), generator=g)
    tgt_in = torch.cat([torch.full((3, 1), V), tgt[:, :-1]], dim=1)  # BOS = tgt_vocab
    return src, src_len, tgt_in, tgt


def _loss(model: Seq2Seq) -> torch.Tensor:
    src, src_len, tgt_in, tgt = _batch()
    return F.cross_entropy(model(src, src_len, tgt_in).flatten(0, 1), tgt.flatten(), ignore_index=0, reduction="sum")


def _pair(**kw: object) -> tuple[Seq2Seq, Seq2Seq]:
    """A shared model and an unshared one with the same weights, its source embedding the shared matrix's first
    ``V`` rows (the ids a source holds; BOS and EOS are the last two)."""
    torch.manual_seed(0)
    shared = Seq2Seq(V, V, share_embeddings=True, **SIZES, **kw)  # type: ignore[arg-type]
    plain = Seq2Seq(V, V, **SIZES, **kw)  # type: ignore[arg-type]
    state = dict(shared.state_dict())
    state["src_embedding.weight"] = shared.tgt_embedding.weight.detach()[:V].clone()
    plain.load_state_dict(state)
    return shared, plain


@pytest.mark.parametrize("tied", [False, True])
def test_the_encoder_reads_the_target_matrix_and_its_gradient_is_the_sum_of_both_sides(tied: bool) -> None:
    shared, plain = _pair(share_decoder_embeddings=tied)
    assert not hasattr(shared, "src_embedding")
    assert sum(p.numel() for p in shared.parameters()) == Seq2Seq.count_parameters(**shared.config())
    assert sum(p.numel() for p in plain.parameters()) - Seq2Seq.count_parameters(**shared.config()) == V * 6
    assert list(shared.state_dict()) == [k for k in plain.state_dict() if k != "src_embedding.weight"]
    shared.eval()
    plain.eval()
    loss, plain_loss = _loss(shared), _loss(plain)
    torch.testing.assert_close(loss, plain_loss)
    loss.backward()
    plain_loss.backward()
    expected = plain.tgt_embedding.weight.grad.clone()
    expected[:V] += plain.src_embedding.weight.grad
    if tied:  # the output layer's weight is the same matrix: its gradient too
        assert plain.output.weight is plain.tgt_embedding.weight
    torch.testing.assert_close(shared.tgt_embedding.weight.grad, expected)
    assert plain.src_embedding.weight.grad.abs().sum() > 0  # the source side did contribute


def test_one_vocabulary_is_needed() -> None:
    with pytest.raises(ValueError, match="share_embeddings needs one vocabulary: src_vocab 12, tgt_vocab 9"):
        Seq2Seq(12, 9, share_embeddings=True)


def _pairs(tmp: Path) -> Path:
    data = tmp / "pairs.tsv"  # the target side has letters the source never has (x, y, z)
    data.write_text("".join(f"ab{'c' * (i % 3)}\txy{'z' * (i % 4)}\n" for i in range(30)), encoding="utf-8")
    return data


TRAIN = ["--hidden", "8", "--embedding", "8", "--batch-size", "8", "--eval-sentences", "2", "--eval-every", "2",
         "--no-progress", "--save-minutes", "0"]


def test_a_shared_run_trains_resumes_translates_and_keeps_the_setting(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _pairs(tmp_path), tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), *TRAIN, "--steps", "2",
                 "--share-embeddings"]) == 0
    config = json.loads((out / "last" / "config.json").read_text())
    assert config["model"]["share_embeddings"] is True and config["settings"]["share_embeddings"] is True
    vocab = load_checkpoint(out, prefer="last").vocab
    assert vocab["source"] == vocab["target"]  # one vocabulary, of both sides' characters
    assert {"a", "b", "c", "x", "y", "z"} <= set(vocab["source"]["symbols"])
    assert config["model"]["src_vocab"] == config["model"]["tgt_vocab"]
    capsys.readouterr()
    translator = rnnkit.load(out)
    assert not hasattr(translator.model, "src_embedding")
    assert main(["translate", str(out), "abc"]) == 0
    assert capsys.readouterr().out == translator.translate(["abc"])[0] + "\n"
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "3", "--no-progress"]) == 0
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "4", "--no-share-embeddings",
                 "--no-progress"]) == 2
    assert "--no-share-embeddings: the resumed run used share-embeddings" in capsys.readouterr().err


def test_two_tokenizers_are_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _pairs(tmp_path), tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), *TRAIN, "--steps", "1",
                 "--share-embeddings", "--src-tokenizer", "word"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --share-embeddings: one vocabulary needs one tokenizer; the "
                                       "source's is word, the target's char\n")
    assert not out.exists()


def test_a_run_saved_before_the_setting_is_not_resumed_with_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _pairs(tmp_path), tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), *TRAIN, "--steps", "2"]) == 0
    saved_before(out, "share_embeddings")
    assert hasattr(rnnkit.load(out).model, "src_embedding")
    capsys.readouterr()
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "3", "--share-embeddings",
                 "--no-progress"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --share-embeddings: the resumed run had no share-embeddings; "
                                       "a resumed run keeps its model and data: "
                                       "leave it out to resume the run as it is, "
                                       "or train a new run with another --out\n")


def test_a_saved_config_claiming_one_vocabulary_for_two_sizes_is_refused(tmp_path: Path) -> None:
    data, out = tmp_path / "pairs.tsv", tmp_path / "run"
    data.write_text("abcd\txy\n" * 20, encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), *TRAIN, "--steps", "1"]) == 0
    ckpt = load_checkpoint(out, prefer="last")
    model_config = {**ckpt.config["model"], "share_embeddings": True}
    assert model_config["src_vocab"] != model_config["tgt_vocab"]
    with pytest.raises(UserError):
        build_model(lambda: Seq2Seq(**model_config), ckpt)


def test_a_saved_shared_model_with_two_different_tokenizers_is_refused_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _pairs(tmp_path), tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), *TRAIN, "--steps", "1",
                 "--share-embeddings"]) == 0
    edited = []
    for path in out.glob("*/vocab.json"):  # a hand edit: the target's symbols in another order, the same size
        vocab = json.loads(path.read_text(encoding="utf-8"))
        vocab["target"]["symbols"] = vocab["target"]["symbols"][::-1]
        assert vocab["source"] != vocab["target"] and len(vocab["source"]["symbols"]) > 2
        path.write_text(json.dumps(vocab), encoding="utf-8")
        edited.append(path)
    assert edited
    with pytest.raises(UserError, match=r'/vocab.json: the "source" and "target" tokenizers differ, but config.json'
                                        r'\'s model has "share_embeddings"'):
        rnnkit.load(out)
    capsys.readouterr()
    assert main(["translate", str(out), "abc"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "vocab.json: the \"source\" and \"target\" tokenizers differ" in err
