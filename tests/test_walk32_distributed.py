"""A new user's walk from one process to torchrun (walk32): data that differs between the processes, and what
``rnnkit info`` says of a run trained on several processes."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from torch import nn

from rnnkit.errors import UserError
from rnnkit.train.distributed import alike_record, check_alike

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _text(path: Path, chars: int = 6000) -> Path:
    rng = random.Random(0)
    path.write_text("".join(rng.choice("abcdefgh \n") for _ in range(chars)), encoding="utf-8")
    return path


def _data(name: str) -> dict[str, dict[str, str]]:
    return {"digests": {"train": f"6000:{name}"}, "paths": {"train": f"/data/{name}.txt"}}


def test_a_process_whose_data_or_model_differs_from_rank_0_is_refused_by_rank_and_flag() -> None:
    """A copy of the text of other content on one machine trained on silently (the same characters), or failed in
    torch's DistributedDataParallel with a traceback of parameters that 'appear not to match' (others)."""
    small, large = nn.Embedding(11, 4), nn.Embedding(19, 4)
    check_alike([alike_record(small, _data("a")), alike_record(small, _data("a"))])  # alike: nothing said
    with pytest.raises(UserError, match=r"^--data: rank 1 read other content than rank 0 \(/data/b.txt on rank 1, "
                                        r"/data/a.txt on rank 0\); every process needs the same data"):
        check_alike([alike_record(small, _data("a")), alike_record(small, _data("b"))])
    with pytest.raises(UserError, match=r"^rank 2 built another model than rank 0 \(weight: \[19, 4\] on rank 2, "
                                        r"\[11, 4\] on rank 0\)"):
        check_alike([alike_record(small, None), alike_record(small, None), alike_record(large, None)])
    with pytest.raises(UserError, match=r"^rank 1 built another model than rank 0 \(bias: \[1\] on rank 1, none on "):
        check_alike([alike_record(nn.Linear(2, 1, bias=False), None), alike_record(nn.Linear(2, 1), None)])


PER_RANK = """
import os, sys
from rnnkit.cli import main
data = sys.argv[1] if os.environ["RANK"] == "0" else sys.argv[2]  # as if the machines' copies of the text differ
sys.exit(main([*sys.argv[3:], "--data", data]))
"""


@pytest.mark.slow  # torchrun starts two processes: ~8 s
def test_torchrun_refuses_a_text_whose_copy_on_one_rank_differs(tmp_path: Path) -> None:
    """Rank 1's copy differs by one character at its end: the run trained on it without a word."""
    mine, theirs = _text(tmp_path / "a.txt"), _text(tmp_path / "b.txt", 6001)
    script = tmp_path / "per_rank.py"
    script.write_text(PER_RANK, encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           str(script), str(mine), str(theirs), "train", "charlm", "--out", str(tmp_path / "run"),
                           "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--steps", "2",
                           "--no-progress"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert done.stderr.count("rnnkit: error: --data: rank 1 read other content than rank 0") == 1, done.stderr[-2000:]
    assert "]: Traceback" not in done.stderr, done.stderr[-2000:]  # a rank's ("[rank1]: Traceback"), not torchrun's
    assert not (tmp_path / "run").exists()  # a fresh run refused leaves nothing


@pytest.fixture(scope="module")
def charlm_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny character LM trained for one step in one process."""
    import rnnkit

    tmp = tmp_path_factory.mktemp("walk32")
    out = tmp / "run"
    rnnkit.fit("charlm", data=str(_text(tmp / "t.txt")), out=out, hidden=8, embed_dim=4, seq_len=8, batch_size=2,
               steps=1, verbose=False, progress=False)
    return out


def test_info_of_a_run_on_two_processes_says_so_and_how_to_resume_it(charlm_run: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit info` of a torchrun run said nothing of its processes and offered `rnnkit train charlm --resume RUN`,
    which the trainer refuses ('a run of 2 processes, resumed with 1 process')."""
    import json
    import shutil

    from rnnkit.cli import main

    out = tmp_path / "run"
    shutil.copytree(charlm_run, out)
    assert main(["info", str(out)]) == 0
    assert "processes" not in capsys.readouterr().out  # one process: as before
    for part in ("best", "last"):  # the states a run on 2 processes saves
        state = out / part / "trainer_state.json"
        state.write_text(json.dumps({**json.loads(state.read_text(encoding="utf-8")), "processes": 2}),
                         encoding="utf-8")
    assert main(["info", str(out)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")}
    assert rows["trained"].endswith(", on 2 processes (torchrun)"), rows["trained"]
    resume = f"(torchrun --standalone --nproc_per_node 2 -m rnnkit train charlm --resume {out})"
    assert rows["resumable"].endswith(resume), rows["resumable"]
    assert main(["train", "charlm", "--resume", str(out)]) == 2  # what the line no longer offers
    assert "a run of 2 processes, resumed with 1 process" in capsys.readouterr().err


def test_the_reports_overview_names_the_processes_of_a_torchrun_run() -> None:
    """The report of a run on 2 processes showed its settings' batch_size (each process's) and nothing of the
    processes, so its batches read as half what each update took."""
    from types import SimpleNamespace

    from rnnkit.report.run import overview_section

    for processes, row in ((2, "<td>processes</td><td>2 (torchrun; batch_size below is each one&#x27;s)</td>"),
                           (1, None), (None, None)):
        state = {"step": 3, "elapsed": 1.0, **({"processes": processes} if processes else {})}
        html = overview_section(SimpleNamespace(trainer_state=state, config={}, model_shapes={}), None)
        assert (row in html) if row else ("processes" not in html), html


@pytest.mark.parametrize("argv", [["sample", "RUN", "--length", "5"], ["info", "RUN"],
                                  ["data", "dates", "--out", "OUT/dates.tsv", "--pairs", "10"]])
def test_a_command_other_than_train_is_refused_under_torchrun_by_rank_0_alone(
        argv: list[str], charlm_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`torchrun ... -m rnnkit evaluate RUN` ran the whole evaluation in each process: its output printed once a
    process, and the processes wrote the same confusion matrix (a report, a data set, a prepared text) at once."""
    from rnnkit import cli
    from rnnkit.cli import main

    argv = [a.replace("RUN", str(charlm_run)).replace("OUT", str(tmp_path)) for a in argv]
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(cli.time, "sleep", lambda s: (_ for _ in ()).throw(KeyboardInterrupt))  # torchrun's end
    for rank, lines in (("1", 0), ("0", 1)):
        monkeypatch.setenv("RANK", rank)
        assert main(argv) == 2
        said = capsys.readouterr()
        assert said.out == "" and said.err.count("\n") == lines, said
    assert said.err == (f"rnnkit: error: `rnnkit {argv[0]}` runs in one process: under torchrun (WORLD_SIZE=2) only "
                        "`rnnkit train` runs (data-parallel), and each of the 2 processes would do all of it; run it "
                        "without torchrun (or unset WORLD_SIZE)\n")
    assert not (tmp_path / "dates.tsv").exists()
    monkeypatch.delenv("WORLD_SIZE")
    assert main(argv) == 0  # one process: as before


GLOO_RESET = ("[/__w/pytorch/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:537] Read error [127.0.0.1]:11663: "
              "Connection reset by peer. This is typically caused by a remote worker hanging or bugs in the "
              "application.")


def test_torchrun_s_stop_after_a_peer_was_killed_says_the_peer_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """kill -9 of rank 1 (the out-of-memory killer): rank 0's collective failed, and torchrun's SIGTERM met it while
    it wrote its loss plot on the way out, so it said 'rnnkit: interrupted', as if someone had pressed Ctrl-C."""
    from rnnkit import cli
    from rnnkit.cli import main

    def killed_peer(task: object, args: object) -> int:
        try:
            raise RuntimeError(GLOO_RESET)
        except RuntimeError:
            raise KeyboardInterrupt  # noqa: B904  # torchrun's SIGTERM, while the error is handled

    monkeypatch.setattr(cli, "_train", killed_peer)
    line = ["train", "charlm", "--data", str(tmp_path / "t.txt"), "--out", str(tmp_path / "run")]
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    assert main(line) == 2
    assert capsys.readouterr().err == ("rnnkit: error: another process of this run stopped (its own message, or "
                                       "torchrun's report of its exit, says why)\n")
    monkeypatch.setattr(cli, "_train", lambda task, args: (_ for _ in ()).throw(KeyboardInterrupt))
    assert main(line) == 130  # a Ctrl-C of its own
    assert capsys.readouterr().err == "rnnkit: interrupted\n"


@pytest.mark.parametrize(("rank", "printed"), [("1", ""), ("0", "rnnkit {}\n")])
def test_version_is_printed_once_under_torchrun(rank: str, printed: str, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`torchrun --nproc_per_node 2 -m rnnkit --version` printed the version twice (-h's text was already once)."""
    import rnnkit
    from rnnkit.cli import main

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == printed.format(rnnkit.__version__)
