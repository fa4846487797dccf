"""Round 9 of the mutation audit: gaps in :mod:`rnnkit.tasks._translate_vectors` (a seq2seq run's --src-vectors and
--tgt-vectors)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks import translate
from rnnkit.tasks._translate_vectors import sized
from rnnkit.tasks.translate import Seq2SeqConfig
from tests.test_pretrained_vectors import W2V, write
from tests.test_seq2seq_vectors import PAIRS, _start

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_checkpoint_without_settings_had_no_vectors(tmp_path: Path) -> None:
    """A checkpoint whose config.json has no settings at all (saved before there were any) is refused a file as one
    whose settings lack the vectors, not with "argument of type 'NoneType' is not iterable"."""
    vec = write(tmp_path, "v.vec", W2V)
    config = Seq2SeqConfig(tokenizer="word", embedding=4, hidden=4, src_vectors=str(vec))
    with pytest.raises(UserError, match=r"^--src-vectors .*v\.vec: the resumed run had none"):
        sized(config, SimpleNamespace(config={}))  # type: ignore[arg-type]
    assert sized(Seq2SeqConfig(tokenizer="word"), SimpleNamespace(config={})) == Seq2SeqConfig(  # type: ignore
        tokenizer="word", embedding=64)  # the model's size, else the default, where the settings lack it


def test_a_tied_run_whose_hidden_size_fits_is_told_only_the_embedding(tmp_path: Path) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    (tmp_path / "pairs.tsv").write_text(PAIRS, encoding="utf-8")
    config = Seq2SeqConfig(tokenizer="word", embedding=8, hidden=4, share_decoder_embeddings=True,
                           tgt_vectors=str(vec))
    with pytest.raises(UserError, match="give --embedding 4, or leave it out to take the vectors' size$"):  # hidden 4
        translate.train(config, str(tmp_path / "pairs.tsv"), tmp_path / "o", verbose=False)


def test_a_run_without_vectors_records_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert "pretrained_vectors" not in _start(monkeypatch, tmp_path, "o")["config"]
