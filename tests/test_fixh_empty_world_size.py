"""An empty ``WORLD_SIZE=`` (fixh): a shell that exported it empty refused ``rnnkit train`` with
``environment variable WORLD_SIZE='': expected an integer``, though torchrun never sets it empty and every other
command took it for one process. :func:`rnnkit.train.distributed.ranks`, the one reading of torchrun's variables,
now takes an empty one as unset, and still refuses a garbled one."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train.distributed import ranks

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("key", ["WORLD_SIZE", "RANK", "LOCAL_RANK"])
def test_an_empty_variable_is_unset_and_a_garbled_one_refused(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(key, "")
    assert (ranks().rank, ranks().world_size, ranks().local_rank) == (0, 1, 0)
    monkeypatch.setenv(key, " ")
    assert ranks().world_size == 1
    monkeypatch.setenv(key, "abc")
    with pytest.raises(UserError, match=rf"environment variable {key}='abc': expected an integer"):
        ranks()


def test_train_runs_with_an_empty_world_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "t.txt"
    data.write_text("abcdefgh \n" * 300, encoding="utf-8")
    monkeypatch.setenv("WORLD_SIZE", "")
    assert main(["train", "charlm", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2",
                 "--steps", "1", "--no-progress", "--data", str(data), "--out", str(tmp_path / "run")]) == 0
    assert (tmp_path / "run" / "best" / "model.safetensors").is_file()
