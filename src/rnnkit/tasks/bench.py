"""``rnnkit bench``: the speed and memory of every cell beside torch.nn.LSTM, on this machine, in one run.

For each cell: tokens per second of the forward pass (no graph, as in inference) and of forward+backward
(training), the peak memory of one forward+backward, and the ratio of its forward+backward speed to
``torch.nn.LSTM`` of the same sizes. Timings are interleaved (every round runs every cell and the
baseline once, in turn) and each figure is the median over the rounds, so that a change in the
machine's load falls on all of them alike.

Peak memory: on CUDA, ``torch.cuda.max_memory_allocated`` during one forward+backward less what was
allocated before it (activations, gradients, workspaces; the weights and input are not counted). On the
CPU no allocator keeps such a count, so a process forked for each layer builds it and its input, then
runs one forward+backward, and the figure is the growth of its peak resident set size (``ru_maxrss``):
the same quantity as the operating system sees it, with malloc's overhead and torch's CPU workspaces.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit import strictjson
from rnnkit.cells import CELLS
from rnnkit.errors import UserError, check_threads
from rnnkit.tasks import Command, register
from rnnkit.tasks.diagnose import parse_cells
from rnnkit.wording import counted

__all__ = ["BASELINE", "bench", "forward", "forward_backward", "interleaved"]

#: the name of the reference every ratio is taken against
BASELINE = "torch.nn.LSTM"


def forward(module: nn.Module, x: Tensor) -> Callable[[], None]:
    """One forward pass of ``module`` over ``x`` without building a graph."""

    def run() -> None:
        with torch.no_grad():
            module(x)

    return run


def forward_backward(module: nn.Module, x: Tensor) -> Callable[[], None]:
    """One forward pass and the backward pass of the sum of its outputs (every parameter's gradient)."""

    def run() -> None:
        module(x)[0].sum().backward()
        module.zero_grad(set_to_none=True)

    return run


def interleaved(fns: dict[str, Callable[[], None]], rounds: int, sync: Callable[[], None] = lambda: None,
                summary: Callable[[list[float]], float] = statistics.median) -> dict[str, float]:
    """Seconds per call of each function (``summary`` of its rounds, the median by default): one warm-up
    call each, then ``rounds`` rounds that call every function once, in turn. ``sync`` waits for the
    device (``torch.cuda.synchronize``)."""
    for fn in fns.values():
        fn()
    sync()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            sync()
            times[name].append(time.perf_counter() - t0)
    return {k: summary(v) for k, v in times.items()}


def _module(name: str, s: dict[str, Any]) -> nn.Module:
    """The layer under test (``BASELINE`` or a cell of rnnkit.cells.CELLS) on the device, with its input sizes."""
    if name == BASELINE:
        return nn.LSTM(s["input"], s["hidden"]).to(s["device"])
    from rnnkit.recurrent import Recurrent

    return Recurrent(name, s["input"], s["hidden"]).to(s["device"])


def _input(s: dict[str, Any]) -> Tensor:
    gen = torch.Generator().manual_seed(0)
    return torch.randn(s["length"], s["batch"], s["input"], generator=gen).to(s["device"])


def peak_memory_mb(names: list[str], s: dict[str, Any]) -> dict[str, float]:
    """Extra memory of one forward+backward of each layer in MB (the module docstring says what counts)."""
    if s["device"] == "cuda":
        return {n: _cuda_peak(n, s) for n in names}
    # no GPU in the probe: where torch sees one, autograd starts a thread per device at the first backward,
    # and a child forked after that refuses its own backward ("Autograd-and-Fork"; seen on an H200 machine)
    done = subprocess.run([sys.executable, "-m", "rnnkit.tasks.bench", json.dumps({**s, "cells": names})],
                          capture_output=True, text=True, check=False, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    if done.returncode != 0:
        raise RuntimeError(f"the memory probe failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cuda_peak(name: str, s: dict[str, Any]) -> float:
    module, x = _module(name, s), _input(s)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    forward_backward(module, x)()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - before) / 2**20


def _rss_probe(spec: str) -> None:
    """The fresh process of :func:`peak_memory_mb` on the CPU: torch is imported once, then each layer is
    measured in a process forked for it (its own high-water mark); prints {name: growth of ru_maxrss, MB}."""
    s = json.loads(spec)
    # one thread, here and in the children: an OpenMP pool started before fork() hangs the child's first
    # parallel region (seen with --threads 2); the memory of one forward+backward does not need the pool
    torch.set_num_threads(1)
    tiny = {**s, "batch": 1, "length": 2}
    for name in s["cells"]:  # the libraries' one-time set-up, once here, before the forks
        forward_backward(_module(name, tiny), _input(tiny))()
    result = {}
    for name in s["cells"]:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: build, note the high-water mark, run once, report the growth
            os.close(read)
            module, x = _module(name, s), _input(s)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
            forward_backward(module, x)()
            os.write(write, str((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            result[name] = float(pipe.read())
        os.waitpid(pid, 0)
    print(strictjson.dumps(result))


def bench(cells: list[str], batch: int = 32, length: int = 200, hidden: int = 256, input_size: int = 64,
          device: str = "cpu", rounds: int = 5, log: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """Measure ``cells`` and torch.nn.LSTM; returns ``{"results": {cell: {...}}, "baseline": {...},
    "settings": {...}}`` with ``fwd_tok_s``, ``fwdbwd_tok_s``, ``peak_mem_mb`` and ``ratio_vs_torch_lstm``
    (the cell's forward+backward tokens/s over the baseline's) per cell."""
    s = {"batch": batch, "length": length, "hidden": hidden, "input": input_size, "device": device,
         "threads": torch.get_num_threads()}
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    torch.manual_seed(0)
    names = [BASELINE, *cells]
    modules, x = {n: _module(n, s) for n in names}, _input(s)
    log(f"timing {counted(len(cells), 'cell')} and {BASELINE}, {counted(rounds, 'interleaved round')}")
    fwd = interleaved({n: forward(m, x) for n, m in modules.items()}, rounds, sync)
    fwdbwd = interleaved({n: forward_backward(m, x) for n, m in modules.items()}, rounds, sync)
    tokens = batch * length
    log("peak memory of one forward+backward each")
    peak = peak_memory_mb(names, s)
    rows = {n: {"fwd_tok_s": tokens / fwd[n], "fwdbwd_tok_s": tokens / fwdbwd[n], "peak_mem_mb": peak[n],
                "ratio_vs_torch_lstm": fwdbwd[BASELINE] / fwdbwd[n]} for n in names}
    baseline = rows.pop(BASELINE)
    return {"results": rows, "baseline": {BASELINE: baseline},
            "settings": {**s, "rounds": rounds, "dtype": "float32", "torch": torch.__version__}}


def table(doc: dict[str, Any]) -> str:
    """The results as a Markdown table (what docs/PERFORMANCE.md shows), the baseline first."""
    s = doc["settings"]
    lines = [f"batch {s['batch']}, {s['length']} steps, input {s['input']}, hidden {s['hidden']}, float32, "
             f"{s['device']}, {s['threads']} thread{'s' * (s['threads'] != 1)}, torch {s['torch']}; median of "
             f"{counted(s['rounds'], 'interleaved round')}",
             "", "| cell | forward tok/s | fwd+bwd tok/s | peak MB (fwd+bwd) | fwd+bwd / torch.nn.LSTM |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in [*doc["baseline"].items(), *doc["results"].items()]:
        lines.append(f"| {name} | {r['fwd_tok_s']:,.0f} | {r['fwdbwd_tok_s']:,.0f} | {r['peak_mem_mb']:.1f} | "
                     f"{r['ratio_vs_torch_lstm']:.2f} |")
    return "\n".join(lines)


def _positive(args: argparse.Namespace, *names: str) -> None:
    for name in names:
        if getattr(args, name) < 1:
            raise UserError(f"--{name} {getattr(args, name)}: must be at least 1")


def _check_room(args: argparse.Namespace) -> None:
    """Refuse sizes whose batch, hidden states and LSTM weights cannot be held on ``--device``, counted before any
    is made (:func:`rnnkit.train.memory.check_room`), naming the largest: one past int64 (``--hidden
    99999999999999999999999``) was torch's traceback, "Overflow when unpacking long long"."""
    from rnnkit.train.memory import check_room

    sizes = {name: getattr(args, name) for name in ("batch", "length", "hidden", "input")}
    tokens, weights = args.batch * args.length, 4 * args.hidden * (args.input + args.hidden + 2)
    check_room(None, [(torch.device(args.device), 4 * (tokens * (args.input + args.hidden) + weights))],
               "the input, the hidden states and an LSTM's weights", tuple(sizes), **sizes)


def _cmd_bench(args: argparse.Namespace) -> int:
    _positive(args, "batch", "length", "hidden", "input", "rounds")
    if args.device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available to torch here; use --device cpu")
    _check_room(args)
    if args.threads is not None:
        torch.set_num_threads(check_threads(args.threads))

    def log(msg: str) -> None:
        if not args.json:
            print(msg, file=sys.stderr, flush=True)

    doc = bench(parse_cells(args.cells), args.batch, args.length, args.hidden, args.input, args.device,
                args.rounds, log)
    print(strictjson.dumps({"results": doc["results"], "baseline": doc["baseline"], "settings": doc["settings"]})
          if args.json else table(doc))
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cells", default=",".join(CELLS), help=f"comma-separated, from {','.join(CELLS)} (default all)")
    p.add_argument("--batch", type=int, default=32, help="sequences per batch (default 32)")
    p.add_argument("--length", type=int, default=200, help="time steps T (default 200)")
    p.add_argument("--hidden", type=int, default=256, help="hidden units (default 256)")
    p.add_argument("--input", type=int, default=64, help="input features (default 64)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds; the median is kept (default 5)")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's own choice)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")


register(Command(
    name="bench", help="speed and memory of every cell beside torch.nn.LSTM", add_arguments=add_arguments,
    run=_cmd_bench, description=__doc__.split("\n\n")[1],
))

if __name__ == "__main__":
    _rss_probe(sys.argv[1])
