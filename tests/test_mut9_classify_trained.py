"""Gaps a mutation audit of :mod:`rnnkit.tasks._classify_trained` found (round 9): each test fails on one changed
line. The rules that read only ``config.json`` and the labels run on a model object without weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from rnnkit.errors import SettingError, UserError
from rnnkit.tasks._classify_trained import TextClassifier


def stub(multi_label: bool = False, labels: tuple[str, ...] = ("neg", "pos"), **config: Any) -> TextClassifier:
    model = TextClassifier.__new__(TextClassifier)
    model.config = {"multi_label": multi_label, **config}
    model.labels = list(labels)
    model.checkpoints = []  # evaluate's models: none read
    return model


def test_a_single_label_models_threshold_cuts_nothing_unless_given_with_a_top_k() -> None:
    single = stub()
    assert single.threshold(None) == 0.0
    old = stub()
    del old.config["multi_label"]  # a run from before multi-label models: one label a text
    assert not old.multi_label and old.threshold(None) == 0.0
    assert single.threshold(0, top_k=2) == 0.0 and single.threshold(0.4, top_k=1) == 0.4
    with pytest.raises(SettingError, match="applies only to a multi-label model, or with a top k"):
        single.threshold(0.4, predicting=True)
    with pytest.raises(SettingError, match="applies only to a multi-label model; this one") as err:
        single.threshold(0.4)  # evaluate: no --top-k to name
    assert "top k" not in str(err.value)


def test_a_multi_label_models_threshold_defaults_and_takes_zero_only_with_a_top_k() -> None:
    multi = stub(multi_label=True)
    assert multi.threshold(None) == 0.5
    assert multi.threshold(0.25) == 0.25
    assert multi.threshold(0, top_k=3) == 0.0
    with pytest.raises(SettingError, match="0 only with a top k"):
        multi.threshold(0, predicting=True)
    with pytest.raises(SettingError) as err:  # evaluate has no --top-k: no word of it
        multi.threshold(0)
    assert "top k" not in str(err.value)
    for no_number in ("0", torch.tensor(0.0)):  # equal to 0 or not, no number: the plain refusal
        with pytest.raises(SettingError) as err:
            multi.threshold(no_number, predicting=True)
        assert "top k" not in str(err.value)
    with pytest.raises(SettingError, match="threshold"):
        multi.threshold(1.0, top_k=2)


def test_a_prediction_checks_its_top_k_and_names_it_for_a_zero_threshold() -> None:
    multi = stub(multi_label=True)
    assert multi._prediction_rule(None, 2) == (0.5, 2)
    with pytest.raises(SettingError, match="top_k"):
        multi._prediction_rule(None, 0)
    with pytest.raises(SettingError, match="0 only with a top k"):
        multi._prediction_rule(0, None)


def test_the_chosen_labels_of_a_text() -> None:
    p = torch.tensor([0.2, 0.7, 0.1])
    single = stub(labels=("a", "b", "c"))
    assert single._chosen(p, 0.0, None) == {"label": "b"}
    assert single._chosen(p, 0.0, 2) == {"label": "b", "labels": ["b", "a"]}
    assert single._chosen(p, 0.15, 3) == {"label": "b", "labels": ["b", "a"]}
    multi = stub(multi_label=True, labels=("a", "b", "c"))
    assert multi._chosen(p, 0.15, None) == {"labels": ["b", "a"]}
    assert multi._chosen(p, 0.15, 1) == {"labels": ["b"]}


def test_the_columns_a_prediction_adds() -> None:
    assert stub().added_columns() == ["predicted_label", "p_neg", "p_pos"]
    assert stub().added_columns(2) == ["predicted_label", "predicted_labels", "p_neg", "p_pos"]
    assert stub(multi_label=True).added_columns(2) == ["predicted_labels", "p_neg", "p_pos"]
    assert stub().added_columns(explain=True) == ["predicted_label", "p_neg", "p_pos", "explanation"]


def test_the_label_separator_is_the_trained_one_else_a_joiner_for_several_labels() -> None:
    assert stub().label_separator is None
    assert stub(settings={"label_separator": ";"}).label_separator == ";"
    assert stub(multi_label=True).label_separator == ","
    assert stub(multi_label=True, labels=("a,b", "c")).label_separator not in (",", None)
    assert stub(multi_label=True, settings={"label_separator": "|"}).label_separator == "|"


def test_a_column_is_the_one_given_else_the_models_own() -> None:
    model = stub(text_column="review")
    assert model._column("evaluate", "text_column", None) == "review"
    with pytest.raises(UserError, match=r"^--text-column '': an empty name; .* the model's own \('review'\)"):
        model._column("evaluate", "text_column", "")  # an unset shell variable: it read 'review', unsaid
    assert model._column("evaluate", "text_column", "body") == "body"
    assert model._column("evaluate", "label_column", None) == "label"
    with pytest.raises(TypeError, match="evaluate: text_column takes a column name"):
        model._column("evaluate", "text_column", 0)


def test_the_baselines_files_are_the_given_one_or_the_runs() -> None:
    model = stub(data={})
    assert model._baseline_files("mine.csv") == ("mine.csv", None)
    assert model._baseline_files(None) == (None, None)


def predicting(model: TextClassifier, probs: list[list[float]]) -> TextClassifier:
    model.probabilities = lambda texts: torch.tensor(probs[: len(texts)])  # type: ignore[method-assign]
    return model


def test_a_file_predicted_again_loses_the_earlier_prediction_but_not_its_label_column(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("text,p_gold,predicted_labels,p_maybe,p_neg,note\ngood film,pos,x,0.1,0.2,n1\n", encoding="utf-8")
    model = predicting(stub(label_column="p_gold"), [[0.25, 0.75]])
    columns, rows = model.predict_file(str(path))
    assert columns == ["text", "p_gold", "note", "predicted_label", "p_neg", "p_pos"]
    assert rows == [{"text": "good film", "p_gold": "pos", "note": "n1", "predicted_label": "pos", "p_neg": 0.25,
                     "p_pos": 0.75}]


def test_a_source_without_rows_gets_text_and_label_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A source read as texts and labels alone (the polarity corpus) gets the columns text and label."""
    from rnnkit.data.tabular import Table
    from rnnkit.tasks import _classify_trained

    table = Table("polarity", ["good film", "bad plot"], ["1", None], [1, 2], ["label", "text"], [])
    monkeypatch.setattr(_classify_trained, "load_source", lambda *args, **kwargs: table)
    model = predicting(stub(), [[0.1234567, 0.8765433], [0.9, 0.1]])
    columns, rows = model.predict_file("polarity")
    assert columns == ["text", "label", "predicted_label", "p_neg", "p_pos"]
    assert rows == [{"text": "good film", "label": "1", "predicted_label": "pos", "p_neg": 0.123457, "p_pos": 0.876543},
                    {"text": "bad plot", "label": "", "predicted_label": "neg", "p_neg": 0.9, "p_pos": 0.1}]


def test_a_users_own_probability_column_is_refused_not_written_over(tmp_path: Path) -> None:
    """A 'p_pos' of the file's own (no predicted_label column: no earlier prediction) took the model's
    probability in place of its values, and the output lost them without a word: refused, naming the file and the
    column, the file as it was."""
    path = tmp_path / "a.csv"
    path.write_bytes(b"text,p_pos\ngood film,0.3\n")  # no predicted_label: the user's own column
    with pytest.raises(UserError, match=r"a\.csv: column 'p_pos' has the name of a column predict adds.*rename"):
        predicting(stub(), [[0.25, 0.75]]).predict_file(str(path))
    assert path.read_bytes() == b"text,p_pos\ngood film,0.3\n"
    path.write_text("text,p_value\ngood film,0.3\n", encoding="utf-8")  # no label's name: kept
    assert predicting(stub(), [[0.25, 0.75]]).predict_file(str(path))[1] == [
        {"text": "good film", "p_value": "0.3", "predicted_label": "pos", "p_neg": 0.25, "p_pos": 0.75}]


@pytest.mark.parametrize(("header", "config"), [("p_neg,note,id", {"text_column": "p_neg"}),
                                                 ("text,predicted_label,p_neg", {"label_column": "predicted_label"})])
def test_a_text_or_label_column_named_as_a_prediction_is_refused(tmp_path: Path, header: str,
                                                                 config: dict[str, str]) -> None:
    """The text or label column read is kept even beside an earlier prediction; named as a column the prediction
    adds, its texts or labels were written over."""
    path = tmp_path / "a.csv"
    path.write_text(f"{header}\ngood film,pos,0.5\n", encoding="utf-8")
    with pytest.raises(UserError, match="column '(p_neg|predicted_label)' has the name of a column predict adds"):
        predicting(stub(**config), [[0.25, 0.75]]).predict_file(str(path))


def test_no_texts_have_no_probabilities_of_each_label() -> None:
    assert stub(labels=("a", "b", "c")).probabilities([]).shape == (0, 3)


def test_a_fasttext_files_labels_come_back_as_a_list_beside_a_multi_label_prediction(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("__label__a __label__b good film\n", encoding="utf-8")
    model = predicting(stub(multi_label=True, labels=("a", "b")), [[0.9, 0.2]])
    columns, rows = model.predict_file(str(path))
    assert rows[0]["label"] == ["a", "b"] and rows[0]["predicted_labels"] == ["a"]


def test_scoring_a_file_is_for_a_multi_label_model() -> None:
    with pytest.raises(UserError, match="scored: a multi-label model's; this one gives one label a text"):
        stub().scored("a.csv")


def test_a_baseline_label_the_model_does_not_know_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The baseline's predictions are scored against the model's labels: one it was trained on from another
    --train file and the model does not know is wrong, not the model's first class."""
    from types import SimpleNamespace

    path = tmp_path / "a.csv"
    path.write_text("text,label\nbad plot,neg\ngood film,pos\ndull,neg\nfine,pos\n", encoding="utf-8")
    model = predicting(stub(data={}), [[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.1, 0.9]])  # neg neg neg pos
    fake = SimpleNamespace(predict=lambda texts: ["other", "pos", "neg", "neg"])
    monkeypatch.setattr(model, "baseline", lambda train=None, threshold=None: (fake, {"model": "stand-in"}))
    report = model.evaluate(str(path), baseline=True)
    assert report["accuracy"] == 0.75
    assert report["baseline"]["accuracy"] == 0.5  # 'other' on a 'neg' row is wrong
    assert report["baseline"]["mcnemar"]["model_only"] == 2  # rows 1 and 4
    assert report["baseline"]["mcnemar"]["baseline_only"] == 1  # row 2


def test_a_baseline_without_a_recorded_training_file_asks_for_one() -> None:
    from types import SimpleNamespace

    model = stub(data={})
    model.checkpoint = SimpleNamespace(path="run/best")  # type: ignore[assignment]
    with pytest.raises(UserError, match=r"^run/best: config.json does not say what the model was trained on; "
                                        "name the training file with train=FILE$"):  # as Python callers name it
        model.baseline()


def test_a_training_file_of_another_row_count_is_refused_for_the_baseline(tmp_path: Path) -> None:
    """A run without digests (older) still records its training rows: a file that gives another count is not
    the one trained on."""
    path = tmp_path / "train.csv"
    path.write_text("text,label\n" + "".join(f"text {i},{'pos' if i % 2 else 'neg'}\n" for i in range(20)),
                    encoding="utf-8")
    model = stub(data={"train": str(path), "train_rows": 99}, settings={})
    with pytest.raises(UserError, match=r"training rows, but the model was trained on 99; the file has changed since"):
        model.baseline()
