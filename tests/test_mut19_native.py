"""rnnkit.native's loader, with torch's ``cpp_extension.load`` replaced (nothing is compiled): the warning of a
failed build names its cause as the compiler said it, not quoted (mutation audit round 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit import native


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
