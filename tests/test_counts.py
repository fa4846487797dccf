"""The counts of the text read (rnnkit.models.counts): the distribution against a brute-force n-gram counted
on lists, the weight against the Bayesian mixture written out, and a language model that reads a text the
same whole, in windows and step by step, counts only in eval mode and never after a freeze."""

from __future__ import annotations

import copy
import json
import math
import pickle
import random
from pathlib import Path

import pytest
import torch

from rnnkit import native
from rnnkit.cli import main
from rnnkit.models.counts import DEFAULT_COUNTS, DISCOUNT, PRIOR, WEIGHTS
from rnnkit.models.dynamic_eval import gradient_rms
from rnnkit.models.language_model import LanguageModel, generate, sequence_log_probs
from rnnkit.models.match import MatchState
from rnnkit.train.trainer import Trainer
from tests.test_native import needs_kernels

COUNTS = (1, 2, 4)
V = 4


@pytest.fixture(params=["python", pytest.param("native", marks=needs_kernels)])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test of the tables runs on both of their kernels: counts.py's dicts and rnnkit/native/tally.cpp."""
    if request.param == "python":
        monkeypatch.setattr(native, "ops", lambda: None)
    else:
        assert native.ops() is not None
    return request.param


def text(length: int, seed: int = 0) -> list[int]:
    rng = random.Random(seed)
    motif = [rng.randrange(V) for _ in range(9)]   # repeats, so that long contexts are seen again
    return [motif[i % 9] if rng.random() < 0.7 else rng.randrange(V) for i in range(length)]


def brute_distribution(seq: list[int], p: int, orders: tuple[int, ...], block: int,
                       written: int | None = None, root: list[float] | None = None) -> list[float]:
    """The counts' probabilities of the token after position p: for each order k with a context seq[p-k+1 :
    p+1], how often each token followed it at a position q <= p of this or the previous block (and before
    ``written``); absolute discounting from the longest context down to ``root`` (the model's prediction;
    uniform if not given)."""
    oldest = max(0, (p // block - 1) * block)
    probs = list(root) if root is not None else [1.0 / V] * V
    for k in orders:
        if p - k + 1 < 0:
            break
        context = seq[p - k + 1 : p + 1]
        counts = [0] * V
        for q in range(max(k, oldest), p + 1 if written is None else min(p + 1, written)):
            if seq[q - k : q] == context:
                counts[seq[q]] += 1
        total, kinds = sum(counts), sum(c > 0 for c in counts)
        if total:
            probs = [(max(c - DISCOUNT, 0) + DISCOUNT * kinds * lower) / total for c, lower in zip(counts, probs,
                                                                                                   strict=True)]
    return probs


@pytest.mark.parametrize("block", [8, 10**6])
def test_the_distribution_is_the_brute_force_n_gram(block: int, kernel: str) -> None:
    seqs = [text(70, seed=s) for s in range(3)]
    ids = torch.tensor(seqs).t()
    state = MatchState((2,), 3, block, counts=COUNTS, vocab_size=V)
    assert state.tallies is not None and (state.tallies.native is None) == (kernel == "python")
    got = []
    for a in range(0, 70, 11):
        state.advance(ids[a : a + 11])
        counts, rest = state.counted
        got.append(counts + rest / V)   # the share left to the model's prediction, a uniform one here
    got = torch.cat(got)
    assert torch.allclose(got.sum(-1), torch.ones(70, 3), atol=1e-6)
    for b, seq in enumerate(seqs):
        want = torch.tensor([brute_distribution(seq, p, COUNTS, block) for p in range(70)])
        assert torch.allclose(got[:, b], want, atol=1e-7), b


def test_a_frozen_memory_looks_up_but_counts_nothing(kernel: str) -> None:
    seq = text(40)
    ids = torch.tensor(seq).view(-1, 1)
    state = MatchState((2,), 1, counts=COUNTS, vocab_size=V)
    state.advance(ids[:30])
    state.freeze()
    state.advance(ids[30:])
    for p in range(30, 40):   # position p's contexts looked up in what followed them among the first 30 tokens
        want = brute_distribution(seq, p, COUNTS, 10**6, written=30)
        counts, rest = state.counted
        assert torch.allclose(counts[p - 30, 0] + rest[p - 30, 0] / V, torch.tensor(want), atol=1e-7), p


@needs_kernels
def test_the_native_tables_give_the_python_ones_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A longer text of a larger vocabulary, streams split across threads, blocks rolled within a window and
    between windows, windows of every size, then a freeze: tally.cpp's predictions are counts.py's."""
    rng = random.Random(5)
    vocab, batch = 30, 5
    ids = torch.tensor([[rng.randrange(vocab) if rng.random() < 0.3 else (7 * t + s) % 11 for s in range(batch)]
                        for t in range(1500)])
    cuts = sorted(rng.sample(range(1, 1500), 40)) + [1500]

    def read(ops: object) -> list[torch.Tensor]:
        monkeypatch.setattr(native, "ops", ops)
        state, out, a = MatchState((2, 5), batch, 97, counts=(1, 2, 3, 5, 9), vocab_size=vocab), [], 0
        for n, b in enumerate(cuts):
            if n == 35:
                state.freeze()
            state.advance(ids[a:b])
            out += state.counted
            a = b
        return out

    with torch.no_grad():
        made = read(native.ops)
        reference = read(lambda: None)
    for got, want in zip(made, reference, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-7)


def test_a_state_that_counts_deep_copies_and_pickles_and_reads_on_apart(kernel: str) -> None:
    """A language model's carried state copies as a torch user copies one (copy.deepcopy, pickle): the C++ tables
    failed ("Tried to deepcopy object __torch__.torch.classes.rnnkit_native.Tally which does not have a
    __getstate__ method defined!") where the Python ones copied. A copy reads on with the state's numbers, and
    what one reads does not reach the other."""
    ids = torch.tensor([text(70, seed=s) for s in range(2)]).t()

    def read(state: MatchState, window: torch.Tensor) -> list[torch.Tensor]:
        state.advance(window)
        assert state.counted is not None
        return list(state.counted)

    state, reference = (MatchState((2,), 2, 16, counts=COUNTS, vocab_size=V) for _ in range(2))
    read(state, ids[:40])
    read(reference, ids[:40])
    copies = [copy.deepcopy(state), pickle.loads(pickle.dumps(state))]
    read(copies[0], ids[40:].flip(0))   # another text: the others' tables are their own
    want = read(reference, ids[40:])
    for other in (state, copies[1]):
        for got, expected in zip(read(other, ids[40:]), want, strict=True):
            torch.testing.assert_close(got, expected, rtol=0, atol=0)


@needs_kernels
@needs_kernels
def test_the_native_tables_refuse_a_row_before_the_window_tensors_off_the_cpu_and_no_streams() -> None:
    """tally.cpp reads and writes through raw pointers: a negative first row wrote each position's share before
    the tensors it was given (here into the rows of the tensors they are views of), and tokens on a GPU were
    read from host memory; each is refused in one RuntimeError, nothing written."""
    assert native.ops() is not None
    tally = torch.classes.rnnkit_native.Tally(1, 1, DISCOUNT)
    p, rest = torch.zeros(6, V, dtype=torch.float64), torch.zeros(6, dtype=torch.float64)
    tokens, hashes = torch.tensor([[1, 2]]), torch.tensor([[[5, 6, 5]]])
    with pytest.raises(RuntimeError, match="first_row must be >= 0, got -1"):
        tally.read(tokens, hashes, False, False, p[3:], rest[3:], -1)
    with pytest.raises(RuntimeError, match="must be CPU tensors"):   # meta: any device but the CPU
        tally.read(tokens.to("meta"), hashes, False, False, p[3:], rest[3:], 0)
    assert not p.any() and not rest.any()
    tally.read(tokens, hashes, False, False, p[3:], rest[3:], 0)   # the same window from row 0
    assert rest[3:5].tolist() == [1.0, 0.75] and p[4, 1] == 0.25 and not p[:3].any() and not rest[:3].any()
    for streams, orders in ((-1, 1), (2, -2), (2, 0)):   # a negative one was std::vector's words
        with pytest.raises(RuntimeError, match=f"streams must be at least 0 and orders at least 1, got {streams} and "
                                               f"{orders}"):
            torch.classes.rnnkit_native.Tally(streams, orders, DISCOUNT)


def test_a_model_with_a_memory_that_counts_reads_a_batch_of_no_streams_as_torch_nn_does(kernel: str) -> None:
    """torch.nn's layers read a batch of 0 and give empty outputs; a language model with its memory of the text
    read (charlm's default) failed: "cannot reshape tensor of 0 elements into shape [0, -1]" in the memory's
    hashes, and "streams and orders must be at least 1, got 0 and 3" from the C++ counts. Now forward (training
    without the counts, eval with them), a window more with the state carried, step, the state saved as
    tensors as a checkpoint saves it, and its copies all read on with empty outputs."""
    model = LanguageModel(V, hidden_size=8, num_layers=1, embed_dim=4, memory=[2, 3], counts=COUNTS)
    lstm = torch.nn.LSTM(4, 8)
    assert lstm(torch.zeros(3, 0, 4))[0].shape == (3, 0, 8)   # the judge
    none = torch.zeros(3, 0, dtype=torch.long)
    for train in (True, False):
        model.train(train)
        with torch.no_grad():
            out, state = model(none)
            assert out.shape == (3, 0, V) and (state[1].tallies is None) == train
            if not train:
                assert (state[1].tallies.native is None) == (kernel == "python")
            out, state = model(none[:2], state)
            assert out.shape == (2, 0, V) and state[1].position == 5
            out, state = model.step(none[0], state, 5)
            assert out.shape == (0, V)
            saved = state[1].tensors()
            assert saved.shape == (0, 1 + 6)
            for carried in (saved, copy.deepcopy(state[1]), pickle.loads(pickle.dumps(state[1]))):
                out, again = model(none, (state[0], carried))
                assert out.shape == (3, 0, V) and again[1].position == 9
    if kernel == "native":   # the C++ tables of no stream count a window of them into no rows
        tally = torch.classes.rnnkit_native.Tally(0, 3, DISCOUNT)
        p, rest = torch.zeros(0, V, dtype=torch.float64), torch.zeros(0, dtype=torch.float64)
        tally.read(torch.zeros(0, 4, dtype=torch.long), torch.zeros(0, 3, 5, dtype=torch.long), False, False, p, rest,
                   0)


def models(seed: int = 0) -> tuple[LanguageModel, LanguageModel]:
    """The same weights without and with counts."""
    torch.manual_seed(seed)
    plain = LanguageModel(V, hidden_size=8, num_layers=1, embed_dim=4, memory=[2, 3])
    counted = LanguageModel(V, hidden_size=8, num_layers=1, embed_dim=4, memory=[2, 3], counts=COUNTS)
    counted.load_state_dict(plain.state_dict())
    return plain.eval(), counted.eval()


def test_the_weight_is_the_bayesian_mixture_over_the_grid() -> None:
    seq = text(120, seed=4)
    plain, counted = models()
    ids = torch.tensor(seq)
    with torch.no_grad():
        p_model = plain(ids[:-1].view(-1, 1))[0][:, 0].double().exp()
        got, state = [], None
        for a in range(0, 119, 17):   # windows with the state carried: a weight waits for the next window's token
            log_probs, state = counted(ids[a : min(a + 17, 119)].view(-1, 1), state)
            got.append(log_probs[:, 0])
        got = torch.cat(got)
    grid = torch.tensor(WEIGHTS, dtype=torch.float64)
    log_belief = PRIOR.log()
    for p in range(119):
        p_counts = torch.tensor(brute_distribution(seq, p, COUNTS, 10**6, root=p_model[p].tolist()),
                                dtype=torch.float64)
        w = float((torch.softmax(log_belief, 0) * grid).sum())
        assert torch.allclose(got[p].double(), ((1 - w) * p_model[p] + w * p_counts).log(), atol=1e-5), p
        nxt = seq[p + 1]
        log_belief += ((1 - grid) * p_model[p, nxt] + grid * p_counts[nxt]).log()
    assert float((torch.softmax(log_belief, 0) * grid).sum()) > 0.05   # this text's counts earned trust


def test_counts_that_are_always_wrong_cost_at_most_log_2_nats_over_a_whole_text() -> None:
    from rnnkit.models.counts import CountMixture

    steps = 300
    log_probs = torch.full((steps, 1, 2), math.log(0.5))               # the model: a fair coin
    counts = torch.tensor([0.0, 1.0]).expand(steps, 1, 2)               # the counts: token 1, always
    ids = torch.zeros(steps, 1, dtype=torch.long)                       # and the text: token 0, always
    mixed = CountMixture(1)(log_probs, ids, (counts, torch.zeros(steps, 1, 1)), frozen=False)
    lost = float((log_probs - mixed)[:-1, 0, 0].sum())                  # nats lost on tokens 1 .. steps - 1
    assert 0 < lost <= math.log(2)   # the prior's half on weight 0: never more than log 2 (uniform: log 8)


def test_a_text_reads_the_same_whole_in_windows_and_step_by_step() -> None:
    ids = torch.tensor(text(60, seed=2))
    _, counted = models(1)
    with torch.no_grad():
        whole = counted(ids.view(-1, 1))[0][:, 0]
        windows = sequence_log_probs(counted, ids[:1], ids[1:], window=7)
        state, steps = None, []
        for t in range(60):
            logits, state = counted.step(ids[t : t + 1], state, t)
            steps.append(logits[0])
    assert torch.allclose(whole.gather(1, ids[1:, None])[:, 0], windows, atol=1e-5)
    assert torch.allclose(whole, torch.stack(steps), atol=1e-5)
    assert torch.allclose(whole.exp().sum(-1), torch.ones(60), atol=1e-5)


def test_the_state_carried_to_the_next_window_holds_rows_not_the_window() -> None:
    """Between windows the memory keeps the last position's distributions, waiting for the next token: copies
    of one row per stream, not views that keep the window's (T, B, V) log-probabilities and counts alive
    through the next window's forward (a long window of a large vocabulary on a GPU)."""
    _, counted = models(6)
    ids = torch.tensor([text(300, seed=s) for s in range(2)]).t()
    with torch.no_grad():
        log_probs, state = counted(ids[:200])
        del log_probs
        memory = state[1]
        held = [memory.counted, *memory.mixture.waiting, memory.mixture.log_belief]
        assert all(t is None or t.untyped_storage().nbytes() <= 2 * max(V, len(WEIGHTS)) * 8 for t in held)
        carried = counted(ids[200:], state)[0]   # and the next window reads on as before
    _, fresh = models(6)
    with torch.no_grad():
        assert torch.allclose(fresh(ids)[0][200:], carried, atol=1e-5)


def test_counts_help_on_a_repeated_text_and_cost_little_on_a_random_one() -> None:
    plain, counted = models(2)
    repeated = torch.tensor([0, 1, 2, 3, 3, 2, 1] * 60)
    rng = random.Random(5)
    noise = torch.tensor([rng.randrange(V) for _ in range(420)])
    with torch.no_grad():
        gain = [float(sequence_log_probs(counted, t[:1], t[1:]).mean() - sequence_log_probs(plain, t[:1], t[1:]).mean())
                for t in (repeated, noise)]
    assert gain[0] > 0.5                          # nats per token
    assert gain[1] > -math.log(2) / 419   # the mixture's bound against never counting


def test_training_does_not_count_and_gradients_flow_in_eval() -> None:
    plain, counted = models(3)
    ids = torch.tensor(text(30)).view(-1, 1)
    torch.manual_seed(0)
    train_plain = plain.train()(ids)[0]
    torch.manual_seed(0)
    train_counted, (_, memory) = counted.train()(ids)
    assert memory.mixture is None and torch.equal(train_plain, train_counted)
    counted.eval()
    log_probs, _ = counted(ids)
    log_probs.sum().backward()   # score --dynamic adapts through the mixture
    assert counted.head.weight.grad is not None and bool(counted.head.weight.grad.abs().sum() > 0)


def test_sampling_does_not_count() -> None:
    plain, counted = models(4)
    prime = torch.tensor([0, 1, 2, 3] * 10)
    samples = [list(generate(m, prime, 60, temperature=1.0, generator=torch.Generator().manual_seed(0)))
               for m in (plain, counted)]
    assert samples[0] == samples[1]   # the same weights draw the same text: the counts are for scoring


def test_the_config_keeps_the_counts_and_an_old_one_has_none() -> None:
    _, counted = models(5)
    assert counted.config()["counts"] == list(COUNTS)
    rebuilt = LanguageModel(**counted.config())
    assert rebuilt.counts == list(COUNTS)
    old = {k: v for k, v in counted.config().items() if k != "counts"}
    assert LanguageModel(**old).counts == []
    with pytest.raises(ValueError, match="beside a memory"):
        LanguageModel(V, counts=[1, 2])
    with pytest.raises(ValueError, match="distinct"):
        LanguageModel(V, memory=[2], counts=[0, 1])


@pytest.mark.parametrize(("flags", "memory", "counts"), [
    ([], True, True), (["--no-counts"], True, False), (["--no-memory"], False, False)])
def test_the_command_line_counts_by_default_and_a_resumed_run_keeps_its_choice(
        tmp_path: Path, flags: list[str], memory: bool, counts: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """... and a run that counts builds the counts' C++ tables (rnnkit.native) before its budget's clock starts."""
    data = tmp_path / "t.txt"
    data.write_text("to be or not to be, that is the question. " * 40, encoding="utf-8")
    run = str(tmp_path / "run")
    events: list[str] = []
    ops, fit = native.ops, Trainer.fit
    monkeypatch.setattr(native, "ops", lambda say=None: events.append("ops") or ops(say))
    monkeypatch.setattr(Trainer, "fit", lambda self: events.append("fit") or fit(self))
    assert main(["train", "charlm", "--data", str(data), "--out", run, "--hidden", "8", "--layers", "1",
                 "--embed-dim", "4", "--seq-len", "16", "--batch-size", "2", "--eval-every", "3", "--no-progress",
                 "--steps", "3", *flags]) == 0
    assert events.index("fit") == (1 if counts else 0)
    assert main(["train", "charlm", "--resume", run, "--steps", "6", "--no-progress"]) == 0
    model = json.loads((tmp_path / "run" / "best" / "config.json").read_text())["model"]
    assert bool(model.get("memory")) is memory and model.get("counts", []) == (list(DEFAULT_COUNTS) if counts else [])
    lines = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all(math.isfinite(x["val_loss"]) for x in lines if "val_loss" in x)


def test_a_resumed_run_refuses_no_counts_naming_the_flag_given(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "t.txt"
    data.write_text("to be or not to be, that is the question. " * 40, encoding="utf-8")
    run = str(tmp_path / "run")
    assert main(["train", "charlm", "--data", str(data), "--out", run, "--hidden", "8", "--layers", "1",
                 "--embed-dim", "4", "--seq-len", "16", "--batch-size", "2", "--no-progress", "--steps", "2"]) == 0
    capsys.readouterr()
    for flag, said in (("--no-counts", "used counts"), ("--no-memory", "used memory")):
        assert main(["train", "charlm", "--resume", run, "--steps", "4", "--no-progress", flag]) == 2
        assert capsys.readouterr().err.strip() == (f"rnnkit: error: {flag}: the resumed run {said}; a resumed run "
                                                   "keeps its model and data: leave it out to resume the run as it is, "
                                                   "or train a new run with another --out")


@pytest.mark.parametrize("counts", [(), COUNTS])
def test_a_model_moved_to_float64_or_bfloat16_reads_with_its_memory(counts: tuple[int, ...]) -> None:
    """``.double()`` (and ``.to(torch.bfloat16)``) moves the memory's scores too: its mixture ran the float32
    hidden state through float64 weights (a RuntimeError). A float64 model answers in float64, as the float32
    one does to its precision; the counts keep that dtype."""
    torch.manual_seed(7)
    model = LanguageModel(V, hidden_size=8, num_layers=1, embed_dim=4, memory=[2, 3], counts=counts).eval()
    ids = torch.tensor(text(40, seed=3)).view(-1, 1)
    with torch.no_grad():
        want = model(ids)[0]
        wide = model.double()(ids)[0]
        narrow = model.to(torch.bfloat16)(ids)[0]
    assert wide.dtype == torch.float64 and torch.allclose(wide.float(), want, atol=1e-5)
    assert narrow.dtype == torch.float32 and torch.allclose(narrow, want, atol=0.05)


def test_gradient_statistics_are_the_models_own_and_do_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    plain, counted = models(6)
    ids = torch.tensor(text(400, seed=6))
    made = []
    real = MatchState.__init__

    def spy(self: MatchState, *args: object, **kwargs: object) -> None:
        made.append(kwargs.get("counts", ()))
        real(self, *args, **kwargs)

    monkeypatch.setattr(MatchState, "__init__", spy)
    with_counts, without = (gradient_rms(m, ids, streams=2, segment=20, batches=3) for m in (counted, plain))
    assert made and not any(made)
    assert all(torch.equal(with_counts[n], without[n]) for n in without)
    assert counted.counts == list(COUNTS)   # the model itself still counts


@pytest.mark.parametrize(("key", "value"), [("counts", [1, 10**8]), ("memory", [2, 10**8])])
def test_a_strangers_context_of_absurd_length_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         key: str, value: list[int]) -> None:
    """A context length has no weights to hold it to: a config.json with counts or memory of 10^8 characters was
    built, and ``rnnkit score`` hashed each window 10^8 times (still at it after a minute)."""
    data = tmp_path / "t.txt"
    data.write_text("to be or not to be, that is the question. " * 40, encoding="utf-8")
    run = tmp_path / "run"
    assert main(["train", "charlm", "--data", str(data), "--out", str(run), "--hidden", "8", "--layers", "1",
                 "--embed-dim", "4", "--seq-len", "16", "--batch-size", "2", "--no-progress", "--steps", "1"]) == 0
    config = run / "best" / "config.json"
    saved = json.loads(config.read_text())
    saved["model"][key] = value
    config.write_text(json.dumps(saved))
    capsys.readouterr()
    assert main(["score", str(run / "best"), "to be"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"rnnkit: error: {config}: model.{key} {value!r}: does not describe a model ("), err
    assert "from 1 to 1024" in err, err
    with pytest.raises(ValueError, match="from 1 to 1024"):
        LanguageModel(V, memory=[2, 1024], counts=[1025])
    LanguageModel(V, memory=[1024], counts=[1024])   # the longest taken
