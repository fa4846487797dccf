"""Gaps the mutation audit of rnnkit.tasks._text found: the shared pieces of classify and tag, said without
training a model."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from torch import nn

from rnnkit import files
from rnnkit.data.split import stratified_split
from rnnkit.errors import SettingError, UserError
from rnnkit.tasks import _text
from rnnkit.train.checkpoint import Checkpoint


class Exported:
    """A stand-in model whose ``export`` returns what :func:`rnnkit.export.export_onnx` would."""

    def __init__(self, **result: Any) -> None:
        self.result = result

    def export(self, path: str, check: bool = True) -> dict[str, Any]:
        return {"onnx": path, **self.result}


def exported_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], **result: Any) -> str:
    args = argparse.Namespace(onnx=str(tmp_path / "m.onnx"), no_check=False, json=False)
    assert _text.export_command(Exported(**result), args) == 0  # type: ignore[arg-type]
    return capsys.readouterr().out.strip()


def test_the_export_line_names_the_inputs_the_outputs_and_the_check(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    line = exported_line(tmp_path, capsys, inputs=["ids", "lengths", "chars"], outputs=["probabilities", "tags"],
                         checked=True, max_abs_diff=1.5e-7)
    assert line == (f"wrote {tmp_path / 'm.onnx'}: inputs ids {_text.INPUTS['ids']}, lengths {_text.INPUTS['lengths']} "
                    f"and chars {_text.INPUTS['chars']}; outputs probabilities and tags; onnxruntime agrees (largest "
                    "difference 1.5e-07)")


def test_a_multi_label_export_says_its_sigmoid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = exported_line(tmp_path, capsys, inputs=["ids", "lengths"], outputs=["probabilities"], checked=False,
                         multi_label=True)
    assert line.endswith(": inputs ids (batch, time) int64 padded with 0 and lengths (batch,) int64; output "
                         "probabilities (each label's sigmoid: multi-label); not checked (onnxruntime is not "
                         "installed)")


@pytest.mark.parametrize(("texts", "file"), [([], None), (["a"], "f.txt")], ids=["neither", "both"])
def test_predict_takes_texts_or_a_file_not_both_nor_neither(texts: list[str], file: str | None) -> None:
    with pytest.raises(UserError, match=r"^give either TEXT arguments or --file FILE \(not both, not neither\)$"):
        _text.check_one_source(argparse.Namespace(texts=texts, file=file))


@pytest.mark.parametrize(("setting", "value", "expected"), [
    ("max_len", 0, "expected a positive integer"), ("cell", "nope", "expected one of rnn_tanh, "),
    ("dropout", 1.0, "expected a number from 0 to below 1"), ("keep_by", "x", "expected one of loss, ")])
def test_a_text_models_settings_are_checked(setting: str, value: object, expected: str) -> None:
    with pytest.raises(SettingError, match=f"^{setting} {value!r}: {expected}"):
        _text.TextModelConfig(**{setting: value}).validate()  # type: ignore[arg-type]


def test_the_data_record_names_the_files_the_split_and_each_sides_size() -> None:
    config = _text.TextModelConfig(val_fraction=0.25, split_seed=3)
    assert _text.data_record("d.csv", None, config, (6, 2), "rows") == {
        "train": "d.csv", "val": None, "val_fraction": 0.25, "split_seed": 3, "train_rows": 6, "val_rows": 2}
    assert _text.data_record("d.csv", "v.csv", config, (8, 5), "sentences") == {
        "train": "d.csv", "val": "v.csv", "val_fraction": None, "split_seed": 3, "train_sentences": 8,
        "val_sentences": 5}


@pytest.mark.parametrize("value", ["", 5])
def test_pretrained_vectors_name_a_file(value: object) -> None:
    _text.check_vectors_name(None)
    with pytest.raises(SettingError, match=r"^pretrained_vectors .*: expected the name of a file of word vectors"):
        _text.check_vectors_name(value)


def test_an_earlier_prediction_is_its_marks_probabilities_and_explanation_less_the_columns_read() -> None:
    columns = ["text", "label", "predicted_label", "p_pos", "p_value", "explanation", "note"]
    assert _text.earlier_prediction(columns, keep=["text", "p_value"]) == {"predicted_label", "p_pos", "explanation"}
    assert _text.earlier_prediction(["text", "p_value", "explanation"]) == set()


def test_an_exported_config_leaves_out_the_training_files_at_any_depth() -> None:
    config = {"data": {"train": "d.csv"}, "pretrained_vectors": "/v.vec", "max_len": 9,
              "settings": {"pretrain_data": "p.txt", "lr": 0.1, "val_data": "v.csv"}}
    assert _text._shipped(config) == {"max_len": 9, "settings": {"lr": 0.1}}


def test_keep_by_defaults_to_the_tasks_score_and_is_one_of_the_models() -> None:
    scores = ("loss", "accuracy")
    assert _text.check_keep_by(_text.TextModelConfig(), scores, "accuracy").keep_by == "accuracy"
    assert _text.check_keep_by(_text.TextModelConfig(keep_by="loss"), scores, "accuracy").keep_by == "loss"
    with pytest.raises(SettingError, match=r"^keep_by 'span_f1': expected one of this model's validation scores: "
                                           r"loss, accuracy$"):
        _text.check_keep_by(_text.TextModelConfig(keep_by="span_f1"), ("loss", "accuracy"), "accuracy")


def test_standard_input_gives_its_non_empty_lines_stripped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b" a b \n\n  \nc\r\n")))
    assert _text.given_texts(argparse.Namespace(texts=[], file="-")) == ["a b", "c"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b" \n\n")))
    with pytest.raises(UserError, match=r"^--file -: standard input holds no text"):
        _text.stdin_texts()


def test_the_parameters_said_count_the_frozen_ones() -> None:
    model = nn.Linear(2, 2)
    assert _text.parameters_said(model) == "6 parameters"
    model.weight.requires_grad_(False)
    assert _text.parameters_said(model) == "6 parameters (4 frozen)"


def test_the_best_line_and_the_json_name_the_score_that_kept_the_checkpoint() -> None:
    at = {"accuracy": 0.75, "loss": 0.4}
    result = SimpleNamespace(metric="macro_f1", best_metric=0.5, best_step=3, at_best=at.get)
    assert _text._best_line(result, "accuracy", "validation accuracy") == (  # type: ignore[arg-type]
        "best validation macro-F1 0.5000 at step 3, validation accuracy 0.7500")
    assert _text._kept_by(result) == {"kept_by": "highest validation macro_f1", "best_val_macro_f1": 0.5}  # type: ignore[arg-type]
    result = SimpleNamespace(metric="accuracy", best_metric=0.75, best_step=3, at_best=at.get)
    assert _text._best_line(result, "accuracy", "validation accuracy") == (  # type: ignore[arg-type]
        "best validation accuracy 0.7500 at step 3")
    result = SimpleNamespace(metric="loss", best_metric=0.4, best_step=3, at_best=at.get)
    assert _text._kept_by(result) == {"kept_by": "lowest validation loss", "best_val_loss": 0.4}  # type: ignore[arg-type]


def test_the_split_side_reproduces_the_runs_split() -> None:
    """Said through the method's own function: the API's words are :mod:`rnnkit.errors`'s to test."""
    split_side = _text.TextModel.split_side.__wrapped__  # type: ignore[attr-defined]
    labels = ["a", "b"] * 10
    model = SimpleNamespace(config={"data": {"val_fraction": 0.3, "split_seed": 5}})
    train, val = stratified_split(labels, 0.3, 5)
    assert split_side(model, labels, "val") == val and split_side(model, labels, "train") == train
    assert split_side(model, labels, "all") is None
    with pytest.raises(SettingError, match=r"^split 'test': expected 'all', 'val' or 'train'$"):
        split_side(model, labels, "test")
    with pytest.raises(UserError, match=r"^--split val/train: this model was trained with --val-data, so there is "):
        split_side(SimpleNamespace(config={"data": {"val_fraction": None}}), labels, "val")


def test_predict_refuses_an_output_that_is_the_file_it_reads(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("text\na\n")
    args = argparse.Namespace(file=str(data), output=str(data))
    with pytest.raises(UserError, match=r": is the --file being read; write to another file$"):
        _text.check_output(SimpleNamespace(reads=[]), args)  # type: ignore[arg-type]
    _text.check_output(SimpleNamespace(reads=[]), argparse.Namespace(file="-", output=str(tmp_path / "p.csv")))


def test_an_unwritable_default_drawing_is_left_out_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(png=None, dir=str(tmp_path / "model"))
    assert _text.evaluation_png(args) == tmp_path / "model" / "confusion.png"
    monkeypatch.setattr(files, "unwritable_folder", lambda path: Path(path).parent)
    assert _text.evaluation_png(args) is None
    assert capsys.readouterr().err.startswith(f"rnnkit: warning: {tmp_path / 'model' / 'confusion.png'}: cannot write "
                                              "(Permission denied); the confusion ")


def test_the_evaluations_json_is_strict(capsys: pytest.CaptureFixture[str]) -> None:
    report = {"count": 2, "accuracy": 0.5, "macro_f1": float("nan"), "confusion_png": "c.png"}
    assert _text.print_evaluation(report, "texts", True) == 0
    assert json.loads(capsys.readouterr().out)["macro_f1"] is None


def _result(best_metric: float | None) -> SimpleNamespace:
    best, last = {"accuracy": 0.75, "loss": 0.4}, {"accuracy": 0.5, "loss": 0.6, "macro_f1": 0.45}
    return SimpleNamespace(best_eval=best, last_eval=last, at_best=best.get, metric="loss", best_metric=best_metric,
                           best_step=3 if best_metric is not None else None, steps=4, seconds=1.0, tokens_per_s=8.0,
                           stopped="steps", model_dir=lambda: None, where=lambda: "saved in r1")


def test_the_closing_json_gives_the_scores_at_the_best_step_and_at_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    _text.report_training(_result(0.4), True, "texts")  # type: ignore[arg-type]
    summary = json.loads(capsys.readouterr().out)
    assert (summary["best_val_accuracy"], summary["best_val_loss"], summary["final_val_accuracy"]) == (0.75, 0.4, 0.5)
    assert summary["kept_by"] == "lowest validation loss" and summary["val_macro_f1"] == 0.45


def test_a_run_stopped_before_its_first_evaluation_says_where_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    _text.report_training(_result(None), False, "texts")  # type: ignore[arg-type]
    assert capsys.readouterr().out == "4 steps, 1 s, 8 texts/s; saved in r1\n"


@pytest.mark.parametrize("max_len", [True, 0, "9"])
def test_a_saved_max_len_is_a_positive_integer_not_a_bool(tmp_path: Path, max_len: object) -> None:
    ckpt = Checkpoint(path=tmp_path, config={"task": "", "model": {}, "labels": ["a"], "max_len": max_len},
                      model_shapes={})
    init = getattr(_text.TextModel.__init__, "__wrapped__", _text.TextModel.__init__)  # the API's words aside
    with pytest.raises(UserError, match=f"config.json: max_len {max_len!r}: expected a positive integer$"):
        init(object.__new__(_text.TextModel), ckpt, nn.Linear)
