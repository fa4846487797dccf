"""rnnkit.report.write_report: the tasks an option applies to, a damaged run's error of any kind, a report.html that
is a folder, the steps of the run's last checkpoint, the title of a run named '.', a section registered on discovery,
the network moved to the device asked for (mutation audit round 19)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rnnkit import report
from rnnkit.errors import UserError
from tests import test_mut17a_report as m

run = m.run


def _copy(run: Path, tmp_path: Path) -> Path:
    shutil.copytree(run, tmp_path / "run")
    return tmp_path / "run"


def _raising(exc: BaseException):  # noqa: ANN202
    def add(page: object, run: Path, obj: object, options: dict) -> None:
        raise exc
    return add


def test_an_option_no_section_reads_names_the_tasks_that_read_it_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError) as caught:
        report.check_options(Path("R"), "charlm", {"data": "d.csv"})
    assert str(caught.value) == ("--data: R is a 'charlm' run; --data applies only to a run of caption, classify, "
                                 "seq2seq, speech, tag")
    monkeypatch.setitem(report.OPTIONS, "data", ("--data", ("tag", "caption")))  # listed in no order of its own
    with pytest.raises(UserError, match=r"applies only to a run of caption, tag$"):
        report.check_options(Path("R"), "charlm", {"data": "d.csv"})


@pytest.mark.parametrize(("exc", "said"), [
    (TypeError("unsupported operand"), "(TypeError: unsupported operand)"),
    (AttributeError("'list' object has no attribute 'get'"), "(AttributeError: 'list' object has no attribute 'get')"),
    (IndexError("list index out of range"), "(IndexError: list index out of range)"),
    (ValueError(), "(ValueError: ValueError())"),  # no message: its repr, not nothing
])
def test_a_damaged_runs_error_of_each_kind_is_one_line(run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      exc: Exception, said: str) -> None:
    monkeypatch.setitem(report.SECTIONS, "classify", _raising(exc))
    with pytest.raises(UserError, match="its files hold values rnnkit does not write") as caught:
        report.write_report(run, output=tmp_path / "p.html")
    assert said in str(caught.value)
    assert not (tmp_path / "p.html").exists()


def test_a_folder_where_the_page_goes_is_refused_before_any_work(run: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    copy = _copy(run, tmp_path)
    (copy / "report.html").mkdir()
    worked: list[Path] = []
    monkeypatch.setitem(report.SECTIONS, "classify", lambda page, r, obj, options: worked.append(r))
    with pytest.raises(UserError, match=r"report\.html: Is a directory$"):
        report.write_report(copy)
    assert worked == [] and (copy / "report.html").is_dir()


def test_the_steps_and_time_shown_are_the_last_checkpoints(run: Path, tmp_path: Path) -> None:
    """best/ holds the state at the best step; last/ where training stopped, which the page's overview shows."""
    copy = _copy(run, tmp_path)
    state = json.loads((copy / "last" / "trainer_state.json").read_text(encoding="utf-8"))
    state.update(step=4321, elapsed=600.0)
    (copy / "last" / "trainer_state.json").write_text(json.dumps(state), encoding="utf-8")
    text = report.write_report(copy).read_text(encoding="utf-8")
    assert "<td>steps</td><td>4,321</td>" in text and "<td>600.0 s (10.0 min)</td>" in text


def test_a_run_named_dot_is_titled_with_its_folders_name(run: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    copy = _copy(run, tmp_path)
    monkeypatch.chdir(copy)
    text = report.write_report(".", output=tmp_path / "p.html").read_text(encoding="utf-8")
    assert "<title>rnnkit report: classify run run</title>" in text


def test_a_section_that_a_tasks_module_registers_on_discovery_is_shown(run: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A task's own file may set SECTIONS[NAME] when it is imported: every task is imported before the lookup."""
    import rnnkit.tasks

    def add(page: object, r: Path, obj: object, options: dict) -> None:
        page.add("Registered on import", "<p>mine</p>")  # type: ignore[attr-defined]

    monkeypatch.delitem(report.SECTIONS, "classify")
    monkeypatch.setattr(rnnkit.tasks, "discover", lambda: report.SECTIONS.setdefault("classify", add))
    text = report.write_report(run, output=tmp_path / "p.html").read_text(encoding="utf-8")
    assert "Registered on import" in text and "<p>mine</p>" in text


def test_the_tasks_network_is_moved_to_the_device_asked_for(run: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The sections call the network on ``device``: it is moved there before they run (the meta device stands for
    a GPU here)."""
    import torch

    seen: list[torch.device] = []
    monkeypatch.setattr(report, "resolve_device", lambda device: torch.device("meta"))
    monkeypatch.setitem(report.SECTIONS, "classify",
                        lambda page, r, obj, options: seen.append(next(obj.model.parameters()).device))
    report.write_report(run, output=tmp_path / "p.html", device="cuda")
    assert seen == [torch.device("meta")]
