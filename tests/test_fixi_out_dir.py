"""What a fresh run's ``--out`` holds that is not a run, said as it is (fixi): a ``best/`` of the user's files read
"holds a best/ but no saved run (no best/ or last/ checkpoint)", a contradiction."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train.trainer import check_out_dir

TAIL = ", which a run writes over; move it away, give another --out, or start with --overwrite"


@pytest.mark.parametrize("name", ["best", "last"])
def test_a_checkpoint_folder_of_other_files_is_said_to_be_no_checkpoint(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    (tmp_path / name / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(UserError) as refused:
        check_out_dir(tmp_path)
    assert str(refused.value) == (f"{tmp_path}: holds a {name}/ that is not a checkpoint (no config.json; it holds "
                                  f"other files){TAIL}")


def test_a_file_where_a_checkpoint_goes_is_said_to_be_no_folder(tmp_path: Path) -> None:
    (tmp_path / "best").write_text("mine\n", encoding="utf-8")
    with pytest.raises(UserError) as refused:
        check_out_dir(tmp_path)
    assert str(refused.value) == (f"{tmp_path}: holds a best that is not a folder (where a run saves its best/ "
                                  f"checkpoint){TAIL}")


def test_a_run_s_own_file_keeps_its_words(tmp_path: Path) -> None:
    (tmp_path / "metrics.jsonl").write_text("{}\n", encoding="utf-8")
    with pytest.raises(UserError) as refused:
        check_out_dir(tmp_path)
    assert str(refused.value) == (f"{tmp_path}: holds a metrics.jsonl but no saved run (no best/ or last/ "
                                  f"checkpoint){TAIL}")


def test_a_checkpoint_folder_of_os_and_editor_litter_only_is_taken(tmp_path: Path) -> None:
    """A ``best/`` holding a Finder's ``.DS_Store`` (a Mac user looked into it) or ``last/`` a Jupyter's
    ``.ipynb_checkpoints`` (what ``rm -r last/*`` leaves) was refused as the user's files, which ``ls`` did not
    show; a run takes them as the empty folders they are, and trains into them."""
    text, out = tmp_path / "t.txt", tmp_path / "out"
    text.write_text("abcdefgh \n" * 300, encoding="utf-8")
    (out / "best").mkdir(parents=True)
    (out / "best" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (out / "last" / ".ipynb_checkpoints").mkdir(parents=True)
    (out / "last" / ".ipynb_checkpoints" / "config-checkpoint.json").write_text("{}\n", encoding="utf-8")
    check_out_dir(out)
    assert main(["train", "charlm", "--data", str(text), "--out", str(out), "--hidden", "8", "--embed-dim", "4",
                 "--seq-len", "8", "--batch-size", "2", "--steps", "1", "--no-progress"]) == 0
    assert (out / "best" / "config.json").is_file() and (out / "last" / "config.json").is_file()
    (tmp_path / "elsewhere" / "best").mkdir(parents=True)
    (tmp_path / "elsewhere" / "best" / ".DS_Store").write_bytes(b"")
    (tmp_path / "elsewhere" / "best" / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(UserError, match="holds a best/ that is not a checkpoint"):  # litter beside work: still theirs
        check_out_dir(tmp_path / "elsewhere")


def test_a_generator_s_out_of_litter_only_is_empty(tmp_path: Path) -> None:
    """``rnnkit data ... --out DIR`` of an empty folder a Mac user had opened in Finder said 'DIR: exists and is
    not empty', nothing in it that ``ls`` shows; the same :data:`rnnkit.files.LITTER` is looked past there."""
    from rnnkit.data.folders import new_folder

    out = tmp_path / "corpus"
    out.mkdir()
    (out / ".DS_Store").write_bytes(b"")
    with new_folder(out) as tmp:
        (tmp / "train.tsv").write_text("a\tb\n", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == [".DS_Store", "train.tsv"]
    with pytest.raises(UserError, match="exists and is not empty"), new_folder(out):
        pass
