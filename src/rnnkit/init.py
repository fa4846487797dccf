"""Weight initialisers: Xavier/Glorot, He/Kaiming, orthogonal, identity, Gaussian.

Every initialiser works in place on a 2-D weight and returns it. ``initialize_(w, "orthogonal")`` picks
one by name, which is how cells and configuration files refer to them. An all-zero weight start is
refused: every hidden unit would compute the same function and receive the same gradient, so they would
stay identical for ever (the symmetry is never broken). Biases are not weights and may start at zero.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable

import torch
from torch import Tensor

__all__ = [
    "INITIALISERS",
    "gaussian_",
    "he_normal_",
    "he_uniform_",
    "identity_",
    "initialize_",
    "orthogonal_",
    "parse_scheme",
    "xavier_normal_",
    "xavier_uniform_",
]

_ZERO_REFUSAL = (
    "an all-zero weight initialisation is refused: every unit would compute the same thing and get the "
    "same gradient, so the units could never become different (the symmetry is never broken); "
    "use xavier_uniform, he_normal, orthogonal, identity or gaussian instead (biases may start at zero)"
)


def _fans(w: Tensor) -> tuple[int, int]:
    if w.dim() != 2:
        raise ValueError(f"expected a 2-D weight (out_features, in_features), got shape {tuple(w.shape)}")
    fan_out, fan_in = w.shape
    return int(fan_in), int(fan_out)


@torch.no_grad()
def xavier_uniform_(w: Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    """Glorot & Bengio (2010): U(-a, a), a = gain·sqrt(6/(fan_in+fan_out)); variance 2/(fan_in+fan_out)."""
    fan_in, fan_out = _fans(w)
    if not w.numel():   # no values to draw (and a fan of 0 to divide by), as torch.nn.init's no-op
        return w
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return w.uniform_(-a, a, generator=generator)


@torch.no_grad()
def xavier_normal_(w: Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    """Glorot & Bengio (2010): N(0, gain²·2/(fan_in+fan_out))."""
    fan_in, fan_out = _fans(w)
    if not w.numel():
        return w
    return w.normal_(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator=generator)


@torch.no_grad()
def he_uniform_(w: Tensor, gain: float = math.sqrt(2.0), generator: torch.Generator | None = None) -> Tensor:
    """He et al. (2015) for ReLU units: U(-a, a), a = gain·sqrt(3/fan_in); variance 2/fan_in."""
    fan_in, _ = _fans(w)
    if not w.numel():
        return w
    a = gain * math.sqrt(3.0 / fan_in)
    return w.uniform_(-a, a, generator=generator)


@torch.no_grad()
def he_normal_(w: Tensor, gain: float = math.sqrt(2.0), generator: torch.Generator | None = None) -> Tensor:
    """He et al. (2015) for ReLU units: N(0, gain²/fan_in) = N(0, 2/fan_in)."""
    fan_in, _ = _fans(w)
    if not w.numel():
        return w
    return w.normal_(0.0, gain / math.sqrt(fan_in), generator=generator)


@torch.no_grad()
def orthogonal_(w: Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    """Saxe et al. (2014): a (semi-)orthogonal matrix from the QR of a Gaussian, times ``gain``.

    Every singular value is ``gain``, so a recurrent weight neither shrinks nor grows a state at the start.
    """
    rows, cols = _fans(w)[1], _fans(w)[0]
    flat = torch.randn(max(rows, cols), min(rows, cols), generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(flat)
    q = q * torch.sign(torch.diagonal(r)).unsqueeze(0)  # uniform over the orthogonal group
    if rows < cols:
        q = q.T
    return w.copy_(gain * q.to(w.dtype))


@torch.no_grad()
def identity_(w: Tensor, scale: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    """``scale`` times the identity (Le, Jaitly & Hinton 2015, IRNN); a rectangular weight gets the eye."""
    _fans(w)
    if scale == 0:
        raise ValueError(_ZERO_REFUSAL)
    w.zero_()
    w.copy_(scale * torch.eye(w.shape[0], w.shape[1], dtype=w.dtype, device=w.device))
    return w


@torch.no_grad()
def gaussian_(w: Tensor, std: float = 0.01, mean: float = 0.0, generator: torch.Generator | None = None) -> Tensor:
    """N(mean, std²). ``std`` must be positive."""
    _fans(w)
    if std <= 0:
        raise ValueError(_ZERO_REFUSAL if std == 0 and mean == 0 else f"gaussian std must be > 0, got {std}")
    return w.normal_(mean, std, generator=generator)


INITIALISERS: dict[str, Callable[..., Tensor]] = {
    "xavier_uniform": xavier_uniform_,
    "glorot_uniform": xavier_uniform_,
    "xavier_normal": xavier_normal_,
    "glorot_normal": xavier_normal_,
    "he_uniform": he_uniform_,
    "kaiming_uniform": he_uniform_,
    "he_normal": he_normal_,
    "kaiming_normal": he_normal_,
    "orthogonal": orthogonal_,
    "identity": identity_,
    "gaussian": gaussian_,
    "normal": gaussian_,
}

_SCHEME_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*)\s*(?:\((.*)\))?")
_ZERO_NAMES = {"zero", "zeros", "zeroes", "constant_zero", "none_zero"}


def parse_scheme(scheme: str) -> tuple[str, dict[str, float]]:
    """Split ``"gaussian(std=0.001)"`` into ``("gaussian", {"std": 0.001})``."""
    m = _SCHEME_RE.fullmatch(scheme.strip())
    if m is None:
        raise ValueError(f"cannot read initialiser {scheme!r}; expected NAME or NAME(key=number, ...)")
    name = m.group(1).lower().replace("-", "_")
    kwargs: dict[str, float] = {}
    if m.group(2) and m.group(2).strip():
        for part in m.group(2).split(","):
            key, sep, value = part.partition("=")
            try:
                if not sep:
                    raise ValueError
                kwargs[key.strip()] = float(value)
            except ValueError:
                raise ValueError(f"cannot read initialiser argument {part.strip()!r} in {scheme!r}") from None
    return name, kwargs


def initialize_(w: Tensor, scheme: str | Callable[..., Tensor], **kwargs: float) -> Tensor:
    """Initialise weight ``w`` in place with the named ``scheme`` (see ``INITIALISERS``) and return it.

    A name may carry its arguments, ``"identity(scale=0.5)"``, ``"gaussian(std=0.001)"``; keyword
    arguments given here override them. ``scheme`` may also be a callable ``f(w, **kwargs)``.
    Asking for zeros (by name, zero std or zero scale) raises ``ValueError`` saying why.
    """
    if callable(scheme):
        return _not_all_zero(scheme(w, **kwargs), w)
    name, parsed = parse_scheme(str(scheme))
    kwargs = {**parsed, **kwargs}
    if name in _ZERO_NAMES:
        raise ValueError(_ZERO_REFUSAL)
    try:
        fn = INITIALISERS[name]
    except KeyError:
        known = ", ".join(sorted(INITIALISERS))
        raise ValueError(f"unknown initialiser {scheme!r}; expected one of: {known}") from None
    for key, value in kwargs.items():
        if isinstance(value, int | float) and not math.isfinite(value):
            raise ValueError(f"initialiser {scheme!r}: {key} must be a finite number, got {value}")
    takes = [p for p in inspect.signature(fn).parameters if p not in ("w", "generator")]
    unknown = [k for k in kwargs if k not in takes and k != "generator"]
    if unknown:
        raise ValueError(f"initialiser {scheme!r}: {name} takes {', '.join(takes) or 'no arguments'}, "
                         f"not {', '.join(unknown)}")
    if w.is_meta:   # a skeleton's (building.build_model): no values to draw, and drawing them imports Dynamo
        return w
    return _not_all_zero(fn(w, **kwargs), w)


def _not_all_zero(out: Tensor, w: Tensor) -> Tensor:
    """``out``, unless it left ``w`` all zeros (a gain of 0 ...): refused, as a zero start is by name."""
    if w.device.type != "meta" and w.numel() and bool((w == 0).all()):
        raise ValueError(_ZERO_REFUSAL)
    return out
