"""Data-parallel training (rnnkit.train.distributed): 2 processes on gloo equal 1 process on the combined batch.

The two processes are started once for the module (torch.multiprocessing, gloo, one thread each) and run
every scenario; the tests then train the same things in this process and compare the weights.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.tasks.charlm import CharLMConfig, train
from rnnkit.tasks.classify import ClassifyConfig
from rnnkit.tasks.classify import train as train_classifier
from rnnkit.train import TrainConfig, Trainer, seed_everything
from rnnkit.train.distributed import RankStrided, main_process_first, ranks

pytestmark = pytest.mark.usefixtures("one_torch_thread")

WORLD = 2
STEPS = 4


def _text(path: Path) -> Path:
    rng = random.Random(0)
    path.write_text("".join(rng.choice("abcdefgh \n") for _ in range(6000)), encoding="utf-8")
    return path


def _torchrun(*args: str) -> subprocess.CompletedProcess[str]:
    """``torchrun --standalone --nproc_per_node 2 ARGS`` (a script and its arguments, or ``-m rnnkit ...``), one
    thread a process, this interpreter's packages. --standalone: the rendezvous binds a port of its own choosing
    (a port picked here and closed again could be taken by another process before torchrun binds it)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def _patched_charlm(tmp_path: Path, script: str, out: Path, steps: int) -> subprocess.CompletedProcess[str]:
    """A tiny charlm trained by ``script`` (rnnkit's command line with some of its code replaced) under
    :func:`_torchrun`, into ``out``."""
    path = tmp_path / "patched.py"
    path.write_text(script, encoding="utf-8")
    return _torchrun(str(path), "train", "charlm", "--data", str(_text(tmp_path / "t.txt")), "--out", str(out),
                     "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--steps", str(steps),
                     "--no-progress")


def _charlm(**kw: Any) -> CharLMConfig:
    # no memory of the text read: it hides the offers of streams drawn at random in each process, so two
    # processes would draw other streams than one process with both processes' streams
    base = dict(hidden=12, embed_dim=6, seq_len=12, batch_size=2, steps=STEPS, eval_every=2, eval_chars=200,
                log_every=1, precision="fp32", schedule="constant", lr=1e-2, memory=False, device="cpu")
    return CharLMConfig(**{**base, **kw})


class Batches:
    """Seeded regression batches whose item count varies (a mask), with a saveable position."""

    def __init__(self, rows: int = 3) -> None:
        self.rows, self.i = rows, 0

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        g = torch.Generator().manual_seed(self.i)
        self.i += 1
        x = torch.randn(self.rows, 5, generator=g)
        mask = torch.rand(self.rows, generator=g) < 0.7
        mask[0] = True
        return x, x.sum(1, keepdim=True) * 0.5, mask

    def state_dict(self) -> dict[str, Any]:
        return {"i": self.i}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.i = state["i"]


class Combined(Batches):
    """What one process sees: the batches of all ranks of a step, concatenated."""

    def next_batch(self) -> tuple[torch.Tensor, ...]:
        parts = [Batches.next_batch(self) for _ in range(WORLD)]
        return tuple(torch.cat(p) for p in zip(*parts, strict=True))


class CtrlCOnRank1(Batches):
    """Batches whose second draw on rank 1 is met by Ctrl-C (SIGINT to that process alone)."""

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.i == 1 and ranks().rank == 1:
            os.kill(os.getpid(), signal.SIGINT)
        return super().next_batch()


def masked_loss(model: nn.Module, batch: Any, state: Any) -> tuple[torch.Tensor, int, None]:
    x, y, mask = batch
    err = ((model(x) - y) ** 2).squeeze(1)
    return err[mask].sum(), int(mask.sum()), None


def _regression(batches: Any, accumulate: int = 1) -> dict[str, torch.Tensor]:
    seed_everything(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
    cfg = TrainConfig(steps=STEPS, lr=0.05, log_every=1, eval_every=0, verbose=False, progress=False,
                      accumulate=accumulate)
    Trainer(model, cfg, batches=batches, loss_fn=masked_loss).fit()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _interrupted() -> dict[str, torch.Tensor]:
    """How a 50-step run ends whose rank 1 gets Ctrl-C in its second step: interrupted (1) or not, and at which step."""
    model = nn.Sequential(nn.Linear(5, 1))
    cfg = TrainConfig(steps=50, lr=0.05, log_every=1, eval_every=0, verbose=False, progress=False)
    result = Trainer(model, cfg, batches=CtrlCOnRank1(), loss_fn=masked_loss).fit()
    return {"interrupted": torch.tensor(int(result.stopped == "interrupted")), "steps": torch.tensor(result.steps)}


def _worker(rank: int, tmp: str, port: int) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(WORLD),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    import torch.distributed as dist

    dist.init_process_group("gloo")
    try:
        weights = _regression(Batches())
        save_file(_interrupted(), f"{tmp}/ctrl_c{rank}.safetensors")
        accumulated = _regression(Batches(), accumulate=2)
        if rank == 0:
            save_file(weights, f"{tmp}/regression.safetensors")
            save_file(accumulated, f"{tmp}/accumulated.safetensors")
        text = str(_text(Path(tmp) / f"text{rank}.txt"))
        train(_charlm(), text, f"{tmp}/ddp", verbose=False, progress=False)
        train(_charlm(steps=STEPS // 2), text, f"{tmp}/half", verbose=False, progress=False)
        train(_charlm(), None, f"{tmp}/half", resume=True, verbose=False, progress=False)
        short = Path(tmp) / f"short{rank}.txt"  # 36 characters to train on: 2 streams of 13 in all, not 2 a process
        short.write_text(Path(text).read_text(encoding="utf-8")[:40], encoding="utf-8")
        try:
            train(_charlm(steps=2), str(short), f"{tmp}/short", verbose=False, progress=False)
        except UserError as exc:
            Path(f"{tmp}/short_error{rank}.txt").write_text(str(exc), encoding="utf-8")
        _pretrained_classifier(Path(tmp), rank)
    finally:
        dist.destroy_process_group()


def _pretrained_classifier(tmp: Path, rank: int) -> None:
    """`train classify --pretrain-data` (a few updates each); what it raised, in ``pretrain_error{rank}.txt``."""
    rng = random.Random(0)
    rows = [f"{' '.join(rng.sample(['good', 'fine', 'bad', 'poor', 'the', 'film'], 3))},{('pos', 'neg')[i % 2]}"
            for i in range(24)]
    (tmp / f"cls{rank}.csv").write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp / f"unlabelled{rank}.txt").write_text("\n".join(r.split(",")[0] for r in rows) + "\n", encoding="utf-8")
    config = ClassifyConfig(hidden=4, embedding=4, batch_size=2, steps=2, pretrain_steps=2, device="cpu",
                            pretrain_data=str(tmp / f"unlabelled{rank}.txt"))
    try:
        train_classifier(config, str(tmp / f"cls{rank}.csv"), tmp / "pretrained", verbose=False, progress=False)
    except Exception as exc:  # noqa: BLE001 - the test reads it
        (tmp / f"pretrain_error{rank}.txt").write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ddp_runs(tmp_path_factory: pytest.TempPathFactory, start_method: str) -> Path:
    tmp = tmp_path_factory.mktemp("ddp")
    torch.multiprocessing.start_processes(_worker, args=(str(tmp), _free_port()), nprocs=WORLD,
                                          start_method=start_method)
    return tmp


def _close(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=1e-6, rtol=0, msg=k)


@pytest.mark.slow  # two processes start and train three runs: ~4 s on an idle 2-core machine
def test_two_processes_equal_one_on_the_combined_batches(ddp_runs: Path) -> None:
    _close(load_file(ddp_runs / "regression.safetensors"), _regression(Combined()))


def _counted_all_reduces(rank: int, tmp: str, port: int) -> None:
    """Train 4 updates of 3 accumulated batches, counting DDP's gradient all-reduces (a comm hook around its own)."""
    from rnnkit.train import distributed

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(WORLD),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    import torch.distributed as dist

    dist.init_process_group("gloo")
    calls = [0]

    def hook(state, bucket):  # type: ignore[no-untyped-def]  # DDP refuses a bucket annotated other than GradBucket
        calls[0] += 1
        future = dist.all_reduce(bucket.buffer().div_(WORLD), async_op=True).get_future()
        return future.then(lambda f: f.value()[0])

    built = distributed.parallel

    def parallel(model: nn.Module, loss_fn: Any, *args: Any) -> Any:
        par = built(model, loss_fn, *args)
        par.ddp.register_comm_hook(None, hook)
        return par

    distributed.parallel = parallel
    try:
        cfg = TrainConfig(steps=4, lr=0.05, eval_every=0, verbose=False, progress=False, accumulate=3)
        Trainer(nn.Linear(5, 1), cfg, batches=Batches(), loss_fn=masked_loss).fit()
        Path(f"{tmp}/all_reduces{rank}.txt").write_text(str(calls[0]), encoding="utf-8")
    finally:
        distributed.parallel = built
        dist.destroy_process_group()


@pytest.mark.slow
def test_accumulated_batches_are_averaged_over_the_processes_once_an_update(tmp_path: Path, start_method: str) -> None:
    """DDP's no_sync around every accumulated batch but the last: 4 updates of 3 batches average the gradients
    4 times, not 12."""
    torch.multiprocessing.start_processes(_counted_all_reduces, args=(str(tmp_path), _free_port()), nprocs=WORLD,
                                          start_method=start_method)
    assert [(tmp_path / f"all_reduces{r}.txt").read_text() for r in range(WORLD)] == ["4"] * WORLD


@pytest.mark.slow
def test_two_processes_accumulating_equal_one_accumulating_the_combined_batches(ddp_runs: Path) -> None:
    """--accumulate 2 on two processes: each update's gradient is the mean over the items of all four batches
    (their counts differ), as one process accumulating two combined batches gives."""
    accumulated = load_file(ddp_runs / "accumulated.safetensors")
    _close(accumulated, _regression(Combined(), accumulate=2))
    with pytest.raises(AssertionError):
        _close(accumulated, _regression(Combined()))


@pytest.mark.slow  # two processes start and train three runs: ~4 s on an idle 2-core machine
def test_ctrl_c_on_one_process_stops_every_process_after_the_step(ddp_runs: Path) -> None:
    # the request was rank 0's alone: Ctrl-C sent to another process was ignored, and a second one killed
    # every process without saving
    ended = [load_file(ddp_runs / f"ctrl_c{rank}.safetensors") for rank in range(WORLD)]
    assert [int(e["interrupted"]) for e in ended] == [1] * WORLD
    assert [int(e["steps"]) for e in ended] == [1] * WORLD  # the step that drew the batch, then no other


@pytest.mark.slow  # two processes start and train three runs: ~4 s on an idle 2-core machine
def test_charlm_on_two_processes_equals_one_with_twice_the_streams(ddp_runs: Path, tmp_path: Path) -> None:
    train(_charlm(batch_size=2 * WORLD), str(_text(tmp_path / "t.txt")), tmp_path / "one", verbose=False,
          progress=False)
    _close(load_file(ddp_runs / "ddp/last/model.safetensors"), load_file(tmp_path / "one/last/model.safetensors"))
    one = (tmp_path / "one/metrics.jsonl").read_text().splitlines()
    ddp = (ddp_runs / "ddp/metrics.jsonl").read_text().splitlines()
    assert len(ddp) == len(one) == STEPS  # rank 0 alone wrote, one line a step


@pytest.mark.slow  # two processes start and train three runs: ~4 s on an idle 2-core machine
def test_resume_under_two_processes_continues_every_rank(ddp_runs: Path) -> None:
    saved = load_file(ddp_runs / "half/last/model.safetensors")
    _close(saved, load_file(ddp_runs / "ddp/last/model.safetensors"))
    tensors = {k for f in (ddp_runs / "ddp/last").glob("*.safetensors") for k in load_file(f)}
    assert {"carry.0", "rank1.carry.0", "torch", "rank1.torch"} <= tensors  # both processes' state is in last/


@pytest.mark.slow  # two processes start and train three runs: ~4 s on an idle 2-core machine
def test_a_short_text_gives_each_process_fewer_streams_as_one_process_does(ddp_runs: Path, tmp_path: Path) -> None:
    """One process warns and trains fewer streams; two refused the text in a line that named no file ('2 processes
    x batch size 2: 36 tokens make streams of 9 for batch size 4; a window of 12 needs 13')."""
    assert not list(ddp_runs.glob("short_error*.txt")), [p.read_text() for p in ddp_runs.glob("short_error*.txt")]
    saved = json.loads((ddp_runs / "short/last/config.json").read_text(encoding="utf-8"))
    assert saved["settings"]["streams"] == 1  # a process: 2 in all, each of 13 characters


@pytest.mark.slow  # two processes start and train three runs: ~4 s on an idle 2-core machine
def test_a_classifier_pretrains_its_encoder_on_two_processes(ddp_runs: Path) -> None:
    """DistributedDataParallel refused the classifier's head, which the language model never reaches ('Expected to
    have finished reduction in the prior iteration ... parameters that were not used in producing loss')."""
    errors = [p.read_text(encoding="utf-8") for p in sorted(ddp_runs.glob("pretrain_error*.txt"))]
    assert not errors, errors[0][:300]
    config = json.loads((ddp_runs / "pretrained/last/config.json").read_text(encoding="utf-8"))
    assert config["pretrain"]["steps"] == 2


def _rank_0_first(rank: int, tmp: str, port: int) -> None:
    """``main_process_first`` whose rank 0 takes 1.5 s under a timeout of 0.5 s; what it raised, in
    ``first_error{rank}.txt``, the order of the ranks' blocks in ``first.txt``."""
    from datetime import timedelta

    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(WORLD))
    dist.init_process_group("gloo")
    dist.distributed_c10d._set_pg_timeout(timedelta(seconds=0.5))  # torch's 30 minutes, shorter
    try:
        with main_process_first():
            if rank == 0:
                time.sleep(1.5)  # writing a cache that the others then read
            with open(f"{tmp}/first.txt", "a", encoding="utf-8") as fh:
                fh.write(str(rank))
    except Exception as exc:  # noqa: BLE001 - the test reads it
        Path(f"{tmp}/first_error{rank}.txt").write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
    finally:
        dist.destroy_process_group()


@pytest.mark.slow  # two processes and rank 0's 1.5 s: ~3 s
def test_main_process_first_waits_for_rank_0_longer_than_torch_s_timeout(tmp_path: Path, start_method: str) -> None:
    """The other ranks waited in a barrier with torch's timeout (30 minutes on gloo): a cache that took rank 0 longer
    to write failed them with 'Timed out waiting 1800000ms'."""
    torch.multiprocessing.start_processes(_rank_0_first, args=(str(tmp_path), _free_port()), nprocs=WORLD,
                                          start_method=start_method)
    errors = [p.read_text(encoding="utf-8") for p in sorted(tmp_path.glob("first_error*.txt"))]
    assert not errors, errors[0][:300]
    assert (tmp_path / "first.txt").read_text(encoding="utf-8") == "01"


def test_a_text_too_short_for_every_process_is_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = tmp_path / "t.txt"
    text.write_text("abcdefgh \n" * 2, encoding="utf-8")  # 18 characters to train on: one window of 13, not two
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in ("0", "1"):
        monkeypatch.setenv("RANK", rank)
        with pytest.raises(UserError, match=rf"^{re.escape(str(text))}: too short: .* needs 13 in each of 2 processes"):
            train(_charlm(), str(text), tmp_path / "out", verbose=False, progress=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # torchrun, and rank 1's wait for torchrun to end it: ~9 s
def test_torchrun_shows_the_error_of_a_rank_other_than_0(tmp_path: Path) -> None:
    """The data missing on rank 1's machine alone: rank 1 exited 2 silently, rank 0 (waiting for it) was ended
    by torchrun and said 'rnnkit: interrupted', and the reason was shown nowhere."""
    text = _text(tmp_path / "t.txt")
    script = tmp_path / "per_rank.py"  # as if rank 1 ran on a machine whose copy of the text is missing
    script.write_text("import os, sys\nfrom rnnkit.cli import main\n"
                      f"data = {str(text)!r} if os.environ['RANK'] == '0' else {str(tmp_path / 'missing.txt')!r}\n"
                      "sys.exit(main([*sys.argv[1:], '--data', data]))\n", encoding="utf-8")
    done = _torchrun(str(script), "train", "charlm", "--out", str(tmp_path / "run"), "--hidden", "8", "--embed-dim",
                     "4", "--seq-len", "8", "--batch-size", "2", "--steps", "2")
    assert done.returncode != 0
    assert done.stderr.count(f"rnnkit: error: rank 1: {tmp_path / 'missing.txt'}: no such file") == 1, \
        done.stderr[-2000:]
    # rank 0 met rank 1's exit at once (its connection closed), not in a wait that only SIGKILL ended 30 s later
    assert "forcefully exiting via 9" not in done.stderr, done.stderr[-2000:]
    # and said so in one line after rank 1's, not with torch's 'Connection closed by peer' traceback
    assert "[rank0]: Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.count("rnnkit: error: another process of this run stopped") == 1, done.stderr[-2000:]


GLOO_PEER_GONE = [  # what rank 0 met when rank 1 exited after its error, and when rank 1 was killed (kill -9)
    "[/__w/pytorch/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:553] Connection closed by peer "
    "[127.0.0.1]:5287. This is typically caused by a remote worker crashing. Check the logs of the remote worker "
    "before reporting an error. GLHF!",
    "[/__w/pytorch/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:537] Read error [127.0.0.1]:9607: "
    "Connection reset by peer. This is typically caused by a remote worker hanging or bugs in the application.",
]


@pytest.mark.parametrize("message", GLOO_PEER_GONE)
def test_a_process_whose_peer_stopped_says_so_in_one_line(message: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """After rank 1's own error line (or its kill -9), rank 0 printed torch's 40-line traceback of the collective that
    lost its peer; an error of rank 0's own keeps its traceback, and so does the same text outside torchrun."""
    from rnnkit import cli

    def collective_fails(task: Any, args: Any) -> int:
        raise RuntimeError(message)

    monkeypatch.setattr(cli, "_train", collective_fails)
    line = ["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "run")]
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    assert main(line) == 2
    assert capsys.readouterr().err == ("rnnkit: error: another process of this run stopped (its own message, or "
                                       "torchrun's report of its exit, says why)\n")
    def own_error(task: Any, args: Any) -> int:
        raise RuntimeError("gloo: rank 0's own")

    monkeypatch.setattr(cli, "_train", own_error)
    with pytest.raises(RuntimeError, match="rank 0's own"):
        main(line)
    monkeypatch.setattr(cli, "_train", collective_fails)
    monkeypatch.delenv("WORLD_SIZE")
    with pytest.raises(RuntimeError, match="by peer"):
        main(line)


SIGTERM_ON_RANK_1 = """
import os, signal, sys, time
from rnnkit.cli import main
from rnnkit.train import trainer

update, save = trainer.Trainer._update, trainer.save_checkpoint

def _update(self, *args):
    if self.step == 3 and os.environ["RANK"] == "1":  # `kill PID` of rank 1 alone
        os.kill(os.getpid(), signal.SIGTERM)
    return update(self, *args)

def save_checkpoint(*args, **kwargs):  # rank 0's writing, after the ranks' states are gathered
    time.sleep(1.5)  # a checkpoint that takes a moment to write
    return save(*args, **kwargs)

trainer.Trainer._update, trainer.save_checkpoint = _update, save_checkpoint
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow  # torchrun, a few steps and a slowed save: ~8 s
def test_sigterm_to_one_rank_stops_every_rank_with_last_saved(tmp_path: Path) -> None:
    """Rank 1 exited 130 as soon as the stop was agreed, torchrun ended rank 0 in the middle of its save, and a
    fresh run was removed whole ('rnnkit: interrupted', no OUT); the ranks now leave together."""
    out = tmp_path / "run"
    done = _patched_charlm(tmp_path, SIGTERM_ON_RANK_1, out, steps=1000)
    assert f"interrupted: continue with --resume {out}" in done.stdout + done.stderr, done.stderr[-2000:]
    assert json.loads((out / "last/trainer_state.json").read_text(encoding="utf-8"))["step"] == 4


SLOW_RANK_0 = """
import os, sys, time
from datetime import timedelta
import torch.distributed as dist
from torch.distributed.distributed_c10d import _set_pg_timeout
from rnnkit.cli import main
from rnnkit.train import trainer

init_group, init, save = dist.init_process_group, trainer.Trainer.__init__, trainer.save_checkpoint

def init_process_group(*args, **kwargs):  # torch's 30 minutes as 1 s, once every process has joined
    init_group(*args, **kwargs)
    _set_pg_timeout(timedelta(seconds=1))

def __init__(self, *args, **kwargs):
    init(self, *args, **kwargs)
    evaluate = self.eval_fn
    def slow(model):  # an evaluation longer than the timeout, on rank 0 alone
        time.sleep(2.5)
        return evaluate(model)
    self.eval_fn = slow

def save_checkpoint(*args, **kwargs):  # rank 0 writing best/ and last/ on a slow disk
    time.sleep(2.5)
    return save(*args, **kwargs)

dist.init_process_group = init_process_group
trainer.Trainer.__init__, trainer.save_checkpoint = __init__, save_checkpoint
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow  # torchrun, 2 steps, a slowed evaluation and two slowed saves: ~12 s
def test_the_other_ranks_wait_out_an_evaluation_or_a_save_longer_than_torch_s_timeout(tmp_path: Path) -> None:
    """The other ranks waited for rank 0's evaluation in a collective with torch's timeout (30 minutes on gloo): a
    longer evaluation or save failed the whole run with torch's 'Timed out waiting 1800000ms for recv operation'."""
    out = tmp_path / "run"
    done = _patched_charlm(tmp_path, SLOW_RANK_0, out, steps=2)
    assert done.returncode == 0, [line for line in done.stderr.splitlines() if "Error:" in line] or done.stderr[-2000:]
    assert json.loads((out / "last/trainer_state.json").read_text(encoding="utf-8"))["step"] == 2


def test_a_rank_other_than_0_leaves_its_process_group_up_after_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rank 1 destroyed its group on the way out of its error, so rank 0's collective failed at once with torch's
    'Connection closed by peer' traceback while rank 1 waited to say its error (it is left to the process's exit)."""
    from rnnkit.train import distributed

    destroyed: list[str] = []
    monkeypatch.setattr(distributed, "_start", lambda: True)
    monkeypatch.setattr(distributed.dist, "is_initialized", lambda: True)
    monkeypatch.setattr(distributed.dist, "destroy_process_group", lambda: destroyed.append(os.environ["RANK"]))
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in ("1", "0"):
        monkeypatch.setenv("RANK", rank)
        with pytest.raises(UserError), distributed.process_group():
            raise UserError("bad input")
        with distributed.process_group():
            pass
    assert destroyed == ["1", "0", "0"]  # rank 1's only when it ended well


def test_rank_strided_reads_its_share_and_saves_the_source_position() -> None:
    first, second = RankStrided(Batches(), 0, WORLD), RankStrided(Batches(), 1, WORLD)
    whole = Batches()
    for _ in range(3):
        a, b, w = first.next_batch(), second.next_batch(), [whole.next_batch() for _ in range(WORLD)]
        torch.testing.assert_close(a[0], w[0][0])
        torch.testing.assert_close(b[0], w[1][0])
    assert first.state_dict() == {"i": 3 * WORLD}


def test_ranks_come_from_torchrun_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    r = ranks()
    assert (r.rank, r.world_size, r.local_rank, r.is_main) == (1, 3, 1, False)
    monkeypatch.setenv("RANK", "x")
    with pytest.raises(UserError, match=r"^environment variable RANK=.x.: expected an integer"):
        ranks()


@pytest.mark.parametrize(("gpus", "local", "expected"),
                         [(0, "2", "gloo"), (1, "2", "gloo"), (2, "2", "cpu:gloo,cuda:nccl"), (1, None, "gloo")])
def test_the_backend_is_gloo_for_the_cpu_and_nccl_only_with_a_gpu_for_each_process(
        monkeypatch: pytest.MonkeyPatch, gpus: int, local: str | None, expected: str) -> None:
    """`rnnkit train` keeps its model on the CPU: NCCL alone (what was chosen wherever CUDA was present) has no
    CPU collectives, and two processes on one GPU are refused by NCCL; both failed on a one-GPU machine."""
    from rnnkit.train import distributed

    chosen: list[int] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpus > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    monkeypatch.setattr(torch.cuda, "set_device", chosen.append)
    if local is None:
        monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    else:
        monkeypatch.setenv("LOCAL_WORLD_SIZE", local)
    assert distributed._backend(distributed.Ranks(rank=1, world_size=2, local_rank=1)) == expected
    assert chosen == ([1] if "nccl" in expected else [])


@pytest.mark.slow
def test_torchrun_runs_the_command_line(tmp_path: Path) -> None:
    text = _text(tmp_path / "t.txt")
    done = _torchrun("-m", "rnnkit", "train", "charlm", "--data", str(text), "--out", str(tmp_path / "run"),
                     "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--steps", "2",
                     "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count('"steps": 2') == 1  # one report, from rank 0
    assert (tmp_path / "run/last/model.safetensors").exists()


def test_rank_0_alone_reports_a_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Under torchrun every rank printed the same one-line error; the others now wait for torchrun to end them
    (its SIGTERM, once rank 0 has exited, is a KeyboardInterrupt in the wait) and exit with its status, silently."""
    from rnnkit import cli

    monkeypatch.setenv("WORLD_SIZE", "2")
    waits: list[float] = []

    def ended_by_torchrun(seconds: float) -> None:
        waits.append(seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.time, "sleep", ended_by_torchrun)
    for rank, lines in (("1", 0), ("0", 1)):
        monkeypatch.setenv("RANK", rank)
        assert main(["train", "charlm", "--resume", str(tmp_path / "none")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == lines and err.count("rnnkit: error: ") == lines, err
    assert waits == [cli.RANK_ERROR_GRACE_S]  # rank 1 alone waited


def test_a_rank_s_own_error_is_said_once_torchrun_lets_it_live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Data missing on another machine: rank 1 met an error that rank 0 (waiting for it) never did, and exited 2
    silently; torchrun then ended rank 0, which said 'rnnkit: interrupted', and the reason was shown nowhere."""
    from rnnkit import cli

    monkeypatch.setattr(cli, "RANK_ERROR_GRACE_S", 0.01, raising=False)  # torchrun did not end it in the grace
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    assert main(["train", "charlm", "--resume", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: rank 1: {tmp_path / 'none'}") and err.count("\n") == 1, err


@pytest.mark.slow
def test_torchrun_reports_a_bad_input_once(tmp_path: Path) -> None:
    done = _torchrun("-m", "rnnkit", "train", "charlm", "--data", str(tmp_path / "missing.txt"), "--out",
                     str(tmp_path / "run"), "--steps", "2")
    assert done.returncode != 0
    assert done.stderr.count(f"rnnkit: error: {tmp_path / 'missing.txt'}: ") == 1, done.stderr[-2000:]
