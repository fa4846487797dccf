"""Gaps a mutation audit (round 39) found in the closing lines' ``on N of M validation pairs`` (``scored_part``,
``DecodedResult``, the ``decoded`` count each evaluation records): the kept evaluation's count, not the last one's; a
kept evaluation without scores (a run of ``--eval-sentences 0`` resumed with more) names no count; a setting of
more items than there are is rated as all of them; and the recorded count is no curve of the report page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.tasks import caption, speech, translate
from rnnkit.tasks.translate import DECODED, DecodedResult, scored_part

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TASKS = [(translate, "pairs", "eval_sentences"), (caption, "images", "eval_images"),
         (speech, "utterances", "eval_utterances")]
SCORES = {"loss": 0.25, "exact_match": 0.5, "bleu": 41.0, "cer": 0.25, "wer": 0.5}


def _result(tmp_path: Path, best_eval: dict[str, float], last_eval: dict[str, float], rated: int | None,
            validation: int) -> DecodedResult:
    (tmp_path / "best").mkdir(exist_ok=True)
    return DecodedResult(best_metric=0.25, best_step=3, metric="loss", steps=4, seconds=1.0, tokens=10,
                         tokens_per_s=1.0, stopped="steps", out_dir=tmp_path, last_eval=last_eval,
                         best_eval=best_eval, rated=rated, validation=validation)


def test_the_count_named_is_the_kept_evaluations_not_the_last_ones(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Resumed with --eval-sentences 80 and no new best: the last evaluation decoded 80, the kept one 50."""
    result = _result(tmp_path, {**SCORES, DECODED: 50.0}, {**SCORES, DECODED: 80.0}, rated=80, validation=1000)
    assert result.scored() == 50
    translate.report(result, False)
    assert " on 50 of 1,000 validation pairs (4 steps" in capsys.readouterr().out


@pytest.mark.parametrize("rated", [0, None])
def test_scores_of_no_item_name_no_count(rated: int | None, tmp_path: Path) -> None:
    """A best kept before evaluations recorded their count, resumed with --eval-sentences 0 (or a result made
    without one): no 'on 0 of 40 validation pairs'."""
    assert scored_part(_result(tmp_path, SCORES, SCORES, rated=rated, validation=40), "pairs",
                       "eval_sentences") == ("", {})


@pytest.mark.parametrize(("task", "noun", "key"), TASKS)
def test_a_kept_evaluation_without_scores_names_no_count(task, noun: str, key: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A run of --eval-sentences 0 (--eval-images, --eval-utterances) resumed with 80 and no new best: its kept
    evaluation scored nothing, so the line says no count of what it was not measured on."""
    result = _result(tmp_path, {"loss": 0.25}, {"loss": 0.25}, rated=80, validation=1000)
    task.report(result, False)
    assert f"validation {noun}" not in capsys.readouterr().out
    task.report(result, True)
    assert key not in json.loads(capsys.readouterr().out)


def test_the_decoded_count_is_no_curve_of_the_report_page() -> None:
    from rnnkit.report import run as run_report

    rows = [{"step": s, "train_loss": 1.0, "val_loss": 1.1, "val_bleu": 20.0, f"val_{DECODED}": 40}
            for s in (1, 2)]
    names = {t.name for t in run_report.curves_figure(rows).data}
    assert "val bleu" in names and "val decoded" not in names


def test_a_translator_rates_at_most_its_validation_pairs(tmp_path: Path) -> None:
    pairs = [("a b", "x y"), ("b a", "y x"), ("a a", "x x"), ("b b", "y y")]
    (tmp_path / "train.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    held = [("a b a", "x y x"), ("b a b", "y x y"), ("b b a", "y y x")]
    (tmp_path / "val.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in held), encoding="utf-8")
    config = translate.Seq2SeqConfig(hidden=4, embedding=4, steps=1, eval_sentences=50)
    result = translate.train(config, str(tmp_path / "train.tsv"), tmp_path / "run", val_data=str(tmp_path / "val.tsv"),
                             verbose=False, progress=False)
    assert (result.rated, result.validation) == (3, 3)


def test_a_captioner_rates_at_most_its_validation_images(tmp_path: Path) -> None:
    pytest.importorskip("PIL.Image")
    from test_mut13b_caption_trained import four_grey_images

    folder = four_grey_images(tmp_path)
    config = caption.CaptionConfig(channels="4", image_size=8, grey=True, hidden=4, embedding=4, batch_size=4,
                                   steps=1, eval_images=50, val_fraction=0.5, save_minutes=0)
    result = caption.train(config, str(folder), tmp_path / "run", verbose=False, progress=False)
    assert result.validation and result.rated == result.validation < 50
