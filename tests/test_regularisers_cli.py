"""The regularisers through ``rnnkit train``: the flags reach the model, the checkpoint keeps them, a
bad value or an unsupported cell is one line with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = "the quick brown fox jumps over the lazy dog. " * 40


def test_charlm_trains_with_every_regulariser_and_loads(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(out), "--hidden", "12",
                 "--embed-dim", "4", "--seq-len", "12", "--batch-size", "2", "--steps", "3", "--no-progress",
                 "--precision", "fp32", "--weight-drop", "0.2", "--recurrent-dropout", "0.1", "--zoneout", "0.1",
                 "--layer-norm"]) == 0
    model = json.loads((out / "last" / "config.json").read_text())["model"]
    assert model["weight_drop"] == 0.2 and model["recurrent_dropout"] == 0.1 and model["zoneout"] == 0.1
    assert model["layer_norm"] is True
    lm = rnnkit.load(out)
    rnn = lm.model.rnn
    assert rnn.reg.layer_norm and rnn.reg.zoneout == 0.1 and hasattr(rnn, "ln_weight_c_l0")
    assert not rnn.training
    assert isinstance(lm.sample(length=5, seed=1), str)


def test_classify_passes_the_regularisers_to_its_encoder(tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    rows = [f"{i},{'good fine film' if i % 2 else 'bad poor film'},{'pos' if i % 2 else 'neg'}" for i in range(40)]
    data.write_text("id,text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "2", "--hidden", "8",
                 "--embedding", "8", "--no-progress", "--zoneout", "0.2", "--layer-norm"]) == 0
    model = json.loads((out / "last" / "config.json").read_text())["model"]
    assert model["zoneout"] == 0.2 and model["layer_norm"] is True


@pytest.mark.parametrize(("flags", "message"), [
    (["--zoneout", "1.5"], "--zoneout 1.5: expected a number from 0 to below 1"),
    (["--cell", "gru", "--layer-norm"], "--layer-norm: the layer-normalised cell is the LSTM, not gru"),
    (["--cell", "gru", "--recurrent-dropout", "0.2"], "--recurrent-dropout 0.2: not for --cell gru"),
])
def test_bad_regulariser_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str],
                                                message: str) -> None:
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    status = main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "run"),
                   "--steps", "1", "--no-progress", *flags])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and "Traceback" not in err


def test_flags_are_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "charlm", "--help"])
    text = capsys.readouterr().out
    for flag in ("--weight-drop", "--recurrent-dropout", "--zoneout", "--layer-norm"):
        assert flag in text
    torch.set_num_threads(1)


def test_speech_model_takes_the_regularisers_from_its_settings() -> None:
    from rnnkit.models.speech import SpeechRecognizer
    from rnnkit.tasks.speech import SpeechConfig, _model_kwargs

    config = SpeechConfig(cell="lstm", hidden=8, layers=1, zoneout=0.1, layer_norm=True)
    config.validate()
    model = SpeechRecognizer(**_model_kwargs(config, 5))
    assert model.rnn.reg.zoneout == 0.1 and model.rnn.reg.layer_norm
    again = SpeechRecognizer(**model.config())
    again.load_state_dict(model.state_dict())
    assert "zoneout" not in _model_kwargs(SpeechConfig(), 5)  # runs without them keep their config


def test_export_writes_a_model_with_zoneout_and_layer_norm(tmp_path: Path) -> None:
    """Export refused zoneout and the layer-normalised LSTM ("run rnnkit's own time loop"); their loop is an ONNX
    Loop now (tests/test_export_loop.py), checked against onnxruntime."""
    pytest.importorskip("onnxruntime")
    from rnnkit.export import export_onnx
    from rnnkit.models.classifier import Classifier

    model = Classifier(20, 2, embedding_dim=4, hidden_size=4, zoneout=0.1, layer_norm=True)
    assert export_onnx(model, tmp_path / "m.onnx", vocab_size=20, labels=["a", "b"], metadata={},
                       where="run/")["checked"]
