"""The memory of the text read (rnnkit.models.match): candidates against brute force, exact save and restore,
the mixture against a hand-written loop, and a language model that reads a text the same in windows,
step by step and whole, never seeing a token before it is read."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
import torch

from rnnkit.errors import UserError
from rnnkit.models import match
from rnnkit.models.language_model import LanguageModel, generate
from rnnkit.models.match import MatchMemory, MatchReplay, MatchState, replayed
from rnnkit.train import StreamBatches, TrainConfig, Trainer, evaluate_streams, seed_everything, tbptt_lm_loss
from rnnkit.train.building import build_model
from rnnkit.train.checkpoint import Checkpoint, load_checkpoint

ORDERS = (1, 2, 3, 5)


def brute_candidates(seq: list[int], orders: tuple[int, ...], block: int, written: int | None = None
                     ) -> list[list[int]]:
    """Per position p and order k: the token after the latest earlier occurrence of seq[p-k+1 : p+1], looking
    back only to the start of the block before p's block (and only at followers before ``written``)."""
    out = [[-1] * len(orders) for _ in seq]
    for p in range(len(seq)):
        oldest = (p // block - 1) * block
        for i, k in enumerate(orders):
            if p - k + 1 < 0:
                continue
            for q in range((p if written is None else min(p, written - 1)) - 1, k - 2, -1):
                if q + 1 < oldest:
                    break
                if seq[q - k + 1 : q + 1] == seq[p - k + 1 : p + 1]:
                    out[p][i] = seq[q + 1]
                    break
    return out


def streams(batch: int, length: int, symbols: int = 3, seed: int = 0) -> torch.Tensor:
    rng = random.Random(seed)
    return torch.tensor([[rng.randrange(symbols) for _ in range(length)] for _ in range(batch)]).t()


@pytest.mark.parametrize("block", [7, 16, 10**6])
def test_candidates_are_the_latest_earlier_match_within_two_blocks(block: int) -> None:
    ids = streams(3, 90)
    state = MatchState(ORDERS, 3, block)
    got = torch.cat([state.advance(ids[a : a + 11]) for a in range(0, 90, 11)])
    for b in range(3):
        assert got[:, b].tolist() == brute_candidates(ids[:, b].tolist(), ORDERS, block)


@pytest.mark.parametrize("block", [7, 10**6])
def test_a_restored_state_reads_on_exactly_as_the_saved_one(block: int) -> None:
    ids = streams(2, 80, seed=1)
    for cut in range(0, 80, 3):
        state = MatchState(ORDERS, 2, block)
        if cut:
            state.advance(ids[:cut])
        saved = state.tensors()
        assert saved.shape[1] <= 1 + 2 * block + max(ORDERS)  # bounded by two blocks and their context
        again = MatchState.restore(saved, ORDERS, 3, block)
        assert torch.equal(state.advance(ids[cut:]), again.advance(ids[cut:]))


@pytest.mark.parametrize("block", [7, 10**6])
def test_a_replayed_pass_gives_the_offers_and_saved_state_of_a_fresh_memory(block: int) -> None:
    ids = streams(3, 88, seed=2)
    changed = ids.clone()
    changed[40, 1] = (changed[40, 1] + 1) % 3          # a pass that leaves the record in its fifth window
    replay = MatchReplay(ORDERS, block=block)
    for text, replays in [(ids, False), (ids, True), (changed, False), (ids, True)]:
        fresh, state = MatchState(ORDERS, 3, block), replay.start(3)
        for a in range(0, 88, 11):
            assert torch.equal(state.advance(text[a : a + 11]), fresh.advance(text[a : a + 11]))
            assert torch.equal(state.tensors(), fresh.tensors())   # what a checkpoint saves
            assert state.built is not (replays or text is changed and a < 33)   # tables built only when needed


def test_a_replay_keeps_offers_of_a_vocabulary_past_int16() -> None:
    ids = torch.tensor([40_000, 1, 2, 40_001, 1, 2, 1, 2, 1, 2]).view(-1, 1)   # 40,001 offered in a later window
    replay = MatchReplay((2,))
    passes = []
    for _ in range(2):
        state = replay.start(1)
        passes.append(torch.cat([state.advance(ids[:4]), state.advance(ids[4:])]))
    assert torch.equal(passes[0], passes[1]) and 40_001 in passes[1]


def test_a_replay_keeps_at_most_its_limit_and_computes_the_rest() -> None:
    ids = streams(2, 60, seed=3)
    replay = MatchReplay(ORDERS, limit=2 * 25)         # the first two windows of 10 positions x 2 streams
    for _ in range(2):
        fresh, state = MatchState(ORDERS, 2), replay.start(2)
        got = [state.advance(ids[a : a + 10]) for a in range(0, 60, 10)]
        assert torch.equal(torch.cat(got), fresh.advance(ids))
    assert sorted(replay.windows) == [0, 10]


def test_a_replay_reads_an_empty_window_as_a_fresh_memory_does() -> None:
    """A fresh memory reads a window of no tokens (offers of shape (0, B, K)); a replaying one failed in torch's
    max() of an empty tensor as it recorded it. It keeps nothing, and the windows around it are recorded and
    replayed as before (the second pass builds no tables)."""
    ids, empty = streams(2, 20, seed=4), torch.zeros(0, 2, dtype=torch.long)
    replay = MatchReplay(ORDERS)
    for _ in range(2):
        fresh, state = MatchState(ORDERS, 2), replay.start(2)
        got = [state.advance(ids[:10]), state.advance(empty), state.advance(ids[10:])]
        assert got[1].shape == (0, 2, len(ORDERS)) and torch.equal(torch.cat(got), fresh.advance(ids))
    assert not state.built and sorted(replay.windows) == [0, 10]
    assert replay.record(20, empty, empty.unsqueeze(-1))


def test_a_damaged_saved_state_is_refused() -> None:
    with pytest.raises(ValueError, match="tokens of"):
        MatchState.restore(torch.tensor([[3, 1, 2, 0, 1]]), ORDERS, 5)   # 4 tokens of 3 read
    with pytest.raises(ValueError, match="streams"):
        MatchState.restore(torch.tensor([5]), ORDERS, 5)


def test_the_mixture_equals_a_hand_written_loop() -> None:
    torch.manual_seed(0)
    memory = MatchMemory(8, ORDERS)
    with torch.no_grad():
        memory.score.weight.normal_()
        memory.agree.normal_()
    h, logits = torch.randn(5, 2, 8), torch.randn(5, 2, 4)
    candidates = torch.randint(-1, 4, (5, 2, len(ORDERS)))
    got = memory(h, logits, candidates)
    with torch.no_grad():
        want = want_mixture(memory, h, logits, candidates)
    assert torch.allclose(got.exp(), want, atol=1e-6)
    assert torch.allclose(got.exp().sum(-1), torch.ones(5, 2), atol=1e-5)
    got.sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in memory.parameters())


def want_mixture(memory: MatchMemory, h: torch.Tensor, logits: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
    want = torch.empty_like(logits)
    for t in range(5):
        for b in range(2):
            s = memory.score(h[t, b]).tolist()
            log_p = torch.log_softmax(logits[t, b], -1)
            offered = [(k, s[i + 1] + float(memory.agree[i]) * float(log_p[k]))
                       for i, k in enumerate(candidates[t, b].tolist()) if k >= 0]
            z = math.log(math.exp(s[0]) + sum(math.exp(v) for _, v in offered))
            p = math.exp(s[0] - z) * log_p.exp()
            for k, v in offered:
                p[k] += math.exp(v - z)
            want[t, b] = p
    return want


def test_the_mixture_passes_gradcheck() -> None:
    """Every input's and weight's gradient against finite differences (the loop above checks the values only, and
    the gradients only for being finite): a mixture whose log p_model(candidate) term was detached trained ``agree``
    and the model's logits on a gradient short of that term."""
    torch.manual_seed(0)
    memory = MatchMemory(3, (1, 2)).double().eval()
    with torch.no_grad():
        memory.score.weight.normal_()
        memory.agree.normal_()
    h = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
    logits = torch.randn(2, 2, 4, dtype=torch.float64, requires_grad=True)
    candidates = torch.tensor([[[1, -1], [2, 2]], [[-1, -1], [0, 3]]])
    names = [name for name, _ in memory.named_parameters()]

    def mixture(h: torch.Tensor, logits: torch.Tensor, *params: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(memory, dict(zip(names, params, strict=True)), (h, logits, candidates))

    params = tuple(p.detach().clone().requires_grad_() for p in memory.parameters())
    assert torch.autograd.gradcheck(mixture, (h, logits, *params))


def test_bad_orders_are_refused() -> None:
    for orders in ([], [0, 2], [2, 2]):
        with pytest.raises(ValueError, match="orders"):
            MatchMemory(4, orders)


def lm_with_memory(seed: int = 0) -> LanguageModel:
    torch.manual_seed(seed)
    model = LanguageModel(5, hidden_size=12, num_layers=1, embed_dim=6, memory=[1, 2, 4]).eval()
    with torch.no_grad():
        model.match.score.bias.zero_()  # lean on the memory, so that a wrong candidate shows
    return model


def test_a_text_reads_the_same_whole_in_windows_and_step_by_step() -> None:
    model = lm_with_memory()
    ids = torch.randint(5, (60, 2), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        whole, _ = model(ids)
        parts, state = [], None
        for a in range(0, 60, 7):
            out, state = model(ids[a : a + 7], state)
            parts.append(out)
        steps, state = [], None
        for t in range(60):
            out, state = model.step(ids[t], state, t)
            steps.append(out)
    assert torch.allclose(whole.exp().sum(-1), torch.ones(60, 2), atol=1e-5)
    assert torch.allclose(torch.cat(parts), whole, atol=1e-5)
    assert torch.allclose(torch.stack(steps), whole, atol=1e-5)


def test_no_position_sees_a_token_it_has_not_read() -> None:
    model = lm_with_memory()
    ids = streams(1, 40, symbols=2, seed=2)
    with torch.no_grad():
        base, _ = model(ids)
        for t in range(39):
            changed = ids.clone()
            changed[t + 1 :] = 1 - changed[t + 1 :]    # every later token differs
            out, _ = model(changed)
            assert torch.equal(out[: t + 1], base[: t + 1]), t


def test_the_memory_copies_a_repeated_text_better_than_the_model_alone() -> None:
    model = lm_with_memory()
    line = streams(1, 30, symbols=5, seed=3)
    ids = torch.cat([line, line])
    with torch.no_grad():
        out, _ = model(ids)
        plain = torch.log_softmax(model.head(model.rnn(model.embedding(ids))[0]), -1)
    second = slice(31, 59)   # the repeat, once the orders' contexts lie inside it
    gold = ids[second.start + 1 : second.stop + 1]
    assert out[second].gather(-1, gold[..., None]).mean() > plain[second].gather(-1, gold[..., None]).mean() + 0.3


def test_sampling_carries_the_memory() -> None:
    model = lm_with_memory()
    out = list(generate(model, torch.tensor([1, 2, 3]), 20, generator=torch.Generator().manual_seed(0)))
    assert len(out) == 20 and all(0 <= t < 5 for t in out)


def test_a_frozen_memory_offers_only_what_it_read_before() -> None:
    ids = streams(2, 70, seed=4)
    state = MatchState(ORDERS, 2)
    before = state.advance(ids[:30])
    state.freeze()
    got = torch.cat([before, state.advance(ids[30:50]), state.advance(ids[50:])])
    for b in range(2):
        seq = ids[:, b].tolist()
        assert got[:30, b].tolist() == brute_candidates(seq, ORDERS, 10**6)[:30]
        assert got[30:, b].tolist() == brute_candidates(seq, ORDERS, 10**6, written=30)[30:]


def test_a_frozen_memory_keeps_its_tables_across_block_ends() -> None:
    ids = streams(2, 70, seed=4)
    state = MatchState(ORDERS, 2, block=7)
    state.advance(ids[:30])    # the tables hold the followers read at positions 21 to 29 (two blocks of 7)
    state.freeze()
    got = torch.cat([state.advance(ids[30:50]), state.advance(ids[50:])])   # past four more block ends
    for b in range(2):
        seq = ids[:, b].tolist()
        for p in range(30, 70):
            for i, k in enumerate(ORDERS):
                followers = [j for j in range(29, 20, -1) if j >= k and seq[j - k : j] == seq[p - k + 1 : p + 1]]
                assert int(got[p - 30, b, i]) == (seq[followers[0]] if followers else -1), (b, p, k)


def test_a_sample_is_offered_what_followed_in_the_prime_never_its_own_output(monkeypatch: pytest.MonkeyPatch) -> None:
    model, offered = lm_with_memory(), []
    with torch.no_grad():
        model.match.score.bias[0] = -4.0      # lean on the offers, so that a sample repeats what it is offered
    forward = MatchMemory.forward
    monkeypatch.setattr(MatchMemory, "forward",
                        lambda self, h, logits, c: offered.append(c) or forward(self, h, logits, c))
    prime = [1, 2, 3, 1, 4, 2, 2]
    out = list(generate(model, torch.tensor(prime), 40, generator=torch.Generator().manual_seed(1)))
    got = torch.cat(offered)[:, 0].tolist()
    assert got == brute_candidates(prime + out, tuple(model.match.orders), 10**6, written=len(prime))


@pytest.mark.parametrize("replay", [False, True])
def test_resume_is_bit_exact_with_the_memory_in_the_carried_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  replay: bool) -> None:
    monkeypatch.setattr(match, "BLOCK", 16)   # the tables forget and the saved tokens are trimmed within the run
    data = torch.randint(1, 5, (4 * 80,), generator=torch.Generator().manual_seed(1)).to(torch.uint8)
    loss_fn = replayed(tbptt_lm_loss, [1, 3]) if replay else tbptt_lm_loss   # 12 updates: 1.4 passes

    def trainer(out: Path, resume=None, halt_at=None) -> Trainer:
        seed_everything(3)
        model = LanguageModel(5, hidden_size=12, num_layers=1, embed_dim=6, dropout=0.1, memory=[1, 3])
        config = TrainConfig(steps=12, eval_every=4, log_every=2, progress=False, verbose=False, lr=0.01,
                             halt_at=halt_at)
        return Trainer(model, config, batches=StreamBatches(data, 4, window=9), loss_fn=loss_fn,
                       eval_fn=lambda m: evaluate_streams(m, data[:100], batch_size=1, window=32),
                       out_dir=out, model_config={"task": "test", "model": model.config()}, vocab={"type": "test"},
                       resume=resume)

    straight = trainer(tmp_path / "a")
    straight.fit()
    assert trainer(tmp_path / "b", halt_at=7).fit().steps == 7
    assert (json_carry := load_checkpoint(tmp_path / "b", prefer="last").trainer_state["carry"]).startswith("tree:")
    torch.manual_seed(12345)
    resumed = trainer(tmp_path / "b", resume=load_checkpoint(tmp_path / "b", prefer="last"))
    assert resumed.step == 7, json_carry
    resumed.fit()
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    for name in a:
        assert torch.equal(a[name], b[name]), name


@pytest.mark.parametrize("memory", ["x", [0], [2, 2], {"a": 1}, list(range(1, 10_000))])
def test_a_checkpoint_with_a_damaged_memory_setting_is_one_line(tmp_path: Path, memory: object) -> None:
    model = LanguageModel(5, hidden_size=4, num_layers=1, embed_dim=3, memory=[2])
    state = model.state_dict()
    ckpt = Checkpoint(path=tmp_path, config={"model": {**model.config(), "memory": memory}},
                      model_shapes={k: tuple(v.shape) for k, v in state.items()}, _model_state=state)
    with pytest.raises(UserError, match="does not describe a model|model.memory"):
        build_model(lambda: LanguageModel(**ckpt.config["model"]), ckpt)


def test_charlm_trains_with_the_memory_by_default_and_without_it_when_asked(tmp_path: Path) -> None:
    from rnnkit.cli import main

    (tmp_path / "t.txt").write_text("the cat sat on the mat. " * 40, encoding="utf-8")
    common = ["--data", str(tmp_path / "t.txt"), "--steps", "3", "--hidden", "8", "--embed-dim", "4", "--seq-len",
              "16", "--batch-size", "2", "--no-progress", "--precision", "fp32"]
    assert main(["train", "charlm", "--out", str(tmp_path / "m"), *common]) == 0
    assert main(["train", "charlm", "--out", str(tmp_path / "n"), "--no-memory", *common]) == 0
    import rnnkit

    with_memory, without = rnnkit.load(tmp_path / "m"), rnnkit.load(tmp_path / "n")
    assert with_memory.model.memory == list(match.DEFAULT_ORDERS) and without.model.match is None
    assert "memory" not in without.checkpoint.config["model"]
    assert len(with_memory.sample(prime="the ", length=30, seed=0)) == 34
    assert with_memory.score(["the cat sat"])[0]["chars"] == without.score(["the cat sat"])[0]["chars"]
    adapted = with_memory.score(["the cat sat on the mat. " * 3], dynamic=True)[0]
    assert math.isfinite(adapted["log_prob"]) and adapted["chars"] > 60


def test_overlapping_windows_with_the_memory_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnkit.cli import main

    (tmp_path / "t.txt").write_text("abc " * 100, encoding="utf-8")
    args = ["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "r"), "--steps", "1",
            "--seq-len", "16", "--shift", "8", "--no-progress"]
    assert main(args) == 2
    assert "--no-memory" in capsys.readouterr().err and not (tmp_path / "r").exists()
    assert main([*args, "--no-memory", "--hidden", "8"]) == 0


@pytest.mark.parametrize("saved", [
    torch.tensor([[4.0, 1.0]]),             # not whole numbers
    torch.tensor([[3, 1, 9, 0]]),           # a token outside the vocabulary of 5
    torch.tensor([[2, 1, 2, 0]]),           # three tokens of two read
    torch.tensor([[9, 1, 2], [8, 1, 2]]),   # streams that read different lengths
    torch.tensor([[100_000, 1, 2]]),        # too few tokens for the blocks the tables reach back over
])
def test_a_damaged_carried_memory_is_one_line(saved: torch.Tensor) -> None:
    model = lm_with_memory()
    with pytest.raises(UserError, match="carried memory"):
        model(torch.zeros(3, saved.shape[0], dtype=torch.long), (None, saved))


def test_training_hides_the_offers_of_some_streams_and_evaluation_none() -> None:
    memory = MatchMemory(8, ORDERS, hide=0.5)
    h, logits = torch.randn(6, 64, 8), torch.randn(6, 64, 4)
    candidates = torch.randint(0, 4, (6, 64, len(ORDERS)))
    alone = torch.log_softmax(logits, -1)
    torch.manual_seed(0)
    trained = memory.train()(h, logits, candidates)
    hidden = torch.isclose(trained, alone, atol=1e-6).all(-1).all(0)   # per stream: its window without offers
    assert 16 < int(hidden.sum()) < 48                                   # about half of the 64 streams
    assert not torch.isclose(memory.eval()(h, logits, candidates), alone, atol=1e-6).all(-1).all(0).any()
