"""The task registry: which modules discover() imports, what task_of and get_task say of a model directory, and
the keywords a loaded model's method speaks (mutation audit round 18)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import rnnkit.tasks as tasks

PUBLIC_TASK = '''
from rnnkit.tasks import Task, register
from rnnkit.train.options import TrainSettings

register(Task(name="found_here", help="a task of a module discover() imports", config=TrainSettings,
              train=lambda *a, **k: None, load=lambda ckpt: None, add_arguments=lambda p: None,
              report=lambda result, as_json: None))
'''


def test_discover_imports_the_public_modules_not_the_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module whose name begins with ``_`` is a task's helper (``_classify_config``), imported by its task when
    that needs it, not by discover(): one that cannot be imported on its own stays unimported."""
    tasks.discover()  # the real tasks first: the TASKS put back after this test holds them all
    (tmp_path / "found_here.py").write_text(PUBLIC_TASK, encoding="utf-8")
    (tmp_path / "_helper_here.py").write_text("raise RuntimeError('a helper imported by discover()')\n",
                                              encoding="utf-8")
    monkeypatch.setattr(tasks, "_discovered", False)
    monkeypatch.setattr(tasks, "__path__", [*tasks.__path__, str(tmp_path)])
    monkeypatch.setattr(tasks, "TASKS", dict(tasks.TASKS))
    for name in ("rnnkit.tasks.found_here", "rnnkit.tasks._helper_here"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    try:
        tasks.discover()
        assert tasks.get_task("found_here").help == "a task of a module discover() imports"
        assert "rnnkit.tasks._helper_here" not in sys.modules
    finally:
        sys.modules.pop("rnnkit.tasks.found_here", None)


@pytest.mark.parametrize(("config", "said"), [
    ('{"task": "no_such_task"}', "unknown task 'no_such_task'; rnnkit knows: {known}"),
    ('{"task": 5}', 'no "task" field; expected a model directory written by rnnkit.fit'),
    ("{}", 'no "task" field; expected a model directory written by rnnkit.fit')])
def test_a_model_directory_of_no_known_task_is_refused_naming_its_config(config: str, said: str,
                                                                         tmp_path: Path) -> None:
    import rnnkit
    from rnnkit.errors import UserError

    (tmp_path / "model.safetensors").write_bytes(b"")
    (tmp_path / "config.json").write_text(config, encoding="utf-8")
    with pytest.raises(UserError) as refused:
        rnnkit.load(tmp_path)
    known = ", ".join(sorted(tasks.TASKS))  # every task rnnkit has, in order
    assert "charlm" in known
    assert str(refused.value) == f"{tmp_path / 'config.json'}: {said.format(known=known)}"


def test_keywords_are_the_configs_the_trains_and_the_methods_own() -> None:
    """The words an error of ``rnnkit.load(DIR).METHOD(...)`` or ``rnnkit.fit`` speaks: the task's config fields,
    its ``train``'s parameters (``resume``), the method's keyword parameters (which win), each with whether it is
    a bool's (``bool | None`` is, ``list[bool]`` is not); not ``self``, ``config`` or ``*args``/``**kwargs``."""

    def method(self: object, text: str, *texts: str, greedy: bool = False, top: bool | None = None,
               masks: list[bool] | None = None, hidden: bool = False, **rest: bool) -> None:
        """A method of a loaded model."""

    found = tasks.keywords("charlm", method)
    assert (found["resume"], found["data"], found["memory"]) == (True, False, True)
    assert (found["text"], found["greedy"], found["top"], found["masks"], found["hidden"]) == (
        False, True, True, False, True)
    assert not {"self", "config", "texts", "rest"} & found.keys()
    assert tasks.keywords(None, method).keys() == {"text", "greedy", "top", "masks", "hidden"}


def test_a_loaded_models_public_methods_speak_python_with_its_tasks_words() -> None:
    """A public method's UserError names keywords: the method's own, a flag's renamed keyword (the method's
    parameter of the flag's name does not undo the renaming) and the settings of the task its checkpoint names;
    a private method is no call of the API and keeps the command line's words."""
    from types import SimpleNamespace

    from rnnkit.errors import UserError

    @tasks.speaks_python(dynamic_method="method")
    class Model:
        checkpoint = SimpleNamespace(config={"task": "charlm"})

        def run(self, greedy: bool = False, dynamic_method: str = "none") -> None:
            raise UserError("--greedy with --dynamic-method METHOD and --no-memory: refused")

        def _inner(self, greedy: bool = False) -> None:
            raise UserError("--greedy: refused")

    with pytest.raises(UserError, match=r"^greedy=True with method=METHOD and memory=False: refused$"):
        Model().run()
    with pytest.raises(UserError, match=r"^--greedy: refused$"):
        Model()._inner()


def test_load_of_a_run_folder_reads_its_best_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``rnnkit.load(OUT)`` is the run's best model (what ``rnnkit evaluate OUT`` scores), not its last."""
    import rnnkit
    from rnnkit.train.checkpoint import save_checkpoint

    tasks.discover()
    monkeypatch.setattr(tasks, "TASKS", dict(tasks.TASKS))
    tasks.register(tasks.Task(name="kept", help="returns which checkpoint it loaded", config=object,
                              train=lambda *a, **k: None, load=lambda ckpt: ckpt.config["which"],
                              add_arguments=lambda p: None, report=lambda r, j: None))
    for which in ("best", "last"):
        save_checkpoint(tmp_path / "run" / which, model_state={}, config={"task": "kept", "which": which})
    assert rnnkit.load(tmp_path / "run") == "best"
    assert rnnkit.load(tmp_path / "run" / "last") == "last"


def test_keywords_read_an_annotation_that_is_a_type_too() -> None:
    """A method of a module without postponed annotations has ``bool`` itself (not ``"bool"``) as annotation."""

    def method(self: object, greedy=False, top=None, beam=1) -> None:
        """Annotated below with the types themselves."""

    method.__annotations__ = {"greedy": bool, "top": bool | None, "beam": int}
    assert tasks.keywords(None, method) == {"greedy": True, "top": True, "beam": False}


def test_a_checkpoint_naming_no_task_leaves_a_method_its_own_words() -> None:
    """A model object whose checkpoint's ``task`` is no name (a list, from a hand-written config.json) still says
    its method's error, in the method's keywords."""
    from types import SimpleNamespace

    from rnnkit.errors import UserError

    @tasks.speaks_python
    class Model:
        checkpoint = SimpleNamespace(config={"task": ["charlm"]})

        def run(self, greedy: bool = False) -> None:
            raise UserError("--greedy and --no-memory: refused")

    with pytest.raises(UserError, match=r"^greedy=True and --no-memory: refused$"):
        Model().run()
