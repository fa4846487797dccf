"""Gaps a mutation audit of round 28 found in walk33's notebook fixes: the range test's repr, the float32 default
dtype, autograd under a caller's inference_mode, a best/ or last/ of the user's files, matplotlib imported early
and pictures on a Figure of their own."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.errors import UserError
from rnnkit.train.lr_find import LearningRateCurve
from rnnkit.train.trainer import check_out_dir

TINY = {"hidden": 8, "embed_dim": 4, "seq_len": 8, "batch_size": 2, "steps": 2, "verbose": False}


def _text(tmp_path: Path) -> Path:
    text = tmp_path / "abc.txt"
    text.write_text("abcdefghij" * 40, encoding="utf-8")
    return text


def test_a_curve_of_one_update_says_its_one_rate() -> None:
    """A range test that diverged at its first update tried one rate: 'rates=0.001 to 0.001', not 'none'."""
    assert repr(LearningRateCurve([1e-3], [2.0], [2.0], stopped="diverged")) == (
        "LearningRateCurve(suggestion=None, lowest=0.001, updates=1, rates=0.001 to 0.001, stopped='diverged')")


def test_a_fit_that_fails_gives_the_notebook_its_default_dtype_back(tmp_path: Path) -> None:
    """The caller's float64 is back after a fit refused inside (restored only on success, it stayed float32)."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        with pytest.raises(UserError, match="no such file"):
            rnnkit.fit("charlm", data=tmp_path / "missing.txt", out=tmp_path / "run", **TINY)
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(before)


def test_a_fit_and_a_load_under_the_caller_s_inference_mode_make_trainable_weights(tmp_path: Path) -> None:
    """Under ``torch.inference_mode()`` a fit trains (without leaving it, torch refused the first backward), and
    a model loaded there holds no inference tensors, so the notebook can go on training it outside."""
    with torch.inference_mode():
        result = rnnkit.fit("charlm", data=_text(tmp_path), out=tmp_path / "run", **TINY)
        lm = rnnkit.load(tmp_path / "run")
    assert result.stopped == "steps"
    assert not any(p.is_inference() for p in lm.model.parameters())


def test_a_last_folder_of_the_user_s_own_files_is_refused_too(tmp_path: Path) -> None:
    """Not only best/: a run's first save of last/ replaces it whole (only best/ was tried)."""
    (tmp_path / "last").mkdir()
    (tmp_path / "last" / "mine.txt").write_text("my notes\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"holds a last/ that is not a checkpoint"):
        check_out_dir(tmp_path)


def test_a_run_trains_though_matplotlib_cannot_be_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The early import of matplotlib never loses a run: a broken matplotlib is said by the plot, after it."""
    from rnnkit import plots

    def broken() -> None:
        raise ImportError("matplotlib is broken")

    monkeypatch.setattr(plots, "load_matplotlib", broken)
    result = rnnkit.fit("charlm", data=_text(tmp_path), out=tmp_path / "run", **TINY)
    assert result.stopped == "steps" and (tmp_path / "run" / "last").is_dir()


def test_load_matplotlib_imports_what_figure_draws_with() -> None:
    """In a fresh process: after load_matplotlib() nothing is left for figure() to import (an empty one left
    the import, and a second Ctrl-C into it, to the run's end)."""
    code = ("import sys\nfrom rnnkit.plots import load_matplotlib\nload_matplotlib()\n"
            "print(all(m in sys.modules for m in ('matplotlib.figure', 'matplotlib.backends.backend_agg')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(Path(rnnkit.__file__).parents[1]), "RNNKIT_NATIVE": "0"})
    assert done.stdout.strip() == "True", done.stderr[-2000:]


def test_pictures_take_the_caller_s_colour_cycle_and_their_own_dpi(tmp_path: Path) -> None:
    """rcParams set by the user still colour rnnkit's pictures, and a figure of dpi 110 is 110 dots an inch."""
    import matplotlib
    from cycler import cycler

    from rnnkit.plots import _colours, figure

    with matplotlib.rc_context({"axes.prop_cycle": cycler(color=["#123456", "#654321"])}):
        assert _colours() == ["#123456", "#654321"]
    with figure(tmp_path / "f.png", figsize=(2, 1), dpi=110) as (_, ax):
        ax.plot([0, 1])
    width, height = struct.unpack(">II", (tmp_path / "f.png").read_bytes()[16:24])
    assert (width, height) == (220, 110)
