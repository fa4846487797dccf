"""Model directories edited or damaged by someone else: every command that loads one answers in one line
(exit 2) instead of a traceback, a hang, or a quietly different model."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    data = root / "train.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(20)))
    rnnkit.fit("classify", data=str(data), out=root / "run", tokenizer="word", hidden=8, embedding=8, steps=4,
               eval_every=2, verbose=False, progress=False)
    return root / "run"


def edited(trained: Path, tmp_path: Path, name: str, change: Callable[[object], object], where: str = "best") -> Path:
    """A copy of the run with the JSON file ``where/name`` replaced by ``change(its content)``."""
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    path = run / where / name
    path.write_text(json.dumps(change(json.loads(path.read_text()))))
    return run


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # a resume says what it read first
    assert err.startswith("rnnkit: error: "), err
    return err


def config_with(**model: object) -> Callable[[object], object]:
    def change(config: object) -> object:
        assert isinstance(config, dict)
        return {**config, "model": {**config["model"], **model}}
    return change


def test_a_huge_layer_count_is_refused_at_once(trained, tmp_path, capsys) -> None:
    """Building even a meta-device skeleton of 10 million layers took hours."""
    run = edited(trained, tmp_path, "config.json", config_with(num_layers=10_000_000))
    start = time.perf_counter()
    assert "num_layers asks for 10000000 layers" in refused(["predict", str(run), "a film"], capsys)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(("labels", "message"), [(["pos", "neg", "meh"], "labels has 3 entries, but the model has 2"),
                                                 (["pos", "pos"], "labels must be a list of distinct strings"),
                                                 ("ab", "labels must be a list of distinct strings"),
                                                 ([], "labels has 0 entries")])
def test_labels_that_do_not_fit_the_outputs_are_refused(trained, tmp_path, capsys, labels, message) -> None:
    run = edited(trained, tmp_path, "config.json", lambda c: {**c, "labels": labels})  # type: ignore[dict-item]
    assert message in refused(["predict", str(run), "a film"], capsys)


@pytest.mark.parametrize(("change", "message"), [
    (lambda v: {**v, "symbols": v["symbols"] + [f"w{i}" for i in range(50)]}, "the vocabulary has"),
    (lambda v: {**v, "symbols": v["symbols"][:-1] + [v["symbols"][2]]}, "appears twice"),
    (lambda v: {**v, "symbols": v["symbols"][:-1] + [["nested"]]}, "must be a list of strings")])
def test_a_vocabulary_that_does_not_fit_the_embedding_is_refused(trained, tmp_path, capsys, change, message) -> None:
    """A larger one failed mid-prediction with torch's index error; a smaller one changed the answers."""
    run = edited(trained, tmp_path, "vocab.json", change)
    assert message in refused(["predict", str(run), "a film w40"], capsys)


@pytest.mark.parametrize(("field", "value"), [("settings", [1]), ("model", "x"), ("data", 5)])
def test_config_fields_that_are_not_objects_are_refused(trained, tmp_path, capsys, field, value) -> None:
    run = edited(trained, tmp_path, "config.json", lambda c: {**c, field: value})  # type: ignore[dict-item]
    assert f"field {field!r} must be an object" in refused(["predict", str(run), "a film"], capsys)


@pytest.mark.parametrize(("change", "message"), [
    (config_with(vocab_size=0), "model.vocab_size 0: expected a whole number from 1"),
    (lambda c: {**c, "max_len": 0}, "max_len 0: expected a positive")])
def test_sizes_of_zero_are_refused(trained, tmp_path, capsys, change, message) -> None:
    run = edited(trained, tmp_path, "config.json", change)
    assert message in refused(["predict", str(run), "a film"], capsys)


def test_a_config_nested_too_deeply_is_refused(trained, tmp_path, capsys) -> None:
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    (run / "best" / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in refused(["info", str(run)], capsys)


@pytest.mark.parametrize("damage", ["folder", "dangling link"])
def test_a_damaged_best_is_refused_not_replaced_by_last(trained, tmp_path, capsys, damage) -> None:
    """predict and info used last/ without a word when best/model.safetensors was not a file."""
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    weights = run / "best" / "model.safetensors"
    weights.unlink()
    if damage == "folder":
        weights.mkdir()
    else:
        weights.symlink_to(tmp_path / "nowhere")
    assert f"{damage}, where the checkpoint's model.safetensors belongs" in refused(["info", str(run)], capsys)


@pytest.mark.parametrize(("dtype", "message"), [(torch.bool, "holds bool values"), (None, "NaN or infinite")])
def test_weights_of_another_type_or_not_finite_are_refused(trained, tmp_path, capsys, dtype, message) -> None:
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    path = run / "best" / "model.safetensors"
    weights = load_file(str(path))
    name = sorted(weights)[0]
    weights[name] = weights[name].to(dtype) if dtype is not None else torch.full_like(weights[name], float("nan"))
    save_file(weights, str(path))
    assert message in refused(["predict", str(run), "a film"], capsys)


@pytest.mark.parametrize(("change", "message"), [(lambda o: [1], "not an optimizer's state"),
                                                 (lambda o: {k: v for k, v in o.items() if k != "state"},
                                                  "not an optimizer's state")])
def test_a_damaged_optimizer_state_is_refused_on_resume(trained, tmp_path, capsys, change, message) -> None:
    run = edited(trained, tmp_path, "optimizer.json", change, where="last")
    argv = ["train", "classify", "--resume", str(run), "--steps", "6", "--no-progress"]
    assert message in refused(argv, capsys)


def test_moment_estimates_of_another_shape_are_refused_on_resume(trained, tmp_path, capsys) -> None:
    """One with the parameter's element count but another shape was taken silently."""
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    path = run / "last" / "optimizer.safetensors"
    state = load_file(str(path))
    name = next(k for k, v in state.items() if k.endswith("exp_avg") and v.dim() == 2)
    state[name] = state[name].reshape(state[name].shape[1], state[name].shape[0]).contiguous()
    save_file(state, str(path))
    argv = ["train", "classify", "--resume", str(run), "--steps", "6", "--no-progress"]
    assert "the optimizer state is damaged" in refused(argv, capsys)


def test_resume_skips_records_of_metrics_jsonl_that_are_not_records(trained, tmp_path, capsys) -> None:
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    with open(run / "metrics.jsonl", "ab") as fh:
        fh.write(b'[1, 2]\n{"step": "x"}\n\xff\xfe\n')
    assert main(["train", "classify", "--resume", str(run), "--steps", "6", "--no-progress"]) == 0
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 6


def test_info_shows_a_damaged_trainer_state_as_it_is(trained, tmp_path, capsys) -> None:
    run = edited(trained, tmp_path, "trainer_state.json", lambda s: {**s, "elapsed": "soon", "best_metric": "x"})
    assert main(["info", str(run)]) == 0
    assert "steps in 'soon' s" in capsys.readouterr().out


@pytest.mark.parametrize(("field", "value"), [
    ("padding", {"strategy": {"Fixed": 300000000}, "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0,
                 "pad_type_id": 0, "pad_token": "<pad>"}),
    ("truncation", {"direction": "Right", "max_length": 1, "strategy": "LongestFirst", "stride": 0}),
    ("dropout", 0.9)])
def test_a_bpe_vocabulary_asking_for_what_rnnkit_never_writes_is_refused(tmp_path, capsys, field, value) -> None:
    """A saved Fixed padding of 3e8 took gigabytes and aborted in Rust; BPE dropout gave random answers."""
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "".join(f"good film number {i},pos\nbad film number {i},neg\n"
                                             for i in range(20)))
    run = tmp_path / "run"
    rnnkit.fit("classify", data=str(data), out=run, tokenizer="bpe", vocab_size=60, hidden=8, embedding=8,
               steps=2, eval_every=2, verbose=False, progress=False)
    path = run / "best" / "vocab.json"
    vocab = json.loads(path.read_text())
    if field == "dropout":
        vocab["tokenizer"]["model"]["dropout"] = value
    else:
        vocab["tokenizer"][field] = value
    path.write_text(json.dumps(vocab))
    assert "must be null" in refused(["predict", str(run), "a good film"], capsys)


@pytest.mark.parametrize("value", [None, "x", 0, True, 1_000_000_000])
def test_a_decoder_max_len_out_of_range_is_refused(tmp_path, capsys, value) -> None:
    """A caption model's settings.max_len was read with int(): None or "x" gave tracebacks, 0 or true empty
    captions, and 10^9 decoded for ever."""
    from rnnkit.errors import UserError
    from rnnkit.train.building import saved_max_len
    from rnnkit.train.checkpoint import load_checkpoint

    run = tmp_path / "best"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"task": "caption", "settings": {"max_len": value}}))
    save_file({"w": torch.zeros(1)}, str(run / "model.safetensors"))
    with pytest.raises(UserError, match="settings.max_len .*: expected an integer from 1 to 10000"):
        saved_max_len(load_checkpoint(tmp_path), 30)


@pytest.mark.parametrize(("change", "message"), [(config_with(bidirectional=0), "bidirectional 0: expected true or"),
                                                 (config_with(bidirectional="x"), "expected true or false"),
                                                 (config_with(num_layers=True), "expected a number of layers")])
def test_switches_and_layer_counts_of_the_wrong_type_are_refused(trained, tmp_path, capsys, change, message) -> None:
    """They passed the shape check and failed in torch's kernel at the first forward."""
    run = edited(trained, tmp_path, "config.json", change)
    assert message in refused(["predict", str(run), "a film"], capsys)


def test_report_names_a_run_whose_files_hold_values_of_the_wrong_type(tmp_path, capsys) -> None:
    from rnnkit.tasks.experiments import Settings, run_experiment, write_outputs

    s = Settings(experiment="adding", cells=["gru"], seeds=1, steps=2, length=8, hidden=4, batch_size=4,
                 eval_every=1, eval_size=4)
    write_outputs(run_experiment(s), tmp_path)
    doc = json.loads((tmp_path / "results.json").read_text())
    doc["results"]["gru"]["runs"] = 5
    (tmp_path / "results.json").write_text(json.dumps(doc))
    assert "its files hold values rnnkit does not write" in refused(["report", str(tmp_path)], capsys)


def test_a_metrics_line_nested_too_deeply_is_skipped_by_report_and_resume(trained, tmp_path, capsys) -> None:
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    with open(run / "metrics.jsonl", "a") as fh:
        fh.write("[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["report", str(run)]) == 0
    assert main(["train", "classify", "--resume", str(run), "--steps", "6", "--no-progress"]) == 0


def test_a_charlm_checkpoint_with_a_number_for_its_data_or_a_character_is_refused(tmp_path, capsys) -> None:
    text = tmp_path / "t.txt"
    text.write_text("to be or not to be\n" * 40, encoding="utf-8")
    run = tmp_path / "lm"
    rnnkit.fit("charlm", data=str(text), out=run, hidden=8, seq_len=8, batch_size=2, steps=2, eval_every=2,
               verbose=False, progress=False)
    config = json.loads((run / "last" / "config.json").read_text())
    (run / "last" / "config.json").write_text(json.dumps({**config, "settings": {**config["settings"], "data": 5}}))
    assert "settings.data 5" in refused(["train", "charlm", "--resume", str(run), "--steps", "4"], capsys)
    vocab = json.loads((run / "best" / "vocab.json").read_text())
    key = "symbols" if "symbols" in vocab else "chars"
    (run / "best" / "vocab.json").write_text(json.dumps({**vocab, key: [0, *vocab[key][1:]]}))
    assert "not a character vocabulary" in refused(["sample", str(run), "--length", "5"], capsys)
