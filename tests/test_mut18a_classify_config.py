"""ClassifyConfig.refuse_unused_settings: a recurrent layer's setting given to a bag of embeddings (--layers 0)
is refused, each regulariser and an on/off flag given off included (mutation audit round 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.errors import SettingError
from tests import test_classify_cli as m

make_csv = m.make_csv


@pytest.mark.parametrize(("setting", "value"), [("recurrent_dropout", 0.1), ("weight_drop", 0.2),
                                                ("bidirectional", False)])
def test_a_bag_refuses_a_recurrent_layers_setting(setting: str, value: object, tmp_path: Path) -> None:
    """``bidirectional=False`` is given too, though it is the recurrent layer's default: a bag has no direction."""
    data = make_csv(tmp_path / "d.csv", 40, 0)
    with pytest.raises(SettingError, match=f"^{setting} {value}: applies to recurrent layers, and layers=0 "
                                           r"\(a bag of embeddings\) has none$"):
        rnnkit.fit("classify", data, tmp_path / "o", layers=0, pooling="mean", steps=1, verbose=False,
                   **{setting: value})
    assert not (tmp_path / "o").exists()


def test_a_bag_given_several_unused_settings_names_the_first(tmp_path: Path) -> None:
    data = make_csv(tmp_path / "d.csv", 40, 0)
    with pytest.raises(SettingError, match="^hidden 32: applies to recurrent layers"):
        rnnkit.fit("classify", data, tmp_path / "o", layers=0, pooling="mean", steps=1, verbose=False, hidden=32,
                   zoneout=0.1)


def test_a_search_takes_a_vocabulary_size_for_the_tokenizers_it_tries(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With --autotune the tokenizer is the search's to choose: ``vocab_size`` is not refused as the default char
    tokenizer's."""
    import rnnkit.tasks.classify as classify

    monkeypatch.setattr(classify, "_autotune", lambda *args, **kwargs: "searched")  # the search itself not run
    data = make_csv(tmp_path / "d.csv", 40, 0)
    assert rnnkit.fit("classify", data, tmp_path / "o", vocab_size=100, autotune=True, minutes=0.1,
                      verbose=False) == "searched"
