"""review33: matplotlib's import before a run's first step is no part of its ``minutes`` budget."""

from __future__ import annotations

import time
from pathlib import Path

import pytest


def test_importing_matplotlib_does_not_eat_the_time_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Trainer imports matplotlib (for loss.png) before the first step; a first import takes a second or more on
    a busy machine, and it ran after the run's clock had started: ``minutes=0.01`` (0.6 s) ended "before the first
    update" with no model. The import now comes before the clock starts."""
    import rnnkit
    from rnnkit import plots

    monkeypatch.setattr(plots, "load_matplotlib", lambda: time.sleep(1.0))  # a slow first import
    text = tmp_path / "abc.txt"
    text.write_text("abcdefghij" * 40)
    result = rnnkit.fit("charlm", data=text, out=tmp_path / "run", hidden=8, embed_dim=4, seq_len=8, batch_size=2,
                        steps=None, minutes=0.01, verbose=False, progress=False)
    assert result.stopped == "minutes"
    assert result.steps >= 1


def test_a_ctrl_c_during_the_import_stops_the_run_before_its_first_update(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The import left the loop's handler for one of its own: a Ctrl-C in it still only asks the run to stop (no
    half-imported matplotlib), and a fresh run stopped so is a KeyboardInterrupt that leaves no folder behind."""
    import os
    import signal

    import rnnkit
    from rnnkit import plots

    imported: list[bool] = []

    def load_matplotlib() -> None:  # a Ctrl-C in the middle of the import, which goes on to its end
        os.kill(os.getpid(), signal.SIGINT)
        imported.append(True)

    monkeypatch.setattr(plots, "load_matplotlib", load_matplotlib)
    text = tmp_path / "abc.txt"
    text.write_text("abcdefghij" * 40)
    with pytest.raises(KeyboardInterrupt):
        rnnkit.fit("charlm", data=text, out=tmp_path / "run", hidden=8, embed_dim=4, seq_len=8, batch_size=2, steps=2,
                   verbose=False, progress=False)
    assert imported == [True]  # not cut short
    assert not (tmp_path / "run").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
