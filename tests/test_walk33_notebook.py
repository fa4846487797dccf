"""A notebook's long-lived process: what one call of the Python API leaves behind must not change the next."""

from __future__ import annotations

import types

import pytest


def test_a_discovery_interrupted_half_way_is_finished_by_the_next_call(monkeypatch) -> None:
    """A Ctrl-C during a notebook's first ``rnnkit.fit`` (which imports every task module, torch with them) left
    discovery marked done with only the tasks imported so far: every later call of the session was
    ``unknown task 'tag'; rnnkit knows: caption, charlm, seq2seq``. The next call imports the rest now."""
    from rnnkit import tasks

    tasks.discover()
    every = dict(tasks.TASKS)
    monkeypatch.setattr(tasks, "TASKS", {})
    monkeypatch.setattr(tasks, "_discovered", False)
    imported: list[str] = []

    def import_module(name: str) -> None:  # registers each task as its module's import would
        if len(imported) == 2 and not hasattr(import_module, "interrupted"):
            import_module.interrupted = True  # type: ignore[attr-defined]
            raise KeyboardInterrupt
        imported.append(name)
        short = name.rsplit(".", 1)[-1]
        for task in every.values():
            if task.train.__module__.rsplit(".", 1)[-1] == short:
                tasks.register(task)

    monkeypatch.setattr(tasks, "importlib", types.SimpleNamespace(import_module=import_module))
    with pytest.raises(KeyboardInterrupt):
        tasks.get_task("tag")
    assert tasks.get_task("tag") is every["tag"]
    assert set(tasks.TASKS) == set(every)


def test_a_range_test_s_curve_echoes_its_suggestion_not_its_points() -> None:
    """``rnnkit.fit(..., find_lr=True)`` as a cell's last line echoed the dataclass's repr: its 100 rates, losses
    and smoothed losses, 6 KB of floats, and not the suggestion it was run for. It says the suggestion now."""
    from rnnkit.train.lr_find import LearningRateCurve, geometric_rates, smoothed

    rates = geometric_rates()
    losses = [3.0 - min(i, 60) / 30 + max(0, i - 80) / 2 for i in range(len(rates))]
    curve = LearningRateCurve(rates, losses, smoothed(losses))
    text = repr(curve)
    assert len(text) < 200, text
    assert text == (f"LearningRateCurve(suggestion={curve.suggestion:.2g}, lowest={curve.lowest:.2g}, updates=100, "
                    "rates=1e-07 to 10, stopped='end')")
    assert repr(LearningRateCurve(stopped="diverged")) == ("LearningRateCurve(suggestion=None, lowest=None, updates=0, "
                                                           "rates=none, stopped='diverged')")


def test_load_s_docstring_names_each_task_s_object_and_its_methods() -> None:
    """``rnnkit.load?`` in a notebook said one line, "as its task's Python object", not which object a run gives
    nor what it answers. It names each registered task's class now, and the methods it lists are the class's."""
    import re

    import rnnkit
    from rnnkit import tasks

    tasks.discover()
    doc = " ".join(rnnkit.load.__doc__.split())
    for name, task in tasks.TASKS.items():
        found = re.search(rf"``{task.load.__name__}`` \({name}: ([^)]*)\)", doc)
        assert found, f"{task.load.__name__} ({name}) is not in rnnkit.load's docstring"
        for method in re.findall(r"``(\w+)``", found.group(1)):
            assert callable(getattr(task.load, method, None)), f"{task.load.__name__} has no {method}"


def test_fit_s_docstring_says_what_a_notebook_user_meets() -> None:
    """``rnnkit.fit?`` did not say that an ``out`` holding a run is refused, what Ctrl-C does to a run, nor what
    the result holds; a user learnt each from an exception."""
    import rnnkit

    doc = " ".join(rnnkit.fit.__doc__.split())
    for words in ("overwrite=True", "resume=True", 'stopped="interrupted"', "KeyboardInterrupt", "model_dir()",
                  "TypeError", "thread count"):
        assert words in doc, words


def test_drawing_a_png_leaves_pyplot_s_backend_and_figures_to_the_caller(tmp_path) -> None:
    """Every fit draws ``OUT/loss.png``; drawing called ``matplotlib.use("Agg")``, which switched the whole
    process's backend: a notebook's inline figures stopped showing after its first ``rnnkit.fit``
    (``plt.show()`` warned that Agg is non-interactive). The backend, and pyplot's open figures, stay the user's."""
    import matplotlib
    import matplotlib.pyplot as plt

    from rnnkit.plots import lr_find_png

    before = matplotlib.get_backend()
    plt.switch_backend("svg")  # the user's backend (a notebook's is matplotlib_inline's)
    try:
        mine = plt.figure()
        lr_find_png([1e-3, 1e-2, 1e-1], [2.0, 1.0, 3.0], 1e-2, tmp_path / "lr.png")
        assert matplotlib.get_backend() == "svg"
        assert plt.get_fignums() == [mine.number]
        assert (tmp_path / "lr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        plt.close("all")
        plt.switch_backend(before)


def test_a_notebook_s_float64_default_neither_trains_nor_loads_a_float64_model(tmp_path) -> None:
    """After ``torch.set_default_dtype(torch.float64)`` in a notebook, ``rnnkit.fit`` trained a float64 model under
    ``precision="fp32"`` and saved it so: ``rnnkit train --resume`` failed on it inside torch's kernel, and a model
    loaded there exported an ONNX file onnxruntime could not run. Both build float32 now, and the caller's default
    dtype is back after each."""
    import torch
    from safetensors import safe_open

    import rnnkit

    text = tmp_path / "abc.txt"
    text.write_text("abcdefghij" * 40)
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        rnnkit.fit("charlm", data=text, out=tmp_path / "run", hidden=8, embed_dim=4, seq_len=8, batch_size=2,
                   steps=2, verbose=False)
        assert torch.get_default_dtype() == torch.float64
        with safe_open(str(tmp_path / "run" / "last" / "model.safetensors"), "pt") as saved:
            assert {saved.get_tensor(k).dtype for k in saved.keys()} == {torch.float32}  # noqa: SIM118
        lm = rnnkit.load(tmp_path / "run")
        assert torch.get_default_dtype() == torch.float64
        assert {p.dtype for p in lm.model.parameters()} == {torch.float32}
        assert len(lm.sample(prime="ab", length=3, temperature=0)) == 5  # and it runs under the caller's float64
    finally:
        torch.set_default_dtype(before)


def test_a_best_folder_of_the_user_s_own_files_is_not_taken_by_a_run(tmp_path) -> None:
    """``rnnkit.fit(..., out=".")`` from a project folder that has a ``best/`` of its own (or ``rnnkit train --out``
    there) replaced that folder whole at the run's first save: the user's files in it were gone without a word.
    It is refused as a ``metrics.jsonl`` already there is; an empty one is no loss and is taken."""
    from rnnkit.errors import UserError
    from rnnkit.train.trainer import check_out_dir

    (tmp_path / "best").mkdir()
    check_out_dir(tmp_path)  # empty: nothing to lose
    (tmp_path / "best" / "mine.txt").write_text("my notes\n")
    with pytest.raises(UserError, match=r"holds a best/ that is not a checkpoint \(no config.json"):
        check_out_dir(tmp_path)
    check_out_dir(tmp_path, overwrite=True)  # asked for


def test_a_fit_and_a_dynamic_score_train_though_the_notebook_turned_autograd_off(tmp_path) -> None:
    """``torch.set_grad_enabled(False)`` in an earlier cell (or a fit inside ``torch.no_grad()``) made ``rnnkit.fit``
    fail at its first step with torch's ``element 0 of tensors does not require grad``, and so did
    ``score(dynamic=True)``, which trains a copy of the model; under ``inference_mode`` a loaded model's weights
    could not be trained at all. Each turns autograd on for itself now, and the caller's mode is back after."""
    import torch

    import rnnkit

    text = tmp_path / "abc.txt"
    text.write_text("abcdefghij" * 40)
    with torch.no_grad():
        result = rnnkit.fit("charlm", data=text, out=tmp_path / "run", hidden=8, embed_dim=4, seq_len=8,
                            batch_size=2, steps=2, verbose=False)
        assert not torch.is_grad_enabled()
    assert result.stopped == "steps"
    lm = rnnkit.load(tmp_path / "run")
    expected = lm.score("abcabcabd", dynamic=True, segment=2)["log_prob"]
    with torch.no_grad():
        assert lm.score("abcabcabd", dynamic=True, segment=2)["log_prob"] == expected
    with torch.inference_mode():
        assert lm.score("abcabcabd", dynamic=True, segment=2)["log_prob"] == expected
        loaded_there = rnnkit.load(tmp_path / "run")
        assert torch.is_inference_mode_enabled()
    assert loaded_there.score("abcabcabd", dynamic=True, segment=2)["log_prob"] == expected


def test_a_crf_s_marginals_under_a_caller_s_inference_mode() -> None:
    """A CRF tagger's ``token_probabilities`` (the marginals, the gradient of log Z) called under the caller's
    ``torch.inference_mode()`` failed with torch's ``element 0 of tensors does not require grad``; ``no_grad`` was
    handled, inference mode not. The same marginals come now."""
    import torch

    from rnnkit.models.crf import LinearChainCRF

    torch.manual_seed(0)
    crf = LinearChainCRF(3)
    emissions, mask = torch.randn(2, 4, 3), torch.tensor([[True] * 4, [True, True, False, False]])
    expected = crf.marginals(emissions, mask)
    with torch.inference_mode():
        got = crf.marginals(emissions.clone(), mask.clone())
        assert torch.is_inference_mode_enabled()
    assert torch.allclose(got, expected)
    assert torch.allclose(got.sum(-1), mask.float())


def test_matplotlib_is_imported_where_a_ctrl_c_only_asks_the_run_to_stop(tmp_path, monkeypatch) -> None:
    """The loss plot imported matplotlib at the run's end, after the Ctrl-C that stops it and its handler were gone:
    a notebook user's second Ctrl-C while the run saved landed in that import (a second or more on a first use)
    and left matplotlib half-imported for the session, every later ``loss.png`` (and the user's own pyplot) failing
    with ``module 'matplotlib' has no attribute 'get_data_path'``. It is imported before the first step now, under
    the handler that turns a Ctrl-C into a request to stop."""
    import signal

    import rnnkit
    from rnnkit import plots

    seen: list[str] = []
    monkeypatch.setattr(plots, "load_matplotlib",
                        lambda: seen.append(getattr(signal.getsignal(signal.SIGINT), "__name__", "")), raising=False)
    text = tmp_path / "abc.txt"
    text.write_text("abcdefghij" * 40)
    rnnkit.fit("charlm", data=text, out=tmp_path / "run", hidden=8, embed_dim=4, seq_len=8, batch_size=2, steps=2,
               verbose=False)
    assert seen == ["request_stop"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert (tmp_path / "run" / "loss.png").is_file()
