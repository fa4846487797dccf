"""Mutation audit, round 13: the settings of ``rnnkit train classify`` (:mod:`rnnkit.tasks._classify_config`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.tasks._classify_config import FIXED, SUBWORD_MAX_LEN, ClassifyConfig


def test_a_resumed_run_with_character_ngrams_and_no_cut_of_its_own_reads_thousands_of_ids() -> None:
    """The run's own char_ngrams, not only the ones given now, raise the default max_len."""
    assert ClassifyConfig().with_defaults({"char_ngrams": "3,6", "tokenizer": "ngram"}).max_len == SUBWORD_MAX_LEN
    assert ClassifyConfig().with_defaults({"char_ngrams": "0"}).max_len == FIXED["max_len"]


def test_a_resumed_runs_own_zero_and_off_values_are_kept_not_replaced_by_the_defaults() -> None:
    """A bag (layers 0) without dropout resumes as a bag without dropout: 0 and False are values, not 'not given'."""
    config = ClassifyConfig().with_defaults({"layers": 0, "dropout": 0.0, "pooling": "mean", "bidirectional": False})
    assert (config.layers, config.dropout, config.pooling) == (0, 0.0, "mean")


def test_a_learning_rate_range_test_never_starts_the_default_search() -> None:
    """--minutes without model flags searches, but --find-lr tests one model: the search is not its default."""
    assert ClassifyConfig(minutes=1).wants_autotune() is True
    assert ClassifyConfig(minutes=1, find_lr=True).wants_autotune() is False
    ClassifyConfig(minutes=1, find_lr=True).validate()


def test_word_vectors_go_with_word_and_ngram_tokens_and_say_when_the_search_was_on_by_default() -> None:
    from rnnkit.errors import UserError

    ClassifyConfig(tokenizer="word", pretrained_vectors="v.vec").validate()
    ClassifyConfig(tokenizer="ngram", pretrained_vectors="v.vec").validate()   # its words have vectors too
    with pytest.raises(UserError, match=r"^--pretrained-vectors with --autotune \(on by default with --minutes and "
                                        r"no model flag\): "):
        ClassifyConfig(minutes=1, pretrained_vectors="v.vec").validate()
    with pytest.raises(UserError, match=r"^--pretrained-vectors with --autotune: the search"):
        ClassifyConfig(autotune=True, pretrained_vectors="v.vec").validate()


def test_a_resumed_run_keeps_its_label_separator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The labels a run learned were split at its separator; another one on resume would read other labels."""
    rows = [f"{'good film' if i % 2 else 'bad plot'} {i},{'a|b' if i % 3 else 'a'}" for i in range(16)]
    (tmp_path / "d.csv").write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    flags = ["--hidden", "4", "--embedding", "4", "--no-progress", "--json"]
    assert main(["train", "classify", "--data", str(tmp_path / "d.csv"), "--out", str(out), "--steps", "1",
                 "--label-separator", "|", *flags]) == 0
    capsys.readouterr()
    assert main(["train", "classify", "--resume", str(out), "--steps", "2", "--label-separator", ";", *flags]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --label-separator ;: the resumed run used |; a resumed run "
                                       "keeps its model and data: leave it out to resume the run as it is, "
                                       "or train a new run with another --out\n")


@pytest.mark.parametrize(("settings", "named"), [
    ({"label_smoothing": 1.5}, "label_smoothing"),
    ({"label_smoothing": -0.1}, "label_smoothing"),
    ({"pretrain_data": "u.txt", "pretrain_minutes": 0}, "pretrain_minutes"),
    ({"pretrain_data": "u.txt", "pretrain_steps": 0}, "pretrain_steps"),
])
def test_a_smoothing_out_of_range_and_a_pre_training_budget_of_nothing_are_refused(settings: dict[str, object],
                                                                                    named: str) -> None:
    from rnnkit.errors import SettingError

    with pytest.raises(SettingError) as refused:
        ClassifyConfig(**settings).validate()  # type: ignore[arg-type]
    assert refused.value.name == named


def test_the_regularisers_default_to_what_the_guide_says() -> None:
    """docs/CLASSIFY.md: "`--dropout` (0.2; ...) and `--token-dropout` (0; ...)" for a run that does not search."""
    config = ClassifyConfig(tokenizer="word").with_defaults()
    assert (config.dropout, config.token_dropout) == (0.2, 0.0)


def test_a_recurrent_model_reads_up_to_800_tokens_a_text() -> None:
    """RNN_MAX_LEN is the most a recurrent trial reads: 800 (in the search's space) is allowed, 4000 is not."""
    from rnnkit.tasks._classify_config import RNN_MAX_LEN, SPACE, _valid

    recurrent = {"tokenizer": "word", "char_ngrams": "0", "layers": 1, "pooling": "max"}
    assert RNN_MAX_LEN in SPACE["max_len"]
    assert _valid({**recurrent, "max_len": RNN_MAX_LEN}) and not _valid({**recurrent, "max_len": 4000})
