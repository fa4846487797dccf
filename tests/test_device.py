"""``--device``: what each name means on this machine and under torchrun, moving batches, and that a run's
device is this command's choice, not the saved run's. The GPU side is in ``tests/test_cuda.py``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest
import torch
from torch.nn.utils.rnn import pack_sequence

from rnnkit.cli import main
from rnnkit.device import model_device, resolve_device, to_device
from rnnkit.errors import SettingError
from rnnkit.train.tbptt import StreamBatch

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@dataclass
class _Pair:
    a: torch.Tensor
    b: list[torch.Tensor]
    tag: str = "x"


class _Named(NamedTuple):
    x: torch.Tensor
    n: int


@dataclass
class _Derived:
    a: torch.Tensor
    size: int = field(init=False, default=0)  # set after construction: dataclasses.replace refuses it


def test_to_device_keeps_the_shape_of_a_batch_and_its_tensors() -> None:
    t = torch.arange(6).view(2, 3)
    packed = pack_sequence([torch.ones(3), torch.ones(2)])
    batch = {"ids": t, "parts": (t, [t, 5]), "packed": packed, "pair": _Pair(t, [t]),
             "window": StreamBatch(t, t, True, 3, 1), "name": "keep"}
    moved = to_device(batch, torch.device("cpu"))
    assert moved["ids"] is t and moved["parts"][0] is t and moved["parts"][1] == [t, 5]
    assert isinstance(moved["parts"], tuple) and isinstance(moved["parts"][1], list)
    assert type(moved["packed"]) is type(packed) and torch.equal(moved["packed"].data, packed.data)
    assert moved["pair"] == _Pair(t, [t]) and moved["pair"].a is t
    window = moved["window"]
    assert isinstance(window, StreamBatch) and (window.reset, window.shift, window.offset) == (True, 3, 1)
    assert moved["name"] == "keep"
    named, derived = to_device((_Named(t, 2), _Derived(t)), torch.device("cpu"))
    assert type(named) is _Named and named.x is t and named.n == 2
    assert type(derived) is _Derived and derived.a is t


def test_model_device_is_where_its_first_tensor_lives() -> None:
    assert model_device(torch.nn.Linear(2, 2)) == torch.device("cpu")
    assert model_device(torch.nn.ReLU()) == torch.device("cpu")


def _gpus(monkeypatch: pytest.MonkeyPatch, count: int, **env: str) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    for name in ("WORLD_SIZE", "LOCAL_WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_auto_is_the_gpu_when_there_is_one_else_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    _gpus(monkeypatch, 0)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(SettingError, match="torch sees no CUDA device here; use --device cpu"):
        resolve_device("cuda")
    _gpus(monkeypatch, 2)
    assert resolve_device("auto") == torch.device("cuda", 0)
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(SettingError, match=r"this machine has 2 GPU\(s\), numbered from 0"):
        resolve_device("cuda:2")


def test_under_torchrun_each_process_takes_the_gpu_of_its_local_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    _gpus(monkeypatch, 2, WORLD_SIZE="4", LOCAL_WORLD_SIZE="2", LOCAL_RANK="1")
    assert resolve_device("auto") == resolve_device("cuda") == torch.device("cuda", 1)
    _gpus(monkeypatch, 2, WORLD_SIZE="3", LOCAL_WORLD_SIZE="3", LOCAL_RANK="2")  # NCCL: one process a GPU
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(SettingError, match="3 processes on this machine but 2 GPU"):
        resolve_device("cuda")


@pytest.mark.parametrize("name", ["tpu", "cuda:", "cuda:x", "", "CPU", 0, None])
def test_other_names_are_refused(name: object) -> None:
    with pytest.raises(SettingError, match="expected auto, cpu, cuda or cuda:N"):
        resolve_device(name)  # type: ignore[arg-type]


@pytest.fixture
def text(tmp_path: Path) -> Path:
    path = tmp_path / "t.txt"
    path.write_text("the cat sat on the mat; the dog sat on the log.\n" * 200, encoding="utf-8")
    return path


TINY = ["--steps", "2", "--hidden", "8", "--eval-every", "2", "--no-progress", "--save-minutes", "0"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="a machine with a GPU runs --device cuda")
def test_a_gpu_asked_for_where_there_is_none_is_refused_before_any_work(
        text: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "charlm", "--data", str(text), "--out", str(out), "--device", "cuda", *TINY]) == 2
    assert "rnnkit: error: --device cuda: torch sees no CUDA device here" in capsys.readouterr().err
    assert not out.exists()
    config = tmp_path / "c.toml"
    config.write_text('device = "tpu"\n', encoding="utf-8")
    assert main(["train", "charlm", "--data", str(text), "--out", str(out), "--config", str(config), *TINY]) == 2
    err = capsys.readouterr().err
    assert "c.toml" in err and "expected auto, cpu, cuda or cuda:N" in err


def test_a_resumed_run_trains_where_this_command_says_not_where_it_was_saved(
        text: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run trained on a GPU machine (its config says cuda) resumes on one without: the device is the
    machine's choice, as --threads is, not a setting the run keeps."""
    out = tmp_path / "run"
    assert main(["train", "charlm", "--data", str(text), "--out", str(out), "--device", "cpu", *TINY]) == 0
    config = out / "last" / "config.json"
    saved = json.loads(config.read_text(encoding="utf-8"))
    assert saved["settings"]["device"] == "cpu"
    saved["settings"]["device"] = "cuda:3"
    config.write_text(json.dumps(saved), encoding="utf-8")
    assert main(["train", "charlm", "--resume", str(out), "--steps", "4", "--no-progress"]) == 0
    assert "4 steps" in capsys.readouterr().out
    assert json.loads(config.read_text(encoding="utf-8"))["settings"]["device"] == "auto"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a machine with a GPU runs --device cuda")
def test_the_verbs_take_device_and_refuse_a_gpu_where_there_is_none(
        text: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit VERB DIR --device`` runs the model there (default cpu): a GPU asked for where there is none
    is one line, and a sample is the same text from the same seed wherever it runs."""
    out = tmp_path / "run"
    assert main(["train", "charlm", "--data", str(text), "--out", str(out), *TINY]) == 0
    capsys.readouterr()
    assert main(["score", str(out), "the cat", "--device", "cuda"]) == 2
    assert capsys.readouterr().err.strip() == ("rnnkit: error: --device cuda: torch sees no CUDA device here; "
                                               "use --device cpu (or auto)")
    samples = []
    for device in ("cpu", "auto"):
        assert main(["sample", str(out), "--length", "12", "--seed", "3", "--device", device]) == 0
        samples.append(capsys.readouterr().out)
    assert samples[0] == samples[1] and len(samples[0].rstrip("\n")) >= 12


def test_an_experiment_trains_on_the_cpu_unless_told_and_records_where(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit experiment`` runs on the CPU by default (docs/RESULTS.md was measured there), takes
    ``--device`` or a config's ``device``, refuses a GPU where there is none before any run, and records
    where it ran in results.json."""
    tiny = ["--cells", "lstm", "--steps", "2", "--seeds", "1", "--eval-size", "16", "--length", "8", "--quiet"]
    assert main(["experiment", "adding", *tiny, "--out", str(tmp_path / "a")]) == 0
    assert json.loads((tmp_path / "a" / "results.json").read_text())["device"] == "cpu"
    config = tmp_path / "e.toml"
    config.write_text('experiment = "adding"\ndevice = "tpu"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["experiment", "--config", str(config), *tiny, "--out", str(tmp_path / "b")]) == 2
    assert capsys.readouterr().err.strip() == (f"rnnkit: error: {config}: device = 'tpu': expected auto, cpu, cuda "
                                               "or cuda:N")
    if not torch.cuda.is_available():
        assert main(["experiment", "adding", *tiny, "--device", "cuda", "--out", str(tmp_path / "c")]) == 2
        assert "--device cuda: torch sees no CUDA device here" in capsys.readouterr().err
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()
