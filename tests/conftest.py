"""Shared test fixtures."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (``make test`` runs a worker per core) each worker's torch takes its share of the cores:
    torch's default, every core in every worker, oversubscribes them."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(workers)))


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny models: one torch thread is faster, and far faster on a shared, loaded CPU (restored after).
    A test module opts in with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def train_tiny_tagger(folder: Path, conll: str) -> Path:
    """A tagger of one update on the CoNLL text ``conll`` (written to ``folder``/train.conll), its run folder
    ``folder``/run: for the tests of what a tagger's verbs print, not of what it learnt."""
    from rnnkit.cli import main

    data = folder / "train.conll"
    data.write_text(conll, encoding="utf-8")
    assert main(["train", "tag", "--data", str(data), "--out", str(folder / "run"), "--steps", "1", "--hidden", "4",
                 "--embedding", "4", "--char-hidden", "2", "--no-progress", "--threads", "1"]) == 0
    return folder / "run"


def train_tiny_translator(folder: Path, *flags: str) -> Path:
    """A character translator of one update on six pairs (a word and its reversal), its run folder
    ``folder``/run, trained with ``flags`` besides: for the tests of what a translator's verbs write."""
    from rnnkit.cli import main

    pairs = folder / "pairs.tsv"
    pairs.write_text("".join(f"{a}\t{a[::-1]}\n" for a in ["ab", "ba", "abc", "cab", "bca", "cc"]), encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(pairs), "--out", str(folder / "run"), "--steps", "1", "--hidden",
                 "4", "--embedding", "4", "--tokenizer", "char", "--no-progress", *flags]) == 0
    return folder / "run"


@pytest.fixture(scope="session")
def tiny_translator() -> Callable[..., Path]:
    """:func:`train_tiny_translator`, for a test file's own module fixture."""
    return train_tiny_translator


@pytest.fixture(scope="session")
def tiny_tagger() -> Callable[[Path, str], Path]:
    """:func:`train_tiny_tagger`, for a test file's own module fixture."""
    return train_tiny_tagger


@pytest.fixture(scope="module")
def tiny_ner_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A named-entity tagger of one update on six IOB2 sentences (PER, LOC), its run folder."""
    return train_tiny_tagger(tmp_path_factory.mktemp("ner"),
                             "John\tB-PER\nvisited\tO\nParis\tB-LOC\n\nMary\tB-PER\nleft\tO\n\n" * 3)


@pytest.fixture(scope="session")
def start_method() -> str:
    """How a test starts its worker processes (``torch.multiprocessing.start_processes``): fork where torch sees
    no GPU, which is quick (the workers inherit the imported modules); spawn where it sees one, since a forked
    child may use neither autograd (its engine has started a thread per GPU) nor CUDA once the parent has (torch
    refuses both). ``RNNKIT_TEST_START_METHOD`` chooses one."""
    import torch

    return os.environ.get("RNNKIT_TEST_START_METHOD") or ("spawn" if torch.cuda.is_available() else "fork")


@pytest.fixture
def fitted_trainers(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every :class:`rnnkit.train.Trainer` that fits during the test, in order: proof that a loop trains
    through the one Trainer."""
    from rnnkit.train import Trainer

    seen: list = []
    real_fit = Trainer.fit

    def spy(self: Trainer) -> object:
        seen.append(self)
        return real_fit(self)

    monkeypatch.setattr(Trainer, "fit", spy)
    return seen


@pytest.fixture
def resumed_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> Callable[..., None]:
    """``check(task, make_data, flags)``: in ``tmp_path/proj``, ``make_data()`` writes the data there and
    ``rnnkit train TASK *flags --out run`` (flags naming the data by a relative path) trains 2 steps; then,
    from ``tmp_path/other``, ``--resume`` of that run must find its data (recorded relative to proj, where
    that name means nothing) and train on to step 3."""
    from rnnkit.cli import main

    def check(task: str, make_data: Callable[[], object], flags: Sequence[str]) -> None:
        proj, other = tmp_path / "proj", tmp_path / "other"
        proj.mkdir()
        other.mkdir()
        monkeypatch.chdir(proj)
        make_data()
        assert main(["train", task, *flags, "--out", "run", "--steps", "2", "--no-progress"]) == 0
        monkeypatch.chdir(other)
        capsys.readouterr()
        assert main(["train", task, "--resume", str(proj / "run"), "--steps", "3", "--no-progress", "--json"]) == 0
        assert json.loads(capsys.readouterr().out.splitlines()[-1])["steps"] == 3

    return check


@pytest.fixture
def lists_every_task() -> Callable[..., None]:
    """``check(FILE, NAME=tasks, ...)``: each list NAME of tasks that the test file FILE keeps by hand
    (CONTRIBUTING.md, "Adding a task", step 6) names every registered task and no other; it fails naming the
    list and the task, so a new task left out of one is found on any machine, not by a test that never ran it."""
    import rnnkit.tasks

    def check(file: str, **lists: Iterable[str]) -> None:
        rnnkit.tasks.discover()
        registered = set(rnnkit.tasks.TASKS)
        wrong = []
        for name, tasks in lists.items():
            listed = set(tasks)
            wrong += [f"{file}'s {name} leaves out the task {task!r}" for task in sorted(registered - listed)]
            wrong += [f"{file}'s {name} names {task!r}, no registered task" for task in sorted(listed - registered)]
        assert not wrong, "; ".join(wrong)

    return check
