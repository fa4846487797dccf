"""fastText's subword features in the bag classifier: character n-grams of each word (``--char-ngrams``),
hashed with FNV-1a into ``--buckets`` ids, through save, load, predict, export and autotune."""

from __future__ import annotations

import ctypes
import json
import random
from pathlib import Path
from typing import Any

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tokenize import (
    PAD_ID,
    UNK_ID,
    NgramTokenizer,
    WordTokenizer,
    build_tokenizer,
    char_ngrams,
    fasttext_hash,
    id_symbols,
    pad_batch,
    tokenizer_from_json,
)
from rnnkit.errors import SettingError, UserError
from rnnkit.models.classifier import Classifier
from rnnkit.tasks.classify import (
    PRESETS,
    SPACE,
    ClassifyConfig,
    _canonical,
    _describe,
    _may_try_char_ngrams,
    _valid,
    train,
)
from rnnkit.train.autotune import Trial, perturb, search
from rnnkit.train.trainer import TrainResult

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ------------------------------------------------------------------------------------------- hashing
def fnv1a_fasttext(data: bytes) -> int:
    """FNV-1a written from fastText's C++ (``h ^= uint32_t(int8_t(c)); h *= 16777619``) with ctypes' casts."""
    h = ctypes.c_uint32(2166136261)
    for byte in data:
        h = ctypes.c_uint32(h.value ^ ctypes.c_uint32(ctypes.c_int8(byte).value).value)
        h = ctypes.c_uint32(h.value * 16777619)
    return h.value


def test_the_hash_is_fnv1a_with_the_published_test_vectors_and_fasttexts_signed_bytes() -> None:
    # FNV-1a 32-bit test vectors (Fowler, Noll, Vo: "", "a", "foobar")
    assert [fasttext_hash(s) for s in ("", "a", "foobar")] == [0x811C9DC5, 0xE40C292C, 0xBF9CF968]
    for text in ("<wh", "été", "한국어>", "<naïve>"):  # bytes >= 0x80 are sign-extended as fastText does
        assert fasttext_hash(text) == fnv1a_fasttext(text.encode("utf-8"))


def test_a_known_word_gets_the_same_ids_in_every_process() -> None:
    # fixed numbers: Python's salted hash() would change them from one process to the next
    assert fasttext_hash("<wh") == 1048167652 and fasttext_hash("re>") == 2062867498
    tok = WordTokenizer(["where"], char_ngrams=(3, 4), buckets=1000)  # ids 0, 1, 2: <pad>, <unk>, where
    assert tok.encode("where") == [2, 655, 718, 944, 624, 423, 814, 36, 472, 501]
    assert tok.encode("where")[1] == 3 + fasttext_hash("<wh") % 1000


# ------------------------------------------------------------------------------------------- n-grams
def test_char_ngrams_are_fasttexts_subwords_of_the_bracketed_word() -> None:
    # Bojanowski et al. 2017: "where", n = 3 -> <wh, whe, her, ere, re>
    assert char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    assert char_ngrams("where", 3, 6) == ["<wh", "<whe", "<wher", "<where", "whe", "wher", "where", "where>",
                                          "her", "here", "here>", "ere", "ere>", "re>"]
    assert char_ngrams("cat", 2, 5) == ["<c", "<ca", "<cat", "<cat>", "ca", "cat", "cat>", "at", "at>", "t>"]
    assert char_ngrams("a", 1, 2) == ["<a", "a", "a>"]  # a bracket alone is never an n-gram


def test_words_bring_their_ngrams_and_pairs_do_not() -> None:
    tok = build_tokenizer("ngram", ["not good", "so good"], vocab_size=100, char_ngrams=(3, 3), buckets=50)
    assert isinstance(tok, NgramTokenizer) and tok.vocab_size == len(tok.symbols) + 50
    ids = tok.encode("not good")
    sub = {w: tok.subword_ids(w) for w in ("not", "good")}
    assert len(sub["not"]) == 3 and len(sub["good"]) == 4
    assert ids == [tok.index["not"], *sub["not"], tok.index["good"], *sub["good"], tok.index["not good"]]
    assert all(len(tok.symbols) <= i < tok.vocab_size for s in sub.values() for i in s)
    assert id_symbols(tok, [tok.index["not"], sub["not"][0]]) == ["not", f"#{sub['not'][0] - len(tok.symbols)}"]
    unseen = tok.encode("goodness")  # an unseen word: <unk>, then its n-grams, which it shares with "good"
    assert unseen[0] == UNK_ID and set(sub["good"][:2]) <= set(unseen[1:])


def test_the_tokenizer_round_trips_through_json_and_refuses_bad_settings() -> None:
    tok = build_tokenizer("word", ["un deux trois"], char_ngrams=(2, 5), buckets=64)
    saved = json.loads(json.dumps(tok.to_json()))
    assert saved["char_ngrams"] == [2, 5] and saved["buckets"] == 64
    again = tokenizer_from_json(saved)
    assert again.encode("deux quatre") == tok.encode("deux quatre") and again.vocab_size == tok.vocab_size
    plain = build_tokenizer("word", ["un deux"])
    assert "char_ngrams" not in plain.to_json() and plain.vocab_size == len(plain.symbols)
    with pytest.raises(UserError, match="vocab.json: .*MIN,MAX"):
        tokenizer_from_json({**saved, "char_ngrams": "six"})
    with pytest.raises(UserError, match="not char"):
        build_tokenizer("char", ["abc"], char_ngrams=(3, 6))


def test_char_ngrams_raise_the_default_cut_to_thousands_of_ids() -> None:
    assert ClassifyConfig(tokenizer="ngram", char_ngrams="3,6").with_defaults().max_len == 50_000
    assert ClassifyConfig(tokenizer="ngram", char_ngrams="3,6", max_len=900).with_defaults().max_len == 900
    assert ClassifyConfig(tokenizer="ngram").with_defaults().max_len == 400
    assert ClassifyConfig().with_defaults({"char_ngrams": "2,5", "max_len": 1000}).max_len == 1000  # resumed


@pytest.mark.parametrize(("settings", "message"), [
    ({"tokenizer": "char", "char_ngrams": "3,6"}, "--tokenizer word or ngram, not char"),
    ({"tokenizer": "ngram", "char_ngrams": "6,3"}, "MIN,MAX"),
    ({"tokenizer": "ngram", "char_ngrams": "3,6", "buckets": 0}, "positive"),
    ({"autotune": True, "tokenizer": "bpe", "char_ngrams": "3,6"}, "the other settings given rule them out"),
    ({"autotune": True, "layers": 1, "char_ngrams": "3,6"}, "the other settings given rule them out"),
])
def test_config_refuses_char_ngrams_it_cannot_use(settings: dict[str, object], message: str) -> None:
    with pytest.raises(SettingError, match=message):
        ClassifyConfig(**settings).validate()  # type: ignore[arg-type]


@pytest.mark.parametrize("extra", [
    [],                                                                          # character tokens
    ["--tokenizer", "word", "--layers", "0", "--pooling", "mean", "--char-ngrams", "0"],
    ["--autotune", "--tokenizer", "bpe"],                      # a search that cannot try character n-grams
    ["--autotune", "--char-ngrams", "0"],
    ["--autotune", "--layers", "1"],
    ["--config", "{toml}"],                                   # buckets = 64 in a config file
])
def test_buckets_without_character_ngrams_are_refused(extra: list[str], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`--buckets N` without character n-grams was ignored silently: the user believed it took effect."""
    (tmp_path / "c.toml").write_text("buckets = 64\n")
    out = tmp_path / "run"
    flags = [x.format(toml=tmp_path / "c.toml") for x in extra] + ([] if "--config" in extra else ["--buckets", "64"])
    assert main(["train", "classify", "--data", str(make_csv(tmp_path / "d.csv")), "--out", str(out), "--steps", "2",
                 "--no-progress", "--json", *flags]) == 2
    captured = capsys.readouterr()
    named = f"{tmp_path / 'c.toml'}: buckets = 64" if "--config" in extra else "--buckets 64"  # where it was set
    assert f"{named}: applies only with character n-grams" in captured.err, captured
    assert captured.err.count("\n") == 1 and not captured.out and not out.exists()


def test_a_search_keeps_char_ngrams_given_without_a_tokenizer() -> None:
    """`--autotune --char-ngrams 3,6` was refused as 'not char' (the default tokenizer of a plain run): the
    search chooses the tokenizer, and tries the n-grams given in bags of word or ngram tokens."""
    ClassifyConfig(autotune=True, char_ngrams="3,6").validate()
    ClassifyConfig(minutes=1, char_ngrams="3,6", autotune=True).validate()
    with pytest.raises(SettingError, match="not char"):
        ClassifyConfig(char_ngrams="3,6").validate()   # a plain run: character tokens


def test_buckets_go_with_character_ngrams_given_or_searched(tmp_path: Path) -> None:
    """--buckets is fine with --char-ngrams, in a search that may try them (the default search of --minutes
    too), and in a resumed run that recorded it without them (saved before buckets defaulted to None)."""
    bag = {"tokenizer": "ngram", "layers": 0, "pooling": "mean"}
    ClassifyConfig(**bag, char_ngrams="3,6", buckets=64).validate()   # type: ignore[arg-type]
    ClassifyConfig(minutes=1, buckets=64).validate()
    ClassifyConfig(autotune=True, tokenizer="word", buckets=64).validate()
    ClassifyConfig(buckets=131072).validate(saved={"buckets": 131072})   # the resumed run's own value
    with pytest.raises(SettingError, match="buckets 64: applies only with character n-grams"):
        ClassifyConfig(buckets=64).validate(saved={"buckets": 131072})
    with pytest.raises(SettingError, match="buckets 64: applies only with character n-grams"):
        train(ClassifyConfig(buckets=64, steps=1), str(make_csv(tmp_path / "d.csv")), tmp_path / "api")
    assert not (tmp_path / "api").exists()


def test_an_autotune_search_gives_buckets_to_its_trials_with_character_ngrams(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnkit.tasks._classify_data as classify_data  # where the tokenizer is built

    built: list[tuple[Any, int]] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        built.append((kwargs["char_ngrams"], kwargs["buckets"]))
        return build_tokenizer(*args, **kwargs)

    monkeypatch.setattr(classify_data, "build_tokenizer", spy)
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(make_csv(tmp_path / "d.csv")), "--out", str(out), "--autotune",
                 "--steps", "20", "--embedding", "8", "--hidden", "8", "--buckets", "64", "--no-progress",
                 "--json"]) == 0
    trials = [json.loads(x) for x in (out / "autotune.jsonl").read_text().splitlines()]
    assert not [t for t in trials if t.get("error")], trials   # the trials without n-grams are not refused
    assert {b for c, b in built if c} == {64} and any(not c for c, _ in built), built


def test_a_run_saved_with_buckets_and_no_character_ngrams_resumes(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Runs saved before --buckets defaulted to None recorded 131072 without character n-grams."""
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(make_csv(tmp_path / "d.csv")), "--out", str(out), "--steps", "2",
                 "--no-progress"]) == 0
    assert json.loads((out / "last" / "config.json").read_text())["settings"]["buckets"] is None
    for folder in ("best", "last"):
        config = json.loads((out / folder / "config.json").read_text())
        config["settings"]["buckets"] = 131072
        (out / folder / "config.json").write_text(json.dumps(config))
    capsys.readouterr()
    assert main(["train", "classify", "--resume", str(out), "--steps", "3", "--no-progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["steps"] == 3


def test_buckets_given_to_a_resumed_run_without_them_are_refused_in_words(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(make_csv(tmp_path / "d.csv")), "--out", str(out), "--steps", "2",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["train", "classify", "--resume", str(out), "--steps", "3", "--buckets", "64"]) == 2
    assert capsys.readouterr().err.strip() == ("rnnkit: error: --buckets 64: the resumed run had none; a resumed "
                                               "run keeps its model and data: leave it out to resume the run as it is, "
                                               "or train a new run with another --out")


# ------------------------------------------------------------------------------------------- the bag
@pytest.mark.parametrize("skip_unknown", [False, True])
def test_the_bag_is_the_mean_of_its_ids_embeddings_as_torch_computes_it(skip_unknown: bool) -> None:
    torch.manual_seed(0)
    model = Classifier(vocab_size=40, num_classes=2, embedding_dim=6, num_layers=0, pooling="mean",
                       skip_unknown=skip_unknown).eval()
    seqs = [[3, UNK_ID, 5, 30, 30], [UNK_ID], [7, 8]]
    ids, lengths = pad_batch(seqs)
    rows = [[i for i in s if not (skip_unknown and i == UNK_ID)] for s in seqs]
    pooled = torch.stack([model.embedding.weight[r].mean(0) if r else torch.zeros(6) for r in rows])
    torch.testing.assert_close(model.encode(ids, lengths), pooled)
    assert model.embedding.weight[PAD_ID].abs().max() == 0


def make_csv(path: Path, n: int = 40) -> Path:
    """Reviews whose label is in the word stems: pos -> 'great...', neg -> 'awful...' with varied endings."""
    rng = random.Random(0)
    rows = ["text,label"]
    for i in range(n):
        stem = "great" if i % 2 else "awful"
        rows.append(f"the film was {stem}{rng.choice(['', 'ly', 'ness', 'est'])} and long,{'pos' if i % 2 else 'neg'}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_subword_bag_saves_loads_predicts_and_exports(tmp_path: Path) -> None:
    data, out = make_csv(tmp_path / "d.csv"), tmp_path / "run"
    config = ClassifyConfig(tokenizer="ngram", char_ngrams="3,5", buckets=512, layers=0, pooling="mean",
                            embedding=8, lr=0.05, steps=30, eval_every=30)
    train(config, str(data), out, progress=False, verbose=False)
    saved = json.loads((out / "best" / "config.json").read_text())
    assert saved["settings"]["char_ngrams"] == "3,5" and saved["model"]["skip_unknown"] is True
    clf = rnnkit.load(out)
    assert clf.tokenizer.char_ngrams == (3, 5) and clf.tokenizer.buckets == 512
    assert clf.model.embedding.num_embeddings == len(clf.tokenizer.symbols) + 512
    result = clf.predict(["the film was greatness itself", "awfulness"])  # words never seen in training
    assert [r["label"] for r in result] == ["pos", "neg"]
    again = rnnkit.load(out).predict("the film was greatness itself", digits=None)
    assert again["probabilities"] == clf.predict("the film was greatness itself", digits=None)["probabilities"]
    pytest.importorskip("onnxruntime")
    exported = clf.export(tmp_path / "m.onnx")
    assert exported["checked"] and exported["max_abs_diff"] < 1e-5


def test_cli_takes_char_ngrams_and_refuses_a_bad_value_in_one_line(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv")
    args = ["train", "classify", "--data", str(data), "--tokenizer", "word", "--layers", "0", "--pooling", "mean",
            "--steps", "2", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "bad"), "--char-ngrams", "3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--char-ngrams 3: expected MIN,MAX" in err
    assert main([*args, "--out", str(tmp_path / "ok"), "--char-ngrams", "2,4", "--buckets", "128"]) == 0
    vocab = json.loads((tmp_path / "ok" / "best" / "vocab.json").read_text())
    assert vocab["char_ngrams"] == [2, 4] and vocab["buckets"] == 128
    assert json.loads((tmp_path / "ok" / "best" / "config.json").read_text())["max_len"] == 50_000


# ------------------------------------------------------------------------------------------- autotune
def test_autotune_searches_char_ngrams_and_its_first_preset_is_the_subword_bag() -> None:
    assert set(SPACE["char_ngrams"]) == {"0", "2,5", "3,6"}
    first = PRESETS[0]
    assert first["layers"] == 0 and first["tokenizer"] == "ngram" and first["char_ngrams"] == "3,6"
    assert "char n-grams 3-6" in _describe(first) and "char n-grams" not in _describe(PRESETS[1])
    assert not _valid({**first, "tokenizer": "bpe"})                 # n-grams are added to word tokens only
    assert not _valid({**first, "layers": 1, "max_len": 400})        # ... of the bag
    assert not _valid({**PRESETS[1], "max_len": max(SPACE["max_len"])})  # long cuts are for the bag
    assert not _valid({**first, "max_len": 100})                      # a subword bag is not cut to 8 words
    assert all(_valid(p) for p in PRESETS)


@pytest.mark.parametrize(("fixed", "may"), [
    ({}, True), ({"tokenizer": "word"}, True), ({"char_ngrams": "2,5"}, True), ({"max_len": 50_000}, True),
    ({"char_ngrams": "0"}, False), ({"tokenizer": "bpe"}, False), ({"tokenizer": "char"}, False),
    ({"layers": 1}, False), ({"pooling": "last"}, False), ({"max_len": 4000}, False),
])
def test_a_search_may_try_char_ngrams_unless_a_setting_given_rules_them_out(fixed: dict[str, Any],
                                                                             may: bool) -> None:
    assert _may_try_char_ngrams(fixed) is may


def test_ties_on_validation_accuracy_go_to_the_lower_validation_loss_and_the_record_lists_both(
        tmp_path: Path) -> None:
    def run(settings: dict[str, Any], limit: dict[str, Any], where: Path) -> TrainResult:
        loss = 0.3 if settings["tokenizer"] == "word" else 0.6  # every trial scores 0.75
        (where / "best").mkdir(parents=True, exist_ok=True)
        (where / "best" / "config.json").write_text(json.dumps(settings))
        return TrainResult(0.75, 1, "accuracy", limit.get("steps", 3), limit.get("minutes", 0.0) * 30, 10, 1.0,
                           "minutes", where,
                           best_eval={"accuracy": 0.75, "loss": loss})

    # a budget of updates: both presets run however loaded the machine (a 0.6-second clock left one out)
    found = search(run, budget_steps=40, presets=PRESETS[:2], space=SPACE, fixed={}, seed=0, out=tmp_path / "o",
                   record=tmp_path / "o" / "autotune.jsonl")
    assert found.best == PRESETS[1]  # the second preset, word tokens, had the lower loss
    lines = [json.loads(x) for x in (tmp_path / "o" / "autotune.jsonl").read_text().splitlines()]
    assert [x["val_loss"] for x in lines[:2]] == [0.6, 0.3]
    assert all({"char_ngrams", "max_len", "tokenizer"} <= set(x["settings"]) for x in lines)
    a, b = (Trial(n, "preset", {}, 0.75, 1, 1.0, "minutes", loss=loss) for n, loss in ((1, 0.5), (2, None)))
    assert a.beats(None) and not b.beats(a) and not a.beats(b)  # an unknown loss breaks no tie
    assert Trial(3, "preset", {}, 0.8, 1, 1.0, "minutes").beats(a)


def test_perturbing_a_bag_never_only_changes_what_a_bag_does_not_have() -> None:
    rng, bag = random.Random(0), dict(PRESETS[0])
    tried = [_canonical(bag)]
    for _ in range(100):
        new = perturb(bag, SPACE, {}, rng, tried, _valid, _canonical)
        assert _canonical(new) != _canonical(bag)  # not just another hidden size or direction
    assert _canonical({**bag, "hidden": 256, "bidirectional": True}) == _canonical(bag)
    assert _canonical({**PRESETS[1], "hidden": 64}) != _canonical(PRESETS[1])  # a recurrent layer has them


def test_the_per_word_subword_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tokenizer serving endless new words keeps at most SUBWORD_CACHE_WORDS of them, and its ids do
    not depend on what it remembers."""
    import rnnkit.data.tokenize as tokenize

    tok = build_tokenizer("word", ["a b"], 100, char_ngrams=(3, 4))
    fresh = build_tokenizer("word", ["a b"], 100, char_ngrams=(3, 4))
    monkeypatch.setattr(tokenize, "SUBWORD_CACHE_WORDS", 50)
    words = [f"w{i}x" for i in range(175)]
    ids = [tok.subword_ids(w) for w in words]
    assert len(tok._subwords) <= 50
    assert [fresh.subword_ids(w) for w in reversed(words)][::-1] == ids
