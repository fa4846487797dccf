"""Gaps the mutation audit of rnnkit.tasks._translate_trained found: what ``Translator`` refuses to load, the
texts and pairs ``translate``, ``evaluate`` and ``score`` refuse and the lines they say, and the pairs they take."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.data.tokenize import UNK_ID, build_tokenizer
from rnnkit.errors import SettingError, UserError
from rnnkit.models.seq2seq import Hypothesis
from rnnkit.tasks import _translate_trained
from rnnkit.tasks._translate_trained import Translator
from rnnkit.train.checkpoint import load_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")

WORDS = ["red", "blue", "green", "cat", "dog"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("words")
    data = tmp / "pairs.tsv"
    data.write_text("".join(f"{WORDS[i % 5]} {WORDS[2 * i % 5]}\t{WORDS[3 * i % 5]} {WORDS[i % 5]}\n"
                            for i in range(20)), encoding="utf-8")
    out = tmp / "run"
    rnnkit.fit("seq2seq", data=str(data), out=out, tokenizer="word", hidden=8, embedding=8, attention="general",
               batch_size=8, steps=2, eval_sentences=1, progress=False, verbose=False, save_minutes=0)
    return out


def _edited(run: Path, tmp_path: Path, **changes: object) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    for folder in ("best", "last"):
        path = copy / folder / "config.json"
        if path.exists():
            config = json.loads(path.read_text(encoding="utf-8"))
            config.update(changes)
            path.write_text(json.dumps(config), encoding="utf-8")
    return copy


def test_a_run_of_another_task_is_no_translator(run: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r": a 'tag' model, not a translator$"):
        Translator(_edited(run, tmp_path, task="tag"))


def test_a_checkpoint_whose_model_is_no_object_is_refused_in_one_line(run: Path) -> None:
    """A file's is refused as it is read; a Checkpoint given to Translator is checked too (it was
    ``Seq2Seq() argument after ** must be a mapping``)."""
    ckpt = load_checkpoint(run)
    ckpt.config["model"] = [8, 8]
    with pytest.raises(UserError, match=r"config.json: \"model\" must be an object of the model's settings$"):
        Translator(ckpt)


def test_unknown_source_tokens_are_named_once_each(run: Path) -> None:
    tr = rnnkit.load(run)
    with pytest.warns(UserWarning, match=r"2 source tokens unknown to the model, read as <unk>: 'qq', 'zz'$"):
        tr.translate(["red qq blue qq", "zz qq"])


@pytest.mark.parametrize("text", ["", "  ", "\t \n"])
def test_a_blank_text_is_refused(run: Path, text: str) -> None:
    with pytest.raises(UserError, match="^an empty text .*; give the text to translate$"):
        rnnkit.load(run).translate(text)


@pytest.mark.parametrize("pairs, error, message", [
    ([("red", "blue"), ("red", " ")], UserError,
     r"^pairs\[1\]: the target is empty; every pair needs a source and a reference$"),
    ([("\t", "blue")], UserError, r"^pairs\[0\]: the source is empty; "),
    ([("red", 5)], TypeError, r"^{verb} takes a pairs file or a list of \(source, target\) pairs of texts; item 0 "
                              r"is \('red', 5\)$"),
    ([(5, "red")], TypeError, r"^{verb} takes .* item 0 is \(5, 'red'\)$"),
    # a dict's keys were scored as the pair ('source', 'target'); a set's two texts in no order
    ([{"source": "red", "target": "blue"}], TypeError, r"^{verb} takes .* item 0 is \{{'source': 'red', "),
    ([{"red", "blue"}], TypeError, r"^{verb} takes .* item 0 is \{{'"),
    ([], UserError, r"^pairs: no pairs to {verb}$"),
    (7, TypeError, r"^{verb} takes a pairs file or a list of \(source, target\) pairs of texts, not int$"),
])
@pytest.mark.parametrize("verb", ["evaluate", "score"])
def test_evaluate_and_score_refuse_pairs_naming_themselves(run: Path, verb: str, pairs: object,
                                                            error: type[Exception], message: str) -> None:
    tr = rnnkit.load(run)
    with pytest.raises(error, match=message.format(verb=verb)):
        getattr(tr, verb)(pairs)


def test_evaluate_and_score_take_any_iterable_of_pairs_and_the_bible_test_split(
        run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tr = rnnkit.load(run)
    pairs = [("red cat", "blue cat"), ("dog", "green dog"), ("blue", "red")]
    assert tr.evaluate(tuple(pairs))["pairs"] == 3
    assert tr.evaluate(p for p in pairs)["pairs"] == 3
    assert [r["target"] for r in tr.score(iter(pairs))] == ["blue cat", "green dog", "red"]
    monkeypatch.setattr(_translate_trained, "_bible", lambda: {"train": [], "val": [], "test": pairs[:2]})
    assert tr.evaluate("bible-en-es")["pairs"] == 2
    assert [r["source"] for r in tr.score("bible-en-es")] == ["red cat", "dog"]


def test_a_beam_of_two_gives_two_best_as_a_dict(run: Path) -> None:
    result = rnnkit.load(run).translate("red cat", beam=2, n_best=2)
    assert isinstance(result, dict) and len(result["n_best"]) == 2
    assert result["translation"] == result["n_best"][0]["text"]


def test_the_output_cap_is_four_times_the_training_max_len_for_a_short_source(run: Path) -> None:
    """A one-word source may be translated to more than 4 words: the cap is OUTPUT_CAP (4) times the longer of
    the source and the ``max_len`` the model trained on (100), and ``min_len`` writes up to it (the limit wins)."""
    tr = rnnkit.load(run)
    assert tr.max_len == 100
    assert len(tr.translate("red", max_len_a=0.0, max_len_b=1000, min_len=1000).split()) == 400


def test_evaluate_decodes_with_the_min_len_asked(run: Path) -> None:
    result = rnnkit.load(run).evaluate([("red", "blue cat")], max_len_a=0.0, max_len_b=7, min_len=7)
    assert result["decoding"]["min_len"] == 7 and result["exact_match"] == 0.0


def test_replace_unk_copies_the_source_token_as_the_word_tokenizer_reads_it(run: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Each written ``<unk>`` becomes the source token at the position its attention chose: position 2 of
    ``red, zebra`` is ``zebra`` (the tokenizer's ``red``, ``,``, ``zebra``; not the text split at spaces)."""
    tr = rnnkit.load(run)
    cat = tr.target.encode("cat")[0]
    hypothesis = Hypothesis([UNK_ID, cat], -1.0, -1.0, sources=[2, 0])
    monkeypatch.setattr(tr.model, "greedy", lambda *args, **kwargs: [hypothesis])
    with pytest.warns(UserWarning, match="source tokens? unknown to the model"):
        assert tr.translate("red, zebra", replace_unk=True) == "zebra cat"


def test_sampling_draws_unk_only_where_replace_unk_writes_a_source_word_for_it(run: Path) -> None:
    """A model that would write ``<unk>`` at every step: sampled with ``replace_unk`` each one becomes a source
    word; without it ``<unk>`` is never drawn."""
    tr = rnnkit.load(run)
    with torch.no_grad():
        tr.model.output.bias[UNK_ID] += 50.0
    kwargs = {"sample": True, "seed": 0, "max_len_a": 0.0, "max_len_b": 3}
    with pytest.warns(UserWarning, match="source tokens? unknown to the model"):
        copied = tr.translate("red zebra", replace_unk=True, **kwargs).split()
    assert len(copied) == 3 and set(copied) <= {"red", "zebra"}
    drawn = tr.translate("red cat", **kwargs).split()
    assert drawn and "<unk>" not in drawn and set(drawn) <= set(WORDS)


@pytest.mark.parametrize("kind", ["bpe", "char"])
def test_replace_unk_is_refused_for_a_target_of_pieces_or_characters(run: Path, kind: str) -> None:
    tr = rnnkit.load(run)
    tr.target = build_tokenizer(kind, [f"{a} {b}" for a in WORDS for b in WORDS], vocab_size=40, reversible=True)
    with pytest.raises(SettingError, match=f"^replace_unk True: the target side is {kind} tokens, and every one"):
        tr.translate("red cat", replace_unk=True)


def test_replace_unk_is_refused_in_the_settings_words_for_a_model_without_attention(run: Path) -> None:
    tr = rnnkit.load(run)
    tr.model.attention = None  # as a run trained with --attention none has
    with pytest.raises(SettingError, match="^replace_unk True: .* was trained with attention none; it finds the "
                                           "source token to copy by the attention$") as caught:
        tr.translate("red cat", replace_unk=True)
    assert caught.value.as_flag().startswith("--replace-unk: ")


@pytest.mark.parametrize("side", ["source", "target"])
def test_an_ensemble_of_another_tokenizer_on_either_side_is_refused(run: Path, side: str) -> None:
    other = rnnkit.load(run)
    setattr(other, side, build_tokenizer("word", ["red blue cat"], vocab_size=40))
    with pytest.raises(UserError, match=f"its {side} tokenizer is not .*'s; the models of an ensemble need the same "
                                        "tokenizers"):
        rnnkit.load(run).ensemble(other)
