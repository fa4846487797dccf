"""Gaps a mutation audit of :mod:`rnnkit.tasks.bench` found (round 15): the warm-up call and the wait for the
device after each timed call, the median of the rounds, what each figure is divided by, the input's shape, the
gradients a forward+backward leaves and the graph a forward builds, the last line of the memory probe and its
KiB, the baseline's row first, --rounds 0, --threads 0, the log's place, and the settings in --json. The timings
and the memory probe are stubbed: every figure here is exact."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from torch import nn

from rnnkit.cells import CELLS
from rnnkit.cli import main
from rnnkit.tasks import bench

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TINY = ["--batch", "2", "--length", "5", "--hidden", "8", "--input", "3", "--rounds", "1"]


def test_interleaved_warms_each_up_then_waits_for_the_device_after_each_timed_call() -> None:
    seen: list[str] = []
    fns = {name: (lambda name=name: seen.append(name)) for name in ("a", "b")}
    got = bench.interleaved(fns, 2, sync=lambda: seen.append("sync"))
    assert seen == ["a", "b", "sync", "a", "sync", "b", "sync", "a", "sync", "b", "sync"]
    assert set(got) == {"a", "b"}


def test_interleaved_keeps_the_median_of_the_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(bench, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    costs = iter([0.0, 1.0, 10.0, 2.0])  # the warm-up, then three timed rounds

    def fn() -> None:
        clock[0] += next(costs)

    assert bench.interleaved({"f": fn}, 3) == {"f": 2.0}  # the mean would be 13/3


def test_forward_builds_no_graph_and_forward_backward_leaves_no_gradient() -> None:
    torch.manual_seed(0)
    lstm, x = nn.LSTM(3, 4), torch.randn(5, 2, 3)
    grad_on: list[bool] = []
    lstm.register_forward_hook(lambda *_: grad_on.append(torch.is_grad_enabled()))
    bench.forward(lstm, x)()
    bench.forward_backward(lstm, x)()
    assert grad_on == [False, True]
    assert all(p.grad is None for p in lstm.parameters())  # zeroed to None: the next call does not add to them


def test_each_figure_is_the_tokens_over_its_own_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """forward tok/s from the forward timing, fwd+bwd from its own, tokens = batch × length, the ratio the
    baseline's seconds over the cell's; the input is (length, batch, input), as torch.nn.LSTM reads it."""
    shapes: list[tuple[int, ...]] = []
    real_forward = bench.forward
    monkeypatch.setattr(bench, "forward", lambda m, x: shapes.append(tuple(x.shape)) or real_forward(m, x))
    seconds = iter([{bench.BASELINE: 0.5, "gru": 0.25}, {bench.BASELINE: 2.0, "gru": 4.0}])
    monkeypatch.setattr(bench, "interleaved", lambda fns, rounds, sync: next(seconds))
    monkeypatch.setattr(bench, "peak_memory_mb", lambda names, s: {n: float(len(n)) for n in names})
    doc = bench.bench(["gru"], batch=2, length=5, hidden=4, input_size=3, rounds=7)
    assert shapes == [(5, 2, 3)] * 2
    assert doc["results"] == {"gru": {"fwd_tok_s": 40.0, "fwdbwd_tok_s": 2.5, "peak_mem_mb": 3.0,
                                      "ratio_vs_torch_lstm": 0.5}}
    assert doc["baseline"] == {bench.BASELINE: {"fwd_tok_s": 20.0, "fwdbwd_tok_s": 5.0, "peak_mem_mb": 13.0,
                                                "ratio_vs_torch_lstm": 1.0}}
    assert doc["settings"]["rounds"] == 7 and doc["settings"]["length"] == 5


def test_the_memory_probe_is_read_from_its_last_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything a library prints before the probe's JSON line (a notice on stdout) is not the answer."""
    import subprocess

    def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess:
        return subprocess.CompletedProcess(cmd, 0, stdout='a notice\n{"lstm": 2.0}\n', stderr="")

    monkeypatch.setattr(bench.subprocess, "run", run)
    assert bench.peak_memory_mb(["lstm"], {"device": "cpu"}) == {"lstm": 2.0}


def test_the_probe_reports_the_growth_of_ru_maxrss_kib_in_mb(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Each forked child reads ru_maxrss (KiB on Linux) before and after its forward+backward: 2048 KiB more
    is 2 MB."""
    calls = [0]  # each child starts from the parent's copy: 0

    def getrusage(who: int) -> Any:
        calls[0] += 1
        return SimpleNamespace(ru_maxrss=1000 if calls[0] % 2 else 3048)

    monkeypatch.setattr(bench, "resource", SimpleNamespace(getrusage=getrusage, RUSAGE_SELF=0))
    before = torch.get_num_threads()
    try:
        bench._rss_probe(json.dumps({"cells": ["gru", bench.BASELINE], "batch": 2, "length": 3, "hidden": 4,
                                     "input": 3, "device": "cpu"}))
    finally:
        torch.set_num_threads(before)
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"gru": 2.0, bench.BASELINE: 2.0}


def test_the_table_has_the_baseline_first() -> None:
    row = {"fwd_tok_s": 1.0, "fwdbwd_tok_s": 1.0, "peak_mem_mb": 1.0, "ratio_vs_torch_lstm": 1.0}
    settings = {"batch": 1, "length": 1, "input": 1, "hidden": 1, "device": "cpu", "threads": 2, "torch": "x",
                "rounds": 1}
    text = bench.table({"settings": settings, "results": {"gru": row}, "baseline": {bench.BASELINE: row}})
    rows = [line.split(" | ")[0] for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows == ["| cell", f"| {bench.BASELINE}", "| gru"]
    assert ", 2 threads, torch x;" in text


@pytest.mark.parametrize("flags,words", [(["--rounds", "0"], "--rounds 0: must be at least 1"),
                                         (["--threads", "0"], "--threads 0: expected an integer from 1 to 1024")])
def test_zero_rounds_or_threads_are_one_line(flags: list[str], words: str, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Unchecked, --rounds 0 would be statistics' 'no median for empty data' once every layer was built and
    warmed up; --threads 0 would be skipped as if not given."""
    monkeypatch.setattr(bench, "bench", lambda *a, **kw: pytest.fail("measured"))
    assert main(["bench", "--cells", "gru", *flags]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_the_default_is_every_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(bench, "bench", lambda cells, *a: seen.append(cells) or pytest.fail("stop"))
    with pytest.raises(pytest.fail.Exception):
        main(["bench", *TINY])
    assert seen == [list(CELLS)]


def test_the_log_goes_to_stderr_but_not_with_json_which_has_the_settings(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(bench, "peak_memory_mb", lambda names, s: dict.fromkeys(names, 1.5))
    assert main(["bench", "--cells", "gru", *TINY]) == 0
    assert "timing 1 cell and torch.nn.LSTM, 1 interleaved round" in capsys.readouterr().err
    assert main(["bench", "--cells", "gru", *TINY, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    doc = json.loads(out.splitlines()[-1])
    assert set(doc) == {"results", "baseline", "settings"}
    assert {k: doc["settings"][k] for k in ("batch", "length", "hidden", "input", "device", "rounds")} == {
        "batch": 2, "length": 5, "hidden": 8, "input": 3, "device": "cpu", "rounds": 1}
