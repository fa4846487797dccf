// The blocked sequential scan of minGRU and minLSTM, fused: rnnkit/scan.py projects a block of steps
// (torch's product) and hands it here, where each row runs the block's steps with the gates computed on
// the fly, forwards and backwards. The torch ops it stands for (the cells' `mix` and `mix_backward`, and
// the per-step lerp and reverse loops of scan.py) are the fallback and the reference; tests compare them.
//
// A step is h_t = h_{t-1} + w_t (h̃_t − h_{t-1}) from the block's projection xw (c, B, gates·H):
//   kind 0, minGRU  [k, m]:      w = σ(k)
//   kind 1, minLSTM [kf, ki, m]: w = σ(ki) / (σ(kf) + σ(ki))
// and h̃ = g(m) = max(m + 0.5, σ(m)) (the paper's x + 0.5 for x ≥ 0, σ(x) below). Rows are independent:
// each task of at::parallel_for runs its rows through every step of the block.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include "common.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

using at::Tensor;
using c10::optional;
using rnnkit_native::row_grain;
using rnnkit_native::sigmoid;
using rnnkit_native::normalised_gate;

int64_t gates_of(int64_t kind) {
  TORCH_CHECK(kind == 0 || kind == 1, "lerp scan: kind must be 0 (minGRU) or 1 (minLSTM), got ", kind);
  return kind == 0 ? 2 : 3;
}

template <typename T>
void forward_impl(const Tensor& xw, const Tensor& h0, Tensor& out, int64_t kind) {
  const int64_t steps = xw.size(0), B = h0.size(0), H = h0.size(1), GH = gates_of(kind) * H;
  const T *xp = xw.data_ptr<T>(), *hp0 = h0.data_ptr<T>();
  T* op = out.data_ptr<T>();
  at::parallel_for(0, B, row_grain(steps * H), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* h = hp0 + b * H;
      for (int64_t t = 0; t < steps; ++t) {
        const T* x = xp + (t * B + b) * GH;
        T* o = op + (t * B + b) * H;
        if (kind == 0) {
          for (int64_t j = 0; j < H; ++j) {
            const T w = sigmoid(x[j]), m = x[H + j];
            const T cand = std::max(m + T(0.5), sigmoid(m));
            o[j] = h[j] + w * (cand - h[j]);
          }
        } else {
          for (int64_t j = 0; j < H; ++j) {
            const T m = x[2 * H + j];  // w = i / (f + i), finite when f and i underflow
            const T w = normalised_gate(x[j], x[H + j]), cand = std::max(m + T(0.5), sigmoid(m));
            o[j] = h[j] + w * (cand - h[j]);
          }
        }
        h = o;
      }
    }
  });
}

// From dL/dh_t of the block's outputs (`grad`) and `later` = a g carried in from the step after the block:
// dL/dxw into `dxw` (which may be xw itself), and a_0 g_0 of the block's first step into `carry_out`.
// `states` (c + 1, B, H) holds h_{t-1} of the block's first step, then every h_t of the block.
template <typename T>
void backward_impl(const Tensor& xw, Tensor& dxw, const Tensor& states, const Tensor& grad,
                   const optional<Tensor>& later, Tensor& carry_out, int64_t kind) {
  const int64_t steps = xw.size(0), B = states.size(1), H = states.size(2), GH = gates_of(kind) * H;
  const T *xp = xw.data_ptr<T>(), *sp = states.data_ptr<T>(), *gp = grad.data_ptr<T>();
  const T* lp = later.has_value() && later->defined() ? later->data_ptr<T>() : nullptr;
  T *dp = dxw.data_ptr<T>(), *cp = carry_out.data_ptr<T>();
  at::parallel_for(0, B, row_grain(steps * H), [&](int64_t b0, int64_t b1) {
    std::vector<T> carry(H);
    for (int64_t b = b0; b < b1; ++b) {
      if (lp != nullptr) std::copy(lp + b * H, lp + (b + 1) * H, carry.begin());
      else std::fill(carry.begin(), carry.end(), T(0));
      T* a = carry.data();
      for (int64_t t = steps - 1; t >= 0; --t) {
        const T *x = xp + (t * B + b) * GH, *hn = sp + ((t + 1) * B + b) * H, *gr = gp + (t * B + b) * H;
        T* d = dp + (t * B + b) * GH;
        // each j reads its own numbers of xw before writing them (dxw may be xw): no dependence across j
        if (kind == 0) {
#pragma GCC ivdep
          for (int64_t j = 0; j < H; ++j) {
            const T w = sigmoid(x[j]), m = x[H + j], sm = sigmoid(m);
            const T cand = std::max(m + T(0.5), sm), g = gr[j] + a[j], gw = g * w;  // gw = dL/dh̃
            a[j] = (T(1) - w) * g;
            d[j] = gw * (cand - hn[j]);  // dL/dk: g (h̃ − h_{t-1}) σ'(k) = g w (h̃ − h_t)
            d[H + j] = m >= T(0) ? gw : gw * sm * (T(1) - sm);
          }
        } else {
#pragma GCC ivdep
          for (int64_t j = 0; j < H; ++j) {
            const T f = sigmoid(x[j]), i = sigmoid(x[H + j]), m = x[2 * H + j], sm = sigmoid(m);
            const T w = normalised_gate(x[j], x[H + j]);
            const T cand = std::max(m + T(0.5), sm), g = gr[j] + a[j], gw = g * w;
            const T q = gw * (cand - hn[j]);  // dL/d(log i − log f), as w = σ(log i − log f)
            a[j] = (T(1) - w) * g;
            d[j] = -q * (T(1) - f);
            d[H + j] = q * (T(1) - i);
            d[2 * H + j] = m >= T(0) ? gw : gw * sm * (T(1) - sm);
          }
        }
      }
      std::copy(carry.begin(), carry.end(), cp + b * H);
    }
  });
}

void lerp_scan_forward(const Tensor& xw, const Tensor& h0, Tensor out, int64_t kind) {
  AT_DISPATCH_FLOATING_TYPES(xw.scalar_type(), "lerp_scan_forward", [&] { forward_impl<scalar_t>(xw, h0, out, kind); });
}

void lerp_scan_backward(const Tensor& xw, Tensor dxw, const Tensor& states, const Tensor& grad,
                        const optional<Tensor>& later, Tensor carry_out, int64_t kind) {
  AT_DISPATCH_FLOATING_TYPES(xw.scalar_type(), "lerp_scan_backward", [&] {
    backward_impl<scalar_t>(xw, dxw, states, grad, later, carry_out, kind);
  });
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(rnnkit_native, m) {
  m.def("lerp_scan_forward(Tensor xw, Tensor h0, Tensor(a!) out, int kind) -> ()");
  m.def("lerp_scan_backward(Tensor xw, Tensor(a!) dxw, Tensor states, Tensor grad, Tensor? later, "
        "Tensor(b!) carry_out, int kind) -> ()");
}

TORCH_LIBRARY_IMPL(rnnkit_native, CPU, m) {
  m.impl("lerp_scan_forward", &lerp_scan_forward);
  m.impl("lerp_scan_backward", &lerp_scan_backward);
}
