"""Gaps the mutation audit (round 14) of rnnkit.tasks._text found: the pieces classify and tag share, said
without training a model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from torch import nn

from rnnkit.data.vectors import Vectors
from rnnkit.errors import UserError
from rnnkit.tasks import _text
from rnnkit.train.checkpoint import Checkpoint

SYMBOLS = ["<pad>", "<unk>", "good", "film"]


def test_a_resumed_run_keeps_the_record_of_its_vectors_and_a_fresh_one_without_has_none() -> None:
    record = {"file": "/v.vec", "dim": 2, "words": 2, "found": 1}
    ckpt = SimpleNamespace(config={"pretrained_vectors": record})
    model = SimpleNamespace(embedding=nn.Embedding(4, 2))
    assert _text.start_from_vectors(model, SYMBOLS, None, ckpt, verbose=False) == record  # type: ignore[arg-type]
    assert _text.start_from_vectors(model, SYMBOLS, None, None, verbose=False) is None  # type: ignore[arg-type]
    assert model.embedding.weight.requires_grad


def test_the_coverage_line_starts_with_the_side_only_when_there_is_one(capsys: pytest.CaptureFixture[str]) -> None:
    vectors = Vectors(path="v.vec", dim=2, found={"good": [1.0, 2.0]})
    record = _text.start_embedding(nn.Embedding(4, 2), SYMBOLS, vectors, verbose=True)
    assert record == {"file": "v.vec", "dim": 2, "words": 2, "found": 1}
    assert capsys.readouterr().err == "pretrained vectors: 1 of the vocabulary's 2 words found in v.vec (50.0%)\n"
    _text.start_embedding(nn.Embedding(4, 2), SYMBOLS, vectors, verbose=True, side="source", frozen=True)
    assert capsys.readouterr().err.startswith("source pretrained vectors: 1 of ")


def _multi(best: dict[str, float], last: dict[str, float], best_metric: float | None) -> SimpleNamespace:
    return SimpleNamespace(best_eval=best, last_eval=last, at_best=best.get, metric="micro_f1",
                           best_metric=best_metric, best_step=3 if best_metric is not None else None, steps=4,
                           seconds=1.0, tokens_per_s=8.0, stopped="steps", model_dir=lambda: None,
                           where=lambda: "saved in r1")


def test_a_multi_label_summary_gives_micro_f1_at_the_best_step_and_at_the_end(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = _multi({"micro_f1": 0.8, "loss": 0.3}, {"micro_f1": 0.6, "loss": 0.5, "macro_f1": 0.4}, 0.8)
    _text.report_training(result, True, "texts")  # type: ignore[arg-type]
    summary = json.loads(capsys.readouterr().out)
    assert summary["multi_label"] is True and summary["kept_by"] == "highest validation micro_f1"
    assert (summary["best_val_micro_f1"], summary["best_val_loss"], summary["final_val_micro_f1"],
            summary["val_loss"], summary["val_macro_f1"]) == (0.8, 0.3, 0.6, 0.5, 0.4)


def test_a_multi_label_run_stopped_before_a_best_is_still_said_as_multi_label(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Its last evaluation alone holds micro_f1 (no best kept yet): the summary is still the multi-label one."""
    _text.report_training(_multi({}, {"micro_f1": 0.6, "loss": 0.5}, None), True, "texts")  # type: ignore[arg-type]
    summary = json.loads(capsys.readouterr().out)
    assert summary["multi_label"] is True and summary["final_val_micro_f1"] == 0.6
    _text.report_training(_multi({}, {"micro_f1": 0.6, "loss": 0.5}, None), False, "texts")  # type: ignore[arg-type]
    assert capsys.readouterr().out == "4 steps, 1 s, 8 texts/s; saved in r1\n"


def _init(config: dict[str, Any], tmp_path: Path) -> _text.TextModel:
    ckpt = Checkpoint(path=tmp_path, config=config, model_shapes={})
    init = getattr(_text.TextModel.__init__, "__wrapped__", _text.TextModel.__init__)  # the API's words aside
    model = object.__new__(_text.TextModel)
    init(model, ckpt, nn.Linear)
    return model


def test_a_model_of_another_task_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r": a 'tag' model, not a '' model$"):
        _init({"task": "tag", "model": {}, "labels": ["a"]}, tmp_path)


def test_the_labels_saved_are_distinct(tmp_path: Path) -> None:
    repeated = r"config.json: labels must be a list of distinct strings, got \[.a., .b., .a.\]$"
    with pytest.raises(UserError, match=repeated):
        _init({"task": "", "model": {}, "labels": ["a", "b", "a"]}, tmp_path)


def test_a_model_saved_without_max_len_reads_400_tokens(tmp_path: Path) -> None:
    """Runs saved before max_len was recorded kept 400 tokens, the setting's default."""
    model = object.__new__(_text.TextModel)
    ckpt = Checkpoint(path=tmp_path, config={"task": "", "model": {}, "labels": ["a"]}, model_shapes={})
    init = getattr(_text.TextModel.__init__, "__wrapped__", _text.TextModel.__init__)
    with pytest.raises(UserError):  # no vocabulary: it stops after reading the settings
        init(model, ckpt, nn.Linear)
    assert model.max_len == 400 == _text.TextModelConfig().max_len


def test_fit_needs_the_score_it_keeps_by() -> None:
    with pytest.raises(ValueError, match=r"^fit: config.keep_by is None; set it with check_keep_by first$"):
        _text.fit(nn.Linear(1, 1), _text.TextModelConfig(), Path("unused"), batches=None, loss_fn=len,
                  eval_fn=dict, model_config={}, vocab=None, ckpt=None, unit="texts", overwrite=False,
                  progress=False, verbose=False)


def test_bidirectional_not_given_is_none_so_that_a_config_file_or_the_default_decides() -> None:
    p = argparse.ArgumentParser()
    _text.add_model_arguments(p, _text.TextModelConfig(), "training file")
    assert p.parse_args([]).bidirectional is None
    assert p.parse_args(["--no-bidirectional"]).bidirectional is False


def test_export_of_an_ensemble_counts_every_model(capsys: pytest.CaptureFixture[str]) -> None:
    x = argparse.ArgumentParser()
    _text.export_arguments(x)
    with pytest.raises(UserError, match=r"^export: an ensemble of 3 models is no one ONNX graph"):
        x.parse_args(["--onnx", "m.onnx", "--ensemble", "b", "c"])


def test_a_verbs_own_flags_replace_the_shared_ones() -> None:
    def own(p: argparse.ArgumentParser) -> None:
        p.add_argument("--mine")

    predict, evaluate, export = _text.verbs(("p", len, own), ("e", len), "x")
    assert predict.add_arguments is own and evaluate.add_arguments is _text.evaluate_arguments
    assert export.add_arguments is _text.export_arguments and export.run is _text.export_command


def _method(name: str) -> Any:
    method = getattr(_text.TextModel, name)
    return getattr(method, "__wrapped__", method)  # the API's words aside


def test_the_drawing_may_not_replace_a_file_of_the_model(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"x")
    model = SimpleNamespace(reads=[("the model's weights", weights)])
    with pytest.raises(UserError, match=r"^--png .*model\.safetensors: is the model's weights; write to another"):
        _method("check_png")(model, weights, ("the --data being read", tmp_path / "d.csv"))
    _method("check_png")(model, tmp_path / "c.png", ("the --data being read", tmp_path / "d.csv"))


def test_the_scores_say_where_the_confusion_matrix_is_drawn(tmp_path: Path) -> None:
    model = SimpleNamespace(labels=["a", "b"], task="classify", unit="texts")
    report = _method("scores")(model, [0, 1, 1], [0, 1, 0], "d.csv", tmp_path / "c.png")
    assert report["confusion_png"] == str(tmp_path / "c.png") and (tmp_path / "c.png").is_file()
    assert "confusion_png" not in _method("scores")(model, [0, 1], [0, 1], "d.csv", None)


def _exporting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, multi: bool) -> tuple[Any, dict[str, Any]]:
    seen: dict[str, Any] = {}

    def export_onnx(model: Any, path: Any, **kwargs: Any) -> dict[str, Any]:
        seen.update(kwargs, path=path)
        return {"onnx": str(path), "inputs": ["ids", "lengths"], "outputs": ["probabilities"], "checked": False}

    monkeypatch.setattr(_text, "export_onnx", export_onnx)
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"x")
    model = SimpleNamespace(
        config={"task": "classify", "multi_label": multi, "data": {"train": "d.csv"}}, labels=["a", "b"],
        task="classify", per_step=False, _export_spelling=lambda: (0, {}), model=nn.Module(),
        checkpoint=SimpleNamespace(vocab={"kind": "word"}, reads=[("the model's weights", weights)], path=tmp_path))
    model.model.embedding = nn.Embedding(5, 2)
    return model, seen


def test_a_multi_label_export_says_so_in_its_metadata_and_result(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    model, seen = _exporting(tmp_path, monkeypatch, multi=True)
    result = _method("export")(model, tmp_path / "m.onnx", check=False)
    assert result["multi_label"] is True and seen["metadata"]["rnnkit_multi_label"] == "true"
    assert json.loads(seen["metadata"]["rnnkit_config"]) == {"task": "classify", "multi_label": True}
    model, seen = _exporting(tmp_path, monkeypatch, multi=False)
    result = _method("export")(model, tmp_path / "m.onnx", check=False)
    assert "multi_label" not in result and "rnnkit_multi_label" not in seen["metadata"]


def test_an_export_may_not_replace_a_file_of_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, seen = _exporting(tmp_path, monkeypatch, multi=False)
    with pytest.raises(UserError, match=r"^--onnx .*model\.safetensors: is the model's weights; write to another"):
        _method("export")(model, tmp_path / "model.safetensors", check=False)
    assert not seen


def test_an_unchecked_export_of_one_output_says_why_it_was_not_checked(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    result = {"inputs": ["ids", "lengths"], "outputs": ["probabilities"], "checked": False}
    exported = SimpleNamespace(export=lambda path, check=True: {"onnx": path, **result})
    args = argparse.Namespace(onnx=str(tmp_path / "m.onnx"), no_check=True, json=False)
    assert _text.export_command(exported, args) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "; output probabilities; not checked (--no-check)\n" in out and "outputs" not in out


def test_the_default_drawing_of_a_runs_best_model_goes_in_the_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "best").mkdir(parents=True)
    (run / "metrics.jsonl").write_text("")
    assert _text.evaluation_png(argparse.Namespace(png=None, dir=str(run / "best"))) == run / "confusion.png"


def test_predictions_of_standard_input_may_be_written_to_a_file_named_dash(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """``--file -`` reads no file: an ``--output -`` beside it is a file of that name, not the input."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_text("an earlier file named -\n")
    _text.check_output(SimpleNamespace(reads=[]), argparse.Namespace(file="-", output="-"))  # type: ignore[arg-type]


def test_an_export_of_two_outputs_names_them_in_the_plural(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    result = {"inputs": ["ids", "lengths"], "outputs": ["probabilities", "tags"], "checked": False}
    exported = SimpleNamespace(export=lambda path, check=True: {"onnx": path, **result})
    args = argparse.Namespace(onnx=str(tmp_path / "m.onnx"), no_check=True, json=False)
    assert _text.export_command(exported, args) == 0  # type: ignore[arg-type]
    assert "; outputs probabilities and tags; not checked" in capsys.readouterr().out


def test_a_loaded_model_is_in_eval_mode(tmp_path: Path) -> None:
    """Its dropout off, so that the same text read twice gives the same probabilities."""
    from rnnkit.cli import main
    from rnnkit.tasks.classify import TextClassifier

    data = tmp_path / "train.txt"
    data.write_text("".join(f"__label__{'ab'[i % 2]} {'good fine' if i % 2 else 'bad awful'} film\n"
                            for i in range(12)), encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "2",
                 "--tokenizer", "word", "--embedding", "4", "--hidden", "4", "--dropout", "0.9", "--no-progress",
                 "--json"]) == 0
    clf = TextClassifier(tmp_path / "run" / "best")
    assert clf.model.training is False


def test_a_model_too_big_is_named_by_its_stack_or_its_bag_of_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(_text, "check_fits", lambda config, parameters, what, sizes: said.append(what))

    class Tiny(nn.Linear):
        @staticmethod
        def count_parameters(**kwargs: Any) -> int:
            return 6

    for layers in (2, 0):
        model = _text.new_model(Tiny, {"in_features": 2, "out_features": 2},
                                _text.TextModelConfig(layers=layers, hidden=8, embedding=4), None)
        assert isinstance(model, Tiny)
    assert said == ["a 2-layer LSTM of hidden 8", "a bag of embeddings of size 4"]


def test_an_earlier_prediction_leaves_the_users_columns_that_merely_start_with_p() -> None:
    columns = ["text", "predicted_label", "p_a", "pages", "place"]
    assert _text.earlier_prediction(columns) == {"predicted_label", "p_a"}


def test_the_evaluation_table_says_where_the_confusion_matrix_is(capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.metrics import classification_report

    report = {**classification_report([0, 1], [0, 1], ["a", "b"]), "confusion_png": "c.png"}
    assert _text.print_evaluation(report, "texts", False) == 0
    assert capsys.readouterr().out.endswith("\nconfusion matrix drawn in c.png\n")
