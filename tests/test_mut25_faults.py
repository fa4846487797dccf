"""Mutation audit round 25 of benchmarks/faults.py's kill moments (kill_and_resume), judged on runs played by fakes,
not on the benchmark: the drawn saves are killed in order, each kill after a save of the process it kills (in a step
or in a save, never in a resumed run's start-up, which a run whose last save had passed the next drawn one got),
and a short run gets as many kills as it has saves to draw."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def faults() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_faults", ROOT / "benchmarks" / "faults.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_faults"] = module
    spec.loader.exec_module(module)
    return module


class Runs:
    """Runs of ``steps`` steps played without processes: each sleep of the benchmark is a moment in which the live
    run, past its start-up (``startup`` sleeps), writes ``saves`` checkpoints; a kill loses the steps since."""

    def __init__(self, faults: ModuleType, steps: int, startup: int, saves: int, crash: bool = False) -> None:
        self.every, self.steps, self.startup, self.saves = faults.SAVE_EVERY, steps, startup, saves
        self.saved, self.live, self.kills = -1, None, []   # kills: (the step saved then, by the killed process)
        self.started, self.crash, self.slept = 0, crash, 0

    def run(self, args: list[str], out: Path, again: list[str]) -> Runs.Process:
        self.live, self.started = Runs.Process(self), self.started + 1
        return self.live

    def sleep(self, seconds: float) -> None:
        self.slept += 1
        assert self.slept < 10_000, "the benchmark waits on a run that has ended"
        proc = self.live
        if proc is None or not proc.alive or self.crash:
            return
        if proc.waiting:
            proc.waiting -= 1
            return
        self.saved = min(self.steps, max(self.saved, 0) + self.every * self.saves)
        proc.own += 1

    class Process:
        def __init__(self, runs: Runs) -> None:
            self.runs, self.alive, self.waiting, self.own = runs, True, runs.startup, 0

        def poll(self) -> int | None:
            if self.runs.crash:
                return 1
            return None if self.alive and self.runs.saved < self.runs.steps else 0

        def send_signal(self, sig: int) -> None:
            self.alive = False
            self.runs.kills.append((self.runs.saved, self.own))

        def wait(self) -> int:
            if self.runs.crash:
                return 1
            if self.alive:   # the final resume runs to its end
                self.runs.saved, self.alive = self.runs.steps, False
            return 0


def play(faults: ModuleType, monkeypatch: pytest.MonkeyPatch, *, steps: int, kills: int, startup: int,
         saves: int, crash: bool = False) -> tuple[Runs, int]:
    runs = Runs(faults, steps, startup, saves, crash)
    monkeypatch.setattr(faults, "run", runs.run)
    monkeypatch.setattr(faults, "saved_step", lambda out: runs.saved)
    monkeypatch.setattr(faults, "finished", lambda out, n: runs.saved == n)
    monkeypatch.setattr(faults.time, "sleep", runs.sleep)
    done = faults.kill_and_resume([], Path("nowhere"), kills, steps, random.Random(0))
    return runs, done


@pytest.mark.parametrize(("saves", "kills"), [(1, 6), (3, 3)])
def test_each_kill_follows_a_save_of_the_process_it_kills(faults: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                                         saves: int, kills: int) -> None:
    """A resumed run that starts past the next drawn save (two drawn in a row, or three saves a moment) was killed
    in its start-up; a run of three saves a moment finishes after three kills."""
    runs, done = play(faults, monkeypatch, steps=120, kills=6, startup=2, saves=saves)
    assert done == len(runs.kills) == kills
    assert all(own > 0 for _, own in runs.kills), runs.kills
    assert runs.saved == 120 and runs.started == kills + 1  # no run started after the end


def test_the_drawn_saves_are_killed_in_order(faults: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    runs, _ = play(faults, monkeypatch, steps=120, kills=6, startup=0, saves=1)
    at = [saved for saved, _ in runs.kills]
    moments = faults.kill_moments(120, 6, random.Random(0))
    assert moments == sorted(random.Random(0).sample(range(0, 90, 5), 6))  # the last quarter left out
    assert at == sorted(set(at)) and len(at) == 6 and max(at) < 120
    assert all(saved >= max(target, 5) for target, saved in zip(moments, at, strict=True)), (moments, at)


def test_a_short_run_draws_each_save_it_has(faults: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """--steps 20 --kills 6: three saves to draw; it was 'Sample larger than population' (a ValueError)."""
    assert faults.kill_moments(20, 6, random.Random(0)) == [0, 5, 10]
    assert faults.kill_moments(5, 6, random.Random(0)) == []
    assert max(faults.kill_moments(150, 29, random.Random(0))) == 110  # saves 115 to 145 left out
    runs, done = play(faults, monkeypatch, steps=20, kills=6, startup=0, saves=1)
    assert done >= 1 and runs.saved == 20


def test_a_run_that_fails_is_not_waited_on(faults: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match=r"^a run of nowhere failed \(exit 1\) before its kill after save \d+: no "
                       "messages$"):
        play(faults, monkeypatch, steps=120, kills=6, startup=0, saves=1, crash=True)
