"""Fused CPU kernels, compiled on this machine the first time they are wanted; the torch ops they stand for
are the fallback, so rnnkit works the same without a compiler, only slower.

Two time loops spend most of their time in small element-wise operations, each a pass over memory and a
trip through torch's dispatcher:

- ``lstm_step.cpp``: the regularised LSTM (:mod:`rnnkit.bptt`), some twenty operations a step around its
  matrix product; here one pass per row each way, the layer norms' gradients included.
- ``lerp_scan.cpp``: the blocked scan of minGRU and minLSTM (:mod:`rnnkit.scan`): a block's gates and
  steps in one pass per row, forwards, and backwards with the gates' gradients.

And one loop of dict look-ups:

- ``tally.cpp``: the counts of the text read (:mod:`rnnkit.models.counts`), whose tables a language model
  keeps while it scores a text; the class ``torch.classes.rnnkit_native.Tally``.

The exponentials go through glibc's vector maths. :func:`ops` compiles all three with
:func:`torch.utils.cpp_extension.load` (ninja and a C++ compiler; about :data:`BUILD_SECONDS` s once, then cached under
``TORCH_EXTENSIONS_DIR``, by default ``~/.cache/torch_extensions``) and returns their operators, or None:

- ``RNNKIT_NATIVE=0`` in the environment turns the kernels off (the torch ops run instead);
- a machine without a compiler, or a failed build, gives one warning naming the cause, then the torch ops.

The build is named after the source, the flags, the CPU (``-march=native``) and where the source lies, so an
edited source or a home directory shared by different CPUs builds afresh instead of loading a library made
for another, and two installs keep a library each.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

__all__ = ["FLAGS", "SOURCES", "enabled", "ops", "ops_for"]

SOURCES = tuple(Path(__file__).with_name(name) for name in ("lstm_step.cpp", "lerp_scan.cpp", "tally.cpp"))
#: what the sources include from this folder (part of the build's name, not compiled on its own)
HEADERS = (Path(__file__).with_name("common.h"),)
#: -ffast-math lets the compiler call glibc's vector exp and tanh (libmvec) inside the row loops
FLAGS = ("-O3", "-march=native", "-ffast-math")
#: about how long a build takes on 2 cores (said before one)
BUILD_SECONDS = 15

_state: dict[str, Any] = {}


def enabled() -> bool:
    """False when ``RNNKIT_NATIVE=0`` (or ``false``/``no``/``off``) is set: the torch ops run instead."""
    return os.environ.get("RNNKIT_NATIVE", "1").strip().lower() not in ("0", "false", "no", "off")


def _cpu_tag() -> str:
    """What the compiled code depends on besides its source: the machine, and on Linux the CPU's features."""
    tag = platform.machine() + platform.processor()
    try:
        tag += next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        pass
    return tag


def _build(say: Callable[[str], None] | None) -> Any:
    from torch.utils import cpp_extension

    compiler = os.environ.get("CXX", "c++")
    if shutil.which(compiler) is None:
        raise RuntimeError(f"no C++ compiler ({compiler!r} is not on PATH)")
    try:  # the ninja wheel (a dependency) puts its binary beside the package, off PATH in an unactivated venv
        import ninja

        os.environ["PATH"] = ninja.BIN_DIR + os.pathsep + os.environ.get("PATH", "")
    except ImportError:
        pass
    # the sources' folder too: torch's build file names them by path, so two checkouts sharing one name rebuilt
    # each other's library whenever they took turns
    digest = hashlib.sha256(b"".join(s.read_bytes() for s in SOURCES + HEADERS) + " ".join(FLAGS).encode()
                            + _cpu_tag().encode() + str(SOURCES[0].parent).encode()).hexdigest()
    name = f"rnnkit_native_{digest[:16]}"
    folder = _build_root() / name
    folder.mkdir(parents=True, exist_ok=True)
    say = say or _command_line_say()
    with _building(folder):
        if say is not None and not (folder / f"{name}.so").exists():
            say(f"rnnkit: compiling its C++ kernels, once on this machine (about {BUILD_SECONDS} s)")
        cpp_extension.load(name, [str(s) for s in SOURCES], extra_cflags=list(FLAGS), is_python_module=False,
                           build_directory=str(folder), verbose=False)
    return torch.ops.rnnkit_native


def _build_root() -> Path:
    """The folder the build's own folder goes in, the one torch's ``load`` would choose: ``TORCH_EXTENSIONS_DIR``
    when set, else a folder per Python and torch build under :func:`~torch.utils.cpp_extension.get_default_build_root`
    (the user's cache, ``~/.cache/torch_extensions/py311_cpu``). rnnkit names it to ``load`` itself, for its
    lock there (:func:`_building`), rather than ask torch's private function where that is."""
    from torch.utils import cpp_extension

    root = os.environ.get("TORCH_EXTENSIONS_DIR")
    if root is not None:
        return Path(root)
    accelerator = (f"rocm{torch.version.hip.replace('.', '')}" if torch.version.hip is not None
                   else f"cu{torch.version.cuda.replace('.', '')}" if torch.version.cuda is not None else "cpu")
    python = f"py{sys.version_info.major}{sys.version_info.minor}{getattr(sys, 'abiflags', '')}"
    return Path(cpp_extension.get_default_build_root()) / f"{python}_{accelerator}"


@contextlib.contextmanager
def _building(folder: Path) -> Iterator[None]:
    """One rnnkit process at a time builds or loads in ``folder``, under a lock the system lets go of when its
    holder dies. torch's own lock there is a file that a build killed half-way (Ctrl-C, kill -9, a timeout)
    leaves behind, and every later load waited on it forever, silently; under this lock no other rnnkit
    process is building, so such a file is stale and goes."""
    try:
        import fcntl
    except ImportError:   # not a POSIX system: torch's lock alone
        yield
        return
    with open(folder / "rnnkit.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            (folder / "lock").unlink(missing_ok=True)
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def _command_line_say() -> Callable[[str], None] | None:
    """A line on stderr under the command line (under torchrun, from each machine's first process: each machine
    builds its own); else None."""
    from rnnkit.errors import on_command_line, torchrun_number

    if not on_command_line() or (torchrun_number("LOCAL_RANK", strict=False) or 0) != 0:
        return None
    return lambda line: print(line, file=sys.stderr, flush=True)


def ops(say: Callable[[str], None] | None = None) -> Any:
    """The fused operators (``lstm_step_forward``, ``lstm_step_backward``, ``lerp_scan_forward``,
    ``lerp_scan_backward``; and the class ``torch.classes.rnnkit_native.Tally``), built on first use; None
    when turned off or when they cannot be built here (one warning says why). ``say`` hears one line before
    a build that compiles (the first use on this machine), so that a command does not pause unexplained; the
    command line says it on stderr unasked."""
    if not enabled():
        return None
    if "ops" not in _state:
        try:
            _state["ops"] = _build(say)
        except Exception as exc:  # any build failure: the torch ops are the fallback, so say it and go on
            _state["ops"] = None
            warnings.warn(f"rnnkit: the fused kernels could not be built ({type(exc).__name__}: "
                          f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)}); the regularised "
                          f"LSTM and the minGRU/minLSTM scan run on torch ops instead, and the counts of the text "
                          f"read in Python (slower). RNNKIT_NATIVE=0 silences this.",
                          RuntimeWarning, stacklevel=2)
    return _state["ops"]


def ops_for(x: torch.Tensor) -> Any:
    """:func:`ops` when they can run on ``x``: a CPU tensor of float32 or float64, the types the kernels
    are compiled for; else None (bf16, fp16, GPU tensors: the torch ops run)."""
    if x.device.type != "cpu" or x.dtype not in (torch.float32, torch.float64):
        return None
    return ops()
