"""A notebook's long-lived process: what one call of the Python API leaves behind must not change the next."""

from __future__ import annotations

import types

import pytest


def test_a_discovery_interrupted_half_way_is_finished_by_the_next_call(monkeypatch) -> None:
    """A Ctrl-C during a notebook's first ``rnnkit.fit`` (which imports every task module, torch with them) left
    discovery marked done with only the tasks imported so far: every later call of the session was
    ``unknown task 'tag'; rnnkit knows: caption, charlm, seq2seq``. The next call imports the rest now."""
    from rnnkit import tasks

    tasks.discover()
    every = dict(tasks.TASKS)
    monkeypatch.setattr(tasks, "TASKS", {})
    monkeypatch.setattr(tasks, "_discovered", False)
    imported: list[str] = []

    def import_module(name: str) -> None:  # registers each task as its module's import would
        if len(imported) == 2 and not hasattr(import_module, "interrupted"):
            import_module.interrupted = True  # type: ignore[attr-defined]
            raise KeyboardInterrupt
        imported.append(name)
        short = name.rsplit(".", 1)[-1]
        for task in every.values():
            if task.train.__module__.rsplit(".", 1)[-1] == short:
                tasks.register(task)

    monkeypatch.setattr(tasks, "importlib", types.SimpleNamespace(import_module=import_module))
    with pytest.raises(KeyboardInterrupt):
        tasks.get_task("tag")
    assert tasks.get_task("tag") is every["tag"]
    assert set(tasks.TASKS) == set(every)
