"""Report pages: one self-contained HTML file that shows what a run learned (``rnnkit report RUN``).

What a user gets: :func:`write_report` writes ``RUN/report.html``, or the file ``output`` names (a run on a
read-only share), whole or not at all (Plotly and every datum inline; no server, no network). Every trained
run gets its configuration, learning curves, parameter count and training time; a task with a section of its
own adds it (:data:`SECTIONS`): the character LM its units, gates, samples and per-character loss; the
classifier and tagger their scores, confusion matrix and most confident mistakes (a multi-label classifier its
scores, per-label bars and mistakes); the translator attention heat maps; the speech recogniser spectrograms
with the CTC alignment of each symbol; the captioner where it looked for each word. An ``rnnkit experiment``
or ``rnnkit diagnose`` directory gets its curves.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.tabular import refuse_workbook
from rnnkit.device import resolve_device
from rnnkit.errors import UserError, check_count, refuse_empty_name, report_warnings, speaking_python, warn
from rnnkit.files import Reads, blocked_line, file_in_the_way, output_name, write_refusal
from rnnkit.report.page import Page, escape
from rnnkit.train.checkpoint import REPORT_PAGE, Checkpoint, refuse_run_output
from rnnkit.train.provenance import located

__all__ = ["OPTIONS", "SECTIONS", "check_options", "page_path", "write_report"]

#: task name -> ``add(page, run, task_object, options)``: the sections a task adds after the common ones
SECTIONS: dict[str, Callable[[Page, Path, Any, dict[str, Any]], None]] = {}


def _charlm(page: Page, run: Path, obj: Any, options: dict[str, Any]) -> None:
    from rnnkit.report import charlm

    charlm.add_sections(page, run, obj, options.get("text"), options.get("chars") or 2000)


def _classify(page: Page, run: Path, obj: Any, options: dict[str, Any]) -> None:
    from rnnkit.report import classify

    classify.add_sections(page, run, obj, options.get("data"), options.get("threshold"))


def _seq2seq(page: Page, run: Path, obj: Any, options: dict[str, Any]) -> None:
    from rnnkit.report import seq2seq

    seq2seq.add_sections(page, run, obj, options.get("data"))


def _speech(page: Page, run: Path, obj: Any, options: dict[str, Any]) -> None:
    from rnnkit.report import speech

    speech.add_sections(page, run, obj, options.get("data"))


def _caption(page: Page, run: Path, obj: Any, options: dict[str, Any]) -> None:
    from rnnkit.report import caption

    caption.add_sections(page, run, obj, options.get("data"))


SECTIONS.update({"charlm": _charlm, "classify": _classify, "tag": _classify, "seq2seq": _seq2seq,
                 "speech": _speech, "caption": _caption})

#: each option of :func:`write_report`: its flag, and the tasks whose sections read it
OPTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "text": ("--text", frozenset({"charlm"})),
    "chars": ("--chars", frozenset({"charlm"})),
    "data": ("--data", frozenset({"classify", "tag", "seq2seq", "speech", "caption"})),
    "threshold": ("--threshold", frozenset({"classify"})),
}


def check_options(run: Path, kind: str, options: dict[str, Any]) -> None:
    """Refuse, in one line, an option given for a page that would not read it (``--data`` for a character
    LM, ``--text`` for a classifier, any of them for an experiment): ``kind`` is the run's task, or
    ``"experiment"`` for an ``rnnkit experiment`` or ``diagnose`` directory."""
    for key, (flag, tasks) in OPTIONS.items():
        if options.get(key) is not None and kind not in tasks:
            what = results_folder(run) if kind == "experiment" else f"a {kind!r} run"
            raise UserError(f"{flag}: {run} is {what}; {flag} applies only to a run of "
                            f"{', '.join(sorted(tasks))}")


def experiment_run(run: Path) -> bool:
    """Whether ``run`` is an ``rnnkit experiment`` or ``diagnose`` directory, whose page reads its results and runs
    no model (a results.json beside a model is the user's)."""
    model = (run / "best").is_dir() or (run / "config.json").is_file()
    return not model and ((run / "results.json").is_file() or (run / "diagnose.json").is_file())


def results_folder(run: Path) -> str:
    """What :func:`experiment_run` ``run`` is, as a user names it: a ``diagnose`` or an ``experiment`` directory."""
    return "a diagnose directory" if (run / "diagnose.json").is_file() else "an experiment directory"


def warn_no_model(run: Path, given: str) -> None:
    """Warn that ``given`` (``--device cuda``, ``--threads 4``), a setting of where a model runs, goes unused on
    the page of experiment or diagnose directory ``run``, which runs none (a script that reports every run with one is
    kept)."""
    with report_warnings():
        warn(f"{given}: {run} is {results_folder(run)}, whose page runs no model; it is not used")


#: what ``rnnkit report RUN`` reads, as its refusals say it
RUN_WANTED = "a run directory of `rnnkit train`, `rnnkit experiment` or `rnnkit diagnose`"


def run_dir(path: str | Path) -> Path:
    """The run directory of ``path``: itself, or the run above a checkpoint (``OUT/best`` → ``OUT``). An empty name
    (an unset shell variable) is refused as one: ``Path("")`` is the working directory, which was named as ``.: not
    a model directory``."""
    refuse_empty_name(path, RUN_WANTED)
    path = Path(path)
    if not path.is_dir():
        what = "a file" if path.exists() else "no such directory"
        raise UserError(f"{path}: {what}; expected {RUN_WANTED}")
    from rnnkit.train.checkpoint import run_folder

    run = run_folder(path)
    if not experiment_run(run) and not any((run / n).exists() for n in ("config.json", "model.safetensors", "best",
                                                                         "last")):
        # load_checkpoint's "not a model directory" told the user of an experiment's folder it is not one
        raise UserError(f"{run}: no run in it (config.json and model.safetensors, results.json or diagnose.json); "
                        f"expected {RUN_WANTED}")
    return run


def write_report(path: str | Path, *, output: str | Path | None = None, text: str | None = None,
                 data: str | None = None, chars: int | None = None, threshold: float | None = None,
                 device: str = "cpu") -> Path:
    """Write ``RUN/report.html`` for the run in ``path`` (or the file ``output``, for a run that cannot be
    written into) and return its path. ``text`` (a UTF-8 file) is
    what a character LM's units are shown on (default: its validation split), ``chars`` how many of its
    characters (default 2000); ``data`` the labelled file a classifier or tagger is scored on, the pairs
    file a translator's attention is shown on, or the corpus folder a recogniser's alignments are shown on
    (default: the run's validation data); ``threshold`` the one a multi-label classifier is scored at (default
    ``evaluate``'s, 0.5; refused for any other run); ``device`` where the model scores, traces and decodes
    (``cpu``, the default, as ``rnnkit evaluate``'s; ``cuda``, ``cuda:N`` or ``auto``: see
    :func:`rnnkit.device.resolve_device`; checked before the run is read; warned of for an experiment's page, which runs
    no model). An option the run's page does not
    read is a :class:`UserError`; so, before any work, is an ``output`` that is a folder, a file the page is
    made from, or inside the run's ``best/`` or ``last/`` (which a save replaces), and a run that cannot be
    written into when no ``output`` is given (:func:`page_path`), and so is an empty name of ``text`` or ``data``.
    Its errors and warnings name these keywords (``text``), where ``rnnkit report`` names its flags (``--text``)."""
    with speaking_python(lambda: dict.fromkeys(("output", "text", "data", "chars", "threshold", "device"), False)):
        return _write_report(path, output=output, text=text, data=data, chars=chars, threshold=threshold,
                             device=device)


def _write_report(path: str | Path, *, output: str | Path | None, text: str | None, data: str | None,
                  chars: int | None, threshold: float | None, device: str) -> Path:
    """:func:`write_report`, in the words of whoever called it."""
    try:
        import plotly  # noqa: F401
    except ImportError:
        raise UserError("report pages need plotly: pip install 'rnnkit[report]' (or pip install plotly)") from None
    # the options' kinds before the run is read: text=5 or chars=True failed inside the page, and was blamed on
    # the run's files ("the run was edited or damaged")
    for name, value, what in (("output", output, "the name of an HTML file to write"), ("text", text, "a text file"),
                              ("data", data, "a data file or folder")):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise UserError(f"write_report: {name} {value!r}: expected {what} (a str or a path) or None")
    for flag, value in (("--text", text), ("--data", data)):  # '' was the working directory, named
        refuse_empty_name(value, "the file to read", flag)  # as "--output PAGE: is the --text being read"
    chars = None if chars is None else check_count("chars", chars, 1)  # 0 or -5 showed an empty or cut text
    where = resolve_device(device)  # a GPU asked for where there is none: one line, before any work
    run = run_dir(path)
    options = {"text": text, "data": data, "chars": chars, "threshold": threshold}
    try:
        if experiment_run(run):
            from rnnkit.report.experiments import experiment_page

            check_options(run, "experiment", options)
            if str(device) != "cpu":
                warn_no_model(run, f"--device {device}")
            target = page_path(run, output, [(f"the {name} being read", run / name)
                                             for name in ("results.json", "diagnose.json", "diagnose.md")])
            return experiment_page(run).write(target)
        from rnnkit.train.checkpoint import load_checkpoint

        ckpt = load_checkpoint(run)
        check_options(run, str(ckpt.config.get("task", "?")), options)
        target = page_path(run, output, _model_reads(ckpt, options))
        return _model_page(run, ckpt, options, where).write(target)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        # the run's files were checked for their keys, not for every value's type: a file edited by hand
        # (a mean of "x", a list where a table belongs) is named in one line, not shown as a traceback
        said = str(exc).splitlines()[0] if str(exc) else repr(exc)
        raise UserError(f"{run}: its files hold values rnnkit does not write ({type(exc).__name__}: {said}); the run "
                        "was edited or damaged") from None


def page_path(run: Path, output: str | Path | None, reads: Reads) -> Path:
    """Where the page of ``run`` goes, checked before any work: ``RUN/report.html``, refused in one line that
    says to give ``--output`` where ``run`` cannot be written into (a read-only share, another user's run); or
    ``output``, refused when it is a folder, one of the ``reads`` (the files the page is made from), a run's
    own file or inside its ``best/``, ``last/`` or ``autotune/`` (:func:`rnnkit.train.checkpoint.refuse_run_output`;
    the run's own ``report.html`` by any name is where the page belongs), or where no file can be written."""
    page = run / REPORT_PAGE
    if output is None:
        if (refusal := write_refusal(page, "give --output FILE to write the page elsewhere")) is not None:
            raise refusal
        return output_name(page)  # a folder there: one line now, not after the work
    target = output_name(output, "--output", "an HTML file", reads)
    refuse_workbook(output, "--output", "the report is written as an HTML page (name it .html)")
    if os.path.realpath(target) != os.path.realpath(page):
        refuse_run_output(target, "--output")
        refuse_results_output(target, output)
    if (blocker := file_in_the_way(target.parent)) is not None:
        raise UserError(f"--output {os.fspath(output)}: {blocked_line(blocker, target.parent)}")
    if (refusal := write_refusal(target, "give another --output")) is not None:
        raise refusal
    return target


def refuse_results_output(target: Path, output: str | Path) -> None:
    """Refuse, in one line, an ``--output`` that is a result an ``rnnkit experiment`` or ``diagnose`` directory holds
    (results.md, curves.png, a PNG of diagnose ...), of the run reported or any other: ``rnnkit report RUN --output
    RUN/results.md`` replaced the experiment's table with the page, without a word."""
    from rnnkit.tasks._experiment_results import RESULT_FILES
    from rnnkit.tasks.diagnose import FILES

    folder = Path(os.path.realpath(target)).parent
    if target.name in {*RESULT_FILES, *FILES} and experiment_run(folder):
        raise UserError(f"--output {os.fspath(output)}: is the {target.name} of {results_folder(folder)}, which the "
                        "page would replace; give another --output")


def _model_reads(ckpt: Checkpoint, options: dict[str, Any]) -> Reads:
    """What a model's page is made from, which its ``--output`` must not replace: the model's files (and the
    run's other checkpoint's), the ``--text`` or ``--data`` given, and the data files the run records."""
    record = ckpt.config.get("data")
    recorded = [located(record, key) for key in ("train", "val")] if isinstance(record, dict) else []
    return [*ckpt.reads, ("the --text being read", options.get("text")), ("the --data being read", options.get("data")),
            *(("the run's data being read (as config.json records it)", p) for p in recorded
              if isinstance(p, str) and Path(p).exists())]


def _model_page(run: Path, ckpt: Checkpoint, options: dict[str, Any], device: torch.device) -> Page:
    from rnnkit.report.run import config_section, curves_section, overview_section
    from rnnkit.tasks import discover, get_task
    from rnnkit.train.checkpoint import load_checkpoint

    last = load_checkpoint(run, prefer="last") if (run / "last").is_dir() else None
    name = str(ckpt.config.get("task", "?"))
    page = Page(f"rnnkit report: {name} run {run.resolve().name}")
    page.add("Run", overview_section(ckpt, last))
    page.add("Learning curves", curves_section(run))
    discover()  # a task's own file may register its section: import every task before looking it up
    add = SECTIONS.get(name)
    if add is not None:
        model = get_task(name, str(ckpt.path / "config.json")).load(ckpt)
        if isinstance(network := getattr(model, "model", None), torch.nn.Module):
            network.to(device)  # a task's object holds its network as .model, read on the CPU (as the verbs do)
        try:
            with report_warnings():  # an image over Pillow's decompression-bomb limit ...: one line naming it
                add(page, run, model, options)
        except UserError as exc:
            if any(options.get(key) is not None for key in ("text", "data", "threshold")):
                raise  # the user's own file or threshold: say what is wrong with it
            # the run's data moved or was never kept: the page still shows the rest
            page.add("What the model learned", f'<p class="note">Not shown: {escape(exc)}</p>')
    page.add("Configuration", config_section(ckpt))
    return page
