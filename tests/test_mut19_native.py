"""rnnkit.native's loader, with torch's ``cpp_extension.load`` replaced (nothing is compiled): the values of
RNNKIT_NATIVE that turn the kernels off, what the build's name depends on, who says a build is coming, the warning
of a failed build, and the tensors the kernels take (mutation audit round 19)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from rnnkit import native
from rnnkit.errors import command_line


@pytest.fixture
def loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the builds asked for; each leaves its library as a build would. The kernels on, a fresh
    state, and a build folder of the test's own."""
    from torch.utils import cpp_extension

    names: list[str] = []

    def load(name: str, *args: object, build_directory: str, **kwargs: object) -> None:
        names.append(name)
        (Path(build_directory) / f"{name}.so").touch()

    monkeypatch.setattr(cpp_extension, "load", load)
    monkeypatch.setenv("RNNKIT_NATIVE", "1")
    monkeypatch.setenv("CXX", "sh")
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path / "extensions"))
    monkeypatch.setattr(native, "_state", {})
    return names


@pytest.mark.parametrize(("value", "on"), [(" 0 ", False), ("NO", False), ("no", False), ("1", True), ("", True)])
def test_the_values_that_turn_the_kernels_off(value: str, on: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNKIT_NATIVE", value)
    assert native.enabled() is on


def _sources(folder: Path) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """Copies of the kernels' sources and header in ``folder``."""
    folder.mkdir()
    copy = [Path(shutil.copy(path, folder)) for path in (*native.SOURCES, *native.HEADERS)]
    return tuple(copy[: len(native.SOURCES)]), tuple(copy[len(native.SOURCES):])


def test_the_builds_name_follows_the_sources_folder_and_its_header(loads: list[str], tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Two checkouts build a library each; an edited common.h (which every source includes) builds afresh."""
    for folder in ("a", "b", "b"):
        if not (tmp_path / folder).exists():
            sources, headers = _sources(tmp_path / folder)
        else:
            with open(headers[0], "a", encoding="utf-8") as fh:
                fh.write("\n// edited\n")
        monkeypatch.setattr(native, "SOURCES", sources)
        monkeypatch.setattr(native, "HEADERS", headers)
        monkeypatch.setattr(native, "_state", {})
        assert native.ops() is not None
    assert len(set(loads)) == 3


def test_under_torchrun_only_each_machines_first_process_says_a_build_is_coming(
        loads: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for rank, said in (("1", ""), ("0", "rnnkit: compiling its C++ kernels")):
        monkeypatch.setenv("LOCAL_RANK", rank)
        monkeypatch.setattr(native, "_state", {})
        for built in Path(native._build_root()).glob("*/*.so"):
            built.unlink()
        with command_line():
            native.ops()
        err = capsys.readouterr().err
        assert err.startswith(said) and (said or err == "")
    assert len(loads) == 2  # built each time: what is said does not change what is done


@pytest.mark.parametrize(("error", "said"), [
    (RuntimeError("Error building extension 'rnnkit_native'\n[1/3] c++ ...\nfatal error: Python.h: No such file\n"),
     "(RuntimeError: fatal error: Python.h: No such file)"),  # the compiler's last line, the cause
    (RuntimeError(), "(RuntimeError: RuntimeError())"),
])
def test_a_failed_build_is_named_by_its_last_line(error: Exception, said: str, loads: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from torch.utils import cpp_extension

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(cpp_extension, "load", fail)
    with pytest.warns(RuntimeWarning) as caught:
        assert native.ops() is None
    assert f"the fused kernels could not be built {said}; the regularised LSTM" in str(caught[0].message)


def test_the_kernels_take_cpu_tensors_of_float32_and_float64(monkeypatch: pytest.MonkeyPatch) -> None:
    kernels = object()
    monkeypatch.setenv("RNNKIT_NATIVE", "1")
    monkeypatch.setattr(native, "_state", {"ops": kernels})
    assert native.ops_for(torch.zeros(2)) is kernels and native.ops_for(torch.zeros(2, dtype=torch.float64)) is kernels
    assert native.ops_for(torch.zeros(2, dtype=torch.bfloat16)) is None
    assert native.ops_for(torch.zeros(2, device="meta")) is None  # not on the CPU
