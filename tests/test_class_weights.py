"""``--class-weights LABEL=W,...``: each class's weight in the loss given by name (scikit-learn's and Keras'
class_weight), beside ``none`` and ``balanced``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from rnnkit.cli import main
from rnnkit.data.tokenize import pad_batch
from rnnkit.errors import SettingError, UserError
from rnnkit.models.classifier import Classifier
from rnnkit.tasks._classify_config import parse_class_weights
from rnnkit.train.options import load_config_file
from tests.test_classify_cli import make_csv

FLAGS = ["--steps", "2", "--hidden", "8", "--embedding", "8", "--no-progress", "--no-autotune", "--save-minutes", "0"]


def test_the_weighted_loss_is_torchs_weighted_cross_entropy() -> None:
    torch.manual_seed(0)
    model = Classifier(16, 3, 8, 6)
    ids, lengths = pad_batch([[2, 3, 4], [5, 6], [7, 8, 9, 10], [3, 3]])
    y = torch.tensor([0, 1, 2, 1])
    logits = model(ids, lengths)
    weights = torch.tensor([1.0, 5.0, 0.5])
    torch.testing.assert_close(model.loss(logits, y, weights), F.cross_entropy(logits, y, weight=weights))


def test_parse_names_each_weight_and_refuses_what_is_not_one() -> None:
    assert parse_class_weights("none") is None and parse_class_weights("balanced") is None
    assert parse_class_weights("spam=5, ham=0.5") == {"spam": 5.0, "ham": 0.5}
    assert parse_class_weights("a=b=2") == {"a=b": 2.0}  # the weight follows the last '='
    for bad in ("spam", "spam=0", "spam=-1", "spam=nan", "spam=inf", "=3", "spam=x", "spam=1,", 5):
        with pytest.raises(SettingError, match=r"expected none, balanced, or LABEL=WEIGHT pairs"):
            parse_class_weights(bad)
    with pytest.raises(SettingError, match=r"\('spam' twice\)$"):
        parse_class_weights("spam=1,spam=2")


def test_the_run_weighs_each_label_as_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 60, 0)
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--class-weights", "pos=4", *FLAGS]) == 0
    config = json.loads((out / "best" / "config.json").read_text())
    assert config["labels"] == ["neg", "pos"] and config["class_weights"] == [1.0, 4.0]
    capsys.readouterr()
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "x"), "--class-weights", "spam=4",
                 *FLAGS]) == 2
    assert capsys.readouterr().err.strip() == ("rnnkit: error: --class-weights spam=4: 'spam' is not a label of the "
                                               "training data (labels: 'neg', 'pos')")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "y"), "--class-weights", "pos=0",
                 *FLAGS]) == 2
    assert "rnnkit: error: --class-weights pos=0: expected none, balanced, or LABEL=WEIGHT" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_a_label_with_commas_is_named_whole(tmp_path: Path) -> None:
    """A comma joins pairs only where the text before it ends in =WEIGHT: a label such as 'good, mostly' (a CSV
    label in quotes) is named whole, where it was refused as no LABEL=WEIGHT pair ('good' had no weight)."""
    assert parse_class_weights("good, mostly=3,bad=0.5") == {"good, mostly": 3.0, "bad": 0.5}
    assert parse_class_weights("a,b,c=2") == {"a,b,c": 2.0}
    for bad in ("a,b", "a=1,,b=2", "a=1,b", ",a=1"):
        with pytest.raises(SettingError, match=r"expected none, balanced, or LABEL=WEIGHT pairs"):
            parse_class_weights(bad)
    data = make_csv(tmp_path / "d.csv", 60, 0, labels=("good, mostly", "bad"))
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--class-weights", "good, mostly=3",
                 *FLAGS]) == 0
    config = json.loads((out / "best" / "config.json").read_text())
    assert config["labels"] == ["bad", "good, mostly"] and config["class_weights"] == [1.0, 3.0]


def test_a_dict_from_python_weighs_as_the_string_does(tmp_path: Path) -> None:
    """``class_weights={"pos": 4}`` (scikit-learn's and Keras' form) was refused as "expected a string"; a numpy
    weight is stored as Python's float (the checkpoint's JSON could not store it)."""
    import numpy as np

    import rnnkit

    data = make_csv(tmp_path / "d.csv", 60, 0)
    settings = {"steps": 2, "hidden": 8, "embedding": 8, "progress": False, "autotune": False, "save_minutes": 0,
                "verbose": False}
    rnnkit.fit("classify", str(data), tmp_path / "run", class_weights={"pos": np.float32(4)}, **settings)
    assert json.loads((tmp_path / "run" / "best" / "config.json").read_text())["class_weights"] == [1.0, 4.0]
    assert parse_class_weights({"spam": 5, "ham": 0.5}) == {"spam": 5.0, "ham": 0.5}
    for bad, why in (({"pos": 0}, "'pos': 0"), ({"pos": True}, "'pos': True"), ({"pos": float("inf")}, "'pos': inf"),
                     ({"pos": "4"}, "'pos': '4'"), ({3: 1.0}, "the label 3 is no label's text"),
                     ({" ": 1.0}, "the label ' ' is no label's text")):
        with pytest.raises(SettingError, match=r"expected none, balanced, or a dict of label: weight .*"
                                               + re.escape(f"({why})")):
            parse_class_weights(bad)
    with pytest.raises(SettingError, match=r"'spam' is not a label of the training data \(labels: 'neg', 'pos'\)"):
        rnnkit.fit("classify", str(data), tmp_path / "x", class_weights={"spam": 2.0}, **settings)
    assert not (tmp_path / "x").exists()


def test_a_toml_table_is_the_settings_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``[class_weights]`` in a config file was read as more settings ('pos' unknown); it is the setting's dict."""
    data = make_csv(tmp_path / "d.csv", 60, 0)
    config = tmp_path / "c.toml"
    config.write_text('autotune = false\n[class_weights]\npos = 3\n"neg" = 0.5\n')
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--config", str(config), *FLAGS]) == 0
    assert json.loads((out / "best" / "config.json").read_text())["class_weights"] == [0.5, 3.0]
    config.write_text("[train]\nhidden = 8\n[class_weights]\npos = 0\n")
    capsys.readouterr()
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "x"), "--config", str(config),
                 *FLAGS]) == 2
    assert f"{config}: class_weights = {{'pos': 0}}: expected none, balanced, or a dict" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("text", ["[out]\nx = 3\n", "out = 5\n", "[data]\npath = 'd.csv'\n", "data = ['d.csv']\n"])
def test_a_path_in_a_config_file_that_is_no_string_is_refused_in_one_line(
        text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An ``[out]`` table was read as the setting's value since tables name settings (``[class_weights]``), and
    went on to ``os.fspath`` as a dict: a traceback (``out = 5`` was one before); it was 'unknown setting x'."""
    config = tmp_path / "c.toml"
    config.write_text(text)
    capsys.readouterr()
    with pytest.raises(UserError, match=rf"^{re.escape(str(config))}: (out|data) = .*: expected a path \(a string\)$"):
        load_config_file(config, {"out", "data", "hidden"})
    assert main(["train", "classify", "--config", str(config), "--steps", "1", "--no-progress"]) == 2
    assert "expected a path (a string)" in capsys.readouterr().err


def test_an_integer_weight_past_floats_range_is_refused_as_infinite() -> None:
    """``{"pos": 10**400}`` raised OverflowError ('int too large to convert to float') from ``math.isfinite``, where
    ``"pos=1e400"`` (inf) is refused; both are now the setting's one line. An integer within range is its float."""
    with pytest.raises(SettingError, match=r"expected none, balanced, or a dict of label: weight .*\('pos': 1000"):
        parse_class_weights({"pos": 10**400})
    assert parse_class_weights({"pos": 10**20}) == {"pos": float(10**20)}
