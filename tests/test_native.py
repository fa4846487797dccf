"""The fused LSTM step (rnnkit.native) against the torch ops it stands for, and its fallback.

The kernel is compiled here on first use (about 15 s); these tests need a C++ compiler, which `make test`
and CI have (`make native-deps`). Without one they are skipped, and the fallback test still runs."""

from __future__ import annotations

import contextlib
import shutil
import sys
import warnings
from pathlib import Path

import pytest
import torch
from torch import Tensor

from rnnkit import Recurrent, native
from rnnkit.bptt import lstm_sequence
from rnnkit.errors import command_line

F64 = torch.float64
#: why the compiled kernels cannot be tested here, or None: ``RNNKIT_NATIVE=0`` turns them off (a run of the
#: suite on the torch ops alone), and they cannot build without a C++ compiler. Where neither holds,
#: a test that needs them asserts ``native.ops()``: a build that fails fails it
NO_KERNELS = ("RNNKIT_NATIVE=0 turns the compiled kernels off" if not native.enabled()
              else "no C++ compiler on PATH" if shutil.which("c++") is None else None)
needs_kernels = pytest.mark.skipif(NO_KERNELS is not None, reason=NO_KERNELS or "")

#: (layer norm, recurrent dropout, zoneout, lengths) of each case
CASES = {
    "plain": (False, False, False, False),
    "recurrent_dropout": (False, True, False, False),
    "zoneout_lengths": (False, False, True, True),
    "layer_norm": (True, False, False, False),
    "all": (True, True, True, True),
}


def inputs(ln: bool, drop: bool, zone: bool, lengths: bool, dtype: torch.dtype, steps: int = 7, batch: int = 3,
           hidden: int = 5, seed: int = 0) -> tuple[list[Tensor], dict]:
    """Leaves (xg, h0, c0, W_hh, and the LN gains and shifts) and the keyword arguments of lstm_sequence."""
    g = torch.Generator().manual_seed(seed)

    def rand(*shape: int, scale: float = 1.0) -> Tensor:
        return (scale * torch.randn(*shape, generator=g, dtype=dtype)).requires_grad_()

    gates = 4 * hidden
    leaves = [rand(steps, batch, gates), rand(batch, hidden), rand(batch, hidden), rand(gates, hidden, scale=0.4)]
    if ln:
        leaves += [1 + rand(gates, scale=0.2), rand(gates, scale=0.2), 1 + rand(gates, scale=0.2),
                   1 + rand(hidden, scale=0.2), rand(hidden, scale=0.2)]
    kw: dict = {}
    if drop:
        kw["drop"] = torch.bernoulli(torch.full((batch, hidden), 0.7, dtype=dtype), generator=g) / 0.7
    keep = None
    if zone:
        keep = tuple(torch.bernoulli(torch.full((steps, batch, hidden), 0.3, dtype=dtype), generator=g)
                     for _ in range(2))
    if lengths:
        mask = (torch.arange(steps).unsqueeze(1) < torch.tensor([steps, 2, 5] * batch)[:batch]).unsqueeze(2)
        keep = tuple(torch.where(mask, k, 1.0) for k in (keep or (torch.zeros((), dtype=dtype),) * 2))
        kw["out_mask"] = mask
    kw["keep"] = keep
    return leaves, kw


def run(leaves: list[Tensor], kw: dict, seed: int = 1) -> list[Tensor]:
    """Outputs, then the gradients of every leaf for fixed random output gradients."""
    xg, h0, c0, w_hh, *ln = leaves
    out, (h, c) = lstm_sequence(xg * 1, h0, c0, w_hh, tuple(ln) if ln else None, **kw)
    g = torch.Generator().manual_seed(seed)
    loss = sum((torch.randn(t.shape, generator=g, dtype=t.dtype) * t).sum() for t in (out, h, c))
    return [out, h, c, *torch.autograd.grad(loss, leaves)]


def both(monkeypatch: pytest.MonkeyPatch, leaves: list[Tensor], kw: dict) -> tuple[list[Tensor], list[Tensor]]:
    """The fused kernel's results, then the torch ops' (RNNKIT_NATIVE=0)."""
    assert native.ops() is not None, "the fused LSTM step did not build on a machine with a compiler"
    fused = run(leaves, kw)
    monkeypatch.setenv("RNNKIT_NATIVE", "0")
    assert native.ops() is None
    return fused, run(leaves, kw)


@needs_kernels
@pytest.mark.parametrize("case", CASES)
def test_fused_step_equals_the_torch_ops_in_float64(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fused, ops = both(monkeypatch, *inputs(*CASES[case], F64))
    for a, b in zip(fused, ops, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@needs_kernels
@pytest.mark.parametrize("case", ["plain", "all"])
def test_fused_step_equals_the_torch_ops_in_float32_on_rows_split_across_threads(
        case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # 96 rows of 4·64 gates: more than one parallel task's share (16,384 numbers), so the rows are split
    # and the gains' gradients are summed block by block
    leaves, kw = inputs(*CASES[case], torch.float32, steps=5, batch=96, hidden=64)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        fused, ops = both(monkeypatch, leaves, kw)
        monkeypatch.delenv("RNNKIT_NATIVE")
        again = run(leaves, kw)
    finally:
        torch.set_num_threads(threads)
    for a, b in zip(fused, ops, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    for a, b in zip(fused, again, strict=True):  # the same numbers whichever thread took which rows
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@needs_kernels
def test_fused_step_passes_gradcheck() -> None:
    leaves, kw = inputs(*CASES["all"], F64, steps=4, batch=2, hidden=3)
    assert native.ops() is not None

    def f(*args: Tensor) -> tuple[Tensor, ...]:
        out, (h, c) = lstm_sequence(args[0], args[1], args[2], args[3], tuple(args[4:]), **kw)
        return out, h, c

    assert torch.autograd.gradcheck(f, tuple(leaves))


@needs_kernels
def test_layer_with_layer_norm_trains_the_same_with_and_without_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    def grads() -> list[Tensor]:
        torch.manual_seed(0)
        rnn = Recurrent("lstm", 3, 6, layer_norm=True, zoneout=0.2, recurrent_dropout=0.1).double()
        x = torch.randn(9, 4, 3, dtype=F64)
        out, _ = rnn(x)
        out.square().sum().backward()
        return [out.detach(), *(p.grad for p in rnn.parameters())]

    assert native.ops() is not None
    fused = grads()
    monkeypatch.setenv("RNNKIT_NATIVE", "0")
    for a, b in zip(fused, grads(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_without_a_compiler_one_warning_says_why_and_the_torch_ops_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXX", "no-such-compiler-rnnkit")
    monkeypatch.delenv("RNNKIT_NATIVE", raising=False)  # no kernel is built: the build's steps, in any run
    monkeypatch.setattr(native, "_state", {})
    with pytest.warns(RuntimeWarning, match="could not be built.*no-such-compiler-rnnkit.*torch ops instead"):
        assert native.ops() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once: later calls are quiet
        assert native.ops() is None
        leaves, kw = inputs(*CASES["all"], F64)
        out = run(leaves, kw)
    monkeypatch.setenv("RNNKIT_NATIVE", "0")
    for a, b in zip(out, run(leaves, kw), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("value", ["0", "off", "False"])
def test_rnnkit_native_0_turns_the_kernels_off(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNKIT_NATIVE", value)
    assert not native.enabled()
    assert native.ops() is None


@needs_kernels
@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
@pytest.mark.parametrize("inputs_", [1, 20])  # one feature: the backward recomputes the projection; 20: kept
def test_fused_scan_equals_the_torch_ops(cell: str, inputs_: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit import scan

    monkeypatch.setattr(scan, "CHUNK_ELEMENTS", 4 * 6)  # blocks of 2 steps at batch 4, hidden 3: 4 blocks

    def results() -> list[Tensor]:
        torch.manual_seed(0)
        rnn = Recurrent(cell, inputs_, 3, num_layers=2, bidirectional=True).double()
        x = torch.randn(7, 4, inputs_, dtype=F64, requires_grad=True)
        h0 = torch.randn(4, 4, 3, dtype=F64, requires_grad=True)
        out, h = rnn(x, h0)
        (out.square().sum() + h.sum()).backward()
        return [out.detach(), h.detach(), x.grad, h0.grad, *(p.grad for p in rnn.parameters())]

    assert native.ops() is not None
    fused = results()
    monkeypatch.setenv("RNNKIT_NATIVE", "0")
    for a, b in zip(fused, results(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@needs_kernels
@pytest.mark.parametrize("cell", ["mingru", "minlstm", "lstm"])
def test_float32_gates_far_below_zero_give_the_torch_ops_numbers_not_nan(cell: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Under -ffast-math, 1 / (1 + exp(-x)) with exp overflowing to inf gave NaN for x below -88.7 in float32
    (the vector exp); sigmoid(-100) is 0. minLSTM's i / (f + i) was 0 / 0 once both gates underflowed."""
    torch.manual_seed(0)
    options = {"zoneout": 0.1} if cell == "lstm" else {}  # the LSTM's kernel is the regularised loop's
    layer = Recurrent(cell, 4, 16, **options).eval()
    x = torch.randn(6, 3, 4) * 100
    x[:, 0] = -100.0 * layer.weight_ih_l0.sign().sum(0)  # drive every pre-activation of row 0 far below zero
    x.requires_grad_(True)
    assert native.ops() is not None
    fused = layer(x)[0]
    (dx,) = torch.autograd.grad(fused.sum(), x)
    monkeypatch.setenv("RNNKIT_NATIVE", "0")
    ops = layer(x)[0]
    (dx_ops,) = torch.autograd.grad(ops.sum(), x)
    assert torch.isfinite(fused).all() and torch.isfinite(dx).all()
    scale = float(ops.detach().abs().max())  # outputs of hundreds: float32 rounds them by about 1e-5
    torch.testing.assert_close(fused, ops, rtol=1e-5, atol=1e-6 * scale)
    torch.testing.assert_close(dx, dx_ops, rtol=1e-4, atol=1e-4)


def test_a_build_that_compiles_is_said_first_and_a_cached_one_is_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """``ops(say=...)`` tells a command's user why it pauses (the first use on a machine compiles for 10 to 20
    seconds), and says nothing when the library is already built."""
    from torch.utils import cpp_extension

    loads: list[str] = []

    def load(name: str, *args: object, **kwargs: object) -> None:   # the compiler's work, without the compiler
        loads.append(name)
        (tmp_path / name / f"{name}.so").touch()

    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    monkeypatch.setenv("CXX", "sh")
    monkeypatch.delenv("RNNKIT_NATIVE", raising=False)  # no kernel is built: the build's steps, in any run
    monkeypatch.setattr(cpp_extension, "load", load)
    said: list[str] = []
    for _ in range(2):
        monkeypatch.setattr(native, "_state", {})
        assert native.ops(say=said.append) is not None
    assert len(loads) == 2 and said == [f"rnnkit: compiling its C++ kernels, once on this machine (about "
                                        f"{native.BUILD_SECONDS} s)"]

    # unasked, the command line says it on stderr (a first minGRU training or a score pauses as long); a Python
    # caller is not told
    built = tmp_path / loads[0] / f"{loads[0]}.so"
    for words, audience in (("", contextlib.nullcontext()), (said[0] + "\n", command_line())):
        built.unlink()
        monkeypatch.setattr(native, "_state", {})
        with audience:
            native.ops()
        assert capsys.readouterr().err == words


def test_a_build_killed_half_way_does_not_stop_every_later_load(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """torch's build lock is a file: a build killed half-way (Ctrl-C, kill -9, a timeout) left it, and every
    later rnnkit command that wanted the kernels waited on it forever without a word. rnnkit builds under a lock
    the system releases when its holder dies, so a lock file it finds is stale and goes before torch looks."""
    from torch.utils import cpp_extension

    stale_when_loaded: list[bool] = []

    def load(name: str, *args: object, **kwargs: object) -> None:
        stale_when_loaded.append((tmp_path / name / "lock").exists())
        (tmp_path / name / f"{name}.so").touch()

    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    monkeypatch.setenv("CXX", "sh")
    monkeypatch.delenv("RNNKIT_NATIVE", raising=False)  # no kernel is built: the build's steps, in any run
    monkeypatch.setattr(cpp_extension, "load", load)
    for _ in range(2):
        monkeypatch.setattr(native, "_state", {})
        assert native.ops() is not None
        for folder in tmp_path.iterdir():   # what a killed build leaves
            (folder / "lock").touch()
    assert stale_when_loaded == [False, False]


def test_the_build_folder_is_chosen_by_rnnkit_where_torch_would_put_it(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """rnnkit asked torch's private ``cpp_extension._get_build_directory`` for the build's folder (for its lock
    there), which a torch release may rename or drop; it now names the folder to ``load``'s public
    ``build_directory`` itself: ``TORCH_EXTENSIONS_DIR`` when set, else torch's default under the user's cache."""
    from torch.utils import cpp_extension

    folders: list[Path] = []

    def load(name: str, *args: object, build_directory: str, **kwargs: object) -> None:
        folder = Path(build_directory)
        assert folder.name == name and (folder / "rnnkit.lock").exists()   # rnnkit's lock is in the build's folder
        folders.append(folder)

    monkeypatch.delattr(cpp_extension, "_get_build_directory")
    monkeypatch.setattr(cpp_extension, "load", load)
    monkeypatch.setenv("CXX", "sh")
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path / "extensions"))
    monkeypatch.delenv("RNNKIT_NATIVE", raising=False)  # no kernel is built: the build's steps, in any run
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for unset in (False, True):
        if unset:
            monkeypatch.delenv("TORCH_EXTENSIONS_DIR")
        monkeypatch.setattr(native, "_state", {})
        assert native.ops() is not None
    python = f"py{sys.version_info.major}{sys.version_info.minor}{getattr(sys, 'abiflags', '')}"
    assert folders[0].parent == tmp_path / "extensions"
    default = Path(cpp_extension.get_default_build_root())
    assert default == (tmp_path / "cache" / "torch_extensions").resolve() and folders[1].parent.parent == default
    assert folders[1].parent.name.startswith(python + "_")
