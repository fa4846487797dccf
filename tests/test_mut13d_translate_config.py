"""Gaps the mutation audit of rnnkit.tasks._translate_config found: each setting ``Seq2SeqConfig.validate`` refuses
and the line it says, the edges it lets through, and the checks ``train`` makes with a run's own settings
(``--freeze-vectors``, ``--share-decoder-embeddings``, a switch added after a run was saved)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rnnkit.errors import SettingError, UserError
from rnnkit.tasks._translate_config import (
    Seq2SeqConfig,
    check_freeze,
    check_tied_sizes,
    refuse_tie_added,
)
from rnnkit.train.building import MAX_DECODE_LENGTH

WORD_ONLY = "word vectors start the rows of a word tokenizer (--tokenizer word)"


@pytest.mark.parametrize("settings, message", [
    ({"vocab_size": 0}, "vocab_size 0: expected a positive integer"),
    ({"embedding": 0}, "embedding 0: expected a positive integer"),
    ({"max_len": MAX_DECODE_LENGTH + 1}, f"max_len {MAX_DECODE_LENGTH + 1}: expected an integer from 1 to "
                                         f"{MAX_DECODE_LENGTH}"),
    ({"decoder_layers": 0}, "decoder_layers 0: expected a positive integer"),
    ({"cell": "rnn2"}, "cell 'rnn2': expected one of rnn_tanh, "),
    ({"src_tokenizer": "chars"}, "src_tokenizer 'chars': expected one of char, word, bpe"),
    ({"tgt_tokenizer": "x"}, "tgt_tokenizer 'x': expected one of char, word, bpe"),
    ({"share_embeddings": True, "tgt_tokenizer": "word"},
     "share_embeddings True: one vocabulary needs one tokenizer; the source's is char, the target's word"),
    ({"share_embeddings": True, "src_tokenizer": "bpe"},
     "share_embeddings True: one vocabulary needs one tokenizer; the source's is bpe, the target's char"),
    ({"tokenizer": "word", "src_vectors": ""},
     "src_vectors '': expected the name of a file of word vectors (.vec or GloVe text)"),
    ({"tokenizer": "bpe", "src_vectors": "v.vec"}, f"src_vectors 'v.vec': the source side is bpe tokens; {WORD_ONLY}"),
    ({"tokenizer": "word", "tgt_tokenizer": "char", "tgt_vectors": "v.vec"},
     f"tgt_vectors 'v.vec': the target side is char tokens; {WORD_ONLY}"),
    ({"tokenizer": "word", "share_embeddings": True, "src_vectors": "v.vec"},
     "src_vectors 'v.vec': with --share-embeddings the encoder reads the target's one matrix; give its vectors as "
     "--tgt-vectors"),
    ({"teacher_forcing": 1.5}, "teacher_forcing 1.5: expected a number from 0 to 1"),
    ({"teacher_forcing": 0.5, "teacher_forcing_floor": -0.1},
     "teacher_forcing_floor -0.1: expected 0 to --teacher-forcing (0.5)"),
    ({"label_smoothing": 1.0}, "label_smoothing 1.0: expected a number from 0 to below 1"),
    ({"dropout": 1.0}, "dropout 1.0: expected a number from 0 to below 1"),
    ({"val_fraction": 1.0}, "val_fraction 1.0: expected a number from 0 to below 1"),
    ({"eval_sentences": -1}, "eval_sentences -1: expected a number >= 0"),
])
def test_a_setting_out_of_range_is_refused_by_name(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingError) as caught:
        Seq2SeqConfig(**settings).validate()
    assert str(caught.value).startswith(message), str(caught.value)


@pytest.mark.parametrize("settings", [
    {"eval_sentences": 0},
    {"teacher_forcing": 0.4, "teacher_forcing_floor": 0.4},
    {"teacher_forcing": 0.0, "teacher_forcing_floor": 0.0},
    {"max_len": MAX_DECODE_LENGTH, "embedding": None, "decoder_layers": None},
    {"tokenizer": "word", "share_embeddings": True, "tgt_vectors": "v.vec"},
    {"src_tokenizer": "word", "src_vectors": "v.vec", "tgt_tokenizer": "bpe"},
    {"tgt_tokenizer": "word", "tgt_vectors": "v.vec"},
])
def test_the_edges_of_the_settings_are_taken(settings: dict[str, Any]) -> None:
    Seq2SeqConfig(**settings).validate()


def test_the_vectors_files_are_kept_as_absolute_paths_and_the_rest_as_given(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("src_vectors", "tgt_vectors"):
        assert Seq2SeqConfig.kept_form(key, "v.vec") == os.path.join(str(tmp_path), "v.vec")
        assert Seq2SeqConfig.kept_form(key, None) is None
    assert Seq2SeqConfig.kept_form("tokenizer", "word") == "word"


def test_freeze_vectors_needs_a_side_of_vectors_and_no_tied_target() -> None:
    check_freeze(False, None, None, True)
    check_freeze(True, "s.vec", None, False)
    check_freeze(True, None, "t.vec", False)
    check_freeze(True, "s.vec", None, True)  # the source table is not the output layer's weight
    with pytest.raises(SettingError, match="^freeze_vectors True: freezes the embedding tables started from word "
                                           "vectors; give --src-vectors FILE or --tgt-vectors FILE too$"):
        check_freeze(True, None, None, False)
    with pytest.raises(SettingError, match="^freeze_vectors True: with --tgt-vectors and --share-decoder-embeddings "
                                           "the target embedding matrix is the output layer's weight"):
        check_freeze(True, "s.vec", "t.vec", True)


@pytest.mark.parametrize("hidden, embedding", [(64, 128), (128, 64)])
def test_a_tied_output_layer_needs_hidden_equal_to_embedding(hidden: int, embedding: int) -> None:
    check_tied_sizes(False, hidden, embedding)
    check_tied_sizes(True, 32, 32)
    with pytest.raises(UserError, match=f"^--share-decoder-embeddings needs --hidden equal to --embedding: --hidden "
                                        f"{hidden}, --embedding {embedding} \\(the output layer's"):
        check_tied_sizes(True, hidden, embedding)


def test_a_switch_added_after_a_run_was_saved_is_refused_only_when_turned_on() -> None:
    old = SimpleNamespace(config={"settings": {"hidden": 8}})
    new = SimpleNamespace(config={"settings": {"share_embeddings": False}})
    refuse_tie_added(None, True)
    refuse_tie_added(old, False)  # type: ignore[arg-type]
    refuse_tie_added(new, True, "share_embeddings")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="^--share-embeddings: the resumed run had no share-embeddings; a resumed "
                                        "run keeps its model and data: leave it out to resume the run as it is, "
                                        "or train a new run with another --out$"):
        refuse_tie_added(old, True, "share_embeddings")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="^--share-decoder-embeddings: the resumed run had no "
                                        "share-decoder-embeddings;"):
        refuse_tie_added(SimpleNamespace(config={}), True)  # type: ignore[arg-type]


def test_a_resumed_run_keeps_its_split_and_its_sizes(tmp_path: Path) -> None:
    """The seed of the validation split and the embedding size are among the settings a resumed run keeps: another
    one given is refused, naming the run's."""
    import rnnkit

    data = tmp_path / "p.tsv"
    data.write_text("".join(f"ab{'c' * (i % 3)}\txy{'z' * (i % 4)}\n" for i in range(30)), encoding="utf-8")
    quiet = {"progress": False, "verbose": False, "save_minutes": 0}
    out = tmp_path / "run"
    rnnkit.fit("seq2seq", data=str(data), out=out, hidden=8, embedding=8, steps=1, split_seed=3, eval_sentences=0,
               **quiet)
    for key, value, saved in (("split_seed", 9, 3), ("embedding", 16, 8)):
        with pytest.raises(UserError, match=f"^{key} {value}: the resumed run used {saved}; a resumed run keeps its "
                                            "model and data: leave it out to resume the run as it is, "
                                            "or train a new run with another out$"):
            rnnkit.fit("seq2seq", data=str(data), out=out, resume=True, steps=2, **{key: value}, **quiet)
