"""Thread count chosen by measurement (rnnkit.train.threads) and the command line's OpenMP wait policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch import nn

from rnnkit.cli import main
from rnnkit.train import TrainConfig, Trainer
from rnnkit.train.threads import ThreadChooser


@pytest.fixture
def two_threads() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run(chooser: ThreadChooser, steps: int, per_item: dict[int, float]) -> list[str]:
    """``steps`` updates whose time per item depends on the thread count; the lines the chooser said."""
    said = []
    for _ in range(steps):
        chooser.before_step()
        note = chooser.after_step(per_item[torch.get_num_threads()] * 10, 10)
        if note:
            said.append(note)
    return said


@pytest.mark.usefixtures("two_threads")
def test_the_faster_count_is_kept_and_measured_again_later() -> None:
    clock = Clock()
    chooser = ThreadChooser(None, recheck_s=60, clock=clock)
    assert chooser.candidates == [1, 2]
    said = _run(chooser, 1 + 8, {1: 0.5, 2: 4.0})  # busy machine: one thread is faster
    assert chooser.chosen == 1 and torch.get_num_threads() == 1 and len(said) == 1 and said[0].startswith("threads: 1")
    assert _run(chooser, 20, {1: 0.5, 2: 0.2}) == [] and torch.get_num_threads() == 1  # no new trial yet
    clock.now = 61.0
    said = _run(chooser, 8, {1: 0.5, 2: 0.2})  # the other job ended: two threads win again
    assert chooser.chosen == 2 and torch.get_num_threads() == 2 and said[0].startswith("threads: 2")
    chooser.close()
    assert torch.get_num_threads() == 2


@pytest.mark.usefixtures("two_threads")
def test_an_explicit_count_wins_and_one_thread_leaves_nothing_to_choose() -> None:
    fixed = ThreadChooser(1)
    assert fixed.candidates == [] and torch.get_num_threads() == 1
    assert _run(fixed, 12, {1: 9.0}) == [] and torch.get_num_threads() == 1
    fixed.close()
    assert torch.get_num_threads() == 2
    torch.set_num_threads(1)
    assert ThreadChooser(None).candidates == []


@pytest.mark.usefixtures("two_threads")
def test_trainer_trains_with_the_given_threads_and_gives_them_back() -> None:
    seen: list[int] = []

    class Source:
        def next_batch(self) -> torch.Tensor:
            return torch.ones(4, 3)

        def state_dict(self) -> dict:
            return {}

        def load_state_dict(self, state: dict) -> None:
            pass

    def loss_fn(model: nn.Module, batch: torch.Tensor, state: None) -> tuple[torch.Tensor, int, None]:
        seen.append(torch.get_num_threads())
        return model(batch).pow(2).sum(), 4, None

    cfg = TrainConfig(steps=3, threads=1, verbose=False, progress=False, eval_every=0)
    Trainer(nn.Linear(3, 1), cfg, batches=Source(), loss_fn=loss_fn).fit()
    assert seen == [1, 1, 1] and torch.get_num_threads() == 2


def test_threads_flag_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["train", "charlm", "--threads", "0"])
    assert exc.value.code == 2 and "--threads" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["bench", "--threads", "100000"],
    ["diagnose", "--out", "OUT", "--threads", "100000"],
    ["sample", "RUN", "--threads", "100000", "--length", "5"],
    ["train", "charlm", "--data", "TEXT", "--out", "OUT", "--steps", "1", "--threads", "100000"],
])
def test_a_thread_count_beyond_what_openmp_survives_is_one_line(
        argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """torch.set_num_threads(20000) aborted in libgomp and 100000 was a segmentation fault (exit 139), in every
    verb that takes --threads and in a config's or the Python API's threads; the count is refused first."""
    text = tmp_path / "t.txt"
    text.write_text("To be, or not to be: that is the question. " * 20, encoding="utf-8")
    if "RUN" in argv:
        assert main(["train", "charlm", "--data", str(text), "--out", str(tmp_path / "run"), "--steps", "1",
                     "--hidden", "8", "--no-progress"]) == 0
    names = {"TEXT": str(text), "OUT": str(tmp_path / "out"), "RUN": str(tmp_path / "run")}
    before = torch.get_num_threads()
    capsys.readouterr()
    assert main([names.get(a, a) for a in argv]) == 2
    assert capsys.readouterr().err.endswith("--threads 100000: expected an integer from 1 to 1024\n")
    assert torch.get_num_threads() == before and not (tmp_path / "out").exists()


def test_threads_in_a_config_or_the_python_api_are_checked(tmp_path: Path) -> None:
    from rnnkit.errors import SettingError
    from rnnkit.tasks.experiments import Settings
    from rnnkit.train.options import TrainSettings

    checks = (TrainSettings(steps=1, threads=5000).validate_training,
              Settings(experiment="adding", cells=["gru"], threads=5000).validate)
    for check in checks:
        with pytest.raises(SettingError, match=r"^threads 5000: expected an integer from 1 to 1024$"):
            check()
