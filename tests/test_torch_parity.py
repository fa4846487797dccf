"""PyTorch's own tests of ``torch.nn.RNN`` / ``GRU`` / ``LSTM``, run on rnnkit's drop-ins and on torch.nn.

Every test takes ``impl`` (through the ``make`` factory): ``torch.nn`` is the control (PyTorch's own module,
the test as PyTorch runs it), ``rnnkit-auto`` is ``rnnkit.LSTM(..., impl="auto")`` (torch's fused kernels)
and ``rnnkit-reference`` is ``impl="reference"`` (rnnkit's per-step loop over the cell's math). A test that
passes on the control must pass on both rnnkit paths. Tests of rnnkit's extensions (``lengths=``,
``state=``, ``impl=``, ``cell_options=``) run on the two rnnkit paths only and compare with torch.nn.

Sources, ported with their assertions:

- ``torch/testing/_internal/common_modules.py`` of the installed torch: the sample generators
  ``module_inputs_torch_nn_RNN_GRU`` (``with_packed_sequence=True``), ``module_inputs_torch_nn_LSTM``,
  ``module_error_inputs_torch_nn_RNN_GRU`` (also LSTM's) and the no-batch-dim reference functions. They are
  read from that file and run unchanged (importing the module itself needs ``expecttest`` and builds the
  whole OpInfo database, ~6 s), the module class swapped for the one under test.
- ``test/test_modules.py`` (``TestModule``), the checks that run on CPU: test_forward, test_factory_kwargs,
  test_repr, test_pickle, test_non_contiguous_tensors, test_grad / test_gradgrad,
  test_if_train_and_eval_modes_differ, test_device_ctx_init, test_errors.
- ``test/test_nn.py``, the CPU tests of the module API: test_rnn_args_check,
  test_projections_lstm_args_check, test_rnn_initial_hidden_state,
  test_projections_lstm_initial_hidden_state, test_projections_errors_on_gru_and_rnn,
  test_cudnn_forward_exception (runs on CPU), test_RNN_nonlinearity(_passed_as_arg), test_RNN_dropout,
  test_RNN_dropout_state, test_RNN_change_dropout (cuDNN-gated upstream, but they also run the CPU module),
  test_error_RNN_seq_len_zero, test_RNN_input_size_zero, test_rnn_retain_variables, test_variable_sequence,
  test_LSTM/GRU_grad_and_gradgrad and test_LSTM_differentiable_backward_using_oneDNN (compared with
  torch.nn instead of oneDNN on/off). The cell tests (test_RNN_cell*, ``nn.LSTMCell``) are not ported: rnnkit
  has no drop-in cell classes.
- ``torch/nn/modules/rnn.py`` itself, for what ``RNNBase`` does that those files do not test (a state of another
  dtype, an empty batch, copies, ``functional_call``, ``assign=True`` and ``to_empty``, pruning and weight-norm
  hooks, half and bfloat16 modules, frozen parameters, forward-mode AD), run side by side with torch.nn; then
  the differences TORCH_COMPAT.md lists, held to what it says.

On top of that, parity: every sample also runs on torch.nn with the same state dict, and outputs
(PackedSequence fields included), final states and gradients must match.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import math
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from copy import deepcopy
from enum import Enum
from functools import partial, wraps
from inspect import isgenerator
from itertools import product
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
import torch.utils._pytree as pytree
from torch import Tensor, nn
from torch.nn.utils import rnn as rnn_utils
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence
from torch.testing import assert_close, make_tensor

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KINDS = ("RNN", "GRU", "LSTM")
IMPLS = ("torch.nn", "rnnkit-auto", "rnnkit-reference")
RNNKIT_IMPLS = IMPLS[1:]
FLOATS = (torch.float32, torch.float64)
#: TestModule's tolerance (``precision = rel_tol = 1e-5`` in test_modules.py); also used for parity.
TOL = {"atol": 1e-5, "rtol": 1e-5}


# ------------------------------------------------------------------------------------------------------
# PyTorch's sample generators, read from the installed common_modules.py and run as they are
# ------------------------------------------------------------------------------------------------------
_COMMON_MODULES = Path(torch.testing.__file__).parent / "_internal" / "common_modules.py"
_PORTED = (
    "FunctionInput",
    "ModuleInput",
    "ModuleErrorEnum",
    "ErrorModuleInput",
    "make_packed_sequence",
    "no_batch_dim_reference_rnn_gru",
    "no_batch_dim_reference_lstm",
    "module_inputs_torch_nn_RNN_GRU",
    "module_inputs_torch_nn_LSTM",
    "module_error_inputs_torch_nn_RNN_GRU",
)


@contextlib.contextmanager
def freeze_rng_state() -> Iterator[None]:
    """common_utils.freeze_rng_state on CPU: the RNG state is restored on exit."""
    state = torch.get_rng_state()
    try:
        yield
    finally:
        torch.set_rng_state(state)


def _load_torch_generators() -> SimpleNamespace:
    tree = ast.parse(_COMMON_MODULES.read_text(), filename=str(_COMMON_MODULES))
    found = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in _PORTED
    }
    missing = [name for name in _PORTED if name not in found]
    assert not missing, f"{_COMMON_MODULES} no longer defines {missing}; update this port"
    namespace: dict[str, Any] = {
        "torch": torch,
        "partial": partial,
        "product": product,
        "wraps": wraps,
        "deepcopy": deepcopy,
        "Enum": Enum,
        "make_tensor": make_tensor,
        "pack_padded_sequence": pack_padded_sequence,
        "freeze_rng_state": freeze_rng_state,
    }
    code = compile(ast.Module(body=[found[name] for name in _PORTED], type_ignores=[]), str(_COMMON_MODULES), "exec")
    exec(code, namespace)
    return SimpleNamespace(**{name: namespace[name] for name in _PORTED})


cm = _load_torch_generators()

_GENERATORS: dict[str, Callable[..., list[Any]]] = {
    "RNN": partial(cm.module_inputs_torch_nn_RNN_GRU, None, is_rnn=True, with_packed_sequence=True),
    "GRU": partial(cm.module_inputs_torch_nn_RNN_GRU, None, is_rnn=False, with_packed_sequence=True),
    "LSTM": partial(cm.module_inputs_torch_nn_LSTM, None),
}


def module_inputs(kind: str, *, dtype: torch.dtype = torch.float32, requires_grad: bool = False,
                  training: bool = True, device: str | None = "cpu", packed: bool = True) -> list[Any]:
    """torch's samples for ``kind`` (the same tensors on every call: the generator is seeded). ``packed=False``:
    without the PackedSequence samples, as the ModuleInfo entries of module_db have them."""
    with freeze_rng_state():
        torch.manual_seed(20240613)
        generator = _GENERATORS[kind] if packed or kind == "LSTM" else partial(
            _GENERATORS[kind], with_packed_sequence=False)
        return generator(device=device, dtype=dtype, requires_grad=requires_grad, training=training)


@functools.cache
def _cached_inputs(kind: str, dtype: torch.dtype, requires_grad: bool, training: bool) -> list[Any]:
    return module_inputs(kind, dtype=dtype, requires_grad=requires_grad, training=training)


def one_input(kind: str, index: int, *, dtype: torch.dtype = torch.float32, requires_grad: bool = False,
              training: bool = True) -> Any:
    """``module_inputs(...)[index]``, a private copy (generating every sample each time costs more)."""
    return deepcopy(_cached_inputs(kind, dtype, requires_grad, training)[index])


def is_packed(sample: Any) -> bool:
    return isinstance(sample.forward_input.args[0], PackedSequence)


def describe(kind: str, sample: Any) -> str:
    c = sample.constructor_input.kwargs
    parts = [kind]
    if "nonlinearity" in c:
        parts.append(c["nonlinearity"])
    parts.append("bias" if c["bias"] else "nobias")
    parts.append("batch_first" if c["batch_first"] else "seq_first")
    parts.append("bidir" if c["bidirectional"] else "unidir")
    if c.get("proj_size"):
        parts.append(f"proj{c['proj_size']}")
    parts.append(f"H{c['hidden_size']}")
    first = sample.forward_input.args[0]
    parts.append(f"packed_B{int(first.batch_sizes[0])}" if isinstance(first, PackedSequence) else "unbatched")
    if len(sample.forward_input.args) > 1:
        parts.append("hx")
    return "-".join(parts)


SAMPLES = [(kind, i, describe(kind, s)) for kind in KINDS for i, s in enumerate(module_inputs(kind))]
assert len({d for _, _, d in SAMPLES}) == len(SAMPLES)
SAMPLE_PARAMS = [pytest.param(kind, i, id=desc) for kind, i, desc in SAMPLES]


# ------------------------------------------------------------------------------------------------------
# the implementation under test
# ------------------------------------------------------------------------------------------------------
def build(impl: str, kind: str, *args: Any, **kwargs: Any) -> nn.Module:
    """``torch.nn.<kind>(*args, **kwargs)`` for the control, ``rnnkit.<kind>(*args, **kwargs, impl=...)`` else."""
    if impl == "torch.nn":
        return getattr(nn, kind)(*args, **kwargs)
    import rnnkit

    return getattr(rnnkit, kind)(*args, impl=impl.removeprefix("rnnkit-"), **kwargs)


@pytest.fixture(params=IMPLS)
def impl(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make(impl: str) -> Callable[..., nn.Module]:
    return partial(build, impl)


@pytest.fixture(params=RNNKIT_IMPLS)
def rnnkit_make(request: pytest.FixtureRequest) -> Callable[..., nn.Module]:
    return partial(build, request.param)


# ------------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------------
def assert_same(actual: Any, expected: Any, what: str = "output", **tol: float) -> None:
    """Equal structure and values; a PackedSequence's data, batch_sizes and (un)sorted_indices too."""
    if isinstance(expected, PackedSequence):
        assert isinstance(actual, PackedSequence), f"{what}: expected a PackedSequence, got {type(actual).__name__}"
        assert_close(actual.data, expected.data, msg=lambda m: f"{what}.data: {m}", **tol)
        for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
            a, e = getattr(actual, field), getattr(expected, field)
            if e is None:
                assert a is None, f"{what}.{field}: expected None, got {a}"
            else:
                assert_close(a, e, rtol=0, atol=0, msg=lambda m, f=field: f"{what}.{f}: {m}")
    elif isinstance(expected, tuple):
        assert isinstance(actual, tuple), f"{what}: expected a tuple, got {type(actual).__name__}"
        assert len(actual) == len(expected), f"{what}: expected {len(expected)} items, got {len(actual)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{what}[{i}]", **tol)
    elif isinstance(expected, Tensor):
        assert isinstance(actual, Tensor), f"{what}: expected a tensor, got {type(actual).__name__}"
        assert_close(actual, expected, msg=lambda m: f"{what}: {m}", **tol)
    else:
        assert actual == expected, f"{what}: {actual!r} != {expected!r}"


def fresh(obj: Any, requires_grad: bool = True) -> Any:
    """The same values as new leaf tensors (a PackedSequence keeps its indices)."""
    if isinstance(obj, PackedSequence):
        return PackedSequence(fresh(obj.data, requires_grad), obj.batch_sizes, obj.sorted_indices,
                              obj.unsorted_indices)
    if isinstance(obj, tuple):
        return tuple(fresh(o, requires_grad) for o in obj)
    if isinstance(obj, Tensor):
        return obj.detach().clone().requires_grad_(requires_grad and obj.is_floating_point())
    return obj


def leaves(obj: Any) -> list[Tensor]:
    """The differentiable tensors of an input or output structure (a PackedSequence's data)."""
    if isinstance(obj, PackedSequence):
        return leaves(obj.data)
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in leaves(o)]
    if isinstance(obj, Tensor) and obj.is_floating_point():
        return [obj]
    return []


def state(kind: str, layers: int, batch: int | None, hidden: int, proj: int = 0, **kw: Any) -> Any:
    """A random initial state for ``kind``: h, or (h, c) for the LSTM (h of size proj_size when set)."""
    lead = (layers,) if batch is None else (layers, batch)
    h = torch.randn(*lead, proj or hidden, **kw)
    return (h, torch.randn(*lead, hidden, **kw)) if kind == "LSTM" else h


def copy_of_torch(kind: str, mod: nn.Module, *args: Any, **kwargs: Any) -> nn.Module:
    """torch.nn's module built with the same arguments, carrying ``mod``'s parameters."""
    ref = getattr(nn, kind)(*args, **kwargs)
    ref.load_state_dict(mod.state_dict())
    return ref.to(next(mod.parameters()).dtype).train(mod.training)


# ======================================================================================================
# test/test_modules.py (TestModule), on torch's samples
# ======================================================================================================
@pytest.mark.parametrize(("kind", "index"), SAMPLE_PARAMS)
def test_forward(make: Callable[..., nn.Module], kind: str, index: int) -> None:
    """TestModule.test_forward: the output of an unbatched input equals the reference (batched, squeezed)."""
    dtype_to_method_caller = {torch.float32: "float", torch.float64: "double"}
    for dtype, training in product(FLOATS, (True, False)):
        module_input = one_input(kind, index, dtype=dtype, training=training)
        with freeze_rng_state():
            args, kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
            m = make(kind, *args, **kwargs)
            m.to("cpu").to(dtype)
            m.train(training)

            args, kwargs = module_input.forward_input.args, module_input.forward_input.kwargs
            outputs = m(*args, **kwargs)

            # the generators attach the no-batch-dim reference to their PackedSequence samples too, where
            # it cannot run (a PackedSequence has no unsqueeze) on torch.nn either: those forwards are
            # checked against torch.nn in test_parity_with_torch_nn instead
            if module_input.reference_fn is not None and not is_packed(module_input):
                ref_outputs = module_input.reference_fn(m, *args, **kwargs)
                assert_same(outputs, ref_outputs, **TOL)

            getattr(m, dtype_to_method_caller[dtype])()
            m(*args, **kwargs)
            for name, p in [*m.named_parameters(), *m.named_buffers()]:
                assert p.device == torch.device("cpu"), f"{name} on {p.device}"
                if p.dtype.is_floating_point:
                    assert p.dtype == dtype, f"{name} is {p.dtype}, expected {dtype}"


@pytest.mark.parametrize(("kind", "index"), SAMPLE_PARAMS)
def test_parity_with_torch_nn(make: Callable[..., nn.Module], kind: str, index: int) -> None:
    """Same arguments, torch's state dict loaded: outputs, final states and every gradient match torch.nn."""
    for dtype, training in product(FLOATS, (True, False)):
        sample = one_input(kind, index, dtype=dtype, requires_grad=True, training=training)
        c = sample.constructor_input
        torch.manual_seed(index)
        ref = getattr(nn, kind)(*c.args, **c.kwargs).to(dtype).train(training)
        mod = make(kind, *c.args, **c.kwargs).to(dtype).train(training)
        mod.load_state_dict(ref.state_dict())  # strict: the same names and shapes

        args_ref, args_mod = fresh(sample.forward_input.args), fresh(sample.forward_input.args)
        out_ref, out_mod = ref(*args_ref), mod(*args_mod)
        where = f"{dtype}, {'train' if training else 'eval'}"
        assert_same(out_mod, out_ref, f"output ({where})", **TOL)

        flat_ref, flat_mod = leaves(out_ref), leaves(out_mod)
        torch.manual_seed(1)
        grads = [torch.randn_like(t) for t in flat_ref]
        torch.autograd.backward(flat_ref, grads)
        torch.autograd.backward(flat_mod, grads)
        for i, (a, e) in enumerate(zip(leaves(args_mod), leaves(args_ref), strict=True)):
            assert_same(a.grad, e.grad, f"grad of input {i} ({where})", **TOL)
        params_ref, params_mod = dict(ref.named_parameters()), dict(mod.named_parameters())
        assert list(params_mod) == list(params_ref)
        for name, p in params_ref.items():
            assert_same(params_mod[name].grad, p.grad, f"grad of {name} ({where})", **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_factory_kwargs(make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_factory_kwargs: device= and dtype= reach every parameter."""
    for dtype in FLOATS:
        for module_input in module_inputs(kind, dtype=dtype):
            args, kwargs = module_input.constructor_input.args, dict(module_input.constructor_input.kwargs)
            kwargs.update({"device": "cpu", "dtype": dtype})
            m = make(kind, *args, **kwargs)
            for name, p in [*m.named_parameters(), *m.named_buffers()]:
                assert p.device == torch.device("cpu"), f"{name} on {p.device}"
                if p.dtype.is_floating_point:
                    assert p.dtype == dtype, f"{name} is {p.dtype}, expected {dtype}"


@pytest.mark.parametrize("kind", KINDS)
def test_repr(make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_repr: repr and str do not raise."""
    for training in (True, False):
        for module_input in module_inputs(kind, training=training):
            m = make(kind, *module_input.constructor_input.args, **module_input.constructor_input.kwargs)
            m.to("cpu").to(torch.float32)
            m.train(training)
            m.__repr__()
            str(m)


@pytest.mark.parametrize("kind", KINDS)
def test_pickle(make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_pickle: torch.save / torch.load of the module gives the same output."""
    for training in (True, False):
        for module_input in module_inputs(kind, training=training):
            with freeze_rng_state():
                args, kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
                m = make(kind, *args, **kwargs)
                m.to("cpu").to(torch.float32)
                m.train(training)
                args, kwargs = module_input.forward_input.args, module_input.forward_input.kwargs
                output = m(*args, **kwargs)
                with tempfile.TemporaryFile() as f:
                    torch.save(m, f)
                    f.seek(0)
                    m_copy = torch.load(f, weights_only=False)
                    output_from_copy = m_copy(*args, **kwargs)
                    assert_same(output_from_copy, output, describe(kind, module_input), **TOL)


def _traverse_obj(obj: Any, func: Callable[[Tensor], Any]) -> Any:
    if isinstance(obj, (tuple, list)):
        return type(obj)(_traverse_obj(o, func) for o in obj)
    elif isgenerator(obj):
        return tuple(_traverse_obj(o, func) for o in obj)
    elif isinstance(obj, dict):
        return {name: _traverse_obj(o, func) for name, o in obj.items()}
    elif isinstance(obj, (torch.Tensor, torch.nn.Parameter)):
        return func(obj)


def _retain_grad(obj: Any) -> None:
    def inner_retain_grad(obj: Tensor) -> None:
        if obj.requires_grad:
            obj.retain_grad()

    _traverse_obj(obj, inner_retain_grad)


def _get_grads(obj: Any) -> Any:
    def inner_get_grad(obj: Tensor) -> Tensor | None:
        if obj.requires_grad:
            return obj.grad
        return None

    return _traverse_obj(obj, inner_get_grad)


def _zero_grad(obj: Any) -> None:
    def inner_zero_grad(obj: Tensor) -> None:
        if obj.grad is not None:
            obj.grad = None

    _traverse_obj(obj, inner_zero_grad)


def _make_non_contiguous(obj: Any) -> Any:
    def inner_make_non_contiguous(obj: Any) -> Any:
        # Scalar tensors can not be made non-contiguous
        if not isinstance(obj, torch.Tensor) or obj.dim() == 0:
            return obj
        out = torch.repeat_interleave(obj, 2, dim=-1)
        out = out[..., ::2].detach()
        out.requires_grad = obj.requires_grad
        return out

    return _traverse_obj(obj, inner_make_non_contiguous)


def _can_be_noncontiguous(obj: Any) -> bool:
    if isinstance(obj, (tuple, list)):
        return any(_can_be_noncontiguous(o) for o in obj)
    elif isinstance(obj, dict):
        return any(_can_be_noncontiguous(o) for o in obj.values())
    # scalar tensors can not be non-contiguous
    if not isinstance(obj, torch.Tensor) or obj.dim() == 0:
        return False
    return True


def _backward_all(out: Any, g_out: Any) -> None:
    if isinstance(out, torch.Tensor):
        out.backward(g_out, retain_graph=True)
    else:
        flattened_out, _ = pytree.tree_flatten(out)
        flattened_g_out, _ = pytree.tree_flatten(g_out)
        for o, g_o in zip(flattened_out, flattened_g_out, strict=True):
            if o.requires_grad:
                o.backward(g_o, retain_graph=True)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_non_contiguous_tensors(make: Callable[..., nn.Module], kind: str, training: bool) -> None:
    """TestModule.test_non_contiguous_tensors: non-contiguous inputs and output gradients change nothing."""
    for module_input in module_inputs(kind, requires_grad=True, training=training):
        if is_packed(module_input):  # not among test_modules.py's samples (its traversal cannot rebuild one)
            continue
        input_args, input_kwargs = module_input.forward_input.args, module_input.forward_input.kwargs
        if not (_can_be_noncontiguous(input_args) or _can_be_noncontiguous(input_kwargs)):
            continue

        args, kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
        m = make(kind, *args, **kwargs)
        m.to("cpu").to(torch.float32)
        m.train(training)

        _retain_grad((input_args, input_kwargs))

        # === Forward with default input
        with freeze_rng_state():
            default_output = m(*input_args, **input_kwargs)
            if isinstance(default_output, torch.Tensor):
                grad_output = default_output.clone().detach_().normal_()
                default_output.backward(grad_output, retain_graph=True)
            else:
                grad_output = tuple(
                    _traverse_obj(o, lambda o: o.clone().detach_().normal_() if o.requires_grad else None)
                    for o in default_output
                )
                _backward_all(default_output, grad_output)

        default_input_args_grad, default_input_kwargs_grad = deepcopy(_get_grads((input_args, input_kwargs)))
        default_param_grad = deepcopy([p.grad for p in m.parameters()])

        # === Construct non-contiguous tensors ===
        nc_input_args, nc_input_kwargs = _make_non_contiguous((input_args, input_kwargs))
        nc_grad_output = _make_non_contiguous(grad_output)

        # === Compare results with non-contiguous and contiguous tensors ===
        inputs = [(input_args, input_kwargs), (nc_input_args, nc_input_kwargs)]
        grads = [grad_output, nc_grad_output]

        for (in_args, in_kwargs), g_out in product(inputs, grads):
            g_out_copy = deepcopy(g_out)
            _zero_grad((in_args, in_kwargs))
            _zero_grad(m.parameters())

            with freeze_rng_state():
                out = m(*in_args, **in_kwargs)
                _backward_all(out, g_out_copy)

            input_args_grad, input_kwargs_grad = _get_grads((in_args, in_kwargs))
            where = describe(kind, module_input)
            assert_close(out, default_output, msg=lambda msg, w=where: f"{w}: {msg}", **TOL)
            assert_close(input_args_grad, default_input_args_grad, atol=1e-4, rtol=0)
            assert_close(input_kwargs_grad, default_input_kwargs_grad, atol=1e-4, rtol=0)

            param_grad = [p.grad for p in m.parameters()]
            assert_close(param_grad, default_param_grad, msg=lambda msg, w=where: f"{w}: {msg}", **TOL)


def _gradcheck(fn: Callable[..., Any], inputs: Any, **kwargs: Any) -> bool:
    """common_utils.gradcheck: check_batched_grad and fast_mode on by default."""
    kwargs.setdefault("check_batched_grad", True)
    kwargs.setdefault("fast_mode", True)
    return torch.autograd.gradcheck(fn, inputs, **kwargs)


def _gradgradcheck(fn: Callable[..., Any], inputs: Any, **kwargs: Any) -> bool:
    """common_utils.gradgradcheck: check_batched_grad and fast_mode on by default."""
    kwargs.setdefault("check_batched_grad", True)
    kwargs.setdefault("fast_mode", True)
    return torch.autograd.gradgradcheck(fn, inputs, **kwargs)


def _gradients_of_sample(m: nn.Module, module_input: Any, check: Callable[..., bool], partials: bool) -> None:
    """The body of TestModule._test_gradients_helper for one sample."""
    params = tuple(m.parameters())
    input_args, input_kwargs = module_input.forward_input.args, module_input.forward_input.kwargs

    # === Perform gradient check on the input_args ===
    other_kwargs = {}
    kwarg_tensors = []
    for name, obj in input_kwargs.items():
        if isinstance(obj, torch.Tensor):
            kwarg_tensors.append((name, obj))
        else:
            other_kwargs[name] = obj

    spec: list[Any] = []

    def fn_to_gradcheck(*flat_input_and_params: Any) -> Any:
        input_and_params = pytree.tree_unflatten(flat_input_and_params, spec[0])
        new_input_args = input_and_params[: len(input_args)]
        kwarg_args = input_and_params[-len(kwarg_tensors):]
        new_kwargs = {name: obj for (name, _), obj in zip(kwarg_tensors, kwarg_args, strict=False)}

        with freeze_rng_state():
            output = m(*new_input_args, **new_kwargs, **other_kwargs)
            output_flattened, _ = pytree.tree_flatten(output)
            return output_flattened

    def flat() -> list[Any]:
        grad_input = input_args + params + tuple(obj for (_, obj) in kwarg_tensors)
        flat_input, flat_spec = pytree.tree_flatten(grad_input)
        spec[:] = [flat_spec]
        return flat_input

    # check total derivative
    assert check(fn_to_gradcheck, flat(), nondet_tol=0.0)
    if not partials:
        return

    # check partial derivatives
    old_params_requires_grad = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad = False

    old_kwargs_requires_grad = [obj.requires_grad for (_, obj) in kwarg_tensors]
    for _, obj in kwarg_tensors:
        obj.requires_grad = False

    for p, old in zip(params, old_params_requires_grad, strict=True):
        p.requires_grad = old
        assert check(fn_to_gradcheck, flat(), nondet_tol=0.0)
        p.requires_grad = False

    for (_, obj), old in zip(kwarg_tensors, old_kwargs_requires_grad, strict=True):
        obj.requires_grad = old
        assert check(fn_to_gradcheck, flat(), nondet_tol=0.0)
        obj.requires_grad = False


def _test_gradients(make: Callable[..., nn.Module], kind: str, check: Callable[..., bool], *,
                    select: Callable[[Any], bool] = lambda s: True, trainings: tuple[bool, ...] = (True, False),
                    partials: bool = True) -> int:
    checked = 0
    for training in trainings:
        for module_input in module_inputs(kind, dtype=torch.double, requires_grad=True, training=training):
            if is_packed(module_input) or not select(module_input):  # test_modules.py has no packed samples
                continue
            args, kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
            m = make(kind, *args, **kwargs)
            m.to("cpu").to(torch.double)
            m.train(training)
            try:
                _gradients_of_sample(m, module_input, check, partials)
            except Exception as exc:
                exc.add_note(f"sample: {describe(kind, module_input)}, training={training}")
                raise
            checked += 1
    return checked


def _few(module_input: Any) -> bool:
    """A handful of samples per kind for the quick gradient checks: bidirectional, with a bias and hx."""
    c = module_input.constructor_input.kwargs
    return c["bidirectional"] and c["bias"] and len(module_input.forward_input.args) == 2


def _one(module_input: Any) -> bool:
    """One sample per kind for the quick second-order check: as ``_few``, batch first, tanh, projections."""
    c = module_input.constructor_input.kwargs
    return _few(module_input) and c["batch_first"] and c.get("nonlinearity", "tanh") == "tanh" and (
        c.get("proj_size", 2) == 2)


@pytest.mark.parametrize("kind", KINDS)
def test_grad_quick(make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_grad (gradcheck, float64), total derivative, on a few samples; all: test_grad."""
    assert _test_gradients(make, kind, _gradcheck, select=_few, trainings=(True,), partials=False) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_gradgrad_quick(make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_gradgrad (gradgradcheck), total derivative, on a few samples; all: test_gradgrad."""
    assert _test_gradients(make, kind, _gradgradcheck, select=_one, trainings=(True,), partials=False) == 1


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_grad(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_grad: gradcheck of every sample, total and partial derivatives. In training mode only:
    no sample has dropout, so eval mode computes the same function (upstream runs both; half the time). On the
    two rnnkit paths: the control's gradients are torch's own, and test_grad_quick runs the harness on it."""
    assert _test_gradients(rnnkit_make, kind, _gradcheck, trainings=(True,)) > 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_gradgrad(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_gradgrad: gradgradcheck of every sample, the total derivative only (upstream also checks
    each parameter alone: 17 times the cost, over 2 minutes for the LSTM on torch.nn), in training mode only
    (see test_grad), on the two rnnkit paths (the control runs in test_gradgrad_quick)."""
    assert _test_gradients(rnnkit_make, kind, _gradgradcheck, partials=False, trainings=(True,)) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_if_train_and_eval_modes_differ(make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_if_train_and_eval_modes_differ (ModuleInfo: train_and_eval_differ=True for all three)."""
    train_and_eval_differ = True
    for module_input in module_inputs(kind, training=True):
        args, kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
        m = make(kind, *args, **kwargs)
        m.to("cpu").to(torch.float32)
        m.train(True)

        # Remove training attribute and see if forward still works.
        delattr(m, "training")

        # === Do forward pass. ===
        try:
            args, kwargs = module_input.forward_input.args, module_input.forward_input.kwargs
            m(*args, **kwargs)
        except AttributeError as e:
            if "'training'" in str(e):
                assert train_and_eval_differ
            else:
                raise e


@pytest.mark.parametrize("kind", KINDS)
def test_device_ctx_init(make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_device_ctx_init: built under ``torch.device('meta')``, parameters are meta tensors
    with the CPU module's metadata."""
    module_inputs_cpu = module_inputs(kind, packed=False)  # packing cannot run on meta tensors
    with torch.device("meta"):
        module_inputs_meta = module_inputs(kind, device=None, packed=False)

    for module_input, module_input_meta in zip(module_inputs_cpu, module_inputs_meta, strict=True):
        c_args, c_kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
        c_meta = module_input_meta.constructor_input
        c_args_meta, c_kwargs_meta = c_meta.args, c_meta.kwargs

        m_cpu = make(kind, *c_args, **c_kwargs)
        with torch.device("meta"):
            m = make(kind, *c_args_meta, **c_kwargs_meta)

        pairs = [*zip(m.parameters(), m_cpu.parameters(), strict=True), *zip(m.buffers(), m_cpu.buffers(), strict=True)]
        for p_meta, p_cpu in pairs:
            assert p_meta.is_meta
            # torch._subclasses.meta_utils.assert_metadata_eq, the parts that apply to dense tensors
            assert p_meta.shape == p_cpu.shape
            assert p_meta.dtype == p_cpu.dtype
            assert p_meta.stride() == p_cpu.stride()
            assert p_meta.requires_grad == p_cpu.requires_grad
            assert p_meta.is_leaf == p_cpu.is_leaf


@pytest.mark.parametrize("kind", KINDS)
def test_errors(make: Callable[..., nn.Module], kind: str) -> None:
    """TestModule.test_errors with module_error_inputs_torch_nn_RNN_GRU (LSTM's error inputs too)."""
    error_inputs = cm.module_error_inputs_torch_nn_RNN_GRU(None, device="cpu", dtype=torch.float32,
                                                           requires_grad=False, training=True)
    assert error_inputs
    for error_input in error_inputs:
        module_input = error_input.module_error_input
        c_args, c_kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
        if error_input.error_on == cm.ModuleErrorEnum.CONSTRUCTION_ERROR:
            with pytest.raises(error_input.error_type, match=error_input.error_regex):
                make(kind, *c_args, **c_kwargs)
        elif error_input.error_on == cm.ModuleErrorEnum.FORWARD_ERROR:
            m = make(kind, *c_args, **c_kwargs)
            fw_args, fw_kwargs = module_input.forward_input.args, module_input.forward_input.kwargs
            with pytest.raises(error_input.error_type, match=error_input.error_regex):
                m(*fw_args, **fw_kwargs)
        else:
            raise NotImplementedError(f"Unknown error type {error_input.error_on}")


# ======================================================================================================
# test/test_nn.py
# ======================================================================================================
def _update_shape(shape: tuple[int, ...], dim: int, new_dim_size: int) -> tuple[int, ...]:
    new_shape = list(shape)
    new_shape[dim] = new_dim_size
    return tuple(new_shape)


def test_rnn_args_check(make: Callable[..., nn.Module]) -> None:
    input_size = 3
    hidden_size = 5
    num_layers = 2
    batch_size = 4
    seq_len = 6
    num_directions = 1
    bad_size = 7  # prime number so that no size can divide it.

    correct_input_shape = (seq_len, batch_size, input_size)
    correct_hidden_shape = (num_layers * num_directions, batch_size, hidden_size)

    def get_inputs(input_shape: tuple[int, ...], hidden_shape: tuple[int, ...], mode: str) -> list[Any]:
        """returns list( tuple(input, hidden) ) where input, hidden are inputs to a model"""
        input = torch.randn(input_shape)
        hidden = torch.randn(hidden_shape)
        if mode != "LSTM":
            return [(input, hidden)]
        if hidden_shape == correct_hidden_shape:
            return [(input, (hidden, hidden))]
        good_hidden = torch.randn(correct_hidden_shape)
        return [
            (input, (hidden, good_hidden)),
            (input, (good_hidden, hidden)),
        ]

    def test(input_shape: tuple[int, ...], hidden_shape: tuple[int, ...], mode: str) -> None:
        for input, hidden in get_inputs(input_shape, hidden_shape, mode):
            model = make(mode, input_size, hidden_size, num_layers)
            with pytest.raises(RuntimeError):
                model(input, hidden)

    rnn_modes = ["RNN", "GRU", "LSTM"]
    for mode in rnn_modes:
        # Incorrect input batch size
        input_shape = _update_shape(correct_input_shape, 1, bad_size)
        hidden_shape = correct_hidden_shape
        test(input_shape, hidden_shape, mode)

        # Incorrect hidden batch size
        input_shape = correct_input_shape
        hidden_shape = _update_shape(correct_hidden_shape, 1, bad_size)
        test(input_shape, hidden_shape, mode)

        # Incorrect input size
        input_shape = _update_shape(correct_input_shape, 2, bad_size)
        hidden_shape = correct_hidden_shape
        test(input_shape, hidden_shape, mode)

        # Incorrect hidden size
        input_shape = correct_input_shape
        hidden_shape = _update_shape(correct_hidden_shape, 2, bad_size)
        test(input_shape, hidden_shape, mode)

        # Incorrect hidden[0]
        input_shape = correct_input_shape
        hidden_shape = _update_shape(correct_hidden_shape, 0, bad_size)
        test(input_shape, hidden_shape, mode)


def test_projections_lstm_args_check(make: Callable[..., nn.Module]) -> None:
    input_size = 3
    hidden_size = 5
    proj_size = 2
    num_layers = 2
    batch_size = 4
    seq_len = 6
    num_directions = 1
    bad_size = 7  # prime number so that no size can divide it.

    def get_inputs(input_shape: tuple[int, ...], hidden_h_shape: tuple[int, ...],
                   hidden_c_shape: tuple[int, ...]) -> list[Any]:
        """returns list( tuple(input, hidden) ) where input, hidden are inputs to a model"""
        input = torch.randn(input_shape)
        hidden_h = torch.randn(hidden_h_shape)
        hidden_c = torch.randn(hidden_c_shape)
        return [(input, (hidden_h, hidden_c))]

    def test(input_shape: tuple[int, ...], hidden_h_shape: tuple[int, ...], hidden_c_shape: tuple[int, ...]) -> None:
        for input, hidden in get_inputs(input_shape, hidden_h_shape, hidden_c_shape):
            model = make("LSTM", input_size, hidden_size, num_layers, proj_size=proj_size)
            with pytest.raises(RuntimeError):
                model(input, hidden)

    correct_input_shape = (seq_len, batch_size, input_size)
    correct_hidden_h_shape = (num_layers * num_directions, batch_size, proj_size)
    correct_hidden_c_shape = (num_layers * num_directions, batch_size, hidden_size)

    # Incorrect input batch size
    input_shape = _update_shape(correct_input_shape, 1, bad_size)
    test(input_shape, correct_hidden_h_shape, correct_hidden_c_shape)

    # Incorrect hidden batch size
    input_shape = correct_input_shape
    hidden_h_shape = _update_shape(correct_hidden_h_shape, 1, bad_size)
    hidden_c_shape = _update_shape(correct_hidden_c_shape, 1, bad_size)
    test(input_shape, hidden_h_shape, hidden_c_shape)

    # Incorrect input size
    input_shape = _update_shape(correct_input_shape, 2, bad_size)
    test(input_shape, correct_hidden_h_shape, correct_hidden_c_shape)

    # Incorrect hidden size
    input_shape = correct_input_shape
    hidden_h_shape = _update_shape(correct_hidden_h_shape, 2, bad_size)
    hidden_c_shape = _update_shape(correct_hidden_c_shape, 2, bad_size)
    test(input_shape, hidden_h_shape, hidden_c_shape)

    # Incorrect hidden[0]
    input_shape = correct_input_shape
    hidden_h_shape = _update_shape(correct_hidden_h_shape, 0, bad_size)
    hidden_c_shape = _update_shape(correct_hidden_c_shape, 0, bad_size)
    test(input_shape, hidden_h_shape, hidden_c_shape)

    # Incorrect proj size = hidden size
    input_shape = correct_input_shape
    hidden_h_shape = _update_shape(correct_hidden_h_shape, 0, hidden_size)
    hidden_c_shape = correct_hidden_c_shape
    test(input_shape, hidden_h_shape, hidden_c_shape)

    # Incorrect proj size != hidden size
    input_shape = correct_input_shape
    hidden_h_shape = _update_shape(correct_hidden_h_shape, 0, bad_size)
    hidden_c_shape = correct_hidden_c_shape
    test(input_shape, hidden_h_shape, hidden_c_shape)

    # Incorrect cell size != hidden size
    input_shape = correct_input_shape
    hidden_h_shape = correct_hidden_h_shape
    hidden_c_shape = _update_shape(correct_hidden_c_shape, 0, bad_size)
    test(input_shape, hidden_h_shape, hidden_c_shape)


def test_rnn_initial_hidden_state(make: Callable[..., nn.Module]) -> None:
    rnn_modes = ["RNN", "GRU", "LSTM"]
    for mode in rnn_modes:
        rnn = make(mode, 30, 20, 2)
        input = torch.randn(10, 32, 30)
        hidden: Any = torch.zeros(2, 32, 20)

        if mode == "LSTM":
            hidden = (hidden, hidden)
        output1, hidden1 = rnn(input, hidden)
        output2, hidden2 = rnn(input)
        assert_close(output1, output2)
        assert_close(hidden1, hidden2)


def test_projections_lstm_initial_hidden_state(make: Callable[..., nn.Module]) -> None:
    for bidir in [False, True]:
        rnn = make("LSTM", 30, 20, 2, bidirectional=bidir, proj_size=10)
        num_dirs = 2 if bidir else 1
        input = torch.randn(10, 32, 30)
        hidden_h = torch.zeros(2 * num_dirs, 32, 10)
        hidden_c = torch.zeros(2 * num_dirs, 32, 20)
        hidden = (hidden_h, hidden_c)
        output1, hidden1 = rnn(input, hidden)
        output2, hidden2 = rnn(input)
        assert_close(output1, output2)
        assert_close(hidden1, hidden2)


def test_projections_errors_on_gru_and_rnn(make: Callable[..., nn.Module]) -> None:
    error_msg = "proj_size argument is only supported for LSTM, not RNN or GRU"
    for mode in ["RNN", "GRU"]:
        with pytest.raises(ValueError, match=error_msg):
            make(mode, 30, 20, 2, proj_size=10)


def test_cudnn_forward_exception(make: Callable[..., nn.Module]) -> None:
    """Not CUDA-gated upstream: the checks run before any kernel."""
    rnns = [
        (make("LSTM", 10, 20, batch_first=True), (torch.zeros(1, 2, 19), torch.zeros(1, 2, 19))),
        (make("LSTM", 10, 20, batch_first=True, proj_size=10), (torch.zeros(1, 2, 19), torch.zeros(1, 2, 19))),
        (make("GRU", 10, 20, batch_first=True), torch.zeros(1, 2, 19)),
        (make("RNN", 10, 20, batch_first=True), torch.zeros(1, 2, 19)),
    ]
    x_wrong = torch.randn(2, 3, 3)
    x_right = torch.randn(2, 3, 10)
    for rnn, hidden in rnns:
        with pytest.raises(RuntimeError, match="Expected hidden.*size.*got"):
            rnn(x_right, hidden)
        with pytest.raises(RuntimeError, match=r"input\.size\(-1\) must be equal to input_size"):
            rnn(x_wrong)


def test_RNN_nonlinearity(make: Callable[..., nn.Module]) -> None:
    rnn = make("RNN", 1, 10)
    assert rnn.nonlinearity == "tanh"

    rnn = make("RNN", 1, 10, nonlinearity="relu")
    assert rnn.nonlinearity == "relu"

    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        make("RNN", 1, 10, nonlinearity="garbage")


def test_RNN_nonlinearity_passed_as_arg(make: Callable[..., nn.Module]) -> None:
    rnn = make("RNN", 2, 3, 1, "relu")
    assert rnn.nonlinearity == "relu"


@contextlib.contextmanager
def default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """common_utils.set_default_dtype."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def test_RNN_dropout(make: Callable[..., nn.Module]) -> None:
    """cuDNN-gated upstream; its CPU half (cuda=False): dropout sits between layers, scaled by 1/(1-p)."""
    with default_dtype(torch.double):
        # checking the assumption that cuDNN sticks dropout in between RNN layers
        for p in (0, 0.276, 0.731, 1):
            for train in (True, False):
                rnn = make("RNN", 10, 1000, 2, bias=False, dropout=p, nonlinearity="relu")
                if train:
                    rnn.train()
                else:
                    rnn.eval()
                rnn.weight_ih_l0.data.fill_(1)
                rnn.weight_hh_l0.data.fill_(1)
                rnn.weight_ih_l1.data.fill_(1)
                rnn.weight_hh_l1.data.fill_(1)
                input = torch.ones(1, 1, 10)
                hx = torch.zeros(2, 1, 1000)

                output, hy = rnn(input, hx)
                assert_close(output.data.min(), output.data.max())
                output_val = output.data[0][0][0]
                if p == 0 or not train:
                    assert_close(output_val, torch.tensor(10000.0))
                elif p == 1:
                    assert_close(output_val, torch.tensor(0.0))
                else:
                    assert output_val > 8000
                    assert output_val < 12000
                    denorm_mod = (output_val * (1 - p)) % 10
                    assert min(denorm_mod, 10 - denorm_mod) < 1e-2

                assert_close(hy[0].data.min(), hy[0].data.max())
                assert_close(hy[1].data.min(), hy[1].data.max())
                assert_close(hy.data[0][0][0], torch.tensor(10.0))
                assert_close(hy.data[1][0][0], output_val)


def test_error_RNN_seq_len_zero(make: Callable[..., nn.Module]) -> None:
    with default_dtype(torch.double):
        # checking error message when RNN has seq_len = 0
        for module in KINDS:
            for bidirectional in [True, False]:
                input = torch.ones(0, 10, 5)
                rnn = make(module, 5, 6, bidirectional=bidirectional)
                with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0 in RNN"):
                    rnn(input)


def test_RNN_input_size_zero(make: Callable[..., nn.Module]) -> None:
    for module in KINDS:
        input = torch.zeros((5, 0, 3))
        rnn = make(module, input_size=3, hidden_size=4)
        outs = rnn(input)
        assert outs[0].shape == torch.Size([5, 0, 4])
        # Check that backward does not cause a hard error
        outs[0].sum().backward()


def test_RNN_dropout_state(make: Callable[..., nn.Module]) -> None:
    """cuDNN-gated upstream; its CPU half: the dropout draws differ between calls, and a pickled copy works."""
    for p in (0, 0.1234):
        for train in (True, False):
            rnn = make("RNN", 100, 100, 2, bias=False, dropout=p, nonlinearity="relu")
            if train:
                rnn.train()
            else:
                rnn.eval()
            input = torch.rand(1, 1, 100)
            hx = torch.rand(2, 1, 100)

            output1, hy1 = rnn(input, hx)
            output2, hy2 = rnn(input, hx)

            buf = io.BytesIO()
            torch.save(rnn, buf)
            buf.seek(0)
            # weights_only=False as this is legacy code that saves the model
            rnn2 = torch.load(buf, weights_only=False)
            rnn2.flatten_parameters()
            output3, hy3 = rnn2(input, hx)

            if p == 0 or not train:
                assert_close(output1, output2)
                assert_close(output1, output3)
                assert_close(hy1, hy2)
                assert_close(hy1, hy3)
            else:
                assert not torch.equal(output1, output2)
                assert not torch.equal(output1, output3)
                assert not torch.equal(hy1, hy2)
                assert not torch.equal(hy1, hy3)


def test_RNN_change_dropout(make: Callable[..., nn.Module]) -> None:
    """cuDNN-gated upstream; its CPU half: ``rnn.dropout = p`` after construction takes effect."""
    with default_dtype(torch.double):
        for train in (True, False):
            rnn = make("RNN", 100, 100, 2, dropout=0, nonlinearity="relu")
            input = torch.rand(3, 2, 100)

            if train:
                rnn.train()
            else:
                rnn.eval()

            prev_output = None
            for p in (0, 0.5, 0, 0.7, 0.2, 1, 0.2, 0):
                rnn.dropout = p
                output1, hy1 = rnn(input)
                output2, hy2 = rnn(input)

                if p == 0 or p == 1 or not train:
                    assert_close(output1, output2)
                    assert_close(hy1, hy2)
                else:
                    assert not torch.equal(output1, output2)
                    assert not torch.equal(hy1, hy2)

                if prev_output is not None:
                    if not train:
                        assert_close(output1.data, prev_output)
                        assert_close(output2.data, prev_output)
                    else:
                        assert not torch.equal(output1.data, prev_output)
                        assert not torch.equal(output2.data, prev_output)
                prev_output = output1.data


def test_rnn_retain_variables(make: Callable[..., nn.Module]) -> None:
    dtype = torch.double
    rnns = [make("LSTM", 10, 20, num_layers=2).to(dtype),
            make("GRU", 10, 20, num_layers=2).to(dtype),
            make("RNN", 10, 20, num_layers=2).to(dtype)]
    for rnn in rnns:
        input = torch.randn(5, 6, 10, dtype=dtype, requires_grad=True)
        output = rnn(input)
        output[0].sum().backward(retain_graph=True)
        grads = [input.grad.data.clone()] + [p.grad.data.clone() for p in rnn.parameters()]
        for _ in range(4):
            rnn.zero_grad()
            input.grad.data.zero_()
            output[0].sum().backward(retain_graph=True)
            grads2 = [input.grad.data] + [p.grad.data for p in rnn.parameters()]
            assert_close(grads, grads2)


def test_variable_sequence(make: Callable[..., nn.Module]) -> None:
    """TestNNDeviceType.test_variable_sequence (float): a packed batch equals each sequence run alone."""
    dtype = torch.float
    prec = 1e-5  # dtype2prec_DONTUSE[torch.float]

    def pad(var: Tensor, length: int) -> Tensor:
        if var.size(0) == length:
            return var
        return torch.cat([var, var.new_zeros(length - var.size(0), *var.size()[1:])])

    def maybe_index_tuple(maybe_tuple_of_tensors: Any, index: int) -> Any:
        if maybe_tuple_of_tensors is None:
            return None
        return tuple(maybe_tuple_of_tensors[j][:, index:index + 1, :].contiguous() for j in range(2))

    def check_lengths(lengths: list[int], enforce_sorted: bool, use_default_hiddens: bool, proj_size: int) -> None:
        input_size = 3
        hidden_size = 4
        num_layers = 2
        bidirectional = True

        max_length = max(lengths)
        x_leaf = torch.randn(max_length, len(lengths), input_size, dtype=dtype, requires_grad=True)
        num_directions = 2 if bidirectional else 1
        lstm = make("LSTM", input_size, hidden_size, bidirectional=bidirectional, num_layers=num_layers,
                    proj_size=proj_size).to(dtype)
        lstm2 = deepcopy(lstm).to(dtype)
        x = x_leaf

        hidden0 = None
        if not use_default_hiddens:
            real_hidden_size = hidden_size if proj_size == 0 else proj_size
            hidden0 = (torch.randn(num_directions * num_layers, len(lengths), real_hidden_size, dtype=dtype),
                       torch.randn(num_directions * num_layers, len(lengths), hidden_size, dtype=dtype))

        # Compute sequences separately
        seq_outs = []
        seq_hiddens = []
        for i, l in enumerate(lengths):
            hidden_i = maybe_index_tuple(hidden0, i)
            out, hid = lstm2(x[:l, i:i + 1], hidden_i)
            out_pad = pad(out, max_length)
            seq_outs.append(out_pad)
            seq_hiddens.append(hid)
        seq_out = torch.cat(seq_outs, 1)
        seq_hidden = tuple(torch.cat(hids, 1) for hids in zip(*seq_hiddens, strict=True))

        # Use packed format
        packed = rnn_utils.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
        packed_out, packed_hidden = lstm(packed, hidden0)
        unpacked, unpacked_len = rnn_utils.pad_packed_sequence(packed_out)

        # Check forward
        assert_close(packed_hidden, seq_hidden, atol=prec, rtol=0)
        assert_close(unpacked, seq_out, atol=prec, rtol=0)
        assert_close(unpacked_len, torch.tensor(lengths), atol=prec, rtol=0)

        # Check backward
        seq_out.sum().backward()
        grad_x = x_leaf.grad.data.clone()
        x_leaf.grad.data.zero_()
        unpacked.sum().backward()

        assert_close(x_leaf.grad, grad_x, atol=prec, rtol=0)
        for p1, p2 in zip(lstm.parameters(), lstm2.parameters(), strict=True):
            assert_close(p1.grad, p2.grad, atol=prec, rtol=0)

    tests = [
        # enforce_sorted, lengths
        [True, [5]],
        [False, [5]],
        [True, [10, 10, 6, 2, 2, 1, 1]],
        [False, [10, 10, 6, 2, 2, 1, 1]],
        [False, [2, 1, 3, 2, 10, 5, 3]],
    ]

    for enforce_sorted, seq_lens in tests:
        for use_default_hiddens in (True, False):
            for proj_size in [0, 2]:
                check_lengths(seq_lens, enforce_sorted, use_default_hiddens, proj_size)


def _test_rnn_mod(mod: nn.Module, inp: Tensor) -> None:
    def flatten_out(mod: nn.Module, inp: Tensor) -> tuple[Tensor, ...]:
        out = mod(inp)
        return tuple([t if isinstance(t, torch.Tensor) else tt for t in out for tt in t])

    gradcheckfunc = partial(flatten_out, mod)
    assert _gradcheck(gradcheckfunc, inp, check_batched_grad=False)
    assert _gradgradcheck(gradcheckfunc, inp, check_batched_grad=False)


def test_LSTM_grad_and_gradgrad(make: Callable[..., nn.Module]) -> None:
    """onlyCUDA upstream; the same checks on CPU."""
    hsize = 4
    dtype = torch.double
    inp = torch.rand(1, 3, hsize, dtype=dtype, requires_grad=True)
    for bias in [True, False]:
        mod = make("LSTM", hsize, hsize, bias=bias).to(dtype)
        _test_rnn_mod(mod, inp)


def test_GRU_grad_and_gradgrad(make: Callable[..., nn.Module]) -> None:
    """onlyCUDA upstream; the same checks on CPU."""
    hsize = 4
    dtype = torch.double
    inp = torch.rand(1, 3, hsize, dtype=dtype, requires_grad=True)
    for bias in [True, False]:
        mod = make("GRU", hsize, hsize, bias=bias).to(dtype)
        _test_rnn_mod(mod, inp)


@pytest.mark.parametrize("kind", KINDS)
def test_differentiable_backward(make: Callable[..., nn.Module], kind: str) -> None:
    """test_LSTM_differentiable_backward_using_oneDNN (20 layers, double backward), with torch.nn in place of
    the oneDNN-off run; for all three kinds."""
    batch = 10
    seq_len = 12
    input = 3
    net = make(kind, input, 3, 20, batch_first=True)
    net_ref = copy_of_torch(kind, net, input, 3, 20, batch_first=True)
    x = torch.rand(batch, seq_len, input)
    x1 = x.clone().requires_grad_(True)
    x2 = x.clone().requires_grad_(True)

    out1, _ = net_ref(x1)
    der_out1 = torch.autograd.grad(out1, x1, grad_outputs=torch.ones_like(out1), retain_graph=True,
                                   create_graph=True)[0]
    loss1 = der_out1.sum()
    loss1.backward(retain_graph=True)

    out2, _ = net(x2)
    der_out2 = torch.autograd.grad(out2, x2, grad_outputs=torch.ones_like(out2), retain_graph=True,
                                   create_graph=True)[0]
    loss2 = der_out2.sum()
    loss2.backward(retain_graph=True)
    assert torch.allclose(der_out1, der_out2)
    assert torch.allclose(x1.grad, x2.grad)


# ======================================================================================================
# the drop-in contract (the issue's list): signature, attributes, initialisation, state dicts, errors
# ======================================================================================================
_ATTRIBUTES = ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
               "bidirectional", "proj_size", "_flat_weights_names", "training")

_POSITIONAL = {
    # torch's positional order: input_size, hidden_size, num_layers, [nonlinearity,] bias, batch_first,
    # dropout, bidirectional, (LSTM) proj_size
    "LSTM": [(3, 4), (3, 4, 1, False, True), (3, 4, 2, True, False, 0.25, True), (3, 4, 2, False, True, 0.5, True, 2)],
    "GRU": [(3, 4), (3, 4, 1, False, True), (3, 4, 2, True, False, 0.25, True)],
    "RNN": [(3, 4), (3, 4, 1, "relu", False, True), (3, 4, 2, "tanh", True, False, 0.25, True)],
}


def _assert_same_layout(mod: nn.Module, ref: nn.Module) -> None:
    for attr in _ATTRIBUTES:
        assert getattr(mod, attr) == getattr(ref, attr), f"{attr}: {getattr(mod, attr)!r} != {getattr(ref, attr)!r}"
    if isinstance(ref, nn.RNN):
        assert mod.nonlinearity == ref.nonlinearity
    shapes = {n: tuple(p.shape) for n, p in mod.named_parameters()}
    assert shapes == {n: tuple(p.shape) for n, p in ref.named_parameters()}
    assert list(shapes) == [n for n, _ in ref.named_parameters()]  # the same order
    assert [[tuple(w.shape) for w in ws] for ws in mod.all_weights] == [
        [tuple(w.shape) for w in ws] for ws in ref.all_weights
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_class_name_and_positional_arguments(make: Callable[..., nn.Module], kind: str) -> None:
    """``rnnkit.LSTM(3, 4, 1, False, True)`` means bias=False, batch_first=True, as torch.nn.LSTM."""
    for args in _POSITIONAL[kind]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dropout with num_layers=1
            mod, ref = make(kind, *args), getattr(nn, kind)(*args)
        assert type(mod).__name__ == kind
        _assert_same_layout(mod, ref)
    m = make(kind, 3, 4, 1, *(["tanh"] if kind == "RNN" else []), False, True)
    assert m.bias is False and m.batch_first is True and m.num_layers == 1
    assert not hasattr(m, "bias_ih_l0")


#: every argument by position, up to dtype: GRU's and RNN's eighth is proj_size (0), as torch.nn.RNNBase takes it
_EVERY_POSITIONAL = {
    "LSTM": (3, 4, 2, False, True, 0.0, True, 2, "cpu", torch.float64),
    "GRU": (3, 4, 2, False, True, 0.0, True, 0, "cpu", torch.float64),
    "RNN": (3, 4, 2, "relu", False, True, 0.0, True, 0, "cpu", torch.float64),
}


@pytest.mark.parametrize("kind", KINDS)
def test_positional_arguments_compute_what_torchs_compute(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """Arguments by position do in forward what they do in torch.nn, not only set the same attributes: with
    torch's weights copied in, the same output and final state (batch_first's layout, bidirectional's halves,
    no bias, relu, proj_size's state, a float64 dtype given by position)."""
    for args in (*_POSITIONAL[kind], _EVERY_POSITIONAL[kind]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dropout with num_layers=1
            ref, mod = getattr(nn, kind)(*args).eval(), rnnkit_make(kind, *args).eval()
        _assert_same_layout(mod, ref)
        mod.load_state_dict(ref.state_dict())  # strict: the same names and shapes
        dtype = ref.weight_ih_l0.dtype
        x = torch.randn(2, 5, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64).to(dtype)
        with torch.no_grad():
            assert_same(mod(x), ref(x), f"{kind}{args}", **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_keyword_arguments_and_defaults(make: Callable[..., nn.Module], kind: str) -> None:
    """Every keyword of torch's constructor, and torch's defaults when left out."""
    kwargs: dict[str, Any] = {"input_size": 3, "hidden_size": 6, "num_layers": 2, "bias": False, "batch_first": True,
                              "dropout": 0.5, "bidirectional": True, "device": "cpu", "dtype": torch.float64}
    if kind == "LSTM":
        kwargs["proj_size"] = 2
    if kind == "RNN":
        kwargs["nonlinearity"] = "relu"
    _assert_same_layout(make(kind, **kwargs), getattr(nn, kind)(**kwargs))
    defaults = make(kind, 3, 6)
    _assert_same_layout(defaults, getattr(nn, kind)(3, 6))
    assert (defaults.num_layers, defaults.bias, defaults.batch_first, defaults.dropout, defaults.bidirectional,
            defaults.proj_size) == (1, True, False, 0.0, False, 0)
    assert all(p.dtype == torch.float32 for p in defaults.parameters())


@pytest.mark.parametrize("kind", KINDS)
def test_default_initialisation(make: Callable[..., nn.Module], kind: str) -> None:
    """torch's init: every parameter uniform in [-1/sqrt(H), 1/sqrt(H)] (weights, biases, weight_hr)."""
    hidden = 64
    bound = 1.0 / math.sqrt(hidden)
    torch.manual_seed(0)
    m = make(kind, 32, hidden, 2, bidirectional=True, **({"proj_size": 16} if kind == "LSTM" else {}))
    for name, p in m.named_parameters():
        assert p.abs().max() <= bound, f"{name}: |max| {p.abs().max():.4f} > {bound:.4f}"
        assert p.abs().max() > 0.8 * bound, f"{name}: not spread over the range"
    values = torch.cat([p.detach().flatten() for p in m.parameters()])
    assert abs(values.mean()) < 0.02 * bound
    assert values.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)  # a uniform's std
    counts = torch.histc(values, bins=10, min=-bound, max=bound)
    assert counts.min() > 0.9 * counts.mean(), f"not uniform: {counts.tolist()}"


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_parameters_as_torch(make: Callable[..., nn.Module], kind: str) -> None:
    """Drawn as torch draws them (uniform_ over the parameters in order): the same seed gives torch.nn's
    parameters, so swapping torch.nn.LSTM for rnnkit.LSTM leaves a seeded run unchanged."""
    kw = {"proj_size": 3} if kind == "LSTM" else {}
    torch.manual_seed(7)
    ref = getattr(nn, kind)(5, 6, 2, bidirectional=True, **kw)
    torch.manual_seed(7)
    mod = make(kind, 5, 6, 2, bidirectional=True, **kw)
    for (name, p), (_, q) in zip(mod.named_parameters(), ref.named_parameters(), strict=True):
        assert torch.equal(p, q), name


def test_lstm_proj_size(make: Callable[..., nn.Module]) -> None:
    """proj_size=0 is accepted (no weight_hr); proj_size>0 has torch's layout and shapes."""
    plain = make("LSTM", 3, 5, 2, proj_size=0)
    assert plain.proj_size == 0 and not any("weight_hr" in n for n, _ in plain.named_parameters())

    m = make("LSTM", 3, 5, 2, bidirectional=True, proj_size=2)
    for layer, suffix in product(range(2), ("", "_reverse")):
        assert m.get_parameter(f"weight_hr_l{layer}{suffix}").shape == (2, 5)
        assert m.get_parameter(f"weight_hh_l{layer}{suffix}").shape == (20, 2)
        assert m.get_parameter(f"weight_ih_l{layer}{suffix}").shape == (20, 3 if layer == 0 else 4)
    out, (h, c) = m(torch.randn(7, 4, 3))
    assert out.shape == (7, 4, 4) and h.shape == (4, 4, 2) and c.shape == (4, 4, 5)
    out, (h, c) = m(torch.randn(7, 3))  # unbatched
    assert out.shape == (7, 4) and h.shape == (4, 2) and c.shape == (4, 5)


@pytest.mark.parametrize("kind", KINDS)
def test_repr_matches_torch(make: Callable[..., nn.Module], kind: str) -> None:
    """Not in test_modules.py (which only calls repr): the repr is torch.nn's, for every sample's arguments."""
    for module_input in module_inputs(kind):
        c = module_input.constructor_input
        assert repr(make(kind, *c.args, **c.kwargs)) == repr(getattr(nn, kind)(*c.args, **c.kwargs))


@pytest.mark.parametrize("kind", KINDS)
def test_hx_keyword(make: Callable[..., nn.Module], kind: str) -> None:
    """``forward(input, hx=h)``: torch's keyword."""
    m = make(kind, 3, 4, 2)
    x, h = torch.randn(5, 2, 3), state(kind, 2, 2, 4)
    assert_same(m(x, hx=h), m(x, h))


@pytest.mark.parametrize("kind", KINDS)
def test_state_dict_round_trip(make: Callable[..., nn.Module], kind: str) -> None:
    """State dicts move both ways between torch.nn and the module (strict), and through a file."""
    kw = {"proj_size": 2} if kind == "LSTM" else {}
    ref = getattr(nn, kind)(3, 4, 2, bidirectional=True, **kw)
    mod = make(kind, 3, 4, 2, bidirectional=True, **kw)
    assert list(mod.state_dict()) == list(ref.state_dict())
    mod.load_state_dict(ref.state_dict())
    x = torch.randn(5, 2, 3)
    assert_same(mod(x), ref(x), **TOL)

    other = getattr(nn, kind)(3, 4, 2, bidirectional=True, **kw)
    other.load_state_dict(mod.state_dict())
    assert_same(other(x), ref(x), **TOL)

    buf = io.BytesIO()
    torch.save(mod.state_dict(), buf)
    buf.seek(0)
    again = make(kind, 3, 4, 2, bidirectional=True, **kw)
    again.load_state_dict(torch.load(buf))  # weights_only: a plain state dict
    assert_same(again(x), ref(x), **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_flatten_parameters_and_dtype_moves(make: Callable[..., nn.Module], kind: str) -> None:
    m = make(kind, 3, 4, 2)
    m.flatten_parameters()
    x = torch.randn(5, 2, 3)
    out = m(x)[0]
    m.double()
    assert_close(m(x.double())[0], out.double(), **TOL)
    m.float()
    assert_close(m(x)[0], out, **TOL)


def _error_cases(kind: str) -> list[tuple[str, Callable[[Callable[..., nn.Module]], Any]]]:
    """Bad calls, each given the constructor (``make`` bound to a kind)."""
    lstm = kind == "LSTM"
    x = torch.randn(4, 2, 3)
    good = state(kind, 1, 2, 5)

    def h(layers: int, batch: int | None, hidden: int) -> Any:
        return state(kind, layers, batch, hidden)

    cases: list[tuple[str, Callable[[Callable[..., nn.Module]], Any]]] = [
        ("input 4-D", lambda f: f(3, 5)(torch.randn(2, 2, 2, 3))),
        ("input 1-D", lambda f: f(3, 5)(torch.randn(3))),
        ("wrong input_size", lambda f: f(3, 5)(torch.randn(4, 2, 4))),
        ("wrong input_size, unbatched", lambda f: f(3, 5)(torch.randn(4, 4))),
        ("wrong input_size, batch_first", lambda f: f(3, 5, batch_first=True)(torch.randn(2, 4, 4))),
        ("hx batch", lambda f: f(3, 5)(x, h(1, 7, 5))),
        ("hx layers", lambda f: f(3, 5)(x, h(2, 2, 5))),
        ("hx layers, bidirectional", lambda f: f(3, 5, bidirectional=True)(x, h(1, 2, 5))),
        ("hx size", lambda f: f(3, 5)(x, h(1, 2, 6))),
        ("hx 2-D for batched input", lambda f: f(3, 5)(x, h(1, None, 5))),
        ("hx 3-D for unbatched input", lambda f: f(3, 5)(torch.randn(4, 3), h(1, 1, 5))),
        ("input dtype", lambda f: f(3, 5)(x.double())),
        ("input dtype, model double", lambda f: f(3, 5).double()(x)),
        ("empty sequence", lambda f: f(3, 5)(torch.randn(0, 2, 3))),
        ("empty sequence, unbatched", lambda f: f(3, 5)(torch.randn(0, 3))),
        ("packed, wrong input_size", lambda f: f(3, 5)(rnn_utils.pack_sequence([torch.randn(3, 4)]))),
        ("packed, hx batch", lambda f: f(3, 5)(rnn_utils.pack_sequence([torch.randn(3, 3)] * 2), h(1, 3, 5))),
        ("hidden_size 0", lambda f: f(3, 0)),
        ("num_layers 0", lambda f: f(3, 5, 0)),
        ("input_size 0", lambda f: f(0, 5)),
        ("input_size float", lambda f: f(3.0, 5)),
        ("hidden_size float", lambda f: f(3, 5.0)),
        ("bias int", lambda f: f(3, 5, bias=1)),
        ("batch_first str", lambda f: f(3, 5, batch_first="False")),
        ("dropout > 1", lambda f: f(3, 5, 2, dropout=1.5)),
        ("dropout < 0", lambda f: f(3, 5, 2, dropout=-0.1)),
        ("dropout bool", lambda f: f(3, 5, 2, dropout=True)),
    ]
    if lstm:
        cases += [
            ("c size", lambda f: f(3, 5)(x, (good[0], torch.randn(1, 2, 6)))),
            ("h size with proj", lambda f: f(3, 5, proj_size=2)(x, (torch.randn(1, 2, 5), torch.randn(1, 2, 5)))),
            ("c size with proj", lambda f: f(3, 5, proj_size=2)(x, (torch.randn(1, 2, 2), torch.randn(1, 2, 2)))),
            ("proj_size = hidden_size", lambda f: f(3, 5, proj_size=5)),
            ("proj_size > hidden_size", lambda f: f(3, 5, proj_size=6)),
            ("proj_size < 0", lambda f: f(3, 5, proj_size=-1)),
            ("hx and cx of 2-D for batched input", lambda f: f(3, 5)(x, (torch.randn(1, 5), torch.randn(1, 5)))),
            # h alone, as a GRU takes it: torch.nn reads hx[0] and hx[1] (rows of h) and fails on their rank
            ("h alone", lambda f: f(3, 5, 2)(x, torch.randn(2, 2, 5))),
            ("h alone, one layer", lambda f: f(3, 5)(x, good[0])),
            ("h alone, unbatched", lambda f: f(3, 5, 2)(torch.randn(4, 3), torch.randn(2, 5))),
            ("(h,) alone", lambda f: f(3, 5)(x, (good[0],))),
        ]
    else:
        cases += [
            ("proj_size", lambda f: f(3, 5, proj_size=2)),
            # an LSTM's (h, c) or a list of per-layer states: torch.nn fails on hx.dim() (no "cx" in the message)
            ("(h, c)", lambda f: f(3, 5)(x, (good, good))),
            ("(h, c), unbatched", lambda f: f(3, 5)(torch.randn(4, 3), (good[:, 0], good[:, 0]))),
            ("list of per-layer states", lambda f: f(3, 5, 2)(x, [torch.randn(2, 5), torch.randn(2, 5)])),
            ("packed, (h, c)", lambda f: f(3, 5)(rnn_utils.pack_sequence([torch.randn(2, 3), torch.randn(3, 3)],
                                                                          enforce_sorted=False), (good, good))),
        ]
    if kind == "RNN":
        cases += [
            ("nonlinearity", lambda f: f(3, 5, nonlinearity="sigmoid")),
            ("nonlinearity positional", lambda f: f(3, 5, 1, "gelu")),
        ]
    return cases


@pytest.mark.parametrize("kind", KINDS)
def test_errors_match_torch(make: Callable[..., nn.Module], kind: str) -> None:
    """Each bad call raises what torch.nn raises: the same exception type and the same message."""
    failures = []
    for what, call in _error_cases(kind):
        torch.manual_seed(0)
        try:
            call(partial(getattr(nn, kind)))
        except Exception as exc:
            expected = pytest.ExceptionInfo.from_exc_info((type(exc), exc, exc.__traceback__))
        else:
            # torch.nn.LSTM skips its checks for a PackedSequence (on oneDNN a wrong input size even runs):
            # nothing to match there
            assert kind == "LSTM" and what.startswith("packed"), f"{what}: torch.nn raised nothing"
            continue
        torch.manual_seed(0)
        try:
            call(partial(make, kind))
        except Exception as exc:
            if type(exc) is not expected.type or str(exc) != str(expected.value):
                failures.append(f"{what}: {type(exc).__name__}({exc}) != torch's "
                                f"{expected.type.__name__}({expected.value})")
        else:
            failures.append(f"{what}: no error; torch raises {expected.type.__name__}({expected.value})")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_warning_matches_torch(make: Callable[..., nn.Module], kind: str) -> None:
    """dropout with one layer: torch's UserWarning, word for word."""
    with warnings.catch_warnings(record=True) as expected:
        warnings.simplefilter("always")
        getattr(nn, kind)(3, 5, 1, dropout=0.5)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        make(kind, 3, 5, 1, dropout=0.5)
    want = [(w.category, str(w.message)) for w in expected]
    assert want and [(w.category, str(w.message)) for w in got] == want


def _by_position(kind: str, *args: Any) -> tuple[Any, ...]:
    """RNNBase's arguments by position as ``kind`` takes them: RNN's fourth is its nonlinearity."""
    return (*args[:3], "tanh", *args[3:]) if kind == "RNN" else args


#: torch's RNNBase order up to bidirectional; then proj_size, device, dtype (for every class: torch.nn.GRU and RNN
#: hand their arguments on to RNNBase, so their eighth is proj_size, not device)
_UP_TO_BIDIRECTIONAL = (3, 4, 1, True, False, 0.0, False)


def _constructor_cases() -> list[Any]:
    """(kind, args, kwargs) where a drop-in's constructor once differed from torch.nn's."""
    cases: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = []
    for kind in KINDS:
        pos = partial(_by_position, kind)
        # proj_size by name: GRU and RNN refuse the keyword itself, whatever its value; LSTM checks the value
        for value in (None, 0, 2, -1):
            cases.append((kind, f"proj_size={value}", (3, 4), {"proj_size": value}))
        # by position: proj_size, device and dtype (GRU's and RNN's eighth is proj_size too), then one too many
        for value in (0, False, None, -1, 4, "cpu", torch.float64):
            cases.append((kind, f"positional proj_size {value}", pos(*_UP_TO_BIDIRECTIONAL, value), {}))
        cases += [
            (kind, "positional device", pos(*_UP_TO_BIDIRECTIONAL, 0, "cpu"), {}),
            (kind, "positional device meta", pos(*_UP_TO_BIDIRECTIONAL, 0, "meta"), {}),
            (kind, "positional dtype", pos(*_UP_TO_BIDIRECTIONAL, 0, "cpu", torch.float64), {}),
            (kind, "positional bad dtype", pos(*_UP_TO_BIDIRECTIONAL, 0, None, "cpu"), {}),
            (kind, "one too many", pos(*_UP_TO_BIDIRECTIONAL, 0, "cpu", torch.float64, 1), {}),
            (kind, "device by name", pos(*_UP_TO_BIDIRECTIONAL), {"device": "cpu", "dtype": torch.float64}),
            (kind, "proj_size twice", pos(*_UP_TO_BIDIRECTIONAL, 0), {"proj_size": 0}),
            (kind, "device twice", pos(*_UP_TO_BIDIRECTIONAL, 0, "cpu"), {"device": "cpu"}),
            # Python's own errors for a wrong call: torch.nn's name RNNBase.__init__ and count self and mode
            (kind, "no arguments", (), {}),
            (kind, "no hidden_size", (3,), {}),
            (kind, "unknown keyword", (3, 4), {"hidden": 4}),
            (kind, "input_size twice", (3, 4), {"input_size": 3}),
            (kind, "mode by name", (3, 4), {"mode": "LSTM"}),
        ]
    cases += [
        ("RNN", "nonlinearity by position and by name", (3, 4, 1, "tanh"), {"nonlinearity": "relu"}),
        ("RNN", "nonlinearity relu by position, everything", (3, 4, 2, "relu", False, True, 0.5, True, 0, "cpu"), {}),
    ]
    return [pytest.param(kind, args, kwargs, id=f"{kind}-{what}") for kind, what, args, kwargs in cases]


def _construct(factory: Callable[..., nn.Module], *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """("ok", the module) or ("raise", (exception type, message))."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout with one layer: test_dropout_warning_matches_torch
        try:
            return "ok", factory(*args, **kwargs)
        except Exception as exc:
            return "raise", (type(exc), str(exc))


@pytest.mark.parametrize(("kind", "args", "kwargs"), _constructor_cases())
def test_constructor_arguments_match_torch(rnnkit_make: Callable[..., nn.Module], kind: str, args: tuple[Any, ...],
                                           kwargs: dict[str, Any]) -> None:
    """Bound as torch.nn binds them (``*args, **kwargs`` handed to ``RNNBase.__init__``): what torch.nn builds,
    rnnkit builds the same; what it refuses, rnnkit refuses with the same exception type and message."""
    expected, ref = _construct(getattr(nn, kind), *args, **kwargs)
    got, mod = _construct(partial(rnnkit_make, kind), *args, **kwargs)
    if expected == "raise":
        assert (got, mod) == (expected, ref)
        return
    assert got == "ok", f"torch.nn builds it, rnnkit raises {mod}"
    _assert_same_layout(mod, ref)
    assert repr(mod) == repr(ref)
    assert [(p.dtype, p.device) for p in mod.parameters()] == [(p.dtype, p.device) for p in ref.parameters()]


#: every constructor argument in torch's order (RNN's fourth is its nonlinearity, GRU's and RNN's eighth proj_size)
_TORCH_ORDER = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional",
                "proj_size", "device", "dtype")
_DEFAULTS = {"input_size": 3, "hidden_size": 4, "num_layers": 1, "nonlinearity": "tanh", "bias": True,
             "batch_first": False, "dropout": 0.0, "bidirectional": False, "proj_size": 0, "device": None,
             "dtype": None}


@pytest.mark.parametrize("kind", KINDS)
def test_constructor_grid_matches_torch(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """Each constructor argument in turn set to a value of another type (None, a bool, a float for an int, a
    negative number, a string, a dtype), by name and by position (the arguments before it at their defaults):
    the same module as torch.nn's (repr, parameter names, shapes, dtypes), or the same error."""
    names = [*_TORCH_ORDER[:3], "nonlinearity", *_TORCH_ORDER[3:]] if kind == "RNN" else list(_TORCH_ORDER)
    failures = []
    for i, name in enumerate(names):
        for value in (None, True, 0, -1, 2.0, "a", torch.float64):
            calls = [((), {"input_size": 3, "hidden_size": 4, name: value}),
                     ((*(_DEFAULTS[n] for n in names[:i]), value), {})]
            for args, kwargs in calls:
                expected, ref = _construct(getattr(nn, kind), *args, **kwargs)
                got, mod = _construct(partial(rnnkit_make, kind), *args, **kwargs)
                if expected == "ok" and got == "ok":
                    same = (repr(mod), [(n, p.shape, p.dtype) for n, p in mod.named_parameters()]) == (
                        repr(ref), [(n, p.shape, p.dtype) for n, p in ref.named_parameters()])
                else:
                    same = (got, mod) == (expected, ref)
                if not same:
                    failures.append(f"{kind}(*{args}, **{kwargs}): rnnkit {got} {mod}, torch.nn {expected} {ref}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("kind", ["GRU", "RNN"])
def test_positional_proj_size_refused_as_torch_cannot_run_it(rnnkit_make: Callable[..., nn.Module],
                                                            kind: str) -> None:
    """The one constructor call where rnnkit differs on purpose: a GRU or RNN given ``proj_size > 0`` by position.
    torch.nn builds it (with a ``weight_hr``) but no forward runs it; rnnkit refuses it up front, with torch's
    message for ``proj_size`` given by name."""
    args = _by_position(kind, *_UP_TO_BIDIRECTIONAL, 2)
    ref = getattr(nn, kind)(*args)
    with pytest.raises(RuntimeError, match="got an incorrect number of RNN parameters"):
        ref(torch.randn(5, 2, 3), torch.zeros(1, 2, 2))
    with pytest.raises(ValueError) as keyword:
        getattr(nn, kind)(3, 4, proj_size=2)
    with pytest.raises(ValueError) as got:
        rnnkit_make(kind, *args)
    assert str(got.value) == str(keyword.value)


def test_argument_binding_is_torchs() -> None:
    """The drop-ins bind their arguments with RNNBase.__init__'s signature: names, order, kinds, defaults."""
    import inspect

    from rnnkit.recurrent import _rnnbase_arguments

    def params(fn: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(_rnnbase_arguments) == params(nn.RNNBase.__init__)
    assert _rnnbase_arguments.__qualname__ == nn.RNNBase.__init__.__qualname__


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
def test_packed_round_trip(make: Callable[..., nn.Module], kind: str, batch_first: bool) -> None:
    """pack_sequence (unsorted) -> module -> pad_packed_sequence, with and without hx, bidirectional, as torch.nn;
    a PackedSequence comes back with torch's batch_sizes and (un)sorted_indices."""
    kw = {"proj_size": 2} if kind == "LSTM" else {}
    torch.manual_seed(3)
    mod = make(kind, 3, 4, 2, bidirectional=True, batch_first=batch_first, **kw)
    ref = copy_of_torch(kind, mod, 3, 4, 2, bidirectional=True, batch_first=batch_first, **kw)
    seqs = [torch.randn(n, 3) for n in (2, 5, 1, 5, 3)]
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    hx = state(kind, 4, 5, 4, kw.get("proj_size", 0))
    for args in ((packed,), (packed, hx)):
        a_ref, a_mod = fresh(args), fresh(args)
        out_ref, out_mod = ref(*a_ref), mod(*a_mod)
        assert_same(out_mod, out_ref, **TOL)
        pad_ref = rnn_utils.pad_packed_sequence(out_ref[0], batch_first=batch_first)
        pad_mod = rnn_utils.pad_packed_sequence(out_mod[0], batch_first=batch_first)
        assert_same(pad_mod, pad_ref, **TOL)
        torch.autograd.backward([pad_ref[0].sum(), *[s.sum() for s in leaves(out_ref[1])]])
        torch.autograd.backward([pad_mod[0].sum(), *[s.sum() for s in leaves(out_mod[1])]])
        for a, e in zip(leaves(a_mod), leaves(a_ref), strict=True):
            assert_close(a.grad, e.grad, **TOL)


# ======================================================================================================
# rnnkit's extensions (the two rnnkit paths only), checked against torch.nn
# ======================================================================================================
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
def test_lengths_match_packing(rnnkit_make: Callable[..., nn.Module], kind: str, batch_first: bool) -> None:
    """``forward(x, hx, lengths)``: torch.nn on pack_padded_sequence(enforce_sorted=False), padded back to the
    input's length: zeros past each length, each sequence's own final state, the same gradients."""
    kw = {"proj_size": 2} if kind == "LSTM" else {}
    torch.manual_seed(4)
    mod = rnnkit_make(kind, 3, 4, 2, bidirectional=True, batch_first=batch_first, **kw)
    ref = copy_of_torch(kind, mod, 3, 4, 2, bidirectional=True, batch_first=batch_first, **kw)
    lengths = torch.tensor([4, 6, 1, 3])
    x = torch.randn(4, 6, 3) if batch_first else torch.randn(6, 4, 3)
    for hx in (None, state(kind, 4, 4, 4, kw.get("proj_size", 0))):
        x_ref, x_mod, h_ref, h_mod = fresh(x), fresh(x), fresh(hx), fresh(hx)
        packed = pack_padded_sequence(x_ref, lengths, batch_first=batch_first, enforce_sorted=False)
        out_p, fin_ref = ref(packed, h_ref)
        out_ref, _ = rnn_utils.pad_packed_sequence(out_p, batch_first=batch_first, total_length=6)
        assert_same(mod(x_mod, h_mod, lengths), (out_ref, fin_ref), "positional lengths", **TOL)
        out_mod, fin_mod = mod(x_mod, h_mod, lengths=lengths)
        assert_same((out_mod, fin_mod), (out_ref, fin_ref), "lengths=", **TOL)
        torch.autograd.backward([out_ref.sum(), *[s.sum() for s in leaves(fin_ref)]])
        torch.autograd.backward([out_mod.sum(), *[s.sum() for s in leaves(fin_mod)]])
        for a, e in zip(leaves((x_mod, h_mod)), leaves((x_ref, h_ref)), strict=True):
            assert_close(a.grad, e.grad, **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_state_alias(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """``state=`` is an alias of ``hx=``."""
    m = rnnkit_make(kind, 3, 4, 2)
    x, h = torch.randn(5, 2, 3), state(kind, 2, 2, 4)
    assert_same(m(x, state=h), m(x, hx=h))
    assert_same(m(x, state=h), m(x, h))


@pytest.mark.parametrize("kind", KINDS)
def test_impl_paths(rnnkit_make: Callable[..., nn.Module], kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``impl="reference"`` never calls torch's sequence kernels; ``impl="auto"`` does (the fused path)."""
    calls: list[str] = []

    def spy(name: str, kernel: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return kernel(*args, **kwargs)

        return wrapper

    for name in ("lstm", "gru", "rnn_tanh", "rnn_relu"):
        monkeypatch.setattr(torch._VF, name, spy(name, getattr(torch._VF, name)))
        monkeypatch.setattr(torch, name, spy(name, getattr(torch, name)))
    m = rnnkit_make(kind, 3, 4, 2, bidirectional=True)
    ref = copy_of_torch(kind, m, 3, 4, 2, bidirectional=True)
    x = torch.randn(5, 2, 3)
    out = m(x)
    if rnnkit_make.args[0] == "rnnkit-reference":
        assert calls == [], f"impl='reference' ran torch's fused kernels: {calls}"
    else:
        assert calls, "impl='auto' did not run torch's fused kernel"
    calls.clear()
    assert_same(out, ref(x), **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_cell_options(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """``cell_options={}`` keeps torch's initialisation; an rnnkit initialiser asked for replaces it."""
    torch.manual_seed(5)
    plain = rnnkit_make(kind, 3, 8)
    torch.manual_seed(5)
    empty = rnnkit_make(kind, 3, 8, cell_options={})
    for (name, p), q in zip(plain.named_parameters(), empty.parameters(), strict=True):
        assert torch.equal(p, q), name

    m = rnnkit_make(kind, 3, 8, cell_options={"init_hh": "orthogonal"})
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind]
    for block in m.weight_hh_l0.detach().chunk(gates):
        assert_close(block @ block.T, torch.eye(8), atol=1e-5, rtol=0)
    x = torch.randn(5, 2, 3)
    assert_same(m(x), copy_of_torch(kind, m, 3, 8)(x), **TOL)


# ======================================================================================================
# What user code does with torch.nn's RNNs beyond PyTorch's tests: each of these once failed on rnnkit
# ======================================================================================================
def test_lstm_state_as_a_list(make: Callable[..., nn.Module]) -> None:
    """torch.nn takes an LSTM's state as ``[h, c]`` too (it only indexes it): batched, unbatched, packed."""
    m = make("LSTM", 3, 5, 2)
    h, c = state("LSTM", 2, 4, 5)
    x = torch.randn(6, 4, 3)
    assert_same(m(x, [h, c]), m(x, (h, c)))
    assert_same(m(x[:, 0], [h[:, 0], c[:, 0]]), m(x[:, 0], (h[:, 0], c[:, 0])))
    packed = pack_padded_sequence(x, torch.tensor([2, 6, 3, 1]), enforce_sorted=False)
    assert_same(m(packed, [h, c]), m(packed, (h, c)))
    with pytest.raises(RuntimeError, match="lstm expects two hidden states"):
        m(x, (h, c, c))


def test_lstm_state_as_one_stacked_tensor(make: Callable[..., nn.Module]) -> None:
    """torch.nn reads an LSTM's state as hx[0] and hx[1], so one tensor stacking h and c is taken where torch.nn
    takes it (unbatched input, an unsorted PackedSequence), with the same result as the tuple."""
    m = make("LSTM", 3, 5, 2)
    h, c = state("LSTM", 2, 4, 5)
    x = torch.randn(6, 4, 3)
    assert_same(m(x[:, 0], torch.stack([h[:, 0], c[:, 0]])), m(x[:, 0], (h[:, 0], c[:, 0])))
    packed = pack_padded_sequence(x, torch.tensor([2, 6, 3, 1]), enforce_sorted=False)
    assert_same(m(packed, torch.stack([h, c])), m(packed, (h, c)))


@pytest.mark.parametrize("kind", KINDS)
def test_an_instance_of_the_torch_class(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """``isinstance(m, nn.LSTM)`` holds, so code that finds RNNs by class (initialisers, freezing,
    torch.compile's own handling of RNNs) treats rnnkit's as torch.nn's."""
    m = rnnkit_make(kind, 3, 5)
    assert isinstance(m, getattr(nn, kind)) and isinstance(m, nn.RNNBase)
    assert type(m).__init__ is not getattr(nn, kind).__init__


@pytest.mark.parametrize("kind", KINDS)
def test_torch_compile_with_gradients(make: Callable[..., nn.Module], kind: str) -> None:
    """``torch.compile`` of a model holding the layer trains: the layer runs eagerly between compiled
    graphs, as torch.nn's RNNs do (the LSTM's fused kernel fails under AOT autograd otherwise)."""

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn, self.head = make(kind, 3, 5), nn.Linear(5, 2)

        def forward(self, x: Tensor) -> Tensor:
            return self.head(self.rnn(x)[0]).log_softmax(-1)

    torch.manual_seed(0)
    eager = Tagger()
    compiled = deepcopy(eager)
    x = torch.randn(4, 2, 3)
    torch._dynamo.reset()
    out = torch.compile(compiled, backend="aot_eager")(x)
    out.sum().backward()
    expected = eager(x)
    expected.sum().backward()
    assert_close(out, expected, **TOL)
    for (name, p), q in zip(compiled.named_parameters(), eager.parameters(), strict=True):
        assert_close(p.grad, q.grad, **TOL, msg=name)


def test_import_and_eager_calls_leave_dynamo_unloaded() -> None:
    """The layer marks itself for torch.compile only when compiled: ``import rnnkit``, an eager forward and
    the CLI's task list do not import Dynamo, which took about half of a command's start-up (``rnnkit
    predict``, ``score`` ...). The compiled path is the test above."""
    code = ("import sys, torch, rnnkit, rnnkit.cli, rnnkit.tasks\n"
            "rnnkit.tasks.discover()\n"
            "for kind in ('LSTM', 'GRU', 'RNN'):\n"
            "    getattr(rnnkit, kind)(3, 4)(torch.zeros(2, 1, 3))\n"
            "print(sorted(m for m in sys.modules if m.startswith('torch._dynamo'))[:3])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_fx_symbolic_trace_keeps_the_layer_a_leaf(make: Callable[..., nn.Module], kind: str) -> None:
    """``torch.fx.symbolic_trace`` of a model holding the layer (what FX graph-mode tools do: feature extraction,
    graph rewrites) keeps it one ``call_module`` node, as it keeps torch.nn's RNNs, and the traced model
    computes what the model does, with and without an initial state."""

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn, self.head = make(kind, 3, 5, 2, batch_first=True), nn.Linear(5, 2)

        def forward(self, x: Tensor, h: Any = None) -> Tensor:
            out = self.rnn(x) if h is None else self.rnn(x, h)
            return self.head(out[0])

    torch.manual_seed(0)
    model = Tagger()
    x, h = torch.randn(4, 6, 3), state(kind, 2, 4, 5)
    for concrete, args in (({"h": None}, (x,)), ({}, (x, h))):
        traced = torch.fx.symbolic_trace(model, concrete_args=concrete)
        assert [n.target for n in traced.graph.nodes if n.op == "call_module"] == ["rnn", "head"]
        assert_close(traced(*args), model(*args), rtol=0, atol=0)


@pytest.mark.parametrize("kind", ("LSTM", "GRU"))
def test_legacy_onnx_export(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """torch's TorchScript-based exporter (``dynamo=False``) passes every argument of ``forward`` by
    position; the exported graph computes what torch.nn does."""
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    m = rnnkit_make(kind, 3, 5).eval()
    x = torch.randn(4, 2, 3)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (x,), buffer, dynamo=False)
    session = ort.InferenceSession(buffer.getvalue())
    got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    assert_close(torch.from_numpy(got), copy_of_torch(kind, m, 3, 5)(x)[0], **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_a_parametrization_runs_as_often_as_in_torch(make: Callable[..., nn.Module], kind: str) -> None:
    """A parametrized weight is computed as many times per forward as torch.nn computes it, on both paths
    (a stateful one, such as spectral norm's power iteration, then moves as in torch.nn)."""
    from torch.nn.utils import parametrize

    calls = []

    class Count(nn.Module):
        def forward(self, w: Tensor) -> Tensor:
            calls.append(1)
            return w * 1.0

    counts = {}
    for name, module in (("control", nn.__dict__[kind](3, 5, 2)), ("under test", make(kind, 3, 5, 2))):
        parametrize.register_parametrization(module, "weight_hh_l1", Count())
        module(torch.randn(4, 2, 3))
        calls.clear()
        module(torch.randn(4, 2, 3))
        counts[name] = len(calls)
    assert counts["under test"] == counts["control"]


def _trace(m: nn.Module, *args: Any) -> tuple[Any, list[str]]:
    """``torch.jit.trace(m, args)`` and the messages of the TracerWarnings that name rnnkit's step loop."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        traced = torch.jit.trace(m, args, check_trace=False)
    return traced, [str(w.message) for w in caught
                    if issubclass(w.category, torch.jit.TracerWarning) and "step loop" in str(w.message)]


@pytest.mark.parametrize("kind", KINDS)
def test_jit_trace_takes_other_lengths_as_torch_nn_does(impl: str, make: Callable[..., nn.Module], kind: str) -> None:
    """``torch.jit.trace`` of the layer on torch's fused kernel (torch.nn's, and rnnkit's default) runs inputs of
    another length and batch, as torch.nn's trace does; rnnkit's step loop (``impl="reference"``) is traced
    unrolled, so its trace warns (a TracerWarning naming the length) and refuses another length instead of
    running the traced number of steps on it (it returned 5 steps for 7 once, and a wrong final state)."""
    torch.manual_seed(0)
    m = make(kind, 3, 4, 2, bidirectional=True).eval()
    h = state(kind, 4, 2, 4)
    traced, warned = _trace(m, torch.randn(5, 2, 3), h)
    longer = torch.randn(7, 2, 3)
    if impl == "rnnkit-reference":
        assert len(warned) == 1 and "5 steps" in warned[0], warned
        with pytest.raises(RuntimeError, match="Expected 5 elements in a list but found 7"):
            traced(longer, h)
        assert_same(traced(longer[:5], h), m(longer[:5], h), **TOL)
        return
    assert not warned
    assert_same(traced(longer, h), copy_of_torch(kind, m, 3, 4, 2, bidirectional=True)(longer, h), **TOL)
    other = torch.randn(2, 3, 3), state(kind, 4, 3, 4)
    assert_same(traced(*other), m(*other), **TOL)


class _Packed(nn.Module):
    """A padded batch with its lengths through the layer as a PackedSequence, the usual way to a recurrent layer."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        out, _ = self.rnn(nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False))
        return nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[0])[0]


@pytest.mark.parametrize("kind", KINDS)
def test_a_trace_or_onnx_export_of_packed_input_takes_another_batch_as_torch_nn_does(make: Callable[..., nn.Module],
                                                                                    impl: str, kind: str) -> None:
    """The zero initial state of a PackedSequence was sized by ``int(batch_sizes[0])``, which a trace records as a
    constant: the trace, and the file of torch's TorchScript-based ONNX exporter, of a model that packs its batch
    failed on any other batch size (``The size of tensor a (3) must match the size of tensor b (2)``; onnxruntime:
    ``invalid expand shape``), where torch.nn's take it. (rnnkit's step loop is traced at one length: the same
    length here.)"""
    ort = pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = _Packed(make(kind, 3, 4, bidirectional=True)).eval()
    traced, _ = _trace(model, torch.randn(6, 3, 3), torch.tensor([6, 2, 4]))
    other = torch.randn(6, 2, 3), torch.tensor([3, 6])
    with torch.no_grad():
        want = model(*other)
    assert_close(traced(*other), want, **TOL)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(6, 3, 3), torch.tensor([6, 2, 4])), buffer, input_names=["x", "lengths"],
                          dynamic_axes={"x": {0: "time", 1: "batch"}, "lengths": {0: "batch"}}, dynamo=False)
    got = ort.InferenceSession(buffer.getvalue()).run(None, {"x": other[0].numpy(), "lengths": other[1].numpy()})[0]
    mask = torch.arange(6).unsqueeze(1) < other[1]   # the padding's rows hold whatever the exporter gives
    assert_close(torch.from_numpy(got)[mask], want[mask], **TOL)


_TORCH_CELLS = {"lstm": nn.LSTMCell, "gru": nn.GRUCell, "rnn_tanh": nn.RNNCell,
                "rnn_relu": partial(nn.RNNCell, nonlinearity="relu")}


@pytest.mark.parametrize("cell", list(_TORCH_CELLS))
def test_cell_module_takes_unbatched_input_as_torch_cells(cell: str) -> None:
    """``make_cell_module`` (a cell with torch.nn's parameter names, not its class) takes one unbatched step
    (input_size,) as ``nn.LSTMCell`` / ``GRUCell`` / ``RNNCell`` do, with ``hx`` None or 1-D: it once read the
    input size as the batch (an unbatched LSTM step of size 3 gave (3, H) states) and broadcast a state of
    another batch."""
    from rnnkit.cells import make_cell_module

    torch.manual_seed(0)
    ours, ref = make_cell_module(cell, 3, 4), _TORCH_CELLS[cell](3, 4)
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(3)
    h = (torch.randn(4), torch.randn(4)) if cell == "lstm" else torch.randn(4)
    assert_same(ours(x), ref(x), **TOL)
    assert_same(ours(x, h), ref(x, h), **TOL)
    assert_same(ours(x.unsqueeze(0)), ref(x.unsqueeze(0)), **TOL)
    batch_of_two = (torch.zeros(2, 4), torch.zeros(2, 4)) if cell == "lstm" else torch.zeros(2, 4)
    for module in (ours, ref):  # where torch.nn's cell refuses a call, so does rnnkit's
        with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D instead"):
            module(torch.randn(1, 2, 3))
        with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 7 expected 3"):
            module(torch.randn(2, 7))
        with pytest.raises(RuntimeError, match="Input batch size 1 doesn't match hidden0 batch size 2"):
            module(torch.randn(1, 3), batch_of_two)
        with pytest.raises(RuntimeError):
            module(x, batch_of_two)


# ======================================================================================================
# The module API of torch/nn/modules/rnn.py beyond PyTorch's test files: what RNNBase does with dtypes, empty
# batches, copies, functional calls, hooks and frozen weights, run side by side with torch.nn
# ======================================================================================================
def _pair(rnnkit_make: Callable[..., nn.Module], kind: str, *args: Any, **kwargs: Any) -> tuple[nn.Module, nn.Module]:
    """The module under test and torch.nn's with the same arguments and parameters."""
    torch.manual_seed(11)
    mod = rnnkit_make(kind, *args, **kwargs)
    return mod, copy_of_torch(kind, mod, *args, **kwargs)


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", the result) or ("raise", the exception)."""
    try:
        return "ok", call()
    except Exception as exc:
        return "raise", exc


def _retyped(kind: str, hx: Any, h: torch.dtype | None = None, c: torch.dtype | None = None) -> Any:
    """``hx`` with h (and the LSTM's c) converted to the dtypes given."""
    if kind != "LSTM":
        return hx.to(h) if h else hx
    return hx[0].to(h) if h else hx[0], hx[1].to(c) if c else hx[1]


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_state_of_another_dtype_fails_as_in_torch(rnnkit_make: Callable[..., nn.Module], kind: str,
                                                  steps: int) -> None:
    """RNNBase.check_input checks the input's dtype only; a state of another dtype fails in torch's kernel.
    rnnkit fails with the same exception type, and torch's message or one about the dtype. The fused path calls torch's
    kernel (oneDNN for a float32 LSTM); the step loop computes what torch's native kernel computes (oneDNN off),
    which promotes a lower-precision LSTM cell state instead of refusing it."""
    mod, ref = _pair(rnnkit_make, kind, 3, 5)
    x, hx = torch.randn(steps, 2, 3), state(kind, 1, 2, 5)
    cases = [("h float64", _retyped(kind, hx, h=torch.float64)), ("h int64", _retyped(kind, hx, h=torch.int64))]
    if kind == "LSTM":
        cases += [(f"c {dtype}", _retyped(kind, hx, c=dtype)) for dtype in (torch.float64, torch.float16, torch.int64)]
    native = mod.impl == "reference"
    for what, bad in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # flags() also sets TF32 on oneDNN, "for Intel GPUs"
            with torch.backends.mkldnn.flags(enabled=not native):
                expected = _outcome(lambda bad=bad: ref(x, bad))
        got = _outcome(lambda bad=bad: mod(x, bad))
        assert got[0] == expected[0], f"{what}: rnnkit {got}, torch.nn {expected}"
        if expected[0] == "raise":
            assert type(got[1]) is type(expected[1]), f"{what}: {got[1]!r} != torch's {expected[1]!r}"
            message = str(got[1])  # torch's own (the same kernel), or one about the dtype
            assert message == str(expected[1]) or "dtype" in message, f"{what}: {message}"
        else:
            assert_same(got[1], expected[1], what, **TOL)
    for dtype in (torch.float64, torch.float16):  # the model converted, the state not: refused in both
        for module in (mod, ref):
            module.to(dtype)
        expected = _outcome(lambda dtype=dtype: ref(x.to(dtype), hx))
        got = _outcome(lambda dtype=dtype: mod(x.to(dtype), hx))
        assert expected[0] == got[0] == "raise" and type(got[1]) is type(expected[1]), (got, expected)


@pytest.mark.parametrize("kind", KINDS)
def test_empty_batch(make: Callable[..., nn.Module], kind: str) -> None:
    """A batch of no sequences (B = 0) runs as in torch.nn: empty outputs and states of the right shapes, with
    and without hx, batch first, two bidirectional layers (an LSTM with a projection)."""
    kw = {"proj_size": 2} if kind == "LSTM" else {}
    for batch_first in (False, True):
        torch.manual_seed(4)
        mod = make(kind, 3, 5, 2, bidirectional=True, batch_first=batch_first, **kw)
        ref = copy_of_torch(kind, mod, 3, 5, 2, bidirectional=True, batch_first=batch_first, **kw)
        x = torch.randn(0, 4, 3) if batch_first else torch.randn(4, 0, 3)
        hx = state(kind, 4, 0, 5, kw.get("proj_size", 0))
        for args in ((x,), (x, hx)):
            out = mod(*args)
            assert_same(out, ref(*args))
            assert out[0].numel() == 0 and out[0].shape[2] == (4 if kind == "LSTM" else 10)


@pytest.mark.parametrize("kind", KINDS)
def test_deepcopy_and_pickle_are_independent_copies(make: Callable[..., nn.Module], kind: str) -> None:
    """copy.deepcopy and pickle give a module whose ``_flat_weights`` are its own parameters: changing the
    original afterwards changes neither copy, and both compute what the original computed."""
    import pickle

    torch.manual_seed(2)
    m = make(kind, 3, 5, 2, bidirectional=True)
    x = torch.randn(4, 2, 3)
    expected = m(x)
    copies = [deepcopy(m), pickle.loads(pickle.dumps(m))]
    with torch.no_grad():
        for p in m.parameters():
            p.add_(1.0)
    for c in copies:
        assert all(w is getattr(c, n) for w, n in zip(c._flat_weights, c._flat_weights_names, strict=True))
        assert_same(c(x), expected, **TOL)
    assert not torch.allclose(m(x)[0], expected[0])


#: torch.func scripts a helper of its own on first use, which torch 2.13 warns about (not rnnkit's doing)
TORCH_FUNC_SCRIPTS = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


@TORCH_FUNC_SCRIPTS
@pytest.mark.parametrize("kind", KINDS)
def test_jit_script_is_refused_in_one_line(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """TorchScript is not supported (TORCH_COMPAT.md): ``torch.jit.script`` of the layer, or of a model holding
    it, says so in one line naming the layer, where it gave a compile error about a property deep inside it;
    torch.nn's layer still scripts."""
    torch.jit.script(nn.Sequential(nn.Linear(2, 3), nn.__dict__[kind](3, 4)))
    for model in (rnnkit_make(kind, 3, 4), nn.Sequential(nn.Linear(2, 3), rnnkit_make(kind, 3, 4))):
        with pytest.raises(NotImplementedError, match=rf"^{kind}: torch.jit.script \(TorchScript\) is not supported"):
            torch.jit.script(model)


@TORCH_FUNC_SCRIPTS
@pytest.mark.parametrize("kind", KINDS)
def test_functional_call_and_torch_func_grad(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """``torch.func.functional_call`` with other parameters (RNNBase._weights_have_changed refreshes the flat
    weights) computes what torch.nn computes with them, leaves the module's own in place, and
    ``torch.func.grad`` through it gives torch.nn's gradients."""
    mod, ref = _pair(rnnkit_make, kind, 3, 5, 2)
    x = torch.randn(4, 2, 3)
    params = {n: p.detach() * 1.5 for n, p in ref.named_parameters()}
    own = ref(x)
    assert_same(torch.func.functional_call(mod, params, (x,)), torch.func.functional_call(ref, params, (x,)), **TOL)
    assert_same(mod(x), own, **TOL)

    def loss(module: nn.Module) -> Callable[[dict[str, Tensor]], Tensor]:
        return lambda p: torch.func.functional_call(module, p, (x,))[0].square().sum()

    got, expected = torch.func.grad(loss(mod))(params), torch.func.grad(loss(ref))(params)
    assert got.keys() == expected.keys()
    for name in expected:
        assert_close(got[name], expected[name], **TOL, msg=name)


@pytest.mark.parametrize("kind", KINDS)
def test_load_state_dict_assign_and_to_empty(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """``load_state_dict(assign=True)`` puts the given tensors in place of the parameters (the flat weights
    follow), and a module built on the meta device, moved with ``to_empty`` and re-initialised under a seed, is
    torch.nn's under the same seed."""
    mod, ref = _pair(rnnkit_make, kind, 3, 5, 2)
    x = torch.randn(4, 2, 3)
    torch.manual_seed(5)
    new = {k: torch.randn_like(v) for k, v in ref.state_dict().items()}
    for module in (mod, ref):
        module.load_state_dict({k: v.clone() for k, v in new.items()}, assign=True)
    assert all(w is getattr(mod, n) for w, n in zip(mod._flat_weights, mod._flat_weights_names, strict=True))
    assert_same(mod(x), ref(x), **TOL)

    modules = []
    for factory in (partial(rnnkit_make, kind), getattr(nn, kind)):
        module = factory(3, 5, 2, device="meta").to_empty(device="cpu")
        torch.manual_seed(6)
        module.reset_parameters()
        modules.append(module)
    assert_same(modules[0](x), modules[1](x), **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_pruning_and_weight_norm_hooks(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """``torch.nn.utils.prune`` and the old ``torch.nn.utils.weight_norm`` replace a weight by a plain tensor in a
    forward pre-hook (RNNBase.__setattr__ keeps the flat weights current): outputs and gradients as torch.nn's,
    and ``prune.remove`` leaves torch.nn's parameter names."""
    from torch.nn.utils import prune

    x = torch.randn(4, 2, 3)
    for apply in (lambda m: prune.l1_unstructured(m, "weight_hh_l0", amount=0.5),
                  lambda m: torch.nn.utils.weight_norm(m, "weight_ih_l1")):
        mod, ref = _pair(rnnkit_make, kind, 3, 5, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # weight_norm is deprecated for parametrizations
            apply(mod), apply(ref)
        outs = [m(x) for m in (mod, ref)]
        assert_same(outs[0], outs[1], **TOL)
        for out in outs:
            out[0].square().sum().backward()
        for (name, p), q in zip(mod.named_parameters(), ref.parameters(), strict=True):
            assert_close(p.grad, q.grad, **TOL, msg=name)
    mod, ref = _pair(rnnkit_make, kind, 3, 5)
    for m in (mod, ref):
        prune.l1_unstructured(m, "weight_hh_l0", amount=0.5)
        prune.remove(m, "weight_hh_l0")
    assert [n for n, _ in mod.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert_same(mod(x), ref(x), **TOL)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["half", "bfloat16"])
@pytest.mark.parametrize("kind", KINDS)
def test_half_and_bfloat16_modules(rnnkit_make: Callable[..., nn.Module], kind: str, dtype: torch.dtype) -> None:
    """``.half()`` / ``.bfloat16()`` (RNNBase._apply refreshes ``_flat_weights``): the output in that dtype, as
    torch.nn's to that dtype's precision, and ``.float()`` back computes in float32 again, as torch.nn."""
    mod, ref = _pair(rnnkit_make, kind, 3, 5, 2)
    x = torch.randn(4, 2, 3)
    for m in (mod, ref):
        m.to(dtype)
    assert [w.dtype for w in mod._flat_weights] == [dtype] * len(mod._flat_weights_names)
    got, expected = mod(x.to(dtype)), ref(x.to(dtype))
    assert [t.dtype for t in leaves(got)] == [t.dtype for t in leaves(expected)] == [dtype] * len(leaves(expected))
    assert_same(got, expected, atol=2e-2, rtol=2e-2)
    for m in (mod, ref):
        m.float()
    assert [w.dtype for w in mod._flat_weights] == [torch.float32] * len(mod._flat_weights_names)
    assert_same(mod(x), ref(x), **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_frozen_parameters(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """Some parameters frozen (``requires_grad_(False)``), or all of them with only the input or only the state
    differentiable: the gradients torch.nn gives, None where it gives None."""
    for frozen in ({"weight_ih_l0"}, {"weight_hh_l0", "bias_ih_l1_reverse"}, "all"):
        mod, ref = _pair(rnnkit_make, kind, 3, 5, 2, bidirectional=True)
        for m in (mod, ref):
            for name, p in m.named_parameters():
                p.requires_grad_(frozen != "all" and name not in frozen)
        x, hx = torch.randn(4, 2, 3), state(kind, 4, 2, 5)
        for args in ((x,), (x, hx)):
            a_mod, a_ref = fresh(args), fresh(args)
            out_mod, out_ref = mod(*a_mod), ref(*a_ref)
            assert_same(out_mod, out_ref, **TOL)
            torch.autograd.backward([t.sum() for t in leaves(out_ref)])
            torch.autograd.backward([t.sum() for t in leaves(out_mod)])
            for a, e in zip(leaves(a_mod), leaves(a_ref), strict=True):
                assert_close(a.grad, e.grad, **TOL)
            for (name, p), q in zip(mod.named_parameters(), ref.parameters(), strict=True):
                assert (p.grad is None) == (q.grad is None), name
                if q.grad is not None:
                    assert_close(p.grad, q.grad, **TOL, msg=name)
                    p.grad = q.grad = None


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_with_one_layer_drops_nothing(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """``dropout`` with ``num_layers=1`` warns (test_dropout_warning_matches_torch) and, as torch.nn's, drops
    nothing in training: it acts between layers only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mod, ref = _pair(rnnkit_make, kind, 3, 5, 1, dropout=0.9)
    x = torch.randn(4, 2, 3)
    assert mod.training and ref.training
    assert_same(mod(x), ref(x), **TOL)
    assert_same(mod(x), ref.eval()(x), **TOL)


@TORCH_FUNC_SCRIPTS
@pytest.mark.parametrize("kind", KINDS)
def test_forward_mode_ad_as_torch(rnnkit_make: Callable[..., nn.Module], kind: str) -> None:
    """``torch.func.jvp`` (forward-mode AD) through the layer gives torch.nn's tangents. torch.nn's LSTM has none on
    oneDNN, nor has rnnkit's fused LSTM (the same error); the step loop gives those of torch's native kernel
    (oneDNN off), as TORCH_COMPAT.md says."""
    mod, ref = _pair(rnnkit_make, kind, 3, 5, 2)
    x, t = torch.randn(4, 2, 3), torch.randn(4, 2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # flags() also sets TF32 on oneDNN, "for Intel GPUs"
        with torch.backends.mkldnn.flags(enabled=mod.impl != "reference"):
            expected = _outcome(lambda: torch.func.jvp(lambda v: ref(v)[0], (x,), (t,)))
    got = _outcome(lambda: torch.func.jvp(lambda v: mod(v)[0], (x,), (t,)))
    if expected[0] == "raise":
        assert kind == "LSTM" and got[0] == "raise" and str(got[1]) == str(expected[1]), (got, expected)
    else:
        assert got[0] == "ok", got
        assert_same(got[1], expected[1], **TOL)


# ------------------------------------------------------------------------------------------------------
# the differences TORCH_COMPAT.md lists for these, held to what it says
# ------------------------------------------------------------------------------------------------------
def test_packed_lstm_input_is_checked() -> None:
    """torch.nn's LSTM runs none of RNNBase's checks on a PackedSequence (a wrong dtype fails in its kernel, a
    2-D state in ``index_select``); rnnkit's runs them all, with RNN's and GRU's messages for the same mistakes."""
    import rnnkit

    packed = rnn_utils.pack_sequence([torch.randn(3, 3), torch.randn(2, 3)])
    for impl in ("auto", "reference"):
        m, gru = rnnkit.LSTM(3, 5, impl=impl), nn.GRU(3, 5)
        for bad, hx in ((rnn_utils.pack_sequence([torch.randn(3, 3, dtype=torch.float64)]), None),
                        (packed, (torch.zeros(2, 5), torch.zeros(2, 5)))):
            with pytest.raises((ValueError, RuntimeError)) as expected:
                gru(bad, None if hx is None else hx[0])
            with pytest.raises(expected.type) as got:
                m(bad, hx)
            assert str(got.value) == str(expected.value).replace("Expected hidden size", "Expected hidden[0] size")


@pytest.mark.parametrize("kind", KINDS)
def test_non_bool_bidirectional_runs_on_the_step_loop_only(kind: str) -> None:
    """``bidirectional=1`` (or ``num_layers=True``): RNNBase does not check their types, so torch.nn builds the layer
    and its kernel then refuses every call (TypeError); so does rnnkit's fused path. The step loop reads them as
    Python does, a second direction (one layer), as torch.nn computes with ``bidirectional=True``."""
    import rnnkit

    x = torch.randn(4, 2, 3)
    for kwargs, meant in (({"bidirectional": 1}, {"bidirectional": True}), ({"num_layers": True}, {})):
        torch.manual_seed(0)
        ref = getattr(nn, kind)(3, 5, **kwargs)
        with pytest.raises(TypeError) as expected:
            ref(x)
        fused = getattr(rnnkit, kind)(3, 5, **kwargs)
        with pytest.raises(TypeError) as got:
            fused(x)
        assert str(got.value) == str(expected.value)
        loop = getattr(rnnkit, kind)(3, 5, impl="reference", **kwargs)
        control = copy_of_torch(kind, loop, 3, 5, **meant)
        assert_same(loop(x), control(x), **TOL)


def test_lstm_under_fp16_cpu_autocast() -> None:
    """Where torch.nn's LSTM fails under ``torch.autocast("cpu", dtype=torch.float16)`` (oneDNN has no such kernel
    in torch 2.13, even on CPUs with AVX512-FP16), rnnkit's fused LSTM runs it in float32 (the float32 output), its
    step loop in autocast's float16 matrix products (float32 output, to float16's precision)."""
    import rnnkit

    torch.manual_seed(0)
    x = torch.randn(5, 2, 3)
    ref = nn.LSTM(3, 4, 2)
    with torch.autocast("cpu", dtype=torch.float16):
        torch_fails = _outcome(lambda: ref(x))[0] == "raise"
    for impl in ("auto", "reference"):
        m = rnnkit.LSTM(3, 4, 2, impl=impl)
        m.load_state_dict(ref.state_dict())
        with torch.autocast("cpu", dtype=torch.float16):
            got = m(x)
        tol = TOL if impl == "auto" else {"atol": 1e-2, "rtol": 1e-2}
        if torch_fails:
            expected = ref(x)  # float32
            assert [t.dtype for t in leaves(got)] == [torch.float32] * 3
        else:  # a torch whose oneDNN has the kernel: its output, to float16's precision
            with torch.autocast("cpu", dtype=torch.float16):
                expected = ref(x)
            tol = {"atol": 1e-2, "rtol": 1e-2}
        assert_same(tuple(t.float() for t in leaves(got)), tuple(t.float() for t in leaves(expected)), **tol)


@pytest.mark.parametrize("kind", KINDS)
def test_vmap_runs_on_the_step_loop(kind: str) -> None:
    """``torch.func.vmap`` has no batching rule for torch's RNN kernels: torch.nn's layers and rnnkit's fused path
    refuse it alike; the step loop, made of ordinary ops, maps (the result is the loop over the mapped dimension)."""
    import rnnkit

    torch.manual_seed(0)
    xs = torch.randn(3, 4, 2, 3)
    ref = getattr(nn, kind)(3, 5)
    with pytest.raises(RuntimeError, match="Batching rule not implemented") as expected:
        torch.func.vmap(lambda v: ref(v)[0])(xs)
    fused = getattr(rnnkit, kind)(3, 5)
    with pytest.raises(RuntimeError) as got:
        torch.func.vmap(lambda v: fused(v)[0])(xs)
    assert str(got.value) == str(expected.value)
    loop = getattr(rnnkit, kind)(3, 5, impl="reference")
    loop.load_state_dict(ref.state_dict())
    assert_close(torch.func.vmap(lambda v: loop(v)[0])(xs), torch.stack([ref(v)[0] for v in xs]), **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_masks_under_a_seed(kind: str) -> None:
    """Between layers in training, the fused path draws torch's kernel's masks: under the same seed, torch.nn's
    output and gradients. The step loop drops with rnnkit's dropout (torch's rate and scaling, a quarter of the
    generator calls): reproducible under a seed, but other masks than torch.nn's, as TORCH_COMPAT.md says."""
    import rnnkit

    x = torch.randn(4, 2, 3)
    ref = getattr(nn, kind)(3, 5, 3, dropout=0.5)

    def run(m: nn.Module) -> tuple[Tensor, tuple[Tensor, ...]]:
        torch.manual_seed(1)
        out = m(x)[0]
        return out, torch.autograd.grad(out.sum(), list(m.parameters()))

    expected = run(ref)
    for impl in ("auto", "reference"):
        m = getattr(rnnkit, kind)(3, 5, 3, dropout=0.5, impl=impl)
        m.load_state_dict(ref.state_dict())
        got = run(m)
        if impl == "auto":
            assert_same(got, expected, **TOL)
        else:
            assert_same(got, run(m), atol=0, rtol=0)
            assert not torch.allclose(got[0], expected[0])
