"""rnnkit.train.provenance (mutation audit round 13): what a run records of its data files, and how a resumed run
or a report finds them and tells whether they are still the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.train.provenance import located, other_validation, recorded_file, with_digests

SPLIT = {"train": "t.csv", "digests": {"train": "1:aa"}, "paths": {"train": "/x/t.csv"}}


def test_the_same_file_moved_elsewhere_validates_on_the_same_data() -> None:
    """Its digest decides before its path: the project moved (or the run resumed from another machine)."""
    assert not other_validation(SPLIT, {**SPLIT, "paths": {"train": "/y/t.csv"}})
    assert other_validation(SPLIT, {**SPLIT, "digests": {"train": "2:bb"}})


def test_a_record_without_content_falls_back_to_the_files() -> None:
    """A run saved before its task recorded the content it validates on: its files decide, not the new content."""
    assert not other_validation(SPLIT, {**SPLIT, "content": "c1"})
    assert not other_validation({**SPLIT, "content": "c1"}, SPLIT)
    assert other_validation(SPLIT, {**SPLIT, "digests": {"train": "2:bb"}, "content": "c1"})


def test_a_run_saved_before_digests_and_paths_cannot_tell_another_name_apart() -> None:
    """'t.csv' then, 'elsewhere/t.csv' with a digest now: the same file under another name, for all it can tell."""
    assert not other_validation({"train": "t.csv"}, {"train": "elsewhere/t.csv", "digests": {"train": "1:aa"}})
    assert not other_validation({"train": "t.csv"}, {"train": "elsewhere/t.csv", "paths": {"train": "/x/t.csv"}})


def test_a_record_that_is_not_a_dict_on_either_side_cannot_tell() -> None:
    assert not other_validation(SPLIT, None)
    assert not other_validation(SPLIT, ["t.csv"])


def test_a_folder_reached_through_a_link_is_the_folder_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Recorded by its resolved path: `--val-data link` then `--val-data real` is the same validation folder."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    then, now = with_digests({"train": "corpus", "val": "link"}), with_digests({"train": "corpus", "val": "real"})
    assert then["paths"] == now["paths"] == {"val": str((tmp_path / "real").resolve())}
    assert not other_validation(then, now)


def test_only_a_regular_file_gets_a_digest() -> None:
    """A device (or a pipe) is no file whose content a digest can vouch for: only its path is recorded."""
    record = with_digests({"train": os.devnull})
    assert "digests" not in record and record["paths"] == {"train": str(Path(os.devnull).resolve())}


def test_an_entry_that_is_empty_or_null_is_no_entry() -> None:
    record = {"train": "t.csv", "val": None, "test": ""}
    assert located(record, "val") is None and located(record, "test") is None and located(record, "other") is None


def test_a_damaged_absolute_path_is_left_for_the_name_as_given() -> None:
    assert located({"train": "t.csv", "paths": {"train": 5}}, "train") == "t.csv"


def test_a_changed_file_is_found_where_it_was_recorded_when_the_name_given_is_not_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """So that the caller's check names it as changed (its digest), not as missing (the relative name)."""
    (tmp_path / "old").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "old")
    Path("t.csv").write_text("text,label\nok,pos\n", encoding="utf-8")
    record = with_digests({"train": "t.csv"})
    Path("t.csv").write_text("text,label\nchanged,neg\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert located(record, "train") == str(tmp_path / "old" / "t.csv")
    with pytest.raises(UserError, match=rf"^{tmp_path / 'old' / 't.csv'} is no longer the data the run at run "
                                        r"trained on; give --data$"):
        recorded_file("run", record, "train", "--data")


def test_a_file_the_run_has_no_digest_of_is_refused_naming_the_run_and_the_flag(tmp_path: Path) -> None:
    data = tmp_path / "v.csv"
    data.write_text("text,label\nok,pos\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^runs/a: the run records no digest of {data}, so it cannot be checked to "
                                        r"be the data it trained on; give --val-data$"):
        recorded_file("runs/a", {"val": str(data)}, "val", "--val-data")
    assert recorded_file("runs/a", with_digests({"val": str(data)}), "val", "--val-data") == str(data.resolve())
