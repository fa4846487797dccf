"""What a fresh run's ``--out`` holds that is not a run, said as it is (fixi): a ``best/`` of the user's files read
"holds a best/ but no saved run (no best/ or last/ checkpoint)", a contradiction."""

from __future__ import annotations

from pathlib import Path

import pytest

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
