"""Gaps a mutation audit of :mod:`rnnkit.report` (its ``__init__``) found (round 7): each test fails on one changed
line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import rnnkit.report as report
from rnnkit.errors import UserError


def test_the_charlm_section_shows_2000_characters_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.report import charlm

    seen: list[tuple[Any, ...]] = []
    monkeypatch.setattr(charlm, "add_sections", lambda *args: seen.append(args[3:]))
    report.SECTIONS["charlm"](None, Path("R"), None, {"text": "t.txt"})
    report.SECTIONS["charlm"](None, Path("R"), None, {"text": None, "chars": 300})
    assert seen == [("t.txt", 2000), (None, 300)]


def test_threshold_is_an_option_of_the_classifiers_page_only() -> None:
    report.check_options(Path("R"), "classify", {"threshold": 0.5})
    with pytest.raises(UserError, match=r"^--threshold: R is a 'tag' run; --threshold applies only to a run of "
                                        r"classify$"):
        report.check_options(Path("R"), "tag", {"threshold": 0.5})


def test_an_option_given_empty_is_still_given() -> None:
    """``data=""`` was given (and is no data file): refused for a page that reads no --data, as any value is."""
    with pytest.raises(UserError, match="^--data: R is a 'charlm' run"):
        report.check_options(Path("R"), "charlm", {"data": ""})


def test_a_path_that_is_no_run_directory_says_what_it_is(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    said = "f: a file; expected a run directory of `rnnkit train`, `rnnkit experiment` or `rnnkit diagnose`$"
    with pytest.raises(UserError, match=said):
        report.run_dir(tmp_path / "f")
    with pytest.raises(UserError, match="nope: no such directory; expected a run directory"):
        report.run_dir(tmp_path / "nope")


def test_output_text_and_data_may_be_paths(tmp_path: Path) -> None:
    """A pathlib.Path is as good as a str for each: the run is looked for next (and here not found)."""
    for option in ("output", "text", "data"):
        with pytest.raises(UserError, match="nope: no such directory"):
            report.write_report(tmp_path / "nope", **{option: tmp_path / "x"})


def test_a_model_pages_reads_are_its_files_the_options_given_and_the_recorded_data_that_exists(tmp_path: Path) -> None:
    from types import SimpleNamespace

    train, val = tmp_path / "train.csv", tmp_path / "val.csv"
    train.write_text("x"), val.write_text("y")
    ckpt = SimpleNamespace(reads=[("the model", "m.pt")],
                           config={"data": {"train": str(train), "val": str(val), "test": "t.csv"}})
    reads = report._model_reads(ckpt, {"text": "a.txt", "data": None})
    recorded = "the run's data being read (as config.json records it)"
    assert reads == [("the model", "m.pt"), ("the --text being read", "a.txt"), ("the --data being read", None),
                     (recorded, str(train)), (recorded, str(val))]
    ckpt.config["data"]["val"] = str(tmp_path / "gone.csv")
    assert report._model_reads(ckpt, {})[-1] == (recorded, str(train))


def test_a_results_json_beside_a_model_is_the_users_not_an_experiment(tmp_path: Path) -> None:
    """A run folder (best/ or config.json) holding a results.json of the user's gets a model page: here its
    checkpoint is refused as damaged, where an experiment page was written from the user's file."""
    results = '{"metric": "mse", "results": {}}'
    for marker in ("best", "config.json"):
        run = tmp_path / marker.split(".")[0]
        run.mkdir()
        if marker == "best":
            (run / "best").mkdir()
        else:
            (run / marker).write_text("{}")
        (run / "results.json").write_text(results)
        with pytest.raises(UserError):
            report.write_report(run)
        assert not (run / "report.html").exists()


def test_output_may_not_replace_the_diagnose_notes_the_page_reads(tmp_path: Path) -> None:
    (tmp_path / "diagnose.json").write_text("{}")
    (tmp_path / "diagnose.md").write_text("notes")
    with pytest.raises(UserError, match="diagnose.md being read"):
        report.write_report(tmp_path, output=tmp_path / "diagnose.md")
    assert (tmp_path / "diagnose.md").read_text() == "notes"


@pytest.mark.parametrize(("content", "said"), [
    ('{"metric": "mse", "results": {"lstm": {}}}', "(KeyError: 'mean')"),
    ("[" * 100_000, "(RecursionError: "),
])
def test_a_results_json_rnnkit_did_not_write_is_named_in_one_line(tmp_path: Path, content: str, said: str) -> None:
    """A cell without its numbers, or JSON nested past Python's recursion limit: one line naming the run, no
    traceback."""
    (tmp_path / "results.json").write_text(content)
    with pytest.raises(UserError, match="its files hold values rnnkit does not write") as caught:
        report.write_report(tmp_path)
    assert said in str(caught.value) and "\n" not in str(caught.value)
