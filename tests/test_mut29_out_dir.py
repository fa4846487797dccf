"""Mutation round 29 of ``--out``'s checks and ``--overwrite``'s removal (fixh's discard_run, mut28's file named
best or last, the best/ that cannot be listed): a dangling link named ``best`` (refused at once; ``--overwrite``
unlinks it: the first save failed on it after the whole run), a ``best/`` that answers another OSError than
EACCES (a failing disk: refused in one line), and a failed fresh run's ``loss.png`` (undone with its
``metrics.jsonl``)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from test_train import make_trainer

from rnnkit.errors import UserError
from rnnkit.train import tbptt_lm_loss
from rnnkit.train.checkpoint import discard_run
from rnnkit.train.trainer import check_out_dir


@pytest.mark.parametrize("name", ["best", "last"])
def test_a_dangling_link_named_best_or_last_is_refused_at_once(tmp_path: Path, name: str) -> None:
    (tmp_path / name).symlink_to(tmp_path / "gone")  # a fresh run trained, then could not save over it
    with pytest.raises(UserError, match=f"^{tmp_path}: holds a {name} that is not a folder "):
        check_out_dir(tmp_path)
    assert (tmp_path / name).is_symlink()


def test_overwrite_unlinks_a_dangling_link_named_best(tmp_path: Path) -> None:
    (tmp_path / "best").symlink_to(tmp_path / "gone")
    check_out_dir(tmp_path, overwrite=True)
    discard_run(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_best_folder_a_failing_disk_cannot_list_is_refused_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "best").mkdir()
    listed = Path.iterdir

    def iterdir(self: Path):  # not a PermissionError: the disk's own error
        if self.name == "best":
            raise OSError(errno.EIO, "Input/output error", str(self))
        return listed(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with pytest.raises(UserError) as info:
        check_out_dir(tmp_path)
    assert str(info.value) == f"{tmp_path / 'best'}: cannot read (Input/output error)"


def test_a_fresh_run_failing_before_its_first_save_takes_its_loss_plot_with_it(tmp_path: Path) -> None:
    calls = []

    def fails_at_the_fifth(*args, **kwargs):  # after two logged records, before the first evaluation's save
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("killed")
        return tbptt_lm_loss(*args, **kwargs)

    with pytest.raises(RuntimeError, match="killed"):
        make_trainer(tmp_path, steps=8, eval_every=8, loss_fn=fails_at_the_fifth).fit()
    assert list(tmp_path.iterdir()) == []
