"""Weight tying of the translator's decoder (``--share-decoder-embeddings``; Press & Wolf 2017, Inan et al. 2017;
OpenNMT-py's ``-share_decoder_embeddings``): the output layer's weight is the target embedding matrix."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from safetensors import safe_open

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.models.seq2seq import ATTENTIONS, Seq2Seq
from rnnkit.tasks.translate import Seq2SeqConfig
from rnnkit.train.building import build_model
from rnnkit.train.checkpoint import count_parameters, load_checkpoint, save_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SIZES = {"embedding": 6, "hidden": 6}


def _tied(attention: str = "general", **kw: object) -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq(15, 9, attention=attention, share_decoder_embeddings=True, **SIZES, **kw)  # type: ignore[arg-type]


def _batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    src = torch.randint(1, 15, (3, 5), generator=g)
    src_len = torch.tensor([5, 3, 2])
    src[1, 3:] = 0
    src[2, 2:] = 0
    tgt = torch.randint(1, 9, (3, 5), generator=g)  # 0 (padding) among the targets too
    tgt_in = torch.cat([torch.full((3, 1), 9), tgt[:, :-1]], dim=1)  # BOS = tgt_vocab
    return src, src_len, tgt_in, tgt


def _loss(model: Seq2Seq) -> torch.Tensor:
    src, src_len, tgt_in, tgt = _batch()
    logits = model(src, src_len, tgt_in)
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), ignore_index=0, reduction="sum")


def test_the_output_weight_is_the_embedding_parameter_counted_once_and_trained_as_one() -> None:
    model = _tied()
    assert model.output.weight is model.tgt_embedding.weight
    assert model.output.bias is not None and model.output.bias.shape == (11,)  # its own bias
    params = sum(p.numel() for p in model.parameters())  # torch deduplicates a shared Parameter
    assert params == Seq2Seq.count_parameters(**model.config())
    untied = Seq2Seq(15, 9, attention="general", **SIZES)  # type: ignore[arg-type]
    assert sum(p.numel() for p in untied.parameters()) - params == 6 * 11  # one V x hidden matrix fewer
    before = model.tgt_embedding.weight.detach().clone()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    _loss(model).backward()
    opt.step()
    assert model.output.weight is model.tgt_embedding.weight
    assert not torch.equal(model.tgt_embedding.weight, before)
    assert torch.equal(model.output.weight, model.tgt_embedding.weight)


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_the_gradient_of_the_shared_matrix_is_the_sum_of_the_untied_models_two(attention: str) -> None:
    """Brute force: an untied model holding the same numbers in both matrices gives the same logits, and the tied
    matrix's gradient is its embedding's plus its output weight's (the chain rule through both uses)."""
    tied = _tied(attention)
    untied = Seq2Seq(15, 9, attention=attention, **SIZES)  # type: ignore[arg-type]
    untied.load_state_dict({**tied.state_dict(), "output.weight": tied.tgt_embedding.weight.detach().clone()})
    assert untied.output.weight is not untied.tgt_embedding.weight
    src, src_len, tgt_in, _ = _batch()
    torch.testing.assert_close(tied(src, src_len, tgt_in), untied(src, src_len, tgt_in))
    _loss(tied).backward()
    _loss(untied).backward()
    assert tied.tgt_embedding.weight.grad is not None
    assert untied.tgt_embedding.weight.grad is not None and untied.output.weight.grad is not None
    torch.testing.assert_close(tied.tgt_embedding.weight.grad,
                               untied.tgt_embedding.weight.grad + untied.output.weight.grad)
    torch.testing.assert_close(tied.output.bias.grad, untied.output.bias.grad)


def test_a_saved_tied_model_stores_the_matrix_once_and_loads_tied(tmp_path: Path) -> None:
    model = _tied().eval()
    state = model.state_dict()
    assert "output.weight" not in state and "output.bias" in state and "tgt_embedding.weight" in state
    path = save_checkpoint(tmp_path / "m", model_state=state, config={"task": "seq2seq", "model": model.config()})
    with safe_open(str(path / "model.safetensors"), "pt") as f:
        assert "output.weight" not in f.keys()  # noqa: SIM118 (safe_open has no __contains__)
    ckpt = load_checkpoint(path)
    assert count_parameters(ckpt.model_shapes) == sum(p.numel() for p in model.parameters())  # rnnkit info's count
    loaded = build_model(lambda: Seq2Seq(**ckpt.config["model"]), ckpt).eval()
    assert loaded.output.weight is loaded.tgt_embedding.weight
    src, src_len, tgt_in, _ = _batch()
    assert torch.equal(loaded(src, src_len, tgt_in), model(src, src_len, tgt_in))
    loaded.train()
    opt = torch.optim.Adam(loaded.parameters(), lr=0.01)
    _loss(loaded).backward()
    opt.step()
    assert loaded.output.weight is loaded.tgt_embedding.weight


def test_a_config_that_says_share_decoder_embeddings_other_than_true_or_false_is_refused(tmp_path: Path) -> None:
    model = _tied()
    config = {**model.config(), "share_decoder_embeddings": 1}
    path = save_checkpoint(tmp_path / "m", model_state=model.state_dict(), config={"task": "seq2seq", "model": config})
    ckpt = load_checkpoint(path)
    with pytest.raises(UserError, match=r"model.share_decoder_embeddings 1: expected true or false"):
        build_model(lambda: Seq2Seq(**config), ckpt)


def test_the_model_refuses_a_hidden_size_other_than_the_embeddings() -> None:
    with pytest.raises(ValueError, match=r"hidden \(7\) equal to embedding \(6\)"):
        Seq2Seq(15, 9, embedding=6, hidden=7, share_decoder_embeddings=True)


def _dates(tmp: Path) -> Path:
    data = tmp / "dates.tsv"
    assert main(["data", "dates", "--out", str(data), "--pairs", "40", "--seed", "1"]) == 0
    return data


TRAIN = ["--hidden", "8", "--embedding", "8", "--batch-size", "8", "--eval-sentences", "2", "--eval-every", "2",
         "--no-progress", "--save-minutes", "0"]


def test_a_tied_run_trains_saves_resumes_and_translates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _dates(tmp_path), tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), *TRAIN, "--steps", "2",
                 "--share-decoder-embeddings", "--ema", "0.9"]) == 0
    for folder in ("best", "last"):
        config = json.loads((out / folder / "config.json").read_text())
        assert config["model"]["share_decoder_embeddings"] is True
        assert config["settings"]["share_decoder_embeddings"] is True
    # the averaged weights of last/ hold the shared matrix once, under its embedding's name
    with safe_open(str(out / "last" / "state.safetensors"), "pt") as f:
        names = set(f.keys())
    assert "ema.tgt_embedding.weight" in names and "ema.output.weight" not in names
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "3", "--no-progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["steps"] == 3
    translator = rnnkit.load(out)
    model = translator.model
    assert model.output.weight is model.tgt_embedding.weight
    assert main(["translate", str(out), "3rd of March 1999"]) == 0
    assert capsys.readouterr().out == translator.translate(["3rd of March 1999"])[0] + "\n"
    assert main(["info", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["parameters"] == sum(p.numel() for p in model.parameters())
    # a resumed run keeps its model: turning the tie off is refused
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "4", "--no-share-decoder-embeddings",
                 "--no-progress"]) == 2
    assert "--no-share-decoder-embeddings: the resumed run used share-decoder-embeddings" in capsys.readouterr().err


def test_hidden_other_than_embedding_is_refused_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _dates(tmp_path), tmp_path / "run"
    capsys.readouterr()
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--hidden", "16", "--embedding", "8",
                 "--share-decoder-embeddings", "--steps", "2", "--no-progress"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --share-decoder-embeddings needs --hidden equal to --embedding: "
                                       "--hidden 16, --embedding 8 (the output layer's weight is the target embedding "
                                       "matrix)\n")
    assert not out.exists()
    with pytest.raises(UserError, match=r"^share_decoder_embeddings=True needs hidden equal to embedding: hidden=16, "
                                        r"embedding=8 "):
        rnnkit.fit("seq2seq", str(data), tmp_path / "py", share_decoder_embeddings=True, hidden=16, embedding=8,
                   steps=1, verbose=False)
    assert not (tmp_path / "py").exists()
    Seq2SeqConfig(share_decoder_embeddings=False, hidden=16, embedding=8).validate()  # off: any sizes


def test_the_setting_from_python_and_from_a_config_file(tmp_path: Path) -> None:
    data = _dates(tmp_path)
    rnnkit.fit("seq2seq", str(data), tmp_path / "py", share_decoder_embeddings=True, hidden=8, embedding=8,
               batch_size=8, steps=1, eval_sentences=1, verbose=False, progress=False)
    model = rnnkit.load(tmp_path / "py").model
    assert model.output.weight is model.tgt_embedding.weight
    toml = tmp_path / "tied.toml"
    toml.write_text("share_decoder_embeddings = true\nhidden = 8\nembedding = 8\n")
    out = tmp_path / "toml"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--config", str(toml), "--steps", "1",
                 "--batch-size", "8", "--eval-sentences", "1", "--no-progress", "--save-minutes", "0"]) == 0
    model = rnnkit.load(out).model
    assert model.output.weight is model.tgt_embedding.weight


def saved_before(out: Path, name: str) -> None:
    """The run in ``out`` as an rnnkit that had no switch ``name`` wrote it (the switch was off)."""
    for folder in ("best", "last"):
        path = out / folder / "config.json"
        config = json.loads(path.read_text())
        assert config["model"].pop(name) is False
        assert config["settings"].pop(name) is False
        path.write_text(json.dumps(config))


def test_a_model_saved_before_the_setting_loads_untied_and_resumes_untied(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _dates(tmp_path), tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), *TRAIN, "--steps", "2"]) == 0
    saved_before(out, "share_decoder_embeddings")
    model = rnnkit.load(out).model
    assert model.output.weight is not model.tgt_embedding.weight
    assert not torch.equal(model.output.weight, model.tgt_embedding.weight)
    capsys.readouterr()
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "3", "--share-decoder-embeddings",
                 "--no-progress"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --share-decoder-embeddings: the resumed run had no "
                                       "share-decoder-embeddings; a resumed run keeps its model and data: "
                                       "leave it out to resume the run as it is, "
                                       "or train a new run with another --out\n")
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "3", "--no-progress", "--json"]) == 0
    assert json.loads((out / "last" / "config.json").read_text())["model"]["share_decoder_embeddings"] is False


def test_a_state_dict_whose_output_weight_is_not_its_embedding_matrix_is_refused() -> None:
    """An untied model's state_dict loaded into a tied one passed strict=True and the output weight, loaded after
    the embedding into the one Parameter, replaced the trained embeddings without a word."""
    untied = Seq2Seq(15, 9, attention="general", **SIZES)  # type: ignore[arg-type]
    tied = _tied()
    with pytest.raises(RuntimeError, match=r"output.weight is not tgt_embedding.weight"):
        tied.load_state_dict(untied.state_dict())
    state = untied.state_dict()
    tied.load_state_dict({**state, "output.weight": state["tgt_embedding.weight"].clone()})  # the same matrix: one
    assert torch.equal(tied.tgt_embedding.weight, untied.tgt_embedding.weight)
    state.pop("output.weight")
    tied.load_state_dict(state)
    assert tied.output.weight is tied.tgt_embedding.weight
    assert torch.equal(tied.output.weight, untied.tgt_embedding.weight)


def test_the_tie_outlives_assign_loading_to_empty_and_overwriting_conversions() -> None:
    """torch gives each module its own Parameter in these three; the output weight was then a second matrix (18
    parameter tensors where the tied model has 17), trained apart from the embedding."""
    model = _tied()
    count = len(list(model.parameters()))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    assigned = _tied()
    assigned.load_state_dict(state, assign=True)
    with torch.device("meta"):
        skeleton = Seq2Seq(15, 9, attention="general", share_decoder_embeddings=True, **SIZES)  # type: ignore[arg-type]
    empty = skeleton.to_empty(device="cpu")
    torch.__future__.set_overwrite_module_params_on_conversion(True)
    try:
        converted = _tied().double()
    finally:
        torch.__future__.set_overwrite_module_params_on_conversion(False)
    for loaded in (assigned, empty, converted):
        assert loaded.output.weight is loaded.tgt_embedding.weight
        assert len(list(loaded.parameters())) == count
    assert torch.equal(assigned.output.weight, model.tgt_embedding.weight)
    assert converted.output.weight.dtype == torch.float64
    buffer = io.BytesIO()  # the hooks pickle with the model (torch.save of the whole module)
    torch.save(assigned, buffer)
    buffer.seek(0)
    unpickled = torch.load(buffer, weights_only=False)
    assert unpickled.output.weight is unpickled.tgt_embedding.weight


def test_python_resumes_a_tied_run_given_the_setting_alone(tmp_path: Path) -> None:
    """fit(resume=True, share_decoder_embeddings=True) was refused for hidden 128 and embedding 64, the defaults, not
    the run's 8 and 8 (validate() checked the sizes before the run's were taken); the flag alone resumed."""
    data, out = _dates(tmp_path), tmp_path / "run"
    settings = {"batch_size": 8, "eval_sentences": 1, "verbose": False, "progress": False, "save_minutes": 0}
    rnnkit.fit("seq2seq", str(data), out, share_decoder_embeddings=True, hidden=8, embedding=8, steps=1, **settings)
    rnnkit.fit("seq2seq", str(data), out, resume=True, share_decoder_embeddings=True, steps=2, **settings)
    assert json.loads((out / "last" / "trainer_state.json").read_text())["step"] == 2
