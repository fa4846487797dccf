"""``rnnkit info DIR``: its rows of settings, a nested setting under its path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_key_holding_a_dot_is_quoted_in_the_settings_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A label ``a.b`` with a class weight read ``settings.class_weights.a.b``, as if ``b`` were a setting under the
    label ``a``; it reads ``settings.class_weights["a.b"]`` now (jq's path), a plain label as before, and ``--json``
    gives the config as saved."""
    data = tmp_path / "train.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},a.b\nbad film {i},c d\n" for i in range(6)))
    rnnkit.fit("classify", data=str(data), out=tmp_path / "run", tokenizer="word", hidden=4, embedding=4, steps=1,
               eval_every=1, class_weights={"a.b": 2, "c d": 3}, verbose=False, progress=False)
    assert main(["info", str(tmp_path / "run")]) == 0
    rows = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    wanted = {'settings.class_weights["a.b"] 2', 'settings.class_weights["c d"] 3', "settings.tokenizer word"}
    assert wanted <= set(rows)
    assert not any(row.startswith("settings.class_weights.") for row in rows)
    assert main(["info", "--json", str(tmp_path / "run")]) == 0
    assert json.loads(capsys.readouterr().out)["config"]["settings"]["class_weights"] == {"a.b": 2, "c d": 3}
