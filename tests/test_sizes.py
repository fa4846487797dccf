"""Model sizes that cannot train here are refused in one line before anything is built (rnnkit.train.memory):
``--layers 100000`` initialised layer after layer for minutes, ``--hidden 30000`` filled 14 GB first. The sizes
asked for here need terabytes at least, so every machine refuses them; nothing of their size is ever built."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

import rnnkit
from rnnkit.cells import CELLS
from rnnkit.cli import main
from rnnkit.errors import SettingError, UserError
from rnnkit.models.captioner import Captioner
from rnnkit.models.charword import CharWordEncoder
from rnnkit.models.classifier import Classifier
from rnnkit.models.encoder import TextEncoder
from rnnkit.models.language_model import LanguageModel
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.models.sequence import SequenceModel
from rnnkit.models.speech import SpeechRecognizer
from rnnkit.models.tagger import Tagger
from rnnkit.recurrent import Recurrent
from rnnkit.train.options import TrainSettings


def _count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ------------------------------------------------------------------------------------- counting, nothing built
@pytest.mark.parametrize("cell", list(CELLS))
def test_stack_parameters_counts_what_recurrent_builds(cell: str) -> None:
    from rnnkit.recurrent import stack_parameters

    options = {"periods": [1, 2]} if cell == "clockwork" else {}
    shapes = [{"num_layers": 1}, {"num_layers": 3, "bidirectional": True}, {"num_layers": 2, "bias": False}]
    if cell == "lstm":
        shapes += [{"num_layers": 2, "bidirectional": True, "proj_size": 3}, {"num_layers": 2, "layer_norm": True}]
    for shape in shapes:
        assert stack_parameters(cell, 5, 8, **shape) == _count(Recurrent(cell, 5, 8, **shape, **options))


MODELS: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = [
    (LanguageModel, (11,), {"cell": "gru", "hidden_size": 7, "num_layers": 3, "embed_dim": 5, "memory": [2, 3]}),
    (LanguageModel, (11,), {"hidden_size": 6, "num_layers": 1, "embed_dim": 5, "layer_norm": True}),
    (Classifier, (13, 5), {"embedding_dim": 6, "hidden_size": 5, "num_layers": 2, "bidirectional": True,
                           "pooling": "attention"}),
    (Classifier, (13, 2), {"embedding_dim": 6, "hidden_size": 5, "num_layers": 0, "pooling": "mean"}),
    (Classifier, (13, 3), {"embedding_dim": 6, "hidden_size": 5, "pooling": "max", "multi_label": True}),
    (Tagger, (13, 4), {"embedding_dim": 6, "hidden_size": 5, "num_layers": 2, "num_chars": 9, "char_dim": 3,
                       "char_hidden": 4, "crf": True}),
    (Tagger, (13, 4), {"embedding_dim": 6, "hidden_size": 5, "bidirectional": False, "num_chars": 9, "char_dim": 3,
                       "char_hidden": 4, "char_encoder": "cnn"}),
    (Seq2Seq, (11, 7), {"embedding": 5, "hidden": 6, "layers": 2, "decoder_layers": 3, "bidirectional": True,
                        "attention": "bahdanau"}),
    (Seq2Seq, (11, 7), {"cell": "gru", "embedding": 5, "hidden": 6, "attention": "dot", "decoder_cell": "lstm"}),
    (Seq2Seq, (11, 7), {"embedding": 5, "hidden": 6, "bidirectional": True, "attention": "general"}),
    (Seq2Seq, (11, 7), {"embedding": 6, "hidden": 6, "layers": 2, "attention": "bahdanau",
                        "share_decoder_embeddings": True}),
    (Captioner, (7,), {"image_size": [16, 32], "channels": [4, 6], "embedding": 5, "hidden": 6, "layers": 2,
                       "attention": "bahdanau", "row_encoder": True}),
    (Captioner, (7,), {"image_size": 16, "channels": [4], "cell": "gru", "embedding": 5, "hidden": 6,
                       "positions": False}),
    (Captioner, (7,), {"image_size": 16, "channels": [4], "embedding": 6, "hidden": 6, "attention": "dot",
                       "share_decoder_embeddings": True}),
    (SpeechRecognizer, (5, 7), {"hidden": 6, "layers": 2, "subsample": 3, "subsample_kind": "conv"}),
    (SpeechRecognizer, (5, 7), {"hidden": 6, "layers": 1, "bidirectional": False, "layer_norm": True}),
    (SequenceModel, ("lstm", 2, 6, 3, False), {}),
    (TextEncoder, (13,), {"embedding_dim": 6, "hidden_size": 5, "num_layers": 2, "cell": "gru", "bidirectional": True,
                          "input_extra": 3}),
    (CharWordEncoder, (9,), {"char_dim": 3, "hidden_size": 4, "cell": "gru"}),
    (CharWordEncoder, (9,), {"char_dim": 3, "hidden_size": 4, "encoder": "cnn", "width": 5}),
]


@pytest.mark.parametrize(("cls", "args", "kwargs"), MODELS, ids=lambda x: getattr(x, "__name__", None))
def test_each_model_counts_its_parameters_without_building_itself(cls: Any, args: tuple[Any, ...],
                                                                    kwargs: dict[str, Any]) -> None:
    assert cls.count_parameters(*args, **kwargs) == _count(cls(*args, **kwargs))


def test_models_holds_every_model_that_counts_its_parameters() -> None:
    """Every class of rnnkit.models with its own ``count_parameters`` (a new task's model among them: its size is
    refused from that count before it is built) is in MODELS, so that no count is left untested."""
    import importlib
    import inspect
    import pkgutil

    import rnnkit.models

    counting = set()
    for info in pkgutil.iter_modules(rnnkit.models.__path__):
        module = importlib.import_module(f"rnnkit.models.{info.name}")
        counting |= {cls for _, cls in inspect.getmembers(module, inspect.isclass)
                     if cls.__module__ == module.__name__ and "count_parameters" in vars(cls)}
    missing = sorted(cls.__name__ for cls in counting - {cls for cls, _, _ in MODELS})
    assert not missing, f"tests/test_sizes.py's MODELS leaves out {', '.join(missing)}"


# ------------------------------------------------------------------------------------------------ the check
def test_training_bytes_count_the_weights_gradients_and_optimiser_state() -> None:
    from rnnkit.train.memory import training_bytes

    assert training_bytes(1000) == training_bytes(1000, "adamw") == 16_000
    assert training_bytes(1000, "adamw", ema=0.999) == 20_000
    assert training_bytes(1000, "sgd") == training_bytes(1000, "rmsprop") == 12_000
    assert training_bytes(1000, "sgd", momentum=0.0) == 8_000


def test_free_memory_of_this_machine_is_a_positive_number() -> None:
    from rnnkit.train import memory

    free = memory.free_memory(torch.device("cpu"))
    assert free is None or free > 0


def test_a_model_that_fits_is_never_refused_and_one_byte_more_is(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.train import memory
    from rnnkit.train.memory import check_fits

    monkeypatch.setattr(memory, "free_memory", lambda device: 1600)
    config = TrainSettings(optimizer="adam", device="cpu")
    check_fits(config, 100, "a 1-layer LSTM of hidden 4", ("steps",))  # 16 bytes a parameter: exactly 1600
    with pytest.raises(SettingError) as caught:
        check_fits(config, 101, "a 1-layer LSTM of hidden 4", ("steps",))
    assert str(caught.value).startswith("steps 1000: the model (a 1-layer LSTM of hidden 4) has 101 parameters")


def test_a_gpu_run_needs_the_training_state_on_the_gpu_and_the_weights_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model is built in this machine's memory, then moved to the GPU, which holds it while it trains."""
    from rnnkit.train import memory
    from rnnkit.train.memory import check_fits

    free = {"cpu": 10**12, "cuda": 10**9}
    monkeypatch.setattr(memory, "resolve_device", lambda name: torch.device(name if name == "cpu" else "cuda:0"))
    monkeypatch.setattr(memory, "free_memory", lambda device: free[device.type])
    config = TrainSettings(device="cuda", ema=0.0)
    with pytest.raises(SettingError, match=r"1.6 GB for the weights, gradients and Adam's two moments; cuda:0 has "
                                           r"1 GB free$"):
        check_fits(config, 10**8, "a model", ("steps",))
    free.update(cpu=10**8, cuda=10**12)
    with pytest.raises(SettingError, match=r"0.4 GB for the weights, built here first; this machine has 0.1 GB free$"):
        check_fits(config, 10**8, "a model", ("steps",))


# --------------------------------------------------------------------------------- every task, before building
@pytest.fixture
def nothing_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """A recurrent stack of more than 1,000 units or 100 layers fails the test (the absurd ones took minutes or
    the machine); smaller ones are built as ever."""
    build = Recurrent.__init__

    def refuse(self: Recurrent, cell: str, input_size: int, hidden_size: int, num_layers: int = 1, *args: Any,
               **kwargs: Any) -> None:
        if hidden_size > 1000 or num_layers > 100:
            raise AssertionError(f"a recurrent stack of {num_layers} x {hidden_size} was built before the check")
        build(self, cell, input_size, hidden_size, num_layers, *args, **kwargs)

    monkeypatch.setattr(Recurrent, "__init__", refuse)


def _text(folder: Path) -> list[str]:
    path = folder / "t.txt"
    path.write_text("the cat sat on the mat; the dog sat on the log.\n" * 300, encoding="utf-8")
    return ["--data", str(path)]


def _rows(folder: Path) -> list[str]:
    path = folder / "t.csv"
    rows = [f"{w} film {i},{'pos' if w in ('good', 'fine') else 'neg'}" for i in range(30) for w in ("good", "bad")]
    path.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return ["--data", str(path)]


def _sentences(folder: Path) -> list[str]:
    path = folder / "t.conll"
    path.write_text("\n".join(f"Anna\tB-PER\n{w}\tO\nRome\tB-LOC\n" for w in ["saw", "left", "liked"] * 5),
                    encoding="utf-8")
    return ["--data", str(path)]


def _pairs(folder: Path) -> list[str]:
    path = folder / "p.tsv"
    path.write_text("".join(f"abc {i}\txyz {i}\n" for i in range(30)), encoding="utf-8")
    return ["--data", str(path)]


def _images(folder: Path) -> list[str]:
    assert main(["data", "shapes", "--out", str(folder / "shapes"), "--images", "10", "--seed", "1"]) == 0
    return ["--data", str(folder / "shapes")]


def _speech(folder: Path) -> list[str]:
    soundfile = pytest.importorskip("soundfile")
    pytest.importorskip("jiwer")
    (folder / "wav").mkdir()
    lines = ["audio\ttext\tphonemes"]
    for i in range(4):
        soundfile.write(str(folder / "wav" / f"{i}.wav"), torch.sin(torch.arange(3200) * 0.2).numpy(), 16000,
                        subtype="PCM_16")
        lines.append(f"wav/{i}.wav\tlo hi\tlo hi")
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["--data", str(folder)]


TASKS = {"charlm": _text, "classify": _rows, "tag": _sentences, "seq2seq": _pairs, "caption": _images,
         "speech": _speech}
#: the stack each task's refusal describes, at its default hidden size
STACKS = {"charlm": "LSTM of hidden 384", "classify": "LSTM of hidden 128", "tag": "bidirectional LSTM of hidden 100",
          "seq2seq": "LSTM of hidden 128", "caption": "LSTM of hidden 256", "speech": "bidirectional GRU of hidden 256"}
#: what a refusal says after the stack: a captioner's position embeddings grow with its images
AFTER = {"caption": " over 64x64 images"}


def test_the_refusals_are_checked_for_every_registered_task(lists_every_task: Callable[..., None]) -> None:
    """A new task left out of TASKS and STACKS would have its sizes never checked, and nothing else would say so."""
    lists_every_task("tests/test_sizes.py", TASKS=TASKS, STACKS=STACKS)


LINE = (r"rnnkit: error: {flag}: the model \(a {what}\) has [\d.]+ (trillion|× 10\^\d+) parameters, [\d,]+ GB for "
        r"the weights, gradients(,| and) AdamW?'s two moments( and the weights' moving average)?; "
        r"(this machine|cuda:\d+) has [\d.,]+ GB free\n")  # cuda:0 where torch sees a GPU (--device auto)


@pytest.mark.parametrize("task", list(TASKS))
def test_rnnkit_train_refuses_layers_it_could_not_hold_before_building_anything(
        task: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], nothing_built: None) -> None:
    data = TASKS[task](tmp_path)
    out = tmp_path / "run"
    assert main(["train", task, *data, "--out", str(out), "--layers", "10000000", "--steps", "1"]) == 2
    what = f"10000000-layer {STACKS[task]}{AFTER.get(task, '')}"
    assert re.fullmatch(LINE.format(flag="--layers 10000000", what=what), capsys.readouterr().err)
    assert not out.exists()


@pytest.mark.parametrize("task", list(TASKS))
def test_rnnkit_train_refuses_a_hidden_size_it_could_not_hold_before_building_anything(
        task: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], nothing_built: None) -> None:
    data = TASKS[task](tmp_path)
    assert main(["train", task, *data, "--out", str(tmp_path / "run"), "--hidden", "3000000", "--steps", "1"]) == 2
    layers = 3 if task == "speech" else 1
    what = f"{layers}-layer {STACKS[task].rsplit(' ', 1)[0]} 3000000{AFTER.get(task, '')}"
    assert re.fullmatch(LINE.format(flag="--hidden 3000000", what=what), capsys.readouterr().err)


def test_charlm_minutes_times_no_throwaway_model_of_a_size_it_refuses(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], nothing_built: None) -> None:
    """``--minutes`` measures the speed of the model on a throwaway copy to choose the dropout: after the check."""
    assert main(["train", "charlm", *_text(tmp_path), "--out", str(tmp_path / "run"), "--hidden", "3000000",
                 "--minutes", "1"]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --hidden 3000000: the model (a 1-layer LSTM of hidden "
                                              "3000000) has 36 trillion parameters")


def test_a_size_from_a_config_file_is_named_there(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  nothing_built: None) -> None:
    config = tmp_path / "c.toml"
    config.write_text("embedding = 2000000000\nlayers = 0\npooling = \"mean\"\ntokenizer = \"word\"\n")
    assert main(["train", "classify", *_rows(tmp_path), "--out", str(tmp_path / "run"), "--config", str(config),
                 "--steps", "1"]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {config}: embedding = 2000000000: the model (a bag of "
                                              "embeddings of size 2000000000) has ")


@pytest.mark.parametrize(("size", "pixels"), [("1000000", "1000000x1000000"), ("64x100000000", "64x100000000")])
def test_a_caption_image_size_it_could_not_hold_is_named(size: str, pixels: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         nothing_built: None) -> None:
    """The position embeddings grow with the image's pixels: ``--image-size 1000000`` was blamed on ``--layers 1``."""
    assert main(["train", "caption", *_images(tmp_path), "--out", str(tmp_path / "run"), "--image-size", size,
                 "--steps", "1"]) == 2
    assert re.fullmatch(LINE.format(flag=f"--image-size {size}", what=f"1-layer LSTM of hidden 256 over {pixels} "
                                    "images").replace("trillion|", "trillion|billion|"), capsys.readouterr().err)


@pytest.mark.parametrize("task", ["charlm", "classify", "caption"])
def test_a_size_past_a_float_is_refused_not_a_traceback(task: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         nothing_built: None) -> None:
    """``--hidden`` of 401 digits was an OverflowError's traceback (integer division result too large for a
    float) while the refusal chose which setting to name."""
    huge = str(10**400)
    assert main(["train", task, *TASKS[task](tmp_path), "--out", str(tmp_path / "run"), "--hidden", huge,
                 "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: --hidden {huge}: the model (a 1-layer ") and " × 10^" in err, err


def test_the_python_api_names_its_keyword(tmp_path: Path, nothing_built: None) -> None:
    with pytest.raises(UserError, match=r"^layers 10000000: the model \(a 10000000-layer GRU of hidden 384\) has "):
        rnnkit.fit("charlm", _text(tmp_path)[1], tmp_path / "run", layers=10_000_000, cell="gru", steps=1,
                   verbose=False)


def test_rnnkit_experiment_refuses_a_hidden_size_before_its_probe_builds_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], nothing_built: None) -> None:
    assert main(["experiment", "adding", "--hidden", "3000000", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --hidden 3000000: the model (a 1-layer rnn_tanh of "
                                              "hidden 3000000) has 9 trillion parameters")
    config = tmp_path / "e.toml"
    config.write_text('experiment = "adding"\n[cell.lstm]\nhidden = 3000000\n')
    assert main(["experiment", "--config", str(config), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {config}: [cell.lstm] hidden 3000000: the model (a "
                                              "1-layer LSTM")
    assert not (tmp_path / "o").exists()


def test_rnnkit_experiment_refuses_the_size_params_chooses_before_the_first_cell_trains(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        nothing_built: None) -> None:
    monkeypatch.setattr("rnnkit.train.memory.free_memory", lambda device: 10**9)  # a machine of 1 GB
    assert main(["experiment", "adding", "--params", "1000000000000", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --params 1000000000000: the model (a 1-layer rnn_tanh "
                                              "of hidden 65536) has 4.3 billion parameters")


def test_rnnkit_diagnose_refuses_a_hidden_size_before_its_output_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], nothing_built: None) -> None:
    assert main(["diagnose", "--hidden", "3000000", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --hidden 3000000: the model (a 1-layer ")
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------------- sequences too long to hold, before made
@pytest.fixture
def nothing_long_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """Data of more than 10^6 numbers made by the problems fail the test: the old code made them (a --length of
    10^9 allocated until the machine struggled), and the test must not, whatever this machine has."""
    from rnnkit.data import synthetic

    for name, numbers in (("adding_problem", lambda n, length, *a, **k: n * length),
                          ("copy_task", lambda n, delay, *a, **k: n * delay),
                          ("clockwork_waveform", lambda length=320, *a, **k: length)):
        made = getattr(synthetic, name)

        def guarded(*args: Any, made: Any = made, numbers: Any = numbers, name: str = name, **kwargs: Any) -> Any:
            if numbers(*args, **kwargs) > 10**6:
                raise AssertionError(f"{name}{args} was made before the check")
            return made(*args, **kwargs)

        monkeypatch.setattr(synthetic, name, guarded)
    monkeypatch.setattr("rnnkit.train.memory.free_memory", lambda device: 10**9)  # a machine of 1 GB


SEQUENCES = r"rnnkit: error: {flag}: {what} take at least [\d.,]+ GB; this machine has 1 GB free\n"


@pytest.mark.parametrize(("argv", "flag", "what"), [
    (["experiment", "adding", "--length", "1000000000"], "--length 1000000000",
     "the test set, a training batch and its hidden states"),
    (["experiment", "adding", "--length", "10", "--eval-size", "1000000000"], "--eval-size 1000000000",
     "the test set, a training batch and its hidden states"),
    (["experiment", "adding", "--batch-size", "100000000", "--steps", "1"], "--batch-size 100000000",
     "the test set, a training batch and its hidden states"),
    (["experiment", "adding", "--length", "1000000000", "--steps", "0"], "--length 1000000000", "the test set"),
    (["experiment", "copy", "--length", "1000000000"], "--length 1000000000",
     "the test set, a training batch and its hidden states"),
    (["experiment", "clockwork-waveform", "--length", "1000000000"], "--length 1000000000",
     "the waveform and its hidden states"),
    (["diagnose", "--length", "1000000000"], "--length 1000000000",
     "a training batch of 32 sequences and its hidden states"),
    (["diagnose", "--length", "1000000000", "--train-steps", "0"], "--length 1000000000",
     "the probed sequence, its hidden states, their gradients and each step's graph"),
    (["diagnose", "--cells", "gru", "--length", "10", "--train-steps", "0", "--clip-length", "1000000000"],
     "--clip-length 1000000000",
     "a clipping run's batch of 16 sequences and its hidden states"),
])
def test_sequences_this_machine_cannot_hold_are_refused_before_they_are_made(
        argv: list[str], flag: str, what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        nothing_long_made: None) -> None:
    """--length 1000000000 (or a test set or batch that large) made its sequences until the machine struggled, or
    ran out of memory at last; it is one line naming the flag before anything is made or --out is touched."""
    out = tmp_path / "o"
    assert main([*argv, "--out", str(out)]) == 2
    assert re.fullmatch(SEQUENCES.format(flag=flag, what=re.escape(what)), capsys.readouterr().err)
    assert not out.exists()


def test_a_length_from_a_config_file_or_python_is_named_there(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              nothing_long_made: None) -> None:
    from rnnkit.tasks import diagnose, experiments

    config = tmp_path / "e.toml"
    config.write_text('experiment = "adding"\nlength = 1000000000\n')
    assert main(["experiment", "--config", str(config), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {config}: length = 1000000000: the test set, ")
    with pytest.raises(UserError, match=r"^length 1000000000: the test set, a training batch and its hidden states "):
        experiments.run_experiment(experiments.Settings(experiment="adding", cells=["gru"], length=10**9))
    with pytest.raises(UserError, match=r"^clip_length 1000000000: a clipping run's batch of 16 sequences "):
        diagnose.run_diagnose(["gru"], 10, tmp_path / "d", train_steps=0, clip_length=10**9)
    assert not (tmp_path / "o").exists() and not (tmp_path / "d").exists()


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[1] / "experiments").glob("*.toml")),
                         ids=lambda p: p.name)
def test_the_shipped_experiments_fit_a_machine_of_1_gb(path: Path, nothing_long_made: None) -> None:
    """The check refuses no documented run: the shipped configs (and diagnose's documented command) need far less
    than 1 GB of sequences, let alone the 24 GB of the machine docs/RESULTS.md was measured on."""
    import argparse

    from rnnkit.tasks import diagnose, experiments

    p = argparse.ArgumentParser()
    experiments.add_arguments(p)
    s = experiments.settings_from_args(p.parse_args(["--out", "x", "--config", str(path)]))  # checks them
    experiments._check_data_fits(s, experiments.EXPERIMENTS[s.experiment])
    diagnose.check_settings(["rnn_tanh", "irnn", "lstm", "gru", "clockwork"], 200)
