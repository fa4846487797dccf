"""rnnkit's own module: the names it imports on first use, and what rnnkit.fit checks and settles before a task
trains (mutation audit round 18)."""

from __future__ import annotations

import dataclasses
import types
from pathlib import Path
from typing import Any

import pytest

import rnnkit
from rnnkit.train.options import TrainSettings


def test_a_name_the_package_does_not_have_is_an_attribute_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """``hasattr(rnnkit, NAME)`` is False for no submodule of that name, and a submodule that cannot import a
    module it needs says that module, not that rnnkit has no such attribute."""
    assert not hasattr(rnnkit, "no_such_part")
    with pytest.raises(AttributeError, match="^module 'rnnkit' has no attribute 'no_such_part'$"):
        rnnkit.no_such_part  # noqa: B018

    def needs_missing(name: str) -> None:
        raise ModuleNotFoundError("No module named 'somedependency'", name="somedependency")

    monkeypatch.setattr(rnnkit, "importlib", types.SimpleNamespace(import_module=needs_missing))
    with pytest.raises(ModuleNotFoundError, match="somedependency"):
        rnnkit.some_submodule  # noqa: B018


def test_a_config_field_equal_to_its_default_is_not_taken_as_given(tmp_path: Path) -> None:
    """``config=CharLMConfig(momentum=0.9)``, AdamW's run: the default value (an equal float, not the same object)
    is no setting given, so nothing is refused; another value is, as the keyword is."""
    from rnnkit.errors import SettingError, UserError
    from rnnkit.tasks.charlm import CharLMConfig

    missing = str(tmp_path / "missing.txt")  # the data is refused after the settings: nothing trains
    with pytest.raises(UserError, match="missing.txt: no such file"):
        rnnkit.fit("charlm", missing, tmp_path / "o", config=CharLMConfig(momentum=float("0.9")), verbose=False)
    with pytest.raises(SettingError, match="^momentum 0.5: is SGD's momentum"):
        rnnkit.fit("charlm", missing, tmp_path / "o", config=CharLMConfig(momentum=0.5), verbose=False)


@dataclasses.dataclass
class RecordedConfig(TrainSettings):
    weights: dict[str, float] | None = None
    pretrain_data: str | None = None


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A task ``recorded`` whose train keeps what ``rnnkit.fit`` handed it (nothing is trained)."""
    import rnnkit.tasks as tasks

    seen: dict[str, Any] = {}

    def train(config: RecordedConfig, data: str | None, out: str | Path, *, val_data: str | None = None,
              resume: bool = False, overwrite: bool = False, progress: bool | None = None,
              verbose: bool = True) -> str:
        seen.update(config=config, data=data, val_data=val_data)
        return "trained"

    tasks.discover()
    monkeypatch.setattr(tasks, "TASKS", dict(tasks.TASKS))
    tasks.register(tasks.Task(name="recorded", help="records its call", config=RecordedConfig, train=train,
                              load=lambda ckpt: None, add_arguments=lambda p: None, report=lambda r, j: None))
    return seen


def test_fit_hands_the_task_paths_as_strs(recorded: dict[str, Any], tmp_path: Path) -> None:
    """``data``, ``val_data`` and a setting that is a path (``pretrain_data``) reach the task as str, as the
    command line gives them (a checkpoint's JSON stores a str, not a Path)."""
    assert rnnkit.fit("recorded", tmp_path / "d.txt", tmp_path / "o", val_data=tmp_path / "v.txt",
                      pretrain_data=tmp_path / "p.txt") == "trained"
    assert (recorded["data"], recorded["val_data"], recorded["config"].pretrain_data) == (
        str(tmp_path / "d.txt"), str(tmp_path / "v.txt"), str(tmp_path / "p.txt"))
    assert all(type(recorded[k]) is str for k in ("data", "val_data"))
    assert type(recorded["config"].pretrain_data) is str


def test_fit_makes_numpy_numbers_in_a_dict_setting_pythons(recorded: dict[str, Any], tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    rnnkit.fit("recorded", None, tmp_path / "o", weights={"spam": np.float32(0.5), "ham": np.int64(2)})
    weights = recorded["config"].weights
    assert weights == {"spam": 0.5, "ham": 2} and (type(weights["spam"]), type(weights["ham"])) == (float, int)


def test_keywords_win_over_a_dict_of_settings(recorded: dict[str, Any], tmp_path: Path) -> None:
    rnnkit.fit("recorded", None, tmp_path / "o", config={"lr": 0.1, "steps": 3}, lr=0.2)
    assert (recorded["config"].lr, recorded["config"].steps) == (0.2, 3)


def test_minutes_lift_the_default_steps_only(recorded: dict[str, Any], tmp_path: Path) -> None:
    """``minutes=M`` alone: the clock ends the run; with ``steps=N``, or a config's own steps, those stay."""
    rnnkit.fit("recorded", None, tmp_path / "o", minutes=1.0)
    assert recorded["config"].steps is None
    rnnkit.fit("recorded", None, tmp_path / "o", minutes=1.0, steps=9)
    assert (recorded["config"].minutes, recorded["config"].steps) == (1.0, 9)
    rnnkit.fit("recorded", None, tmp_path / "o", config=RecordedConfig(steps=7), minutes=1.0)
    assert (recorded["config"].minutes, recorded["config"].steps) == (1.0, 7)


def test_a_resumed_run_without_saved_settings_is_left_to_the_task(recorded: dict[str, Any], tmp_path: Path) -> None:
    """A checkpoint whose config.json has no ``settings`` (another version's) has nothing to compare or inherit:
    the keywords given are the config, and the task decides what to make of the run."""
    import rnnkit.tasks as tasks
    from rnnkit.train.checkpoint import save_checkpoint

    tasks.register(dataclasses.replace(tasks.TASKS["recorded"], frozen=("lr",)))  # a kept setting, given
    save_checkpoint(tmp_path / "run" / "last", model_state={}, config={"task": "recorded"})
    assert rnnkit.fit("recorded", None, tmp_path / "run", resume=True, lr=0.1) == "trained"
    assert recorded["config"].lr == 0.1


def test_a_config_of_another_task_is_a_type_error_naming_both(tmp_path: Path) -> None:
    from rnnkit.tasks.classify import ClassifyConfig

    with pytest.raises(TypeError, match="^charlm: config must be a CharLMConfig .*, not ClassifyConfig$"):
        rnnkit.fit("charlm", tmp_path / "t.txt", tmp_path / "o", config=ClassifyConfig())


def test_dir_of_the_package_keeps_its_module_attributes() -> None:
    """Python lists a module's ``__file__``, ``__doc__`` ... in its dir(); rnnkit's own __dir__ keeps them."""
    assert {"__doc__", "__file__", "__name__", "__path__", "__version__"} <= set(dir(rnnkit))


def test_importing_rnnkit_keeps_a_users_mkl_cbwr(tmp_path: Path) -> None:
    """MKL's reproducibility mode is set to AUTO where the user set none; a value the user set is kept."""
    import os
    import subprocess
    import sys

    src = str(Path(rnnkit.__file__).resolve().parents[1])
    script = "import os, rnnkit; print(os.environ['MKL_CBWR'])"
    for given, kept in (("COMPATIBLE", "COMPATIBLE"), (None, "AUTO")):
        env = {k: v for k, v in os.environ.items() if k != "MKL_CBWR"}
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
        if given is not None:
            env["MKL_CBWR"] = given
        done = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=60, check=True)
        assert done.stdout.strip() == kept
