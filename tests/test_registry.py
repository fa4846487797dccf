"""The task registry: a task defined here, in the test file, trains and answers through the CLI and the API.

The task ("sum"): a GRU reads a short sequence of numbers and predicts their sum (many-to-one
regression). Its data file is one sequence per line, numbers separated by spaces.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.cli import _train_flags, main
from rnnkit.device import model_device
from rnnkit.errors import SettingError, UserError
from rnnkit.tasks import TASKS, Task, Verb, register
from rnnkit.train import Trainer, seed_everything
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.train.options import TrainSettings, settings_of, train_config_from

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@dataclass
class SumConfig(TrainSettings):
    hidden: int = 16
    steps: int | None = 150
    lr: float = 0.02
    eval_every: int = 50

    def validate(self) -> None:
        if self.hidden < 1:
            raise SettingError("hidden", self.hidden, "expected a positive integer")


class SumModel(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.rnn = rnnkit.Recurrent("gru", 1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x.unsqueeze(-1))
        return self.head(out[:, -1]).squeeze(-1)


def read_sequences(path: str) -> list[list[float]]:
    rows = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        try:
            rows.append([float(v) for v in line.split()])
        except ValueError:
            raise UserError(f"{path}:{number}: expected numbers separated by spaces") from None
    return rows


class Batches:
    def __init__(self, rows: list[list[float]]) -> None:
        self.x = torch.tensor(rows)
        self.position = 0

    def next_batch(self) -> torch.Tensor:
        batch = self.x[self.position % len(self.x) :][:8]
        self.position += 8
        return batch

    def state_dict(self) -> dict[str, Any]:
        return {"position": self.position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.position = state["position"]


def loss_fn(model: nn.Module, x: torch.Tensor, state: Any) -> tuple[torch.Tensor, int, None]:
    return ((model(x) - x.sum(1)) ** 2).sum(), len(x), None


def train(config: SumConfig, data: str | None, out: str | Path, *, resume: bool = False, overwrite: bool = False,
          progress: bool | None = None, verbose: bool = True) -> Any:
    config.validate()
    rows = read_sequences(data)
    seed_everything(config.seed)
    model = SumModel(config.hidden)
    val = torch.tensor(rows[-16:])  # moved to the model's device (--device auto: a GPU where there is one)
    trainer = Trainer(
        model, train_config_from(settings_of(config), progress=progress, verbose=verbose, overwrite=overwrite),
        batches=Batches(rows), loss_fn=loss_fn, out_dir=out,
        eval_fn=lambda m: {"loss": float(((m(x := val.to(model_device(m))) - x.sum(1)) ** 2).mean())},
        model_config={"task": "sum", "hidden": config.hidden, "settings": settings_of(config)},
    )
    return trainer.fit()


class SumPredictor:
    """What rnnkit.load returns for a 'sum' model."""

    def __init__(self, ckpt: Checkpoint) -> None:
        self.model = SumModel(ckpt.config["hidden"])
        self.model.load_state_dict(ckpt.model_state)
        self.model.eval()

    def predict(self, sequences: list[list[float]]) -> list[float]:
        with torch.no_grad():
            return self.model(torch.tensor(sequences)).tolist()


def predict_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sequences", nargs="+", help="comma-separated numbers")


def predict_command(obj: SumPredictor, args: argparse.Namespace) -> int:
    for seq, value in zip(args.sequences, obj.predict([[float(v) for v in s.split(",")] for s in args.sequences]),
                          strict=True):
        print(json.dumps({"sequence": seq, "sum": value}))
    return 0


def report(result: Any, as_json: bool) -> None:
    print(json.dumps({"best_val_loss": result.best_metric}) if as_json else f"best {result.best_metric:.4f}")


SUM_TASK = Task(
    name="sum", help="predict the sum of a sequence", config=SumConfig, train=train, load=SumPredictor,
    add_arguments=lambda p: (p.add_argument("--data"), p.add_argument("--out"), p.add_argument("--hidden", type=int)),
    report=report, verbs=(Verb("predict", "the sum of each sequence", predict_arguments, predict_command),),
    frozen=("hidden",),
)


@pytest.fixture
def sum_task() -> Iterator[Task]:
    register(SUM_TASK)
    yield SUM_TASK
    TASKS.pop("sum", None)


@pytest.fixture
def data(tmp_path: Path) -> str:
    rng = random.Random(0)
    path = tmp_path / "seqs.txt"
    path.write_text("\n".join(" ".join(f"{rng.uniform(-1, 1):.3f}" for _ in range(5)) for _ in range(96)) + "\n")
    return str(path)


def test_a_task_defined_here_trains_and_answers_through_cli_and_api(sum_task, data, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["train", "sum", "--data", data, "--out", str(out), "--no-progress", "--json"]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["best_val_loss"] < 0.2  # the variance of a sum of 5 uniform(-1, 1) is 5/3

    assert main(["predict", str(out), "0.5,0.5,0.5,0.5,0.5", "0,-1,0,0,0"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[0]["sum"] == pytest.approx(2.5, abs=0.6) and lines[1]["sum"] == pytest.approx(-1.0, abs=0.6)

    obj = rnnkit.load(out)
    assert isinstance(obj, SumPredictor)
    api = obj.predict([[0.5] * 5, [0, -1.0, 0, 0, 0]])
    assert api == pytest.approx([lines[0]["sum"], lines[1]["sum"]], abs=1e-6)

    result = rnnkit.fit("sum", data=data, out=tmp_path / "api", steps=20, verbose=False, progress=False)
    assert result.steps == 20 and (tmp_path / "api" / "best" / "config.json").exists()


def test_bad_setting_names_the_flag_at_the_cli_and_the_field_in_the_api(sum_task, data, tmp_path, capsys) -> None:
    assert main(["train", "sum", "--data", data, "--out", str(tmp_path / "x"), "--hidden", "0"]) == 2
    assert "--hidden 0: expected a positive integer" in capsys.readouterr().err
    with pytest.raises(SettingError, match="^hidden 0: expected a positive integer$"):
        rnnkit.fit("sum", data=data, out=tmp_path / "y", hidden=0)


def test_fit_takes_keywords_beside_a_config_and_refuses_what_it_cannot_use(sum_task, data, tmp_path) -> None:
    """Keywords beside ``config`` replace its fields (they were ignored, misspellings included); a dict is
    settings; anything else, or a val_data the task does not take, is one TypeError naming the task."""
    quiet = {"verbose": False, "progress": False}
    result = rnnkit.fit("sum", data=data, out=tmp_path / "a", config=SumConfig(steps=50), steps=4, hidden=5, **quiet)
    assert result.steps == 4 and rnnkit.load(tmp_path / "a").model.rnn.hidden_size == 5
    result = rnnkit.fit("sum", data=data, out=tmp_path / "b", config={"steps": 3, "hidden": 6}, **quiet)
    assert result.steps == 3 and rnnkit.load(tmp_path / "b").model.rnn.hidden_size == 6
    kept = rnnkit.fit("sum", data=data, out=tmp_path / "d", config=SumConfig(steps=3), minutes=5.0, **quiet)
    assert kept.steps == 3  # minutes beside a config's steps: whichever comes first, as in a TOML file
    with pytest.raises(TypeError, match="^sum: unknown setting 'hiden'; did you mean 'hidden'\\?$"):
        rnnkit.fit("sum", data=data, out=tmp_path / "c", config=SumConfig(), hiden=5)
    with pytest.raises(TypeError, match="^sum: unknown setting 'colour'$"):  # nothing near it: no guess
        rnnkit.fit("sum", data=data, out=tmp_path / "c", colour=5)
    with pytest.raises(TypeError, match="^sum: config must be a SumConfig"):
        rnnkit.fit("sum", data=data, out=tmp_path / "c", config=42)
    with pytest.raises(TypeError, match="^sum: takes no val_data"):
        rnnkit.fit("sum", data=data, out=tmp_path / "c", val_data=data, steps=2)
    assert not (tmp_path / "c").exists()


def test_fit_takes_numpy_numbers_as_settings(sum_task, data, tmp_path) -> None:
    """``hidden=np.int64(5)`` (a value from a numpy grid, a DataFrame) was "hidden np.int64(5): expected an
    integer", np.float32 learning rates "expected a number"; they are Python's numbers in config.json, a
    float32 as the number it prints as (0.02, not 0.019999999552965164)."""
    quiet = {"verbose": False, "progress": False}
    result = rnnkit.fit("sum", data=data, out=tmp_path / "a", hidden=np.int64(5), steps=np.int32(3),
                        lr=np.float32(0.02), **quiet)
    settings = json.loads((tmp_path / "a" / "best" / "config.json").read_text())["settings"]
    assert result.steps == 3 and settings["hidden"] == 5 and settings["lr"] == 0.02
    result = rnnkit.fit("sum", data=data, out=tmp_path / "b", config=SumConfig(hidden=np.int64(4), steps=2), **quiet)
    assert result.steps == 2 and rnnkit.load(tmp_path / "b").model.rnn.hidden_size == 4
    result = rnnkit.fit("sum", data=data, out=tmp_path / "b", steps=1, overwrite=np.True_, verbose=np.False_,
                        progress=np.False_)  # a flag from numpy is a bool too
    assert result.steps == 1


def test_fit_takes_numpy_bools_as_on_off_settings(tmp_path) -> None:
    """``bidirectional=np.True_`` (a value from a numpy grid or a DataFrame of settings) was refused as "expected
    true or false"; it is Python's True in config.json."""
    from tests.test_classify_cli import make_csv

    data = make_csv(tmp_path / "d.csv", 40, 0)
    rnnkit.fit("classify", str(data), tmp_path / "a", steps=1, hidden=8, embedding=8, autotune=np.False_,
               bidirectional=np.True_, verbose=False, progress=False)
    settings = json.loads((tmp_path / "a" / "best" / "config.json").read_text())["settings"]
    assert settings["bidirectional"] is True and settings["autotune"] is False


def test_fit_and_load_leave_the_callers_random_state_as_it_was(sum_task, data, tmp_path, monkeypatch) -> None:
    """A notebook's own random draws go on after ``rnnkit.fit`` and ``rnnkit.load`` as if they had not run: fit
    seeded torch's, Python's and NumPy's global generators with its ``seed`` and left them so (the user's seed
    was gone, and the draws after two fits of one seed repeated), and load drew the initial weights of the model
    it then filled from the caller's generator. Keras' fit and Lightning's Trainer.fit leave the global
    generators to the user; the run is still seeded by its own ``seed``, whatever the caller's state."""
    quiet = {"verbose": False, "progress": False}

    def seed_all() -> None:
        torch.manual_seed(7), random.seed(7), np.random.seed(7)

    def draws() -> tuple[list[float], float, float]:
        return torch.rand(3).tolist(), random.random(), float(np.random.rand())

    seed_all()
    expected = draws()
    seed_all()
    first = rnnkit.fit("sum", data=data, out=tmp_path / "a", steps=3, **quiet)
    assert draws() == expected
    seed_all()
    rnnkit.load(tmp_path / "a")
    assert draws() == expected
    torch.manual_seed(123)  # another caller state: the same run
    assert rnnkit.fit("sum", data=data, out=tmp_path / "b", steps=3, **quiet).best_metric == first.best_metric

    original = Trainer._update

    def interrupted(self: Trainer, *args: Any) -> Any:
        if self.step == 2:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(Trainer, "_update", interrupted)
    seed_all()
    with pytest.raises(KeyboardInterrupt):  # a run left by an exception restores them too
        rnnkit.fit("sum", data=data, out=tmp_path / "c", steps=3, **quiet)
    assert draws() == expected


def test_two_threads_finding_a_task_at_once_both_find_it(monkeypatch) -> None:
    """The first ``rnnkit.fit`` or ``rnnkit.load`` of a process imports every task module; a second thread's call
    meanwhile (two fits started together, a server loading models in its request threads) was told "unknown task
    'charlm'; rnnkit knows: " with the list still empty: discovery was marked done before it was. It waits now."""
    from rnnkit import tasks

    tasks.discover()
    every = list(tasks.TASKS.values())
    monkeypatch.setattr(tasks, "TASKS", {})
    monkeypatch.setattr(tasks, "_discovered", False)
    started, go = threading.Event(), threading.Event()

    def import_module(name: str) -> None:  # the first thread's imports take their time
        started.set()
        go.wait(30)
        for task in every:
            tasks.register(task)

    monkeypatch.setattr(tasks, "importlib", types.SimpleNamespace(import_module=import_module))
    found: dict[str, str] = {}

    def find(who: str) -> None:
        try:
            found[who] = tasks.get_task("charlm").name
        except UserError as exc:
            found[who] = str(exc)

    first, second = (threading.Thread(target=find, args=(who,)) for who in ("first", "second"))
    first.start()
    assert started.wait(30)
    second.start()
    second.join(0.5)  # the old code had answered by now
    go.set()
    first.join()
    second.join()
    assert found == {"first": "charlm", "second": "charlm"}


@pytest.mark.parametrize(("argument", "value", "message"), [
    ("out", None, "out takes a str or a path, not NoneType"), ("out", 5, "out takes a str or a path, not int"),
    ("data", 5, "data takes a str or a path, not int"),
    ("data", ["a.txt"], r"data takes a str or a path, not list: rnnkit trains from files; write the data to one "
                        r"first \(in a format that `rnnkit train sum --help` names\)"),
    ("overwrite", "no", "overwrite takes True or False, not 'no'"), ("resume", 1, "resume takes True or False, not 1"),
    ("progress", "no", "progress takes True, False or None, not 'no'"),  # it drew the bar
    ("verbose", "no", "verbose takes True or False, not 'no'")])         # it printed every line
def test_fit_refuses_arguments_of_the_wrong_kind(sum_task, data, tmp_path, argument, value, message) -> None:
    """``out=None`` or ``data=5`` reached pathlib as "expected str, bytes or os.PathLike object" from inside the
    task (or "5: no such file"); ``overwrite="no"`` was true and overwrote the run."""
    arguments = {"data": data, "out": tmp_path / "run", "steps": 2, "verbose": False, argument: value}
    with pytest.raises(TypeError, match=f"^fit: {message}$"):
        rnnkit.fit("sum", **arguments)
    assert not (tmp_path / "run").exists()


def test_fit_refuses_an_empty_out_as_the_command_line_does(sum_task, data, tmp_path, monkeypatch) -> None:
    """``out=""`` trained into the working folder (its config.json, best/, last/ beside the notebook), where
    ``rnnkit train --out ''`` says ``--out DIR is required``."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(UserError, match=r"^fit: out is an empty name; give the folder to write the model to "
                                        r"\(out='.' for this one\)$"):
        rnnkit.fit("sum", data=data, out="", steps=2, verbose=False, progress=False)
    assert list(work.iterdir()) == []


def test_verb_the_task_does_not_answer_is_one_line(sum_task, data, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    rnnkit.fit("sum", data=data, out=out, steps=5, verbose=False, progress=False)
    capsys.readouterr()
    assert main(["sample", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"rnnkit: error: {out}: a 'sum' model does not answer 'sample' (it answers: predict)"


def test_unknown_task_in_a_checkpoint_and_missing_directory(tmp_path, capsys) -> None:
    bad = tmp_path / "bad" / "best"
    bad.mkdir(parents=True)
    (bad / "config.json").write_text('{"task": "nonesuch"}')
    (bad / "model.safetensors").write_bytes(b"")
    assert main(["score", str(tmp_path / "bad"), "x"]) == 2
    assert "unknown task 'nonesuch'" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "missing"), "x"]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_version_and_verb_help(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"rnnkit {rnnkit.__version__}"
    assert main(["sample", "--help"]) == 0
    assert "charlm models" in capsys.readouterr().out


def test_a_task_module_that_fails_to_import_is_not_hidden(monkeypatch) -> None:
    import rnnkit.tasks as tasks

    monkeypatch.setattr(tasks, "_discovered", False)
    monkeypatch.setattr(tasks, "__path__", [*tasks.__path__, str(Path(__file__).parent / "broken_tasks")])
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        tasks.discover()


BAD_TRAINER_SETTINGS = [("lr", -1.0), ("lr", float("nan")), ("clip", -5.0), ("threads", 0), ("eval_every", 0),
                        ("save_every", -1), ("warmup", -3), ("steps", 5.5), ("minutes", -1.0), ("minutes", 0.0),
                        ("seed", True), ("ema", 1.5), ("optimizer", "foo"), ("schedule", "exponential"),
                        ("precision", "fp8"), ("beta2", 1.0), ("beta2", 1.5), ("min_lr_ratio", 3.0),
                        ("min_lr_ratio", -0.1)]


def _registered() -> list[str]:
    from rnnkit.tasks import discover

    discover()
    return sorted(TASKS)


@pytest.mark.parametrize(("name", "value"), BAD_TRAINER_SETTINGS, ids=lambda v: str(v))
@pytest.mark.parametrize("task", _registered())
def test_every_task_checks_the_trainer_settings_a_config_file_gives(task: str, name: str, value: object) -> None:
    """The flags are checked as they are parsed; a TOML file or the Python API gives values no parser saw,
    so each task's validate() checks them too (they once reached torch as tracebacks or ran 0 steps)."""
    from rnnkit.tasks import discover

    discover()
    config = TASKS[task].config()
    config.validate()  # the defaults pass
    setattr(config, name, value)
    with pytest.raises(SettingError, match=f"^{name} "):
        config.validate()


@pytest.mark.parametrize("task", _registered())
def test_every_task_refuses_data_that_its_run_would_write_over(task: str, tmp_path: Path, capsys) -> None:
    """`--val-data OUT/metrics.jsonl` was read, then replaced by the run's metrics; a file inside OUT/best/
    went with the first save (or at once with --overwrite). Refused before anything is read or written."""
    out = tmp_path / "run"
    (out / "best").mkdir(parents=True)
    inputs = {"metrics.jsonl": "its metrics.jsonl is the {flag} being read; give another --out",
              "best/data.txt": "its best/ holds the {flag} being read ({path}), which every save replaces; give "
                               "another --out"}
    takes = _train_flags(TASKS[task])  # --val-data where the task takes one (the character LM splits its text)
    flags = [flag for flag in ("--data", "--val-data") if flag in takes]
    assert flags[:1] == ["--data"]
    for name, said in inputs.items():
        (out / name).write_text("keep\n", encoding="utf-8")
        for flag in flags:
            given = ["--data", str(tmp_path / "other.txt"), flag, str(out / name)]
            assert main(["train", task, *given, "--out", str(out), "--steps", "1", "--no-progress"]) == 2
            assert capsys.readouterr().err == f"rnnkit: error: --out {out}: {said.format(flag=flag, path=out / name)}\n"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["best", "best/data.txt", "metrics.jsonl"]
    assert {(out / name).read_text(encoding="utf-8") for name in inputs} == {"keep\n"}


def test_a_config_file_that_the_run_would_write_over_is_refused(tmp_path: Path, capsys) -> None:
    """`--config OUT/last/c.toml --overwrite` (or `--resume OUT`) trained with its settings, then the save of last/
    took the file away; OUT/metrics.jsonl as the TOML was emptied for the metrics. Refused as --data is."""
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(10)))
    out = tmp_path / "out"
    (out / "last").mkdir(parents=True)
    toml = 'steps = 1\nhidden = 8\n'
    for name in ("last/c.toml", "metrics.jsonl"):
        (out / name).write_text(toml, encoding="utf-8")
    run = ["train", "classify", "--data", str(data), "--no-progress"]
    for argv, said in (([*run, "--out", str(out), "--overwrite", "--config", str(out / "last" / "c.toml")],
                        f"its last/ holds the --config being read ({out / 'last' / 'c.toml'}), which every save "
                        "replaces"),
                       ([*run, "--out", str(out), "--config", str(out / "metrics.jsonl")],
                        "its metrics.jsonl is the --config being read")):
        assert main(argv) == 2
        assert capsys.readouterr().err == f"rnnkit: error: --out {out}: {said}; give another --out\n"
    assert {(out / name).read_text(encoding="utf-8") for name in ("last/c.toml", "metrics.jsonl")} == {toml}


def test_a_setting_of_the_wrong_kind_in_a_config_file_is_one_line(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(10)))
    (tmp_path / "c.toml").write_text('tokenizer = "word"\nsteps = 3\nbidirectional = "yes"\n')
    out = tmp_path / "out"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--config", str(tmp_path / "c.toml"),
                 "--no-progress"]) == 2
    # the value came from the file, not a flag: named there ("--bidirectional yes" before)
    assert capsys.readouterr().err.strip() == (f"rnnkit: error: {tmp_path / 'c.toml'}: bidirectional = 'yes': "
                                               "expected true or false")
    assert not out.exists()


def test_a_folder_without_a_model_is_named_with_its_path(tmp_path: Path, capsys) -> None:
    (tmp_path / "runs" / "x").mkdir(parents=True)
    assert main(["info", str(tmp_path / "runs" / "x")]) == 2
    assert f"in it or in {tmp_path / 'runs' / 'x' / 'best'})" in capsys.readouterr().err


def test_load_of_something_that_is_not_a_path_is_a_type_error() -> None:
    """``rnnkit.load(5)`` was Python's own 'expected str, bytes or os.PathLike object, not int' from inside."""
    for thing in (5, None, ["runs/x"]):
        with pytest.raises(TypeError, match=f"load takes a model directory .*, not {type(thing).__name__}"):
            rnnkit.load(thing)


@pytest.mark.parametrize(("flag", "value"), [("--beta2", "1"), ("--beta2", "1.5"), ("--min-lr-ratio", "3")])
def test_decays_and_ratios_above_their_range_are_refused_at_the_flag(flag: str, value: str, tmp_path: Path,
                                                                      capsys) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as done:
        main(["train", "charlm", "--data", "shakespeare", "--out", str(out), "--steps", "1", flag, value])
    assert done.value.code == 2 and f"{flag}: expected" in capsys.readouterr().err and not out.exists()


def test_dir_of_the_package_lists_its_public_names_not_its_imports() -> None:
    """Tab completion on ``rnnkit.`` offered Any, Path, TYPE_CHECKING, annotations, importlib and os."""
    import rnnkit.tasks  # noqa: F401  (an imported submodule is listed, as Python lists it)

    names = {n for n in dir(rnnkit) if not n.startswith("__")}
    assert set(rnnkit.__all__) - {"__version__"} <= names and "tasks" in names
    assert not names & {"Any", "Path", "TYPE_CHECKING", "annotations", "importlib", "os", "types"}


SECTIONED_TASK = '''
from rnnkit.report import SECTIONS
from rnnkit.tasks import Task, register
from rnnkit.train.options import TrainSettings

register(Task(name="sectioned", help="a task with a report section of its own", config=TrainSettings,
              train=lambda *a, **k: None, load=lambda ckpt: "its object", add_arguments=lambda p: None,
              report=lambda result, as_json: None))
SECTIONS["sectioned"] = lambda page, run, obj, options: page.add("Own section", f"<p>section of {obj}</p>")
'''


def test_a_report_section_registered_in_the_tasks_own_file_is_on_its_page(tmp_path: Path, monkeypatch) -> None:
    """A task is one file: the section it registers there (report.SECTIONS) is on the page that
    rnnkit.report.write_report makes in a fresh process, where no task module was imported yet (the page
    looked the section up before the tasks were discovered, and left it out)."""
    pytest.importorskip("plotly")
    import sys

    import rnnkit.report as report
    import rnnkit.tasks as tasks
    from rnnkit.train import TrainConfig

    (tmp_path / "extra" / "sectioned.py").parent.mkdir()
    (tmp_path / "extra" / "sectioned.py").write_text(SECTIONED_TASK)
    monkeypatch.setattr(tasks, "_discovered", False)
    monkeypatch.setattr(tasks, "__path__", [*tasks.__path__, str(tmp_path / "extra")])
    monkeypatch.setattr(tasks, "TASKS", dict(tasks.TASKS))
    monkeypatch.setattr(report, "SECTIONS", dict(report.SECTIONS))
    monkeypatch.delitem(sys.modules, "rnnkit.tasks.sectioned", raising=False)
    rows = [[0.5] * 5] * 16
    Trainer(SumModel(2), TrainConfig(steps=1, progress=False, verbose=False), batches=Batches(rows), loss_fn=loss_fn,
            out_dir=tmp_path / "run", model_config={"task": "sectioned"}).fit()
    try:
        page = report.write_report(tmp_path / "run").read_text(encoding="utf-8")
    finally:
        sys.modules.pop("rnnkit.tasks.sectioned", None)
    assert "section of its object" in page


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_model_directory_name_is_refused_as_one(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit.load("")`` (an unset shell variable: ``rnnkit translate "$RUN" ...``) read the working directory and
    said '.: not a model directory'; the flags --lm and --ensemble had each refused it on their own."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match=rf"^{name!r}: an empty name; expected a model directory"):
        rnnkit.load(name)
    assert main(["score", name, "abc"]) == 2
    assert "an empty name" in capsys.readouterr().err
