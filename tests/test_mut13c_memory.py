"""rnnkit.train.memory (mutation audit round 13): the memory a machine has for a run, read from its own files, and
the words of a refusal."""

from __future__ import annotations

import resource
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from rnnkit.errors import SettingError
from rnnkit.train import memory
from rnnkit.train.memory import check_fits, check_room, free_memory

CPU = torch.device("cpu")
GB = 10**9


@dataclass
class Sizes:
    hidden: int = 100
    layers: int = 2
    optimizer: str = "adam"
    momentum: float = 0.9
    ema: float = 0.0
    device: str = "cpu"


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A machine whose /proc/meminfo, /proc/self/status and cgroup limit are files of the test's, with no
    ``ulimit -v`` and one process, unless a test says otherwise."""
    files = {"/proc/meminfo": tmp_path / "meminfo", "/proc/self/status": tmp_path / "status",
             "/sys/fs/cgroup/memory.max": tmp_path / "memory.max"}
    monkeypatch.setattr(memory, "Path", lambda name: files.get(str(name), Path(name)))
    monkeypatch.setattr(memory.resource, "getrlimit", lambda what: (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    for name in ("WORLD_SIZE", "LOCAL_WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)

    def write(meminfo: str = "", status: str = "", cgroup: str | None = None) -> None:
        files["/proc/meminfo"].write_text(meminfo, encoding="utf-8")
        files["/proc/self/status"].write_text(status, encoding="utf-8")
        if cgroup is not None:
            files["/sys/fs/cgroup/memory.max"].write_text(cgroup + "\n", encoding="utf-8")

    return write


def test_the_free_memory_is_what_is_available_and_the_free_swap_in_kilobytes(machine) -> None:  # type: ignore[no-untyped-def]
    machine("MemTotal:       16000000 kB\nMemAvailable:    8000000 kB\nSwapFree:        2000000 kB\nHugePages_Total:"
            "       0\n")
    assert free_memory(CPU) == 10_000_000 * 1024


def test_a_cgroup_limit_below_it_is_the_limit_and_max_is_none(machine) -> None:  # type: ignore[no-untyped-def]
    machine("MemAvailable:    8000000 kB\n", cgroup="3000000000")
    assert free_memory(CPU) == 3 * GB
    machine("MemAvailable:    8000000 kB\n", cgroup="max")
    assert free_memory(CPU) == 8_000_000 * 1024


def test_ulimit_v_leaves_what_the_process_has_not_mapped_yet(machine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """``ulimit -v`` bounds the address space: what this process maps already (VmSize) is not free for the run."""
    machine("MemAvailable:    8000000 kB\n", status="Name:\tpython\nVmPeak:\t 9000000 kB\nVmSize:\t 1000000 kB\n")
    monkeypatch.setattr(memory.resource, "getrlimit", lambda what: (5 * GB, resource.RLIM_INFINITY))
    assert free_memory(CPU) == 5 * GB - 1_000_000 * 1024
    monkeypatch.setattr(memory.resource, "getrlimit", lambda what: (GB, resource.RLIM_INFINITY))
    assert free_memory(CPU) == 0  # mapped past its limit already


def test_the_processes_torchrun_started_on_this_machine_share_it(machine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    machine("MemAvailable:    8000000 kB\n")
    monkeypatch.setenv("WORLD_SIZE", "8")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    assert free_memory(CPU) == 2_000_000 * 1024


def _refusal(monkeypatch: pytest.MonkeyPatch, config: Sizes, parameters: int = 10**6) -> str:
    monkeypatch.setattr(memory, "free_memory", lambda device: 1000)
    with pytest.raises(SettingError) as caught:
        check_fits(config, parameters, "a 2-layer LSTM of hidden 100", ("hidden", "layers"))
    return str(caught.value)


def test_a_refusal_names_what_the_optimiser_and_the_average_keep(monkeypatch: pytest.MonkeyPatch) -> None:
    """SGD without momentum keeps nothing beside the gradients; ``--ema`` keeps a moving average of the weights."""
    said = _refusal(monkeypatch, Sizes(optimizer="sgd", momentum=0.0))
    assert "0.008 GB for the weights and gradients; this machine has 1e-06 GB free" in said
    said = _refusal(monkeypatch, Sizes(optimizer="sgd", ema=0.999))
    assert "0.016 GB for the weights, gradients, SGD's momentum and the weights' moving average;" in said
    said = _refusal(monkeypatch, Sizes(optimizer="rmsprop", hidden=400), parameters=1_234_567)
    assert said.startswith("hidden 400: the model (a 2-layer LSTM of hidden 100) has 1.2 million parameters, "
                           "0.015 GB for the weights, gradients and RMSprop's averages;")


@pytest.mark.parametrize(("parameters", "count", "size"), [
    (12_345, "12,345", "0.0002 GB"),
    (99_600_000, "100 million", "1.6 GB"),  # rounded as a whole number: not "1e+02 million"
    (850_000_000, "850 million", "14 GB"),
    (3_300_000_000, "3.3 billion", "53 GB"),
    (12 * 10**12, "12 trillion", "192,000 GB"),
    (5 * 10**15, "5 × 10^15", "80,000,000 GB"),
    (33 * 10**17, "3.3 × 10^18", "52,800,000,000 GB"),
    (2 * 10**46, "2 × 10^46", "3.2 × 10^38 GB"),  # not 39 digits of GB
    (10**400, "1 × 10^400", "1.6 × 10^392 GB"),  # past a float: an OverflowError's traceback
])
def test_a_refusal_writes_the_count_and_the_bytes_for_a_reader(monkeypatch: pytest.MonkeyPatch, parameters: int,
                                                              count: str, size: str) -> None:
    said = _refusal(monkeypatch, Sizes(), parameters=parameters)
    assert f" has {count} parameters, {size} for the weights, gradients and Adam's two moments;" in said


def test_data_on_one_device_is_counted_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sequences and the test set a run holds on the CPU are one amount: each fits alone, both do not."""
    monkeypatch.setattr(memory, "free_memory", lambda device: 10 * GB)
    config = Sizes()
    check_room(config, [(CPU, 6 * GB)], "the sequences", ("hidden",))
    with pytest.raises(SettingError, match=r"^hidden 100: the sequences take at least 12 GB; this machine has 10 GB "
                                           r"free$"):
        check_room(config, [(CPU, 6 * GB), (CPU, 6 * GB)], "the sequences", ("hidden",))


def test_what_the_caller_says_replaces_the_config_s_optimizer(monkeypatch: pytest.MonkeyPatch) -> None:
    """An experiment's cell may train with its own optimiser: the count is that optimiser's, not the config's."""
    monkeypatch.setattr(memory, "free_memory", lambda device: 1000)
    with pytest.raises(SettingError, match=r"^hidden 300: .* 0.012 GB for the weights, gradients and SGD's momentum;"):
        check_fits(Sizes(optimizer="adam"), 10**6, "a model", ("hidden",), hidden=300, optimizer="sgd")
