"""Gaps a mutation audit of :mod:`rnnkit.train.checkpoint` found (round 6): each test fails on one changed line."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import sys
from pathlib import Path

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.train import checkpoint as ckpt_mod
from rnnkit.train.checkpoint import load_checkpoint, save_checkpoint
from tests.test_faults import lock_held_by_another_thread

STATE = {"w": torch.arange(3.0)}


def test_a_write_error_inside_safetensors_is_one_line_and_keeps_the_previous_checkpoint(tmp_path: Path,
                                                                                       monkeypatch) -> None:
    """safetensors reports a failed write (a full disk, a folder gone) as its own SafetensorError, not an OSError:
    it is the one line of any failure to save, and the previous checkpoint stays, with nothing left beside it."""
    save_checkpoint(tmp_path / "c", model_state=STATE, config={"v": 1})
    real = ckpt_mod.save_file

    def into_a_missing_folder(tensors, filename, *args, **kwargs):
        return real(tensors, str(tmp_path / "gone" / Path(filename).name), *args, **kwargs)

    monkeypatch.setattr(ckpt_mod, "save_file", into_a_missing_folder)
    with pytest.raises(UserError, match=r"/c: cannot write \(.*No such file.*\); the previous "
                                        "checkpoint there is intact"):
        save_checkpoint(tmp_path / "c", model_state=STATE, config={"v": 2})
    assert load_checkpoint(tmp_path / "c").config == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


@pytest.mark.parametrize("vocab", [{}, []])
def test_an_empty_vocabulary_is_saved_as_one(tmp_path: Path, vocab) -> None:
    save_checkpoint(tmp_path / "c", model_state=STATE, config={}, vocab=vocab)
    assert load_checkpoint(tmp_path / "c").vocab == vocab


def test_where_folders_cannot_be_exchanged_the_previous_checkpoint_renamed_aside_is_removed(tmp_path: Path,
                                                                                            monkeypatch) -> None:
    monkeypatch.setattr(ckpt_mod, "_exchange", lambda a, b: False)
    for v in (1, 2, 3):
        save_checkpoint(tmp_path / "last", model_state=STATE, config={"v": v})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]  # no .last.old-*
    assert load_checkpoint(tmp_path / "last").config == {"v": 3}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    """``_exchange`` is renameat2(RENAME_EXCHANGE): both folders stay, each under the other's name (a wrong flag,
    RENAME_NOREPLACE, fails on an existing target and sent every save the non-atomic way)."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("from a")
    (b / "y").write_text("from b")
    if not ckpt_mod._exchange(a, b):
        if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            pytest.skip("this file system cannot exchange folders")
        pytest.fail(f"renameat2 failed: {errno.errorcode.get(ctypes.get_errno())}")
    assert [p.name for p in a.iterdir()] == ["y"] and [p.name for p in b.iterdir()] == ["x"]
    assert (a / "y").read_text() == "from b"


def test_an_optimizers_state_comes_back_from_its_files_as_torch_gave_it(tmp_path: Path) -> None:
    """Adam's state through the checkpoint's files: the param_groups equal torch's own (betas a tuple, as torch
    keeps it) and every tensor of the state equal."""
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.95))
    model(torch.ones(4, 3)).sum().backward()
    opt.step()
    want = opt.state_dict()
    save_checkpoint(tmp_path / "c", model_state=model.state_dict(), config={}, optimizer_state=want)
    got = load_checkpoint(tmp_path / "c").optimizer_state
    assert got["param_groups"] == want["param_groups"]
    assert isinstance(got["param_groups"][0]["betas"], tuple)
    assert got["state"].keys() == want["state"].keys()
    for pid, state in want["state"].items():
        assert got["state"][pid].keys() == state.keys()
        for key, value in state.items():
            assert torch.equal(got["state"][pid][key], value), (pid, key)


def test_clean_leftovers_puts_back_the_complete_checkpoint_over_an_incomplete_one(tmp_path: Path) -> None:
    """A ``.last.old-*`` that is complete beside a ``last/`` that is not (a half-made folder, no model in it) is the
    checkpoint to keep: it is renamed back to ``last/``, not removed."""
    save_checkpoint(tmp_path / "last", model_state=STATE, config={"v": 1})
    (tmp_path / "last").rename(tmp_path / ".last.old-x1")
    (tmp_path / "last").mkdir()
    (tmp_path / "last" / "config.json").write_text('{"v": 2}')  # no model.safetensors
    assert ckpt_mod.clean_leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]
    assert load_checkpoint(tmp_path / "last").config == {"v": 1}


def test_clean_leftovers_never_puts_an_incomplete_old_folder_in_place(tmp_path: Path) -> None:
    """A ``.last.old-*`` without its model is no checkpoint: what ``last/`` holds stays, and so does the folder
    (it is not a checkpoint of rnnkit's to remove)."""
    (tmp_path / "last").mkdir()
    (tmp_path / "last" / "config.json").write_text('{"v": 2}')
    (tmp_path / ".last.old-x1").mkdir()
    (tmp_path / ".last.old-x1" / "config.json").write_text('{"v": 1}')
    assert ckpt_mod.clean_leftovers(tmp_path) == []
    assert (tmp_path / "last" / "config.json").read_text() == '{"v": 2}'
    assert (tmp_path / ".last.old-x1" / "config.json").read_text() == '{"v": 1}'


def test_clean_leftovers_removes_half_written_temporaries_and_says_which(tmp_path: Path) -> None:
    save_checkpoint(tmp_path / "last", model_state=STATE, config={"v": 1})
    half = tmp_path / ".last.tmp-k2j4"
    half.mkdir()
    (half / "config.json").write_text('{"v": 2}')
    assert ckpt_mod.clean_leftovers(tmp_path) == [half]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]
    assert load_checkpoint(tmp_path / "last").config == {"v": 1}


def test_the_lock_names_its_holder_only_not_an_earlier_one(tmp_path: Path) -> None:
    """``OUT/.lock`` says which process holds it: what an earlier run left in it is replaced, not added to."""
    out = tmp_path / "run"
    out.mkdir()
    (out / ".lock").write_text("pid 99999")  # a run long gone
    with lock_held_by_another_thread(out):
        assert (out / ".lock").read_text() == f"pid {os.getpid()}"
        with pytest.raises(UserError, match=rf"{out}: another run is writing into it \(pid {os.getpid()}\); wait"):
            ckpt_mod.refuse_busy(out)


def test_best_record_is_best_folders_own_record_of_a_best_and_only_that(tmp_path: Path) -> None:
    out = tmp_path / "run"
    save_checkpoint(out / "last", model_state=STATE, config={}, trainer_state={"step": 9, "best_step": 4})
    save_checkpoint(out / "best", model_state=STATE, config={}, trainer_state={"step": 6})
    (out / "metrics.jsonl").write_text("{}\n")
    assert ckpt_mod.best_record(out / "last") is None  # best/ holds no record of a best (no best_step)
    save_checkpoint(out / "best", model_state=STATE, config={}, trainer_state={"step": 6, "best_step": 6})
    assert ckpt_mod.best_record(out / "last") == (out / "best" / "trainer_state.json", {"step": 6, "best_step": 6})
    alone = tmp_path / "alone"  # a checkpoint that is no run's last/: its own best/ is no record of it
    save_checkpoint(alone, model_state=STATE, config={})
    save_checkpoint(alone / "best", model_state=STATE, config={}, trainer_state={"best_step": 1})
    assert ckpt_mod.best_record(alone) is None


def test_an_incomplete_old_checkpoint_is_not_resumed_from(tmp_path: Path) -> None:
    """A ``.last.old-*`` is the previous checkpoint only when complete: one without its model is passed over."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.jsonl").write_text("{}\n")
    (out / ".last.old-x1").mkdir()
    (out / ".last.old-x1" / "config.json").write_text("{}")
    with pytest.raises(UserError, match="holds no checkpoint yet"):
        ckpt_mod.resolve_model_dir(out, prefer="last")
    save_checkpoint(out / ".last.old-x2", model_state=STATE, config={"v": 1})
    assert ckpt_mod.resolve_model_dir(out, prefer="last") == out / ".last.old-x2"


def test_tied_and_sliced_tensors_are_saved_each_whole(tmp_path: Path) -> None:
    """A model with tied weights gives one tensor under two names, and a state may hold views of one storage:
    safetensors refuses tensors that share memory, so each is saved as a copy of its own."""
    shared = torch.randn(4, 3)
    rows = torch.arange(12.0).reshape(3, 4)
    state = {"embedding.weight": shared, "decoder.weight": shared, "first": rows[0], "column": rows[:, 1]}
    save_checkpoint(tmp_path / "c", model_state=state, config={})
    got = load_checkpoint(tmp_path / "c").model_state
    assert got.keys() == state.keys()
    assert all(torch.equal(got[k], v) for k, v in state.items())


def test_a_checkpoint_is_saved_into_folders_that_are_not_there_yet(tmp_path: Path) -> None:
    save_checkpoint(tmp_path / "a" / "b" / "last", model_state=STATE, config={"v": 1})
    assert load_checkpoint(tmp_path / "a" / "b" / "last").config == {"v": 1}


def test_a_train_config_that_is_no_object_is_refused_on_loading(tmp_path: Path) -> None:
    """Resuming reads ``trainer_state.json``'s ``train_config`` as an object: a list there was an AttributeError."""
    save_checkpoint(tmp_path / "c", model_state=STATE, config={}, trainer_state={"step": 1, "train_config": [1]})
    with pytest.raises(UserError, match=r"trainer_state.json: field 'train_config' must be an object, not list"):
        load_checkpoint(tmp_path / "c")


@pytest.mark.parametrize("kept", ["optimizer.json", "optimizer.safetensors"])
def test_half_an_optimizers_state_is_none(tmp_path: Path, kept: str) -> None:
    """The optimizer's state is its two files: with one of them gone it is absent (which resuming refuses in one
    line), not a FileNotFoundError from the other."""
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 2)).sum().backward()
    opt.step()
    save_checkpoint(tmp_path / "c", model_state=model.state_dict(), config={}, optimizer_state=opt.state_dict())
    assert load_checkpoint(tmp_path / "c").optimizer_state is not None
    gone = {"optimizer.json", "optimizer.safetensors"} - {kept}
    (tmp_path / "c" / gone.pop()).unlink()
    assert load_checkpoint(tmp_path / "c").optimizer_state is None


@pytest.mark.parametrize("meta", [{"state": [], "param_groups": []}, {"state": {}, "param_groups": [[0.1]]},
                                  {"state": {}, "param_groups": 3}, {"state": {"x": {}}, "param_groups": []},
                                  {"param_groups": []}])
def test_an_optimizer_json_of_the_wrong_shape_is_one_line(tmp_path: Path, meta: dict) -> None:
    save_checkpoint(tmp_path / "c", model_state=STATE, config={}, optimizer_state={"state": {}, "param_groups": []})
    (tmp_path / "c" / "optimizer.json").write_text(json.dumps(meta))
    with pytest.raises(UserError, match=r"optimizer.json: not an optimizer's state \(\w+Error: .*\); resume from an "
                                        "undamaged run or start afresh with --overwrite"):
        load_checkpoint(tmp_path / "c")


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("gone", ["optimizer.json", "optimizer.safetensors"])
def test_resuming_without_one_of_the_optimizers_files_names_that_file(tmp_path: Path, capsys, gone: str) -> None:
    """A ``last/`` that lost its ``optimizer.json`` was refused for "no optimizer.safetensors", which is there."""
    from rnnkit.cli import main

    text = tmp_path / "text.txt"
    text.write_text("the quick brown fox jumps over the lazy dog.\n" * 40, encoding="utf-8")
    out = tmp_path / "run"
    args = ["train", "charlm", "--data", str(text), "--out", str(out), "--hidden", "8", "--embed-dim", "4",
            "--seq-len", "8", "--batch-size", "2", "--eval-every", "1000", "--no-progress", "--steps", "2"]
    assert main(args) == 0
    (out / "last" / gone).unlink()
    capsys.readouterr()
    assert main([*args[:-1], "4", "--resume", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"rnnkit: error: {out / 'last'}: not a resumable checkpoint (no {gone}); resume from the run's directory, "
        "whose last/ holds it, or start afresh with --overwrite")


def test_discard_run_removes_the_checkpoints_and_the_old_pictures_only(tmp_path: Path) -> None:
    out = tmp_path / "run"
    for name in ("best", "last"):
        save_checkpoint(out / name, model_state=STATE, config={})
    for name in ("loss.png", "report.html", "metrics.jsonl", "notes.txt"):
        (out / name).write_text(name)
    ckpt_mod.discard_run(out)
    assert sorted(p.name for p in out.iterdir()) == ["metrics.jsonl", "notes.txt"]  # the new run writes its log over
    ckpt_mod.discard_run(out, files=("metrics.jsonl",))  # a settings search names it
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_run_before_its_first_save_keeps_its_folders(tmp_path: Path) -> None:
    """A run that has written only its log (no checkpoint saved yet) is a run: an output in its ``best/`` is
    refused, as the first save replaces the folder."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.jsonl").write_text("{}\n")
    assert ckpt_mod.run_folder(out / "last") == out
    with pytest.raises(UserError, match=r"--output .*best/p.csv: is inside the run's best model \(best/\), which "
                                        "every save replaces; write to another file"):
        ckpt_mod.refuse_run_output(out / "best" / "p.csv", "--output")


def test_a_folder_named_last_holding_a_best_is_a_run_of_its_own(tmp_path: Path) -> None:
    """``X/last`` that holds a ``best/`` (a run named ``last`` whose log is gone) is a run, not X's checkpoint."""
    (tmp_path / "metrics.jsonl").write_text("{}\n")
    save_checkpoint(tmp_path / "last" / "best", model_state=STATE, config={})
    assert ckpt_mod.run_folder(tmp_path / "last") == tmp_path / "last"


def test_an_output_inside_a_run_named_last_is_that_runs_not_the_folder_above(tmp_path: Path) -> None:
    """``X/last`` that is a run itself (its own log and checkpoints) is no checkpoint of X's, even where X holds a
    log: a file written in it beside the run's folders is not refused."""
    (tmp_path / "metrics.jsonl").write_text("{}\n")
    (tmp_path / "last").mkdir()
    (tmp_path / "last" / "metrics.jsonl").write_text("{}\n")
    save_checkpoint(tmp_path / "last" / "best", model_state=STATE, config={})
    assert ckpt_mod.run_keeps(tmp_path / "last" / "p.csv") is None
    assert ckpt_mod.run_keeps(tmp_path / "last" / "best" / "p.csv") == (
        "inside the run's best model (best/), which every save replaces")


def test_a_run_with_only_its_resume_checkpoint_is_read_from_last(tmp_path: Path) -> None:
    save_checkpoint(tmp_path / "run" / "last", model_state=STATE, config={"v": 1})
    assert ckpt_mod.resolve_model_dir(tmp_path / "run") == tmp_path / "run" / "last"


def test_parameters_are_counted_as_torch_counts_them_without_the_running_statistics() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    shapes = {name: tuple(t.shape) for name, t in model.state_dict().items()}
    assert ckpt_mod.count_parameters(shapes) == sum(p.numel() for p in model.parameters()) == 16 + 8 + 10


def test_a_runs_best_model_reads_the_files_of_its_last_too(tmp_path: Path) -> None:
    """An output written over ``OUT/last/model.safetensors`` from ``OUT``'s best model loses the run's resume
    checkpoint: the model's ``reads`` name both folders' files (a model folder of its own, its own only)."""
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    out = tmp_path / "run"
    save_checkpoint(out / "best", model_state=STATE, config={})
    save_checkpoint(out / "last", model_state=model.state_dict(), config={}, optimizer_state=opt.state_dict())
    read = {path for _, path in load_checkpoint(out).reads}
    assert out.absolute() / "last" / "model.safetensors" in read and out.absolute() / "best" / "config.json" in read
    save_checkpoint(tmp_path / "alone", model_state=STATE, config={})
    assert {p.parent for _, p in load_checkpoint(tmp_path / "alone").reads} == {(tmp_path / "alone").absolute()}
