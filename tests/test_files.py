"""rnnkit.files.written: the whole new file or the old one, and a device is refused rather than replaced."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.files import output_name, same_file, written


def test_the_new_file_replaces_the_old_only_when_the_block_ends(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old")
    with written(path) as tmp:
        tmp.write_text("new")
        assert path.read_text() == "old"
    assert path.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_failure_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(KeyboardInterrupt), written(path) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_two_writers_of_one_path_at_once_have_a_temporary_file_each(tmp_path: Path) -> None:
    """Two exports to one file at once wrote the same NAME.tmp: each could rename the other's half-written
    file into place, or find it gone. Each now has its own, hidden beside the target; the last to end wins."""
    path = tmp_path / "out.txt"
    with written(path) as first, written(path) as second:
        assert first != second and first.parent == second.parent == tmp_path
        assert first.name.startswith(".out.txt.") and second.name.startswith(".out.txt.")
        first.write_text("first")
        second.write_text("second")
        assert first.read_text() == "first"
    assert path.read_text() == "first" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_the_temporary_name_ends_with_the_suffix_a_library_reads_the_format_from(tmp_path: Path) -> None:
    """matplotlib's savefig picks the format from the name: the temporary file of a plot ends in .png."""
    from rnnkit.plots import figure

    with written(tmp_path / "loss.png", ".tmp.png") as tmp:
        assert tmp.name.startswith(".loss.png.") and tmp.name.endswith(".tmp.png")
    with figure(tmp_path / "curves.png") as (_, ax):
        ax.plot([1, 2, 3])
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png", "loss.png"]


def test_the_new_file_has_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    """A temporary file made private (tempfile.mkstemp's 0600) would make every export private once renamed."""
    mask = os.umask(0o022)
    try:
        with written(tmp_path / "out.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(mask)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("names_it", [False, True])
def test_a_failed_write_names_the_target_and_leaves_it_as_it_was(names_it: bool, tmp_path: Path) -> None:
    """A full disk was a traceback (the OSError of a write to an open file names no file), and an error naming
    the temporary file named a file the user never asked for; both are one line naming the target."""
    path = tmp_path / "out.onnx"
    path.write_text("old")
    code = errno.EACCES if names_it else errno.ENOSPC
    line = rf"^{re.escape(str(path))}: cannot write \({os.strerror(code)}\)$"
    with pytest.raises(UserError, match=line), written(path) as tmp:
        tmp.write_text("half")
        raise OSError(code, os.strerror(code), *([str(tmp)] if names_it else []))
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.onnx"]


def test_another_files_error_inside_the_block_keeps_its_own_name(tmp_path: Path) -> None:
    """A source read while writing (a prepared text's) is not the output: its error is left as it was."""
    path = tmp_path / "out.txt"
    with pytest.raises(FileNotFoundError) as raised, written(path):
        (tmp_path / "source.txt").read_text()
    assert raised.value.filename == str(tmp_path / "source.txt") and list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_hold_the_file_is_named_with_the_target(tmp_path: Path) -> None:
    path = tmp_path / "gone" / "out.txt"
    with pytest.raises(UserError, match=rf"^{re.escape(str(path))}: cannot write \(No such file or directory\)$"):
        with written(path):
            pass


def test_a_full_disk_while_writing_pairs_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main

    def full(self: Path, *args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["data", "dates", "--out", str(tmp_path / "d.tsv"), "--pairs", "5"]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {tmp_path / 'd.tsv'}: cannot write (No space left on device)\n"
    assert list(tmp_path.iterdir()) == []


def test_a_pipe_is_refused_not_replaced_by_a_file(tmp_path: Path) -> None:
    """`rnnkit export DIR --onnx /dev/full` replaced the device with an ONNX file (run as root)."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(UserError, match="pipe: not a regular file"), written(pipe) as tmp:
        tmp.write_text("x")
    assert pipe.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_export_to_a_device_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main

    pipe = tmp_path / "model.onnx"
    os.mkfifo(pipe)
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "".join(f"{'good' if i % 2 else 'bad'} {i},{i % 2}\n" for i in range(30)))
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "2",
                 "--no-progress", "--hidden", "8", "--embedding", "8"]) == 0
    capsys.readouterr()
    assert main(["export", str(tmp_path / "run"), "--onnx", str(pipe)]) == 2
    assert "model.onnx: not a regular file" in capsys.readouterr().err and pipe.is_fifo()


def _killed_writer_leftover(path: Path) -> Path:
    """The temporary file a writer of ``path`` killed with SIGKILL mid-write leaves, aged past STALE_AFTER."""
    import signal
    import subprocess
    import sys

    code = ("import sys, time; from rnnkit.files import written\n"
            "with written(sys.argv[1]) as tmp:\n"
            "    tmp.write_text('half'); print(tmp, flush=True); time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    leftover = Path(child.stdout.readline().strip())
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert leftover.read_text() == "half"
    old = leftover.stat().st_mtime - 3600
    os.utime(leftover, (old, old))
    return leftover


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    """kill -9 while exporting left .NAME.XXXX.tmp beside the file for good; the next write now removes it.
    Another path's temporary file, a recent one of a dead writer and a running writer's stay."""
    path = tmp_path / "out.txt"
    leftover = _killed_writer_leftover(path)
    other = _killed_writer_leftover(tmp_path / "other.txt")
    recent = leftover.with_name(leftover.name.replace(leftover.name.split(".")[-2], "999999999-0123abcd"))
    recent.write_text("a dead writer's, but written to a moment ago")
    with written(path) as running:
        running.write_text("new")
        os.utime(running, (1.0, 1.0))  # old, but its process (this one) runs
        with written(path) as tmp:
            tmp.write_text("newer")
        assert running.exists()
    assert path.read_text() == "new" and not leftover.exists()
    assert other.exists() and recent.exists()


def test_an_output_that_is_an_input_is_refused_by_any_name(tmp_path: Path) -> None:
    """``--output`` the file being read: refused as ``cat a > a`` is, whatever name either is given by."""
    data = tmp_path / "in.txt"
    data.write_text("texts")
    (tmp_path / "link.txt").symlink_to(data)
    os.link(data, tmp_path / "hard.txt")
    (tmp_path / "sub").mkdir()
    reads = [("the --file being read", str(data))]
    for same in (data, tmp_path / "link.txt", tmp_path / "hard.txt", tmp_path / "sub" / ".." / "in.txt"):
        assert same_file(same, data)
        with pytest.raises(UserError) as err:
            output_name(same, "--output", reads=reads)
        assert str(err.value) == f"--output {same}: is the --file being read; write to another file"
    other = tmp_path / "other.txt"
    other.write_text("texts")  # equal contents are not the same file
    assert output_name(other, "--output", reads=reads) == other
    new = tmp_path / "new.txt"
    assert output_name(new, "--output", reads=[*reads, ("the --data being read", None)]) == new
    assert not same_file(tmp_path / "new.txt", tmp_path / "new.txt")  # nothing there: nothing to lose
    with pytest.raises(UserError, match=r"^.*in\.txt: is the --file being read"):
        output_name(data, reads=reads)  # without a flag: the path alone


def test_an_output_inside_a_kept_folder_or_at_a_kept_name_not_there_yet_is_refused(tmp_path: Path) -> None:
    """A folder among the ``reads`` keeps everything inside it, by any spelling, also in a folder not made yet;
    a path not there yet keeps its name (a file the model would read once it is there); beside them, a new
    file is written as before."""
    kept = tmp_path / "run" / "best"
    kept.mkdir(parents=True)
    (tmp_path / "link").symlink_to(kept)
    reads = [("where the model keeps its vocab.json", kept / "vocab.json"),
             ("inside the run's best model (best/)", kept), ("inside last/", tmp_path / "run" / "last")]
    for given, what in ((kept / "vocab.json", "where the model keeps its vocab.json"),
                        (kept / "p.csv", "inside the run's best model (best/)"),
                        (tmp_path / "link" / "sub" / "p.csv", "inside the run's best model (best/)"),
                        (tmp_path / "run" / "last" / "p.csv", "inside last/")):
        with pytest.raises(UserError) as err:
            output_name(given, "--output", reads=reads)
        assert str(err.value) == f"--output {given}: is {what}; write to another file"
    assert not (kept / "vocab.json").exists() and not (tmp_path / "run" / "last").exists()
    assert output_name(tmp_path / "run" / "p.csv", "--output", reads=reads) == tmp_path / "run" / "p.csv"
    assert output_name(tmp_path / "vocab.json", "--output", reads=reads) == tmp_path / "vocab.json"


def test_runs_named_best_and_last_side_by_side_are_runs_not_checkpoints(tmp_path: Path) -> None:
    """``exps/best`` and ``exps/last`` that are runs themselves (a log, checkpoints inside) are not the
    checkpoints of a run ``exps``: an output inside one is allowed, and each names its own run; a run's own
    ``OUT/last`` checkpoint still names OUT and keeps its outputs out."""
    from rnnkit.train.checkpoint import OPTIMIZER_TENSORS, run_folder, run_keeps

    for name in ("best", "last"):
        (tmp_path / "exps" / name / "last").mkdir(parents=True)
        (tmp_path / "exps" / name / "metrics.jsonl").write_text("{}\n")
    assert run_folder(tmp_path / "exps" / "last") == tmp_path / "exps" / "last"
    assert run_folder(tmp_path / "exps" / "best") == tmp_path / "exps" / "best"
    assert run_keeps(tmp_path / "exps" / "best" / "p.csv") is None
    (tmp_path / "run" / "last").mkdir(parents=True)
    (tmp_path / "run" / "last" / OPTIMIZER_TENSORS).write_text("{}")
    assert run_folder(tmp_path / "run" / "last") == tmp_path / "run"
    assert run_keeps(tmp_path / "run" / "best" / "p.csv") == ("inside the run's best model (best/), which every "
                                                              "save replaces")


def test_a_folder_named_last_without_a_checkpoint_is_no_run_s(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A ``last/`` that holds no checkpoint (a folder the user made; every save of it writes the optimizer's
    state) is not a run's resume checkpoint: ``data dates --out res/last/d.tsv`` and an output in a ``best/``
    beside it were refused as inside a run, and so was ``train --out exps/last`` into an empty exps/last."""
    from rnnkit.cli import main
    from rnnkit.train.checkpoint import OPTIMIZER_TENSORS, run_folder, run_keeps
    from rnnkit.train.trainer import check_out_dir

    for name in ("last", "best"):
        (tmp_path / "res" / name).mkdir(parents=True)
    (tmp_path / "res" / "last" / "notes.txt").write_text("mine\n")
    assert run_folder(tmp_path / "res" / "last") == tmp_path / "res" / "last"
    assert run_keeps(tmp_path / "res" / "best" / "p.csv") is None
    check_out_dir(tmp_path / "res" / "last")
    assert main(["data", "dates", "--out", str(tmp_path / "res" / "last" / "d.tsv"), "--pairs", "5"]) == 0
    assert (tmp_path / "res" / "last" / "d.tsv").is_file()
    (tmp_path / "res" / "last" / OPTIMIZER_TENSORS).write_text("{}")  # a resume checkpoint: a run's outputs
    capsys.readouterr()
    assert main(["data", "dates", "--out", str(tmp_path / "res" / "best" / "d.tsv"), "--pairs", "5"]) == 2
    assert "is inside the run's best model (best/)" in capsys.readouterr().err


def test_a_model_copied_into_a_folder_named_last_makes_no_run(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """``cp -r run/best mymodels/last`` (a model's config.json and weights, no optimizer's state) made
    ``mymodels`` a run: ``--output mymodels/best/p.csv`` was refused as inside the run's best model, which
    every save replaces, ``--png mymodels/loss.png`` as the run's own loss.png, and ``mymodels/last`` named the
    run ``mymodels`` (``info`` offered ``--resume mymodels``, ``evaluate`` drew in ``mymodels``). A run's own
    ``last/`` copied there, which ``--resume`` continues, still makes one."""
    from rnnkit.cli import main
    from rnnkit.train.checkpoint import FILES, OPTIMIZER_JSON, OPTIMIZER_TENSORS, run_folder, run_keeps

    models = tmp_path / "mymodels"
    (models / "last").mkdir(parents=True)
    for name in set(FILES) - {OPTIMIZER_TENSORS, OPTIMIZER_JSON}:  # what a run's best/ may hold
        (models / "last" / name).write_text("{}")
    assert run_folder(models / "last") == models / "last"
    for output in (models / "best" / "p.csv", models / "loss.png", models / "metrics.jsonl", models / "autotune"):
        assert run_keeps(output) is None
    assert main(["data", "dates", "--out", str(models / "best" / "d.tsv"), "--pairs", "5"]) == 0
    for name in (OPTIMIZER_TENSORS, OPTIMIZER_JSON):  # now what a run's last/ holds
        (models / "last" / name).write_text("{}")
    assert run_folder(models / "last") == models
    assert run_keeps(models / "loss.png") == "the run's own loss.png"
    capsys.readouterr()
    assert main(["data", "dates", "--out", str(models / "best" / "e.tsv"), "--pairs", "5"]) == 2
    assert "is inside the run's best model (best/)" in capsys.readouterr().err


def test_an_output_beside_a_kept_folder_named_through_it_is_written(tmp_path: Path) -> None:
    """``OUT/best/../p.csv`` is ``OUT/p.csv``, beside the run's best/, as is ``LINK/../p.csv`` for a link to it: they
    were refused as inside best/ (its name came among the path's words); inside it, by any spelling, still is."""
    kept = tmp_path / "run" / "best"
    kept.mkdir(parents=True)
    (tmp_path / "run" / "link").symlink_to(kept)
    reads = [("inside the run's best model (best/)", kept)]
    for given in (kept / ".." / "p.csv", tmp_path / "run" / "link" / ".." / "p.csv"):
        assert output_name(given, "--output", reads=reads) == given
    for given in (tmp_path / "run" / ".." / "run" / "best" / "p.csv", tmp_path / "run" / "link" / "p.csv"):
        with pytest.raises(UserError, match=r": is inside the run's best model \(best/\); write to another file$"):
            output_name(given, "--output", reads=reads)
    assert output_name(tmp_path / "a\0b" / "p.csv", "--output", reads=reads) == tmp_path / "a\0b" / "p.csv"


def test_the_old_file_is_replaced_not_overwritten_in_place(tmp_path: Path) -> None:
    """A rename, not a write into the old file: a reader that has the old file open, or a hard link to it
    (a backup made with ``cp -l``), keeps the old content whole, as with ``mv``."""
    path, link = tmp_path / "out.txt", tmp_path / "backup.txt"
    path.write_text("old")
    os.link(path, link)
    with open(path) as reader:
        with written(path) as tmp:
            tmp.write_text("new")
        assert reader.read() == "old"
    assert path.read_text() == "new" and link.read_text() == "old"


def test_a_name_near_the_longest_a_folder_takes_is_written(tmp_path: Path) -> None:
    """A 250-byte name (NAME_MAX is 255) has no room for the temporary name's ``.PID-XXXXXXXX.tmp``: that name
    is made from its first 50 characters, and the file is written under its own name."""
    path = tmp_path / ("a" * 246 + ".txt")
    with written(path) as tmp:
        assert len(os.fsencode(tmp.name)) <= 255
        tmp.write_text("whole")
    assert path.read_text() == "whole" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_an_error_naming_no_file_that_a_write_cannot_give_keeps_its_own_type(tmp_path: Path) -> None:
    """Only a full disk, a quota or a file too large is a write's error when it names no file; a dropped
    connection while a block downloads what it writes is that error, not "cannot write" of the output."""
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(ConnectionResetError), written(path) as tmp:
        tmp.write_text("half")
        raise ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_pipe_or_a_file_where_a_folder_is_needed_is_named(tmp_path: Path) -> None:
    """``mkdir -p a/b/c`` says only "File exists" when ``a`` is a named pipe, as when it is a file."""
    from rnnkit.files import file_in_the_way

    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "file").write_text("")
    assert file_in_the_way(tmp_path / "pipe" / "b" / "c") == tmp_path / "pipe"
    assert file_in_the_way(tmp_path / "file" / "b") == tmp_path / "file"
    assert file_in_the_way(tmp_path / "new" / "b") is None
