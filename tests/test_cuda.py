"""The CUDA paths: every cell on a GPU against the same module on the CPU, the fused path against torch.nn
(cuDNN), the parallel scan's gradients, bf16 autocast, and the Trainer on a model that lives on the GPU
(checkpoint, resume). Skipped where torch sees no GPU (CI), but for the check that the lists of tasks name every
registered task; run them on a machine with one:
``python -m pytest tests/test_cuda.py``. ``RNNKIT_TEST_DEVICE=cpu`` runs the same checks CPU against CPU,
which proves only that the tests themselves run.
"""

from __future__ import annotations

import copy
import json
import os
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnnkit
from rnnkit.cells import CELLS
from rnnkit.cli import main
from rnnkit.device import model_device
from rnnkit.models.counts import WEIGHTS
from rnnkit.models.dynamic_eval import dynamic_log_probs, gradient_rms
from rnnkit.models.language_model import LanguageModel, sequence_log_probs
from rnnkit.train import StreamBatches, TrainConfig, Trainer, evaluate_streams, load_checkpoint, tbptt_lm_loss
from rnnkit.train.trainer import resolved_precision

DEVICE = torch.device(os.environ.get("RNNKIT_TEST_DEVICE", "cuda"))
NO_DEVICE = DEVICE.type == "cuda" and not torch.cuda.is_available()
#: float32 on two devices: cuDNN and the CPU kernels sum in other orders
TOL = {"atol": 2e-5, "rtol": 2e-4}
V = 11


@pytest.fixture(autouse=True)
def on_the_device(request: pytest.FixtureRequest) -> None:
    """Every test here is skipped where torch sees no GPU, but those marked ``everywhere`` (the check of the lists
    of tasks, which needs none)."""
    if NO_DEVICE and request.node.get_closest_marker("everywhere") is None:
        pytest.skip("no CUDA device")


@pytest.fixture(autouse=True)
def exact_float32() -> Iterator[None]:
    """TF32 off: cuDNN's RNNs may otherwise round the matrix products to 10-bit mantissas."""
    before = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = before


def _leaves(obj: object) -> list[Tensor]:
    if isinstance(obj, Tensor):
        return [obj]
    if hasattr(obj, "data") and hasattr(obj, "batch_sizes"):  # PackedSequence
        return [obj.data]
    return [t for item in obj for t in _leaves(item)]


def _run(module: nn.Module, x: Tensor, lengths: Tensor | None, packed: bool) -> tuple[list[Tensor], dict[str, Tensor]]:
    """Outputs and final states, then (in training mode: cuDNN has no backward in eval mode, for torch.nn
    neither) the gradients of their weighted sum for every parameter and the input."""
    x = x.detach().to(next(module.parameters()).device).requires_grad_(True)
    if packed:
        out = module(pack_padded_sequence(x, lengths, batch_first=module.batch_first, enforce_sorted=False))
    elif lengths is None:
        out = module(x)
    else:
        out = module(x, lengths=lengths.to(x.device))
    results = _leaves(out)
    if not module.training:
        return [r.detach().cpu() for r in results], {}
    loss = sum((r.float() * torch.linspace(-1, 1, r.numel(), device=r.device).view_as(r)).sum() for r in results)
    loss.backward()
    grads = {name: p.grad for name, p in module.named_parameters()}
    return [r.detach().cpu() for r in results], {k: v.cpu() for k, v in {**grads, "input": x.grad}.items()}


def _same(got: tuple[list[Tensor], dict[str, Tensor]], want: tuple[list[Tensor], dict[str, Tensor]],
          **tol: float) -> None:
    for i, (a, b) in enumerate(zip(got[0], want[0], strict=True)):
        torch.testing.assert_close(a, b, **(tol or TOL), msg=lambda m, i=i: f"output {i}: {m}")
    assert got[1].keys() == want[1].keys()
    for name in want[1]:
        torch.testing.assert_close(got[1][name], want[1][name], **(tol or TOL), msg=lambda m, n=name: f"{n}: {m}")


def _batch(seed: int = 0) -> tuple[Tensor, Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(3, 7, 5, generator=g), torch.tensor([7, 4, 6])


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("shape", ["2 layers, bidirectional, lengths", "packed", "one layer"])
def test_every_cell_on_the_gpu_equals_the_same_module_on_the_cpu(cell: str, shape: str) -> None:
    torch.manual_seed(0)
    two = shape.startswith("2 layers")
    cpu = rnnkit.Recurrent(cell, 5, 16, num_layers=2 if two else 1, bidirectional=two, batch_first=True)
    gpu = copy.deepcopy(cpu).to(DEVICE)
    x, lengths = _batch()
    use = None if shape == "one layer" else lengths
    _same(_run(gpu, x, use, shape == "packed"), _run(cpu, x, use, shape == "packed"))


@pytest.mark.parametrize("options", [{"layer_norm": True}, {"zoneout": 0.2}, {"weight_drop": 0.3},
                                     {"recurrent_dropout": 0.2}, {"proj_size": 4}])
def test_the_regularised_lstm_on_the_gpu_equals_the_cpu_in_eval_mode(options: dict) -> None:
    """Outputs and final states; the gradients of the two without random masks are compared in training mode."""
    torch.manual_seed(1)
    cpu = rnnkit.Recurrent("lstm", 5, 16, num_layers=2, batch_first=True, **options).eval()
    gpu = copy.deepcopy(cpu).to(DEVICE)
    x, lengths = _batch(1)
    _same(_run(gpu, x, lengths, False), _run(cpu, x, lengths, False))
    if "layer_norm" in options or "proj_size" in options:
        _same(_run(gpu.train(), x, lengths, False), _run(cpu.train(), x, lengths, False))


@pytest.mark.parametrize("options", [{"layer_norm": True, "dropout": 0.3}, {"zoneout": 0.2}, {"weight_drop": 0.3},
                                     {"recurrent_dropout": 0.2}, {"dropout": 0.3}])
def test_the_regularised_lstm_trains_on_the_gpu(options: dict) -> None:
    """Training mode draws masks on the GPU: finite gradients for every parameter, other masks each call. cuDNN's
    warning that the weights are not compacted, whose advice (flatten_parameters) cannot help DropConnect's fresh
    W_hh, is not shown."""
    torch.manual_seed(2)
    layer = rnnkit.Recurrent("lstm", 5, 16, num_layers=2, batch_first=True, **options).to(DEVICE).train()
    x = _batch(2)[0].to(DEVICE)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        first, second = layer(x)[0], layer(x)[0]
    assert not [w for w in said if "contiguous chunk" in str(w.message)]
    (first.sum() + second.sum()).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in layer.parameters())
    assert not torch.equal(first, second)


@pytest.mark.parametrize("cls", [rnnkit.LSTM, rnnkit.GRU, rnnkit.RNN])
def test_the_fused_path_on_the_gpu_is_torch_nn_with_the_same_weights(cls: type) -> None:
    """rnnkit.LSTM(impl="auto") calls the kernel torch.nn.LSTM calls (cuDNN here), with no warning about
    weights outside one contiguous chunk (what an RNNBase whose flat weights went stale prints)."""
    torch.manual_seed(3)
    ours = cls(5, 16, num_layers=2, bidirectional=True, batch_first=True).to(DEVICE)
    theirs = getattr(nn, cls.__name__)(5, 16, num_layers=2, bidirectional=True, batch_first=True).to(DEVICE)
    theirs.load_state_dict(ours.state_dict())
    x = _batch(3)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _run(ours, x, None, False)
    _same(got, _run(theirs, x, None, False), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_the_parallel_scan_is_the_default_on_the_gpu_and_its_gradients_are_exact(cell: str) -> None:
    torch.manual_seed(4)
    layer = rnnkit.Recurrent(cell, 3, 4, dtype=torch.float64).to(DEVICE)
    x = torch.randn(6, 2, 3, dtype=torch.float64, device=DEVICE, requires_grad=True)
    assert layer.cell_def._parallel(x.device) == (DEVICE.type == "cuda")
    assert torch.autograd.gradcheck(lambda t: layer(t)[0], (x,))


@pytest.mark.parametrize("cell", list(CELLS))
def test_bf16_autocast_on_the_gpu_trains_near_float32(cell: str) -> None:
    torch.manual_seed(5)
    layer = rnnkit.Recurrent(cell, 5, 16, batch_first=True).to(DEVICE)
    x = _batch(5)[0].to(DEVICE)
    exact = layer(x)[0]
    with torch.autocast(DEVICE.type, dtype=torch.bfloat16):
        low = layer(x)[0]
    low.float().sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in layer.parameters())
    torch.testing.assert_close(low.float(), exact, atol=5e-2, rtol=5e-2)


def _trainer(out: Path, *, steps: int, resume: object = None, **cfg: object) -> Trainer:
    """A one-layer LSTM language model on the device with dropout on its input and output: rnnkit's own
    masks, drawn from the device's generator (cuDNN's between-layer dropout keeps a generator of its own,
    outside torch's state: a resumed run of several layers draws other masks)."""
    torch.manual_seed(6)
    model = LanguageModel(V, cell="lstm", hidden_size=12, num_layers=1, embed_dim=6, dropout=0.2).to(DEVICE)
    g = torch.Generator().manual_seed(1)
    data = torch.randint(1, V, (240,), generator=g).to(torch.uint8).to(DEVICE)
    val = torch.randint(1, V, (200,), generator=g).to(torch.uint8).to(DEVICE)
    config = TrainConfig(steps=steps, eval_every=4, log_every=2, progress=False, verbose=False, lr=0.01,
                         precision="fp32", **cfg)
    return Trainer(model, config, batches=StreamBatches(data, 4, window=9), loss_fn=tbptt_lm_loss,
                   eval_fn=lambda m: evaluate_streams(m, val, batch_size=4, window=16), out_dir=out,
                   model_config={"task": "test", "model": model.config()}, vocab={"type": "test"}, resume=resume)


def _largest_difference(a: nn.Module, b: nn.Module) -> float:
    return max(float((a.state_dict()[k] - v).abs().max()) for k, v in b.state_dict().items())


def test_the_trainer_trains_a_gpu_model_and_resumes_it_where_it_stopped(tmp_path: Path) -> None:
    """Stopped at step 7 and resumed in a process whose generators start elsewhere, the run ends with the
    weights of one that never stopped: its carried state comes back onto the GPU (a checkpoint is read onto
    the CPU) and its dropout masks go on from the GPU generator's saved state. The tolerance is what two
    uninterrupted runs differ by (GPU kernels may sum in another order each time), at least 1e-6."""
    straight = _trainer(tmp_path / "a", steps=12)
    straight.fit()
    again = _trainer(tmp_path / "c", steps=12)
    again.fit()
    noise = _largest_difference(again.model, straight.model)
    _trainer(tmp_path / "b", steps=12, halt_at=7).fit()
    torch.manual_seed(12345)  # also every GPU's generator
    resumed = _trainer(tmp_path / "b", steps=12, resume=load_checkpoint(tmp_path / "b", prefer="last"))
    assert resumed.step == 7 and resumed.carry[0].device == next(resumed.model.parameters()).device
    resumed.fit()
    assert _largest_difference(resumed.model, straight.model) <= max(10 * noise, 1e-6)
    rows = [json.loads(x) for x in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "val_loss" in r] == [4, 8, 12]


@pytest.mark.skipif(DEVICE.type != "cuda" or not torch.cuda.is_bf16_supported(), reason="no GPU with bf16")
def test_precision_auto_chooses_bf16_for_a_model_on_a_gpu_with_it() -> None:
    assert resolved_precision("auto", nn.Linear(2, 2).to(DEVICE)) == "bf16"


# ------------------------------------------------------------------------------------------- rnnkit train --device
def _text(folder: Path) -> list[str]:
    path = folder / "t.txt"
    path.write_text("the cat sat on the mat; the dog sat on the log.\n" * 300, encoding="utf-8")
    return ["--data", str(path), "--hidden", "16"]


def _rows(folder: Path) -> list[str]:
    path = folder / "t.csv"
    rows = [f"{w} film {i},{'pos' if w in ('good', 'fine') else 'neg'}" for i in range(30)
            for w in ("good", "bad", "fine", "awful")]
    path.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return ["--data", str(path), "--hidden", "8", "--embedding", "8"]


def _sentences(folder: Path) -> list[str]:
    path = folder / "t.conll"
    path.write_text("\n".join(f"Anna\tB-PER\n{w}\tO\nRome\tB-LOC\n" for w in ["saw", "left", "liked"] * 20),
                    encoding="utf-8")
    return ["--data", str(path), "--hidden", "8", "--embedding", "8", "--crf"]


def _pairs(folder: Path) -> list[str]:
    assert main(["data", "dates", "--out", str(folder / "d.tsv"), "--pairs", "80", "--seed", "1"]) == 0
    return ["--data", str(folder / "d.tsv"), "--hidden", "16", "--embedding", "8", "--attention", "general",
            "--teacher-forcing-floor", "0.5", "--eval-sentences", "4"]


def _images(folder: Path) -> list[str]:
    assert main(["data", "shapes", "--out", str(folder / "shapes"), "--images", "40", "--seed", "1"]) == 0
    return ["--data", str(folder / "shapes"), "--hidden", "16", "--channels", "8,8,8", "--image-size", "32",
            "--attention", "--augment"]


def _speech(folder: Path) -> list[str]:
    """Utterances of one to three tones, named by their pitch: the corpus ``tests/test_speech.py`` uses."""
    soundfile = pytest.importorskip("soundfile")
    pytest.importorskip("jiwer")
    rate, tones = 16000, {"lo": 300.0, "mid": 700.0, "hi": 1500.0}
    rng = torch.Generator().manual_seed(0)
    (folder / "wav").mkdir()
    lines = ["audio\ttext\tphonemes"]  # phonemes given: espeak-ng need not be installed
    for i in range(12):
        names = [list(tones)[int(j)] for j in torch.randint(3, (1 + i % 3,), generator=rng)]
        t = torch.arange(2400) / rate
        wave = torch.cat([torch.cat([torch.sin(2 * torch.pi * tones[n] * t), torch.zeros(1600)]) for n in names])
        soundfile.write(str(folder / "wav" / f"{i}.wav"), wave.numpy(), rate, subtype="PCM_16")
        lines.append(f"wav/{i}.wav\t{' '.join(names)}\t{' '.join(names)}")
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["--data", str(folder), "--hidden", "16"]


TASKS = {"charlm": _text, "classify": _rows, "tag": _sentences, "seq2seq": _pairs, "caption": _images,
         "speech": _speech}


def _gpu_memory() -> int:
    if DEVICE.type != "cuda":
        return 0
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    return torch.cuda.memory_allocated()


def test_a_classifier_a_caller_moved_to_the_device_exports_from_the_cpu(tmp_path: Path) -> None:
    """``rnnkit.load(DIR)`` then ``.model.to("cuda")``: export built its sample batch on the CPU and failed on a
    device mismatch; it exports a CPU copy, and the caller's model stays on the device."""
    pytest.importorskip("onnx")
    data = _rows(tmp_path)
    out = tmp_path / "run"
    assert main(["train", "classify", *data, "--out", str(out), "--steps", "4", "--no-progress"]) == 0
    model = rnnkit.load(out)
    model.model.to(DEVICE)
    result = model.export(tmp_path / "m.onnx")
    assert Path(result["onnx"]).is_file() and result.get("max_abs_diff", 0.0) < 1e-4
    assert model_device(model.model).type == DEVICE.type  # cuda:0 where DEVICE is "cuda"


@pytest.mark.parametrize("task", list(TASKS))
def test_rnnkit_train_device_trains_every_task_there_and_saves_a_checkpoint_the_cpu_reads(
        task: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit train TASK --device cuda``: the model, its batches and its evaluations on the GPU (the GPU's
    memory peaks above what it held before); the checkpoint holds CPU tensors, and the verbs that use a model
    read it on the CPU; the run resumes on the GPU."""
    data = TASKS[task](tmp_path)
    out = tmp_path / "run"
    common = ["--device", str(DEVICE), "--no-progress", "--save-minutes", "0", "--eval-every", "2", "--json"]
    before = _gpu_memory()
    assert main(["train", task, *data, "--out", str(out), "--steps", "4", *common]) == 0
    if DEVICE.type == "cuda":
        assert torch.cuda.max_memory_allocated() > before
    ckpt = load_checkpoint(out, prefer="last")
    assert ckpt.config["settings"]["device"] == str(DEVICE)
    assert {t.device.type for t in ckpt.tensors.values()} == {"cpu"}
    assert main(["train", task, "--resume", str(out), "--steps", "6", *common]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["steps"] == 6
    if task == "charlm":
        assert main(["score", str(out), "--file", data[1]]) == 0
    else:  # the captioner's held-out images are a folder of their own
        assert main(["evaluate", str(out), "--data", data[1] + ("/test" if task == "caption" else "")]) == 0


def test_a_character_lm_trained_on_the_gpu_learns_what_the_cpu_learns(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The same seed, fp32, no dropout and no memory (it hides offers at random): ten updates on the GPU end at
    the CPU's validation loss (TF32 off)."""
    data = _text(tmp_path)
    losses = []
    for run, device in enumerate((str(DEVICE), "cpu")):
        assert main(["train", "charlm", *data, "--out", str(tmp_path / str(run)), "--device", device, "--steps", "10",
                     "--eval-every", "5", "--precision", "fp32", "--dropout", "0", "--weight-drop", "0", "--no-memory",
                     "--no-progress", "--json"]) == 0
        losses.append(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["best_val_loss"])
    assert losses[0] == pytest.approx(losses[1], rel=1e-4)


def test_dynamic_evaluation_of_a_gpu_model_equals_the_cpu(tmp_path: Path) -> None:
    """``score --dynamic``'s updates need gradients in eval mode, which cuDNN's RNNs do not give: on the GPU
    they run on torch's own kernels, and give the CPU's log-probabilities and gradient statistics."""
    torch.manual_seed(0)
    cpu = LanguageModel(V, cell="lstm", hidden_size=12, num_layers=2, embed_dim=6)
    gpu = copy.deepcopy(cpu).to(DEVICE)
    ids = torch.randint(1, V, (300,), generator=torch.Generator().manual_seed(2))
    rms = {m: gradient_rms(model, ids, streams=4, segment=20, batches=3) for m, model in (("cpu", cpu), ("gpu", gpu))}
    for name, value in rms["cpu"].items():
        torch.testing.assert_close(rms["gpu"][name].cpu(), value, **TOL)
    got = dynamic_log_probs(gpu, ids[:5], ids[5:], segment=20, rms=rms["gpu"], lr=1e-3, decay=0.01)
    want = dynamic_log_probs(cpu, ids[:5], ids[5:], segment=20, rms=rms["cpu"], lr=1e-3, decay=0.01)
    torch.testing.assert_close(got.cpu(), want, **TOL)


def test_the_counts_of_the_text_read_mix_in_on_the_device_as_on_the_cpu() -> None:
    """A model with a memory that counts the text read (rnnkit.models.counts): the counts' distributions come to
    the device, the mixture's weight is learnt there as it reads, and scoring in windows with the state carried
    and dynamic evaluation (gradients through the mixture) give the CPU's log-probabilities; what the state
    carries to the next window lives on the device."""
    torch.manual_seed(0)
    cpu = LanguageModel(V, hidden_size=12, num_layers=1, embed_dim=6, memory=[2, 3], counts=[1, 2, 3]).eval()
    gpu = copy.deepcopy(cpu).to(DEVICE)
    gen = torch.Generator().manual_seed(3)
    motif = torch.randint(1, V, (13,), generator=gen)
    noise = torch.randint(1, V, (260,), generator=gen)
    ids = torch.where(torch.rand(260, generator=gen) < 0.8, motif.repeat(20), noise)   # repeats: the counts help
    got = sequence_log_probs(gpu, ids[:1], ids[1:], window=64)
    want = sequence_log_probs(cpu, ids[:1], ids[1:], window=64)
    assert got.device.type == DEVICE.type
    torch.testing.assert_close(got.cpu(), want, **TOL)
    with torch.no_grad():
        _, (_, memory) = gpu(ids[:100].view(-1, 1).to(DEVICE))
    belief = memory.mixture.log_belief
    assert {t.device.type for t in (*memory.mixture.waiting, belief)} == {DEVICE.type}
    assert float((belief.softmax(-1).cpu() * torch.tensor(WEIGHTS, dtype=torch.float64)).sum()) > 0.05   # trusted
    got = dynamic_log_probs(gpu, ids[:5], ids[5:], segment=40, lr=0.05)
    want = dynamic_log_probs(cpu, ids[:5], ids[5:], segment=40, lr=0.05)
    torch.testing.assert_close(got.cpu(), want, **TOL)
    assert not torch.allclose(want, sequence_log_probs(cpu, ids[:5], ids[5:]))   # the updates changed the scores


EVALUATE = [["evaluate", "--data", "{data}", "--json"], ["evaluate", "--data", "{data}", "--beam", "2", "--json"]]
VERBS = {"charlm": [["score", "--file", "{data}", "--json"], ["score", "--file", "{data}", "--dynamic", "--json"],
                    ["sample", "--length", "40", "--seed", "1"]],
         "classify": [EVALUATE[0], ["predict", "good film 3", "--json"], [*EVALUATE[0], "--ensemble", "{run}"],
                      ["predict", "good film 3", "--json", "--explain", "--ensemble", "{run}"]],
         "tag": [EVALUATE[0], ["predict", "Anna saw Rome", "--json"]],
         "seq2seq": [*EVALUATE, ["translate", "4 July 1999", "--beam", "2", "--json"],
                     ["translate", "4 July 1999", "--beam", "2", "--json", "--ensemble", "{run}"],
                     ["score", "--data", "{data}", "--json", "--ensemble", "{run}"]],
         "caption": [[w.replace("{data}", "{data}/test") for w in verb]
                     for verb in [*EVALUATE, [*EVALUATE[0], "--ensemble", "{run}"]]],
         "speech": [*EVALUATE, [*EVALUATE[1], "--ensemble", "{run}"]]}


def _numbers(value: object, key: str = "") -> dict[str, float]:
    """Every number in a verb's JSON, by its path (timings left out)."""
    if isinstance(value, dict):
        return {k: v for name, item in value.items() for k, v in _numbers(item, f"{key}.{name}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _numbers(item, f"{key}.{i}").items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "second" not in key:
        return {key: value}
    return {}


@pytest.mark.parametrize("task", list(TASKS))
def test_the_verbs_run_a_model_on_the_device_and_answer_as_on_the_cpu(
        task: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit VERB DIR --device cuda`` (score, sample, evaluate with greedy and beam decoding, predict,
    translate, score; translate, score, caption's, a recogniser's and a classifier's evaluate and predict with
    ``--ensemble``, whose other models load on the CPU) answers as ``--device cpu`` does (TF32 off): the same
    numbers to 1e-4 and the same texts. The model trains 30 updates, so that its decoders' choices are not ties to
    float precision."""
    data = TASKS[task](tmp_path)
    out = tmp_path / "run"
    assert main(["train", task, *data, "--out", str(out), "--steps", "30", "--device", "cpu", "--no-progress",
                 "--save-minutes", "0", "--eval-every", "15"]) == 0
    capsys.readouterr()
    for verb in VERBS[task]:
        answers = []
        for device in (str(DEVICE), "cpu"):
            argv = [verb[0], str(out), *(w.format(data=data[1], run=out) for w in verb[1:]), "--device", device]
            assert main(argv) == 0, argv
            answers.append(capsys.readouterr().out)
        texts = [re.sub(r"-?[0-9][0-9.e+-]*", "N", a) for a in answers]  # the words, numbers aside
        assert texts[0] == texts[1], verb
        got, want = (_numbers([json.loads(line) for line in a.splitlines() if line.startswith("{")]) for a in answers)
        assert got.keys() == want.keys(), verb
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-4, abs=1e-5), (verb, key)


@pytest.mark.parametrize("task", list(TASKS))
def test_rnnkit_report_device_writes_every_task_page_from_the_device(task: str, tmp_path: Path) -> None:
    """``rnnkit report RUN --device cuda``: the sections that call the network themselves (unit traces and the
    per-character loss, attention colours, CTC alignments, decoded examples) take their inputs to the model's
    device and read its answers back on the CPU, for every task's page."""
    pytest.importorskip("plotly")
    data = TASKS[task](tmp_path)
    out = tmp_path / "run"
    assert main(["train", task, *data, "--out", str(out), "--steps", "4", "--device", "cpu", "--no-progress",
                 "--save-minutes", "0", "--eval-every", "2"]) == 0
    assert main(["report", str(out), "--device", str(DEVICE)]) == 0
    assert (out / "report.html").stat().st_size > 1000


@pytest.mark.parametrize("experiment", ["adding", "copy"])
def test_an_experiment_on_the_device_measures_what_the_cpu_measures(
        experiment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit experiment NAME --device cuda``: every kind of cell (cuDNN's LSTM, the IRNN, the Clockwork RNN's
    own loop, minGRU's parallel scan) trains there and ends at the CPU's test metric."""
    results = []
    for run, device in enumerate((str(DEVICE), "cpu")):
        assert main(["experiment", experiment, "--cells", "lstm,irnn,clockwork,mingru", "--steps", "10", "--seeds",
                     "1", "--eval-every", "5", "--eval-size", "64", "--length", "12", "--batch-size", "16",
                     "--device", device, "--out", str(tmp_path / str(run)), "--quiet", "--json"]) == 0
        results.append(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["results"])
    for cell, want in results[1].items():
        assert results[0][cell]["mean"] == pytest.approx(want["mean"], rel=1e-3, abs=1e-4), cell
    assert json.loads((tmp_path / "0" / "results.json").read_text())["device"].startswith(DEVICE.type)


# --------------------------------------------------------------------- more options of each task on the device
#: what the language models of EXTRA score: 200 characters, four updates of dynamic evaluation (a relu cell of four
#: updates reads the whole training text to an overflow)
SCORED = "the cat sat on the mat; the dog sat on the log. " * 4
#: option sets beyond those of TASKS, each trained on the device for a few updates and then used there by the verbs
#: listed ("{data}": the task's --data, "{tmp}": the test's folder, "{out}": the run): the paths the runs above do
#: not take. A tensor left on the CPU beside the model's (a mask, an index, a generator) raises there.
EXTRA = {
    "classify-autotune": ("classify", ["--autotune", "--steps", "12"], [["predict", "good film 3", "--top-k", "2"]]),
    "classify-pretrain-weights-attention": (
        "classify", ["--pretrain-data", "{tmp}/u.txt", "--pretrain-steps", "3", "--class-weights", "balanced",
                     "--token-dropout", "0.2", "--pooling", "attention", "--bidirectional"],
        [["evaluate", "--data", "{data}", "--baseline", "--json"], ["predict", "good film 3", "bad", "--top-k", "2"]]),
    "classify-multi-label": ("classify", ["--multi-label", "--pooling", "max", "--cell", "gru", "--layers", "2"],
                             [["predict", "fine film 3", "--threshold", "0.3", "--json"],
                              ["evaluate", "--data", "{data}", "--json"]]),
    "classify-bag-char-ngrams": (
        "classify", ["--layers", "0", "--pooling", "mean", "--tokenizer", "word", "--char-ngrams", "3,4", "--buckets",
                     "1000", "--token-dropout", "0.2"], [["predict", "good film 3", "--top-k", "2", "--json"]]),
    "classify-bag-attention": ("classify", ["--layers", "0", "--pooling", "attention", "--tokenizer", "word"],
                               [["evaluate", "--data", "{data}", "--json"]]),
    "tag-softmax-word-dropout": ("tag", ["--no-crf", "--word-dropout", "0.5"],
                                 [["predict", "Bob visited Zurich", "--json"], EVALUATE[0]]),
    "tag-cnn-spelling-zoneout": ("tag", ["--no-crf", "--char-encoder", "cnn", "--zoneout", "0.1"],
                                 [["predict", "Bob visited Zurich", "--json"]]),
    "seq2seq-no-attention": (
        "seq2seq", ["--attention", "none", "--teacher-forcing", "0.5", "--bidirectional", "--layers", "2",
                    "--decoder-layers", "1"],
        [["translate", "4 July 1999", "--beam", "3", "--n-best", "2", "--no-repeat-ngram", "2", "--json"]]),
    "seq2seq-bahdanau": ("seq2seq", ["--attention", "bahdanau"],
                         [["translate", "4 July 1999", "12 May 2001", "--beam", "3", "--n-best", "3",
                           "--no-repeat-ngram", "1", "--attention-png", "{tmp}/a.png", "--json"],
                          ["evaluate", "--data", "{data}", "--beam", "3", "--json"]]),
    "seq2seq-dot-gru": ("seq2seq", ["--attention", "dot", "--cell", "gru", "--teacher-forcing-floor", "0", "--dropout",
                                    "0.2"], [["translate", "4 July 1999", "--attention-png", "{tmp}/a.png"]]),
    "speech-spec-augment": (
        "speech", ["--spec-augment", "--freq-width", "4", "--time-width", "5", "--speed-perturb", "--vtlp", "0.1"],
        [["transcribe", "{data}/wav/0.wav", "{data}/wav/1.wav", "--timings", "--beam", "4", "--json"],
         ["evaluate", "--data", "{data}", "--beam", "3", "--json"]]),
    "speech-chars-conv": ("speech", ["--symbols", "chars", "--subsample-kind", "conv", "--layers", "2", "--zoneout",
                                     "0.1"], [["transcribe", "{data}/wav/2.wav", "--timings", "--json"]]),
    "caption-row-encoder": (
        "caption", ["--row-encoder", "--attention-penalty", "0.5", "--augment-elastic", "0.05"],
        [["caption", "{data}/test/00000.png", "--attention-png", "{tmp}/a.png", "--beam", "3", "--n-best", "2",
          "--json"]]),
    "caption-grey-no-positions": ("caption", ["--no-positions", "--grey", "--cell", "gru", "--layers", "2"],
                                  [["caption", "{data}/test/00000.png", "--beam", "2"]]),
    "charlm-minutes": ("charlm", ["--minutes", "0.05"], [["sample", "--length", "20", "--top-k", "3", "--seed", "1"]]),
    "charlm-regularised-bf16": (
        "charlm", ["--weight-drop", "0.2", "--zoneout", "0.1", "--recurrent-dropout", "0.1", "--layers", "2",
                   "--precision", "bf16"],
        [["score", "--file", "{data}", "--dynamic", "--dynamic-method", "sgd", "--json"]]),
    "charlm-layer-norm": ("charlm", ["--layer-norm", "--no-memory", "--ema", "0.9", "--shift", "16"],
                          [["score", "--file", "{data}", "--dynamic", "--json"],
                           ["sample", "--length", "20", "--top-k", "3", "--temperature", "0.5", "--seed", "1"]]),
    **{f"charlm-{cell}": ("charlm", ["--cell", cell, "--layers", "2", "--dropout", "0.1"],
                          [["score", SCORED, "--dynamic", "--dynamic-method", "sgd", "--dynamic-lr", "0.01", "--json"],
                           ["sample", "--length", "20", "--top-k", "3", "--seed", "1"]])
       for cell in CELLS if cell != "lstm"},
}


@pytest.mark.everywhere
def test_the_device_runs_train_every_registered_task(lists_every_task: Callable[..., None]) -> None:
    """TASKS, VERBS and EXTRA name every task that registers itself, on any machine: a new task left out of them is
    never run on a GPU, and nothing else would say so."""
    lists_every_task("tests/test_cuda.py", TASKS=TASKS, VERBS=VERBS, EXTRA=[task for task, _, _ in EXTRA.values()])


@pytest.mark.parametrize("case", list(EXTRA))
def test_more_options_of_every_task_train_and_answer_on_the_device(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit train TASK --device cuda`` with options the runs above leave out (the classifier's search,
    pre-training, several labels and bags; the tagger without a CRF; every attention; SpecAugment; the
    captioner's row encoder; every cell and regulariser of the language model), then the verbs on the device:
    each ends well, the run records the device, and on a GPU its memory peaks above what it held before."""
    task, options, verbs = EXTRA[case]
    data = TASKS[task](tmp_path)
    (tmp_path / "u.txt").write_text("a good film and a good day\na bad film and a bad day\n" * 20, encoding="utf-8")
    out = tmp_path / "run"
    budget = [] if {"--steps", "--minutes"} & set(options) else ["--steps", "4"]
    fill = {"data": data[1], "tmp": tmp_path, "out": out}
    before = _gpu_memory()
    assert main(["train", task, *data, *(w.format(**fill) for w in options), *budget, "--out", str(out), "--device",
                 str(DEVICE), "--no-progress", "--save-minutes", "0", "--eval-every", "2"]) == 0
    if DEVICE.type == "cuda":
        assert torch.cuda.max_memory_allocated() > before
    assert load_checkpoint(out).config["settings"]["device"] == str(DEVICE)
    for verb in verbs:
        (tmp_path / "a.png").unlink(missing_ok=True)
        argv = [verb[0], str(out), *(w.format(**fill) for w in verb[1:]), "--device", str(DEVICE)]
        capsys.readouterr()
        assert main(argv) == 0, argv
        said = capsys.readouterr().out
        assert said.strip(), argv
        if "--json" in verb:
            assert all(json.loads(line) for line in said.splitlines() if line.startswith("{")), argv
        if "--attention-png" in verb:
            assert (tmp_path / "a.png").stat().st_size > 0, argv


def test_a_model_that_cannot_fit_on_the_device_is_refused_before_it_is_built(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--hidden 300000`` asks for about 700 billion parameters: the refusal names the device and its free
    memory (``torch.cuda.mem_get_info`` on a GPU), exits 2, allocates nothing there and writes no run."""
    from rnnkit.train.memory import free_memory

    free = free_memory(DEVICE)
    assert free is not None and free > 0
    if DEVICE.type == "cuda":
        assert free == pytest.approx(torch.cuda.mem_get_info(DEVICE)[0], rel=0.05)
    data = _text(tmp_path)
    before = _gpu_memory()
    assert main(["train", "charlm", *data, "--hidden", "300000", "--out", str(tmp_path / "run"), "--device",
                 str(DEVICE), "--no-progress"]) == 2
    said = capsys.readouterr().err
    assert "--hidden 300000" in said and "parameters" in said, said
    place = "this machine" if DEVICE.type == "cpu" else f"cuda:{DEVICE.index or torch.cuda.current_device()}"
    assert f"{place} has" in said, said
    if DEVICE.type == "cuda":
        assert torch.cuda.max_memory_allocated() == before
    assert not (tmp_path / "run").exists()
