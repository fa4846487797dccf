"""Reliability: nothing learned is lost whatever happens to a run, and no stranger's file runs code or
exhausts the machine. The long cases (kills at random moments for every task) are benchmarks/faults.py."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnkit.cells import CELLS
from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train import checkpoint as ckpt_mod
from rnnkit.train.checkpoint import clean_leftovers, load_checkpoint, run_lock, save_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def text_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("text") / "text.txt"
    path.write_text("the quick brown fox jumps over the lazy dog.\n" * 120, encoding="utf-8")
    return path


def train_args(text: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "charlm", "--data", str(text), "--out", str(out), "--hidden", "16", "--embed-dim", "8",
            "--seq-len", "16", "--batch-size", "4", "--eval-every", "1000", "--no-progress", *extra]


def weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path, prefer="last").model_state


# ------------------------------------------------------------------------------------------- saving
def test_publishing_exchanges_atomically_and_a_crash_between_renames_is_recovered(tmp_path, monkeypatch) -> None:
    state = {"w": torch.ones(2)}
    save_checkpoint(tmp_path / "last", model_state=state, config={"v": 1})
    save_checkpoint(tmp_path / "last", model_state=state, config={"v": 2})
    assert load_checkpoint(tmp_path / "last").config == {"v": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]

    # where directories cannot be exchanged: the old one is renamed aside, then a crash before the new one lands
    monkeypatch.setattr(ckpt_mod, "_exchange", lambda a, b: False)
    real_rename = os.rename
    calls = []

    def crash_on_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies between the two renames
        real_rename(src, dst)

    monkeypatch.setattr(ckpt_mod.os, "rename", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "last", model_state=state, config={"v": 3})
    monkeypatch.setattr(ckpt_mod.os, "rename", real_rename)
    assert not (tmp_path / "last").exists()
    assert load_checkpoint(tmp_path, prefer="last").config == {"v": 2}  # found aside
    clean_leftovers(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]
    assert load_checkpoint(tmp_path / "last").config == {"v": 2}


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_disk_full_or_read_only_stops_the_run_with_one_line_and_keeps_the_checkpoint(
    text_file, tmp_path, monkeypatch, capsys, code
) -> None:
    out = tmp_path / "run"
    assert main(train_args(text_file, out, "--steps", "6")) == 0
    before = weights(out)

    def full(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(ckpt_mod, "save_file", full)
    capsys.readouterr()
    assert main(train_args(text_file, out, "--steps", "12", "--save-every", "3", "--resume", str(out))) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line or "Traceback" in line]
    assert len(errors) == 1 and errors[0].startswith("rnnkit: error: ")
    assert str(out / "last") in errors[0] and os.strerror(code) in errors[0] and "intact" in errors[0]
    after = weights(out)
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert load_checkpoint(out, prefer="last").trainer_state["step"] == 6


def test_a_first_save_of_last_on_a_full_disk_says_nothing_was_saved_and_no_resume_is_offered(
    text_file, tmp_path, monkeypatch, capsys
) -> None:
    """The first save of last/ failing on a full disk (best/ written just before) said "the previous
    checkpoint there is intact", of a last/ that never was, and the fresh run then refused said "continue it
    with --resume OUT", which --resume refuses: best/ has no last/ to resume from."""
    out = tmp_path / "run"
    real = ckpt_mod.save_file

    def full_for_last(tensors, filename, *args, **kwargs):
        if ".last.tmp-" in filename:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(tensors, filename, *args, **kwargs)

    monkeypatch.setattr(ckpt_mod, "save_file", full_for_last)
    assert main(train_args(text_file, out, "--steps", "3", "--eval-every", "2")) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == (f"rnnkit: error: {out / 'last'}: cannot write (No space left on device); "
                   "nothing was saved there")
    assert (out / "best").is_dir() and not (out / "last").exists()
    monkeypatch.setattr(ckpt_mod, "save_file", real)
    assert main(train_args(text_file, out, "--steps", "3")) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {out}: already holds a trained model; it has no last/ to "
                                       "resume from; start again with --overwrite (or another --out)\n")


def test_periodic_saves_between_evaluations(text_file, tmp_path, monkeypatch) -> None:
    from rnnkit.train.trainer import Trainer

    saved: list[int] = []
    real = Trainer.save_last

    def spy(self):
        saved.append(self.step)
        real(self)

    monkeypatch.setattr(Trainer, "save_last", spy)
    assert main(train_args(text_file, tmp_path / "run", "--steps", "9", "--save-every", "4")) == 0
    assert saved == [4, 8, 9]  # every 4 steps, and at the end; no evaluation came (--eval-every 1000)


def test_resume_of_a_folder_that_never_held_a_run_says_so(tmp_path, capsys) -> None:
    """`--resume runs` (the folder above the runs) said "holds no checkpoint yet (the run stopped before its
    first save); start afresh with --out runs --overwrite": a run that never was, and advice to train into
    the folder of the other runs."""
    runs = tmp_path / "runs"
    (runs / "notes").mkdir(parents=True)
    (runs / "todo.txt").write_text("x")
    assert main(["train", "charlm", "--resume", str(runs)]) == 2
    err = capsys.readouterr().err
    assert err == (f"rnnkit: error: {runs}: not a run directory (no last/ in it, nor any file a run writes); "
                   "--resume takes the --out directory of an earlier `rnnkit train`\n")
    assert sorted(p.name for p in runs.iterdir()) == ["notes", "todo.txt"]
    (runs / ".lock").write_text("pid 1")  # what a run killed before its first save leaves
    assert main(["train", "charlm", "--resume", str(runs)]) == 2
    assert "holds no checkpoint yet (the run stopped before its first save)" in capsys.readouterr().err


def test_resume_without_a_checkpoint_and_a_second_run_into_one_directory(tmp_path, capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["train", "charlm", "--resume", str(empty)]) == 2
    assert "holds no checkpoint yet" in capsys.readouterr().err
    with run_lock(tmp_path / "busy"):
        code = "import sys; from rnnkit.train.checkpoint import run_lock\nwith run_lock(sys.argv[1]):\n    pass\n"
        other = subprocess.run([sys.executable, "-c", code, str(tmp_path / "busy")], capture_output=True, text=True)
        assert "another run is writing into it" in other.stderr
    with run_lock(tmp_path / "busy"):  # released
        pass


def test_a_killed_process_does_not_hold_the_lock(tmp_path) -> None:
    code = ("import sys, time; from rnnkit.train.checkpoint import run_lock\n"
            "with run_lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "run")], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    with pytest.raises(UserError, match="pid"), run_lock(tmp_path / "run"):
        pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with run_lock(tmp_path / "run"):
        pass


@contextlib.contextmanager
def lock_held_by_another_thread(out: Path, times: int = 1) -> Iterator[None]:
    """Inside: ``run_lock(out)`` held (``times`` over, nested) by another thread of this process, released at
    the end."""
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with contextlib.ExitStack() as stack:
            for _ in range(times):
                stack.enter_context(run_lock(out))
            entered.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert entered.wait(30)
        yield
    finally:
        release.set()
        holder.join()


def test_another_thread_of_the_process_is_another_run(tmp_path) -> None:
    """Two ``rnnkit.fit`` into one OUT from two threads of a notebook: the lock's count of the runs this process
    holds (an autotune search holds OUT while its final run trains there) let the second in beside the first,
    both wrote there, and the later one's exit was ``KeyError: PosixPath(OUT)``. The same thread takes it again;
    another is refused, as another process is."""
    out = tmp_path / "run"
    with lock_held_by_another_thread(out, times=2):  # taken again inside, in its own thread
        with pytest.raises(UserError, match=f"another run is writing into it \\(pid {os.getpid()}\\)"), run_lock(out):
            pass
        with pytest.raises(UserError, match="another run is writing into it"):
            ckpt_mod.refuse_busy(out)
    with run_lock(out):  # released
        assert ckpt_mod.refuse_busy(out)


@pytest.mark.parametrize("module", ["torch", "numpy._typing"])
def test_ctrl_c_while_torch_loads_is_one_line_and_status_130(tmp_path: Path, module: str) -> None:
    """Ctrl-C in a command's first seconds printed a KeyboardInterrupt traceback from inside import torch (or
    none at all: torch swallows one in its numpy import, and the command ran on). SIGINT comes here when the
    module is first imported, the moment being the same in every run."""
    _stopped_while_loading(tmp_path, module, "SIGINT")


def test_sigterm_while_torch_loads_with_ctrl_c_ignored_is_one_line_and_status_130(tmp_path: Path) -> None:
    """A background job of a script (``rnnkit ... &``: Ctrl-C ignored) stopped by ``kill`` while torch loaded got
    a KeyboardInterrupt inside import torch: a RecursionError traceback from numpy's half-imported linalg, a
    status of -2, or none at all where the import swallowed it (as torch's of numpy does; here the finder) and
    the command ran on. SIGTERM comes when torch is first imported, the moment being the same in every run."""
    _stopped_while_loading(tmp_path, "torch", "SIGTERM", ignore_ctrl_c=True)


def _stopped_while_loading(tmp_path: Path, module: str, sent: str, ignore_ctrl_c: bool = False) -> None:
    """``rnnkit data scam`` sent ``sent`` when ``module`` is first imported (the import swallows a
    KeyboardInterrupt raised there, as torch's of numpy does): one line, status 130, nothing written."""
    # a foreground command's Ctrl-C, whatever the test run's own (a suite started with `&` in a script without job
    # control inherits an ignored SIGINT, and the command then rightly ran on)
    handler = "signal.SIG_IGN" if ignore_ctrl_c else "signal.default_int_handler"
    code = ("import importlib.abc, os, runpy, signal, sys\n"
            + f"signal.signal(signal.SIGINT, {handler})\n"
            + "class Stop(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path, target=None):\n"
            f"        if name == {module!r}:\n"
            "            try:\n"
            f"                os.kill(os.getpid(), signal.{sent})\n"
            "                sum(range(1000))\n"
            "            except KeyboardInterrupt:\n"
            "                pass\n"
            "sys.meta_path.insert(0, Stop())\n"
            "runpy.run_module('rnnkit', run_name='__main__', alter_sys=True)\n")
    out = tmp_path / "corpus"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code, "data", "scam", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr, done.stdout) == (130, "rnnkit: interrupted\n", "")
    assert not out.exists()


def _started(out: Path, proc: subprocess.Popen) -> bool:
    """Wait until the run in ``out`` has saved a step (``--save-every``), or its process has ended."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if (out / "last").exists():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("signals", [1, 2])
def test_sigterm_stops_a_run_as_ctrl_c_does_and_it_resumes(text_file, tmp_path, signals) -> None:
    """``kill PID`` (a scheduler's stop, ``timeout``) ended a run at once: the steps since the last save were
    lost and no closing line said how to go on. SIGTERM now does what the first Ctrl-C does: the step ends,
    ``last/`` is saved, the closing line gives the way on, status 130; the run resumes from there. A second
    SIGTERM close behind (a scheduler's to every process, and torchrun's passed on) does not cut the save short."""
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "rnnkit", *train_args(text_file, out, "--steps", "1000000",
                             "--save-every", "20", "--threads", "1")], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert _started(out, proc)
    for _ in range(signals):
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.002)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert f"interrupted: continue with --resume {out}" in stdout + stderr
    assert "Traceback" not in stderr
    step = load_checkpoint(out, prefer="last").trainer_state["step"]
    assert re.search(rf"\b{step:,} steps", stdout + stderr)  # saved where it stopped, not at the last --save-every
    assert main(["train", "charlm", "--resume", str(out), "--steps", str(step + 2), "--no-progress"]) == 0
    assert load_checkpoint(out, prefer="last").trainer_state["step"] == step + 2


@pytest.mark.parametrize("name", ["loss.png", "metrics.jsonl", "report.html"])
def test_a_fresh_run_keeps_the_users_files_of_a_runs_names(text_file, tmp_path, capsys, name) -> None:
    """A folder with no saved run but a file named as a run's own: the run wrote over it (and removed it on a
    failure before its first save). It is refused in one line, the file as it was; --overwrite replaces it."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / name).write_text("the user's own\n", encoding="utf-8")
    assert main(train_args(text_file, out, "--steps", "2")) == 2
    assert f"{out}: holds a {name} but no saved run (no best/ or last/ checkpoint)" in capsys.readouterr().err
    assert (out / name).read_text(encoding="utf-8") == "the user's own\n"
    assert sorted(p.name for p in out.iterdir()) == [name]
    assert main(train_args(text_file, out, "--steps", "2", "--overwrite")) == 0
    assert (out / "last").is_dir()


def test_a_run_whose_checkpoints_were_removed_is_refused_for_what_it_is(text_file, tmp_path, capsys) -> None:
    """A finished run whose best/ and last/ the user removed, its metrics.jsonl kept: the refusal called the file
    the user's own or one left by a run stopped before its first save, neither of which it is."""
    out = tmp_path / "run"
    assert main(train_args(text_file, out, "--steps", "2")) == 0
    shutil.rmtree(out / "best")
    shutil.rmtree(out / "last")
    capsys.readouterr()
    assert main(train_args(text_file, out, "--steps", "2")) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {out}: holds a metrics.jsonl but no saved run (no best/ or "
                                       "last/ checkpoint), which a run writes over; move it away, give another --out, "
                                       "or start with --overwrite\n")


def finished(out: Path, steps: int) -> bool:
    return (out / "last").exists() and load_checkpoint(out, prefer="last").trainer_state.get("step") == steps


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_ends_bit_identical(text_file, tmp_path) -> None:
    # one thread in every process: the automatic choice may differ between them, and with another count
    # the memory's sums round in another order (bit for bit holds for the same --threads)
    steps, fixed = 300, ("--steps", "300", "--save-every", "2", "--threads", "1")
    straight = tmp_path / "straight"
    assert main(train_args(text_file, straight, *fixed)) == 0
    out = tmp_path / "killed"
    args = [sys.executable, "-m", "rnnkit.cli", *train_args(text_file, out, *fixed)]
    rng = torch.Generator().manual_seed(0)
    kills = 0
    while kills < 4 and not finished(out, steps):
        again = ["--resume", str(out)] if (out / "last").exists() else ["--overwrite"]
        proc = subprocess.Popen([*args, *again], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2.0 + float(torch.rand(1, generator=rng)) * 2.0)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 1
    if not finished(out, steps):
        again = ["--resume", str(out)] if (out / "last").exists() else ["--overwrite"]
        finish = subprocess.run([*args, *again], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
        assert finish.returncode == 0, finish.stderr
    a, b = weights(straight), weights(out)
    assert all(torch.equal(a[k], b[k]) for k in a)


# ------------------------------------------------------------------------------------------- strangers' files
@pytest.fixture(scope="module")
def trained(text_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny trained model of each task, and a labelled file each can be evaluated on."""
    root = tmp_path_factory.mktemp("models")
    csv = root / "labelled.csv"
    csv.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(20)))
    conll = root / "tagged.conll"
    conll.write_text("".join("the\tDT\ncat\tNN\nsat\tVBD\n\n" for _ in range(10)))
    small = ["--steps", "4", "--no-progress", "--hidden", "8", "--json"]
    assert main(train_args(text_file, root / "charlm", "--steps", "4")) == 0
    assert main(["train", "classify", "--data", str(csv), "--out", str(root / "classify"), *small]) == 0
    assert main(["train", "tag", "--data", str(conll), "--out", str(root / "tag"), *small]) == 0
    pairs = root / "pairs.tsv"
    assert main(["data", "dates", "--out", str(pairs), "--pairs", "40"]) == 0
    assert main(["train", "seq2seq", "--data", str(pairs), "--out", str(root / "seq2seq"), *small,
                 "--eval-sentences", "2"]) == 0
    speech = _tiny_speech_corpus(root / "speech-data")
    assert main(["train", "speech", "--data", str(speech), "--out", str(root / "speech"), *small, "--layers", "1",
                 "--n-mels", "8", "--val-fraction", "0.25"]) == 0
    assert main(["data", "shapes", "--out", str(root / "shapes"), "--images", "20"]) == 0
    assert main(["train", "caption", "--data", str(root / "shapes"), "--out", str(root / "caption"), *small,
                 "--channels", "4", "--image-size", "16", "--eval-images", "2"]) == 0
    return {"charlm": root / "charlm", "classify": root / "classify", "tag": root / "tag", "seq2seq": root / "seq2seq",
            "speech": root / "speech", "caption": root / "caption", "csv": csv, "conll": conll, "pairs": pairs,
            "corpus": speech, "images": root / "shapes" / "test"}


def _tiny_speech_corpus(folder: Path) -> Path:
    """Four WAV files of noise labelled with made-up phonemes (no espeak-ng needed)."""
    import numpy as np
    import soundfile

    (folder / "wav").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(4):
        soundfile.write(str(folder / "wav" / f"{i}.wav"), rng.normal(0, 0.1, 4000).astype("float32"), 16000)
    (folder / "manifest.tsv").write_text("audio\ttext\tphonemes\n" + "".join(
        f"wav/{i}.wav\tw{i}\ta b{i}\n" for i in range(4)))
    return folder


VERBS = {
    "charlm": {"sample": ["--length", "5"], "score": ["the fox"]},
    "classify": {"predict": ["a good film"], "evaluate": ["--data", "{csv}"]},
    "tag": {"predict": ["the cat sat"], "evaluate": ["--data", "{conll}"]},
    "seq2seq": {"translate": ["3 March 1999"], "evaluate": ["--data", "{pairs}"]},
    "speech": {"transcribe": ["{corpus}/wav/0.wav"], "evaluate": ["--data", "{corpus}"]},
    "caption": {"caption": ["{images}/00000.png"], "evaluate": ["--data", "{images}"]},
}
CASES = [(task, verb) for task, verbs in VERBS.items() for verb in [*verbs, "info"]]


def test_using_a_model_does_not_import_dynamo(trained) -> None:
    """Each task's first verb loads and runs its model without importing Dynamo (about a second of every
    ``predict``, ``score`` or ``translate``: a meta-device skeleton's initialisers and the layer's torch.compile
    mark imported it)."""
    calls = [[verb, str(trained[task] / "best"), *(a.format(**{k: trained[k] for k in ("csv", "conll", "pairs",
                                                                                         "corpus", "images")})
                                                     for a in verbs[verb])]
             for task, verbs in VERBS.items() for verb in list(verbs)[:1]]
    code = ("import json, sys\nfrom rnnkit.cli import main\n"
            f"for argv in json.loads({json.dumps(json.dumps(calls))}):\n"
            "    assert main(argv) == 0, argv\n"
            "    assert 'torch._dynamo' not in sys.modules, argv\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


def copy_model(trained: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(trained / "best", target)
    return target


def edit_config(directory: Path, **changes) -> None:
    config = json.loads((directory / "config.json").read_text())
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            config[section][name] = value
        else:
            config[section] = value
    (directory / "config.json").write_text(json.dumps(config))


HOSTILE = {
    "pickle instead of safetensors": lambda m: (m / "model.safetensors").write_bytes(
        pickle.dumps({"x": 1}) + b"cos\nsystem\n(S'echo pwned'\ntR."),
    "truncated safetensors": lambda m: (m / "model.safetensors").write_bytes(
        (m / "model.safetensors").read_bytes()[:100]),
    "broken JSON": lambda m: (m / "config.json").write_text('{"task": "charlm", '),
    "config of the wrong shape": lambda m: (m / "config.json").write_text('["charlm"]'),
    "hidden 10^9": lambda m: edit_config(m, model__hidden_size=10**9),
    "model settings not an object": lambda m: edit_config(m, model=[1, 2]),
    "weights of another size": lambda m: edit_config(m, model__hidden_size=17),
    "vocabulary of the wrong types": lambda m: (m / "vocab.json").write_text('{"type": "char", "chars": [1, [2]]}'),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("task,verb", CASES)
def test_hostile_checkpoints_are_refused_in_one_line(trained, tmp_path, capsys, case, task, verb) -> None:
    model = copy_model(trained[task], tmp_path)
    HOSTILE[case](model)
    args = [a.format(csv=trained["csv"], conll=trained["conll"], pairs=trained["pairs"], corpus=trained["corpus"],
                     images=trained["images"]) for a in VERBS[task].get(verb, [])]
    start = time.perf_counter()
    status = main([verb, str(model), *args])
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err.strip()
    if verb == "info" and case in ("hidden 10^9", "weights of another size", "vocabulary of the wrong types",
                                   "model settings not an object"):
        return  # info only reads JSON and tensor headers: nothing to build, nothing to refuse
    assert status == 2, err
    assert err.startswith("rnnkit: error: ") and "\n" not in err and "Traceback" not in err
    assert str(model) in err
    assert seconds < 30
    assert not Path("pwned").exists()


@pytest.mark.parametrize("value", [float("nan"), -0.5, 1.0, "0.1"])
@pytest.mark.parametrize("task,verb", [(task, verb) for task, verbs in VERBS.items() for verb in verbs])
def test_a_dropout_out_of_range_in_config_json_is_refused_by_every_verb(trained, tmp_path, capsys, task, verb,
                                                                         value) -> None:
    """A NaN dropout written into config.json loaded for every task (eval mode never draws it), and 1.0 or a
    string was torch's own words from inside the model, naming no field: one check, the training setting's."""
    model = copy_model(trained[task], tmp_path)
    edit_config(model, model__dropout=value)
    args = [a.format(csv=trained["csv"], conll=trained["conll"], pairs=trained["pairs"], corpus=trained["corpus"],
                     images=trained["images"]) for a in VERBS[task][verb]]
    assert main([verb, str(model), *args]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {model / 'config.json'}: model.dropout {value!r}: expected a "
                                       "number from 0 to below 1\n")


def test_a_tagger_s_embedding_of_zero_is_refused_naming_it(trained, tmp_path, capsys) -> None:
    """A tagger whose config.json says embedding_dim 0 was a ZeroDivisionError traceback (the initialisation's
    scale), not one line."""
    model = copy_model(trained["tag"], tmp_path)
    edit_config(model, model__embedding_dim=0)
    assert main(["predict", str(model), "the cat sat"]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {model / 'config.json'}: model.embedding_dim 0: "
                                              "expected a whole number from 1 to ")


#: what each task's model does once loaded, by the Python API
USES = {
    "charlm": lambda m, t: m.sample(length=3),
    "classify": lambda m, t: m.predict(["good film"]),
    "tag": lambda m, t: m.predict(["the cat sat"]),
    "seq2seq": lambda m, t: m.translate(["3 March 1999"]),
    "speech": lambda m, t: m.transcribe([str(t["corpus"] / "wav" / "0.wav")]),
    "caption": lambda m, t: m.caption([str(t["images"] / "00000.png")]),
}
HOSTILE_VALUES = st.one_of(
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -1, 0, 10**18, 2**63, -(2**70), "x", "", [1], [],
                     {}, None, True, False]),
    st.floats(), st.integers(), st.text(max_size=4), st.lists(st.integers(-3, 70), max_size=3))


def test_every_registered_task_is_tried_with_strangers_files(lists_every_task: Callable[..., None]) -> None:
    """VERBS (the tasks the ``trained`` fixture trains, with the verbs their hostile checkpoints are tried with)
    and USES name every registered task: a new task left out of them never had its checkpoints tried here."""
    lists_every_task("tests/test_faults.py", VERBS=VERBS, USES=USES)


@pytest.mark.parametrize("task", sorted(USES))
def test_any_one_hostile_field_of_a_model_config_loads_or_is_refused_naming_it(trained, task) -> None:
    """One field of config.json's "model" at a time given a hostile value: the model loads and predicts, or
    the one line names config.json and the field (or the weights that do not match it). A 0 embedding was a
    ZeroDivisionError, "x" or 10**18 torch's own words naming no field, NaN a dropout taken as given."""
    import tempfile

    import rnnkit

    fields = sorted(json.loads((trained[task] / "best" / "config.json").read_text())["model"])

    @settings(max_examples=20, deadline=None, database=None, derandomize=True)
    @given(field=st.sampled_from(fields), value=HOSTILE_VALUES)
    def check(field: str, value: object) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            model = copy_model(trained[task], Path(tmp))
            edit_config(model, **{f"model__{field}": value})
            try:
                USES[task](rnnkit.load(model), trained)
            except UserError as exc:
                message = str(exc)
                assert "\n" not in message and "config.json" in message, message
                assert field in message or "does not match config.json" in message, message

    check()


@pytest.mark.parametrize("flag,value", [("--lr", "nan"), ("--lr", "inf"), ("--lr", "-1"), ("--steps", "0"),
                                        ("--steps", "-5"), ("--minutes", "nan"), ("--clip", "-inf"),
                                        ("--save-every", "0"), ("--save-minutes", "inf")])
def test_cli_numbers_are_refused_by_name(text_file, tmp_path, capsys, flag, value) -> None:
    with pytest.raises(SystemExit) as done:
        main(train_args(text_file, tmp_path / "x", flag, value))
    assert done.value.code == 2
    assert f"argument {flag}" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


# ------------------------------------------------------------------------------------------- resume, every cell
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_resume_is_bit_identical_for_every_cell(text_file, tmp_path, monkeypatch, cell) -> None:
    from rnnkit.tasks.charlm import CharLMConfig, train

    def run(out: Path, **kw) -> None:
        config = CharLMConfig(cell=cell, hidden=12, embed_dim=8, seq_len=12, batch_size=3, steps=10, eval_every=4,
                              dropout=0.0, precision="fp32")
        train(config, str(text_file), out, progress=False, verbose=False, **kw)

    run(tmp_path / "straight")
    from rnnkit.train import trainer as trainer_mod

    real_fit = trainer_mod.Trainer.fit

    def halted_fit(self):
        self.cfg.halt_at = 6
        return real_fit(self)

    monkeypatch.setattr(trainer_mod.Trainer, "fit", halted_fit)
    run(tmp_path / "halted")
    monkeypatch.undo()
    torch.manual_seed(999)  # a resumed process starts with other RNG states
    run(tmp_path / "halted", resume=True)
    a, b = weights(tmp_path / "straight"), weights(tmp_path / "halted")
    assert load_checkpoint(tmp_path / "halted", prefer="last").trainer_state["step"] == 10
    assert all(torch.equal(a[k], b[k]) for k in a), cell


@pytest.mark.parametrize("flag,value", [("--hidden", "-3"), ("--dropout", "nan"), ("--dropout", "1.5"),
                                        ("--seq-len", "0"), ("--val-fraction", "inf")])
def test_task_settings_are_refused_by_name(text_file, tmp_path, capsys, flag, value) -> None:
    assert main(train_args(text_file, tmp_path / "x", flag, value)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"rnnkit: error: {flag} {value}") and "\n" not in err
    assert not (tmp_path / "x" / "last").exists()


def test_a_setting_at_its_bound_is_taken() -> None:
    """--temperature 0 is greedy sampling (check_finite's least is allowed); a beam may keep all its hypotheses."""
    from rnnkit.errors import SettingError, check_beam, check_count, check_finite

    assert check_finite("temperature", 0, "expected a finite number >= 0", 0.0) == 0.0
    with pytest.raises(SettingError):
        check_finite("temperature", -1e-9, "expected a finite number >= 0", 0.0)
    assert check_count("beam", 1) == 1 and check_count("digits", 9, 1, 9) == 9 and check_beam(4, 4) == (4, 4)


@pytest.mark.parametrize("flag,value", [("--temperature", "nan"), ("--temperature", "-1"), ("--length", "-2"),
                                        ("--top-k", "0")])
def test_sampling_numbers_are_refused_by_name(trained, capsys, flag, value) -> None:
    assert main(["sample", str(trained["charlm"]), flag, value]) == 2
    assert capsys.readouterr().err.strip().startswith(f"rnnkit: error: {flag} ")


@pytest.mark.parametrize("task", sorted(VERBS))
def test_the_weights_are_not_read_before_the_config_is_checked(trained, tmp_path, monkeypatch, task) -> None:
    import rnnkit

    model = copy_model(trained[task], tmp_path)
    edit_config(model, model__hidden_size=10**9)
    read = ckpt_mod._read_tensors

    def guarded(path: Path):
        assert path.name != "model.safetensors", "the weights were read before the config was checked"
        return read(path)

    monkeypatch.setattr(ckpt_mod, "_read_tensors", guarded)
    with pytest.raises(UserError, match="config.json"):
        rnnkit.load(model)


def test_resume_names_the_run_folder_and_keeps_to_it(text_file, tmp_path, capsys) -> None:
    """--resume OUT/last once wrote a new run inside the checkpoint (OUT/last/best ...), and --resume A
    --out B trained into A without a word about B."""
    out = tmp_path / "run"
    assert main(train_args(text_file, out, "--steps", "3")) == 0
    assert main(["train", "charlm", "--resume", str(out / "last"), "--steps", "5", "--no-progress"]) == 0
    assert load_checkpoint(out, prefer="last").trainer_state["step"] == 5
    # --out naming the same folder, written another way (a trailing slash), is the run's own folder
    assert main(["train", "charlm", "--resume", str(out), "--out", f"{out}/", "--steps", "6", "--no-progress"]) == 0
    assert load_checkpoint(out, prefer="last").trainer_state["step"] == 6
    assert sorted(p.name for p in (out / "last").iterdir() if p.is_dir()) == []
    capsys.readouterr()
    assert main(["train", "charlm", "--resume", str(out), "--out", str(tmp_path / "fork"), "--steps", "7"]) == 2
    assert "a resumed run continues in its own folder" in capsys.readouterr().err
    assert not (tmp_path / "fork").exists()
    shutil.rmtree(out / "last")  # killed while saving last/ the first time: best/ is whole
    assert main(["train", "charlm", "--resume", str(out), "--steps", "7"]) == 2
    assert "holds best/ but no last/ to resume from" in capsys.readouterr().err


def test_a_run_refused_for_another_runs_lock_leaves_that_runs_files(text_file, tmp_path, capsys) -> None:
    """A fresh run that fails before its first save removes what it wrote; one refused because another
    process is writing into OUT wrote nothing there, and the other run's metrics.jsonl stays."""
    out = tmp_path / "out"
    code = ("import sys, time; from pathlib import Path; from rnnkit.train.checkpoint import run_lock\n"
            "with run_lock(sys.argv[1]):\n    (Path(sys.argv[1]) / 'metrics.jsonl').write_text('{}')\n"
            "    print('locked', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        assert main(train_args(text_file, out, "--steps", "2")) == 2
        assert "another run is writing into it" in capsys.readouterr().err
        assert (out / "metrics.jsonl").read_text() == "{}" and (out / ".lock").exists()
    finally:
        proc.kill()
        proc.wait()


def test_a_second_autotune_into_the_same_out_is_refused(tmp_path, capsys) -> None:
    """Two searches into one OUT once ran side by side: the second emptied the first's autotune.jsonl and
    left one run's best/ beside the other's last/."""
    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(20)))
    code = ("import sys, time; from rnnkit.train.checkpoint import run_lock\n"
            "with run_lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "out")], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "out"), "--autotune",
                     "--steps", "50", "--no-progress"]) == 2
        assert "another run is writing into it" in capsys.readouterr().err
        assert not (tmp_path / "out" / "autotune.jsonl").exists()
    finally:
        proc.kill()
        proc.wait()
    with run_lock(tmp_path / "out"), run_lock(tmp_path / "out"):  # the holder may take it again inside
        pass


def test_a_checkpoint_is_as_readable_as_the_users_other_files(text_file, tmp_path) -> None:
    """mkdtemp makes 0700 directories (and safetensors 0600 files): a shared OUT was unreadable to others."""
    old = os.umask(0o022)
    try:
        assert main(train_args(text_file, tmp_path / "run", "--steps", "2")) == 0
    finally:
        os.umask(old)
    for d in ("best", "last"):
        assert (tmp_path / "run" / d).stat().st_mode & 0o777 == 0o755
        assert {p.stat().st_mode & 0o777 for p in (tmp_path / "run" / d).iterdir()} == {0o644}
