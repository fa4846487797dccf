// One step of the regularised LSTM's element-wise work, forwards and backwards, fused: the time loop of
// rnnkit/bptt.py calls these around its matrix products (torch's). The torch ops they stand for,
// `_step_forward` and `_step_backward` there, are the fallback and the reference; tests compare the two.
//
// Shapes: B rows of H units; the gate blocks [i, f, g, o] are G = 4H wide, torch.nn's order; every tensor
// is contiguous. With layer norm, `p` is the raw input projection W_ih x_t and `r` = W_hh h_{t-1}:
//     z = LN(p) γ_ih + shift + LN(r) γ_hh,   tanh(LN(c') γ_c + β_c)
// and `stats` holds per row the mean and 1/std of p, of r and of c'. Without it, z arrives whole.
// Rows run in parallel (at::parallel_for); a row's loops are plain arrays that the compiler vectorises
// (exp and tanh through glibc's vector maths, built with -ffast-math). The gains' and shift's gradients
// are summed per block of rows, then the blocks in row order: the same numbers whatever the threads.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include "common.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <utility>
#include <vector>

namespace {

using at::Tensor;
using c10::optional;
using rnnkit_native::row_grain;
using rnnkit_native::sigmoid;

constexpr double kEps = 1e-5;     // torch.nn.LayerNorm's default, rnnkit.bptt.LN_EPS
constexpr int64_t kStats = 6;      // per row: mean and rstd of p, r, c'

template <typename T>
inline T* ptr(const optional<Tensor>& t) { return t.has_value() && t->defined() ? t->data_ptr<T>() : nullptr; }

// mean and 1/sqrt(var + eps) of n numbers (two passes)
template <typename T>
inline void moments(const T* x, int64_t n, T* mean_rstd) {
  T s = 0;
  for (int64_t j = 0; j < n; ++j) s += x[j];
  const T m = s / n;
  T v = 0;
  for (int64_t j = 0; j < n; ++j) v += (x[j] - m) * (x[j] - m);
  mean_rstd[0] = m;
  mean_rstd[1] = T(1) / std::sqrt(v / n + T(kEps));
}

template <typename T>
void forward_impl(Tensor& z, const optional<Tensor>& p, const optional<Tensor>& r, const optional<Tensor>& g_ih,
                  const optional<Tensor>& shift, const optional<Tensor>& g_hh, const Tensor& c_prev,
                  const Tensor& h_prev, Tensor& c_new, const optional<Tensor>& g_c, const optional<Tensor>& b_c,
                  Tensor& tc, Tensor& h_out, Tensor& c_out, const optional<Tensor>& k_h, const optional<Tensor>& k_c,
                  const optional<Tensor>& stats) {
  const int64_t B = c_prev.size(0), H = c_prev.size(1), G = 4 * H;
  T *zp = z.data_ptr<T>(), *cn = c_new.data_ptr<T>(), *tcp = tc.data_ptr<T>(), *ho = h_out.data_ptr<T>(),
    *co = c_out.data_ptr<T>(), *st = ptr<T>(stats);
  const T *cp = c_prev.data_ptr<T>(), *hp = h_prev.data_ptr<T>(), *pp = ptr<T>(p), *rp = ptr<T>(r),
          *gih = ptr<T>(g_ih), *sh = ptr<T>(shift), *ghh = ptr<T>(g_hh), *gc = ptr<T>(g_c), *bc = ptr<T>(b_c),
          *kh = ptr<T>(k_h), *kc = ptr<T>(k_c);
  const bool ln = rp != nullptr, same_c = co == cn;
  at::parallel_for(0, B, row_grain(G), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      T* zr = zp + b * G;
      T* s = ln ? st + b * kStats : nullptr;
      if (ln) {
        const T *pr = pp + b * G, *rr = rp + b * G;
        moments(pr, G, s);
        moments(rr, G, s + 2);
        const T pm = s[0], ps = s[1], rm = s[2], rs = s[3];
        for (int64_t j = 0; j < G; ++j) zr[j] = (pr[j] - pm) * ps * gih[j] + sh[j] + (rr[j] - rm) * rs * ghh[j];
      }
      for (int64_t j = 0; j < 2 * H; ++j) zr[j] = sigmoid(zr[j]);
      for (int64_t j = 2 * H; j < 3 * H; ++j) zr[j] = std::tanh(zr[j]);
      for (int64_t j = 3 * H; j < G; ++j) zr[j] = sigmoid(zr[j]);
      const T *i = zr, *f = zr + H, *g = zr + 2 * H, *o = zr + 3 * H, *c = cp + b * H, *h = hp + b * H;
      T *cnr = cn + b * H, *tr = tcp + b * H, *hr = ho + b * H, *cr = co + b * H;
      for (int64_t j = 0; j < H; ++j) cnr[j] = f[j] * c[j] + i[j] * g[j];
      if (gc != nullptr) {
        moments(cnr, H, s + 4);
        const T cm = s[4], cs = s[5];
        for (int64_t j = 0; j < H; ++j) tr[j] = std::tanh((cnr[j] - cm) * cs * gc[j] + bc[j]);
      } else {
        for (int64_t j = 0; j < H; ++j) tr[j] = std::tanh(cnr[j]);
      }
      if (kh != nullptr) {  // zoneout: h = h' + k (h_{t-1} − h'), the same for c
        const T *khr = kh + b * H, *kcr = kc + b * H;
        for (int64_t j = 0; j < H; ++j) {
          const T hn = o[j] * tr[j];
          hr[j] = hn + khr[j] * (h[j] - hn);
          cr[j] = cnr[j] + kcr[j] * (c[j] - cnr[j]);
        }
      } else {
        for (int64_t j = 0; j < H; ++j) hr[j] = o[j] * tr[j];
        if (!same_c) std::copy(cnr, cnr + H, cr);
      }
    }
  });
}

// dL/dx of LN(x) γ over one row of n from dL/dy: rstd (γ dy − mean(γ dy) − x̂ mean(γ dy x̂)); adds dy x̂ to
// acc_gain and dy to acc_shift (when given). `hat` is scratch of n.
template <typename T>
inline void ln_row_backward(const T* dy, const T* x, const T* mean_rstd, const T* gain, int64_t n, T* dx, T* hat,
                            T* acc_gain, T* acc_shift) {
  const T mean = mean_rstd[0], rstd = mean_rstd[1];
  T s1 = 0, s2 = 0;
  for (int64_t j = 0; j < n; ++j) {
    hat[j] = (x[j] - mean) * rstd;
    const T gg = dy[j] * gain[j];
    s1 += gg;
    s2 += gg * hat[j];
  }
  for (int64_t j = 0; j < n; ++j) acc_gain[j] += dy[j] * hat[j];
  if (acc_shift != nullptr)
    for (int64_t j = 0; j < n; ++j) acc_shift[j] += dy[j];
  const T m1 = s1 / n, m2 = s2 / n;
  for (int64_t j = 0; j < n; ++j) dx[j] = rstd * (dy[j] * gain[j] - m1 - hat[j] * m2);
}

template <typename T>
void backward_impl(Tensor& dz, const optional<Tensor>& dp, const optional<Tensor>& dr, const Tensor& acts,
                   const Tensor& c_prev, const Tensor& tc, const optional<Tensor>& p, const optional<Tensor>& r,
                   const optional<Tensor>& g_ih, const optional<Tensor>& g_hh, const optional<Tensor>& c_in,
                   const optional<Tensor>& g_c, const optional<Tensor>& stats, const Tensor& gh, Tensor& gc,
                   Tensor& gh_pass, const optional<Tensor>& g_out_prev, const optional<Tensor>& k_h,
                   const optional<Tensor>& k_c, const optional<Tensor>& acc) {
  const int64_t B = c_prev.size(0), H = c_prev.size(1), G = 4 * H;
  T *dzp = dz.data_ptr<T>(), *dpp = ptr<T>(dp), *drp = ptr<T>(dr), *gcp = gc.data_ptr<T>(),
    *gpp = gh_pass.data_ptr<T>(), *accp = ptr<T>(acc);
  const T *ap = acts.data_ptr<T>(), *cp = c_prev.data_ptr<T>(), *tcp = tc.data_ptr<T>(), *ghp = gh.data_ptr<T>(),
          *pp = ptr<T>(p), *rp = ptr<T>(r), *gih = ptr<T>(g_ih), *ghh = ptr<T>(g_hh), *cin = ptr<T>(c_in),
          *gcw = ptr<T>(g_c), *st = ptr<T>(stats), *gop = ptr<T>(g_out_prev), *kh = ptr<T>(k_h), *kc = ptr<T>(k_c);
  const bool ln = rp != nullptr;
  // acc: the gradients of γ_ih, shift, γ_hh (G each), γ_c, β_c (H each); each block of rows sums its own
  const int64_t width = ln ? 3 * G + (gcw != nullptr ? 2 * H : 0) : 0;
  std::vector<std::pair<int64_t, std::vector<T>>> blocks;
  std::mutex lock;
  at::parallel_for(0, B, row_grain(G), [&](int64_t b0, int64_t b1) {
    std::vector<T> hat(G), d_pre(H), gcn(H), part(width);
    T *a_gih = part.data(), *a_sh = a_gih + G, *a_ghh = a_sh + G, *a_gc = a_ghh + G, *a_bc = a_gc + H;
    for (int64_t b = b0; b < b1; ++b) {
      const T* a = ap + b * G;
      const T *i = a, *f = a + H, *g = a + 2 * H, *o = a + 3 * H;
      const T *c = cp + b * H, *t = tcp + b * H, *ghr = ghp + b * H;
      const T *khr = kh == nullptr ? nullptr : kh + b * H, *kcr = kc == nullptr ? nullptr : kc + b * H;
      const T* go = gop == nullptr ? nullptr : gop + b * H;
      T *dzr = dzp + b * G, *gcr = gcp + b * H, *gpr = gpp + b * H;
      for (int64_t j = 0; j < H; ++j) {  // through h' = σ(o) tanh(·): the tanh's argument and o
        const T ghf = khr == nullptr ? ghr[j] : ghr[j] * (T(1) - khr[j]);
        d_pre[j] = (T(1) - t[j] * t[j]) * o[j] * ghf;
        dzr[3 * H + j] = o[j] * (T(1) - o[j]) * t[j] * ghf;
      }
      if (gcw != nullptr) {
        ln_row_backward(d_pre.data(), cin + b * H, st + b * kStats + 4, gcw, H, gcn.data(), hat.data(), a_gc, a_bc);
      } else {
        std::copy(d_pre.begin(), d_pre.end(), gcn.begin());
      }
      for (int64_t j = 0; j < H; ++j) {  // dL/dc'_t, the gates that made it, dL/dc_{t-1}
        const T gcj = gcr[j];
        const T d = gcn[j] + (kcr == nullptr ? gcj : gcj * (T(1) - kcr[j]));
        dzr[j] = g[j] * i[j] * (T(1) - i[j]) * d;
        dzr[H + j] = c[j] * f[j] * (T(1) - f[j]) * d;
        dzr[2 * H + j] = i[j] * (T(1) - g[j] * g[j]) * d;
        gcr[j] = d * f[j] + (kcr == nullptr ? T(0) : gcj * kcr[j]);
      }
      for (int64_t j = 0; j < H; ++j)  // dL/dh_{t-1} other than through W_hh: zoneout's, and the output's
        gpr[j] = (khr == nullptr ? T(0) : ghr[j] * khr[j]) + (go == nullptr ? T(0) : go[j]);
      if (ln) {
        const T* s = st + b * kStats;
        ln_row_backward(dzr, rp + b * G, s + 2, ghh, G, drp + b * G, hat.data(), a_ghh, static_cast<T*>(nullptr));
        ln_row_backward(dzr, pp + b * G, s, gih, G, dpp + b * G, hat.data(), a_gih, a_sh);
      }
    }
    if (width > 0) {
      const std::lock_guard<std::mutex> hold(lock);
      blocks.emplace_back(b0, std::move(part));
    }
  });
  if (width == 0) return;
  std::sort(blocks.begin(), blocks.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [b0, part] : blocks)
    for (int64_t j = 0; j < static_cast<int64_t>(part.size()); ++j) accp[j] += part[j];
}

void lstm_step_forward(Tensor z, const optional<Tensor>& p, const optional<Tensor>& r, const optional<Tensor>& g_ih,
                       const optional<Tensor>& shift, const optional<Tensor>& g_hh, const Tensor& c_prev,
                       const Tensor& h_prev, Tensor c_new, const optional<Tensor>& g_c, const optional<Tensor>& b_c,
                       Tensor tc, Tensor h_out, Tensor c_out, const optional<Tensor>& k_h, const optional<Tensor>& k_c,
                       const optional<Tensor>& stats) {
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "lstm_step_forward", [&] {
    forward_impl<scalar_t>(z, p, r, g_ih, shift, g_hh, c_prev, h_prev, c_new, g_c, b_c, tc, h_out, c_out, k_h, k_c,
                           stats);
  });
}

void lstm_step_backward(Tensor dz, const optional<Tensor>& dp, const optional<Tensor>& dr, const Tensor& acts,
                        const Tensor& c_prev, const Tensor& tc, const optional<Tensor>& p, const optional<Tensor>& r,
                        const optional<Tensor>& g_ih, const optional<Tensor>& g_hh, const optional<Tensor>& c_in,
                        const optional<Tensor>& g_c, const optional<Tensor>& stats, const Tensor& gh, Tensor gc,
                        Tensor gh_pass, const optional<Tensor>& g_out_prev, const optional<Tensor>& k_h,
                        const optional<Tensor>& k_c, const optional<Tensor>& acc) {
  AT_DISPATCH_FLOATING_TYPES(dz.scalar_type(), "lstm_step_backward", [&] {
    backward_impl<scalar_t>(dz, dp, dr, acts, c_prev, tc, p, r, g_ih, g_hh, c_in, g_c, stats, gh, gc, gh_pass,
                            g_out_prev, k_h, k_c, acc);
  });
}

}  // namespace

TORCH_LIBRARY(rnnkit_native, m) {
  m.def("lstm_step_forward(Tensor(a!) z, Tensor? p, Tensor? r, Tensor? g_ih, Tensor? shift, Tensor? g_hh, "
        "Tensor c_prev, Tensor h_prev, Tensor(b!) c_new, Tensor? g_c, Tensor? b_c, Tensor(c!) tc, Tensor(d!) h_out, "
        "Tensor(e!) c_out, Tensor? k_h, Tensor? k_c, Tensor(f!)? stats) -> ()");
  m.def("lstm_step_backward(Tensor(a!) dz, Tensor(b!)? dp, Tensor(c!)? dr, Tensor acts, Tensor c_prev, Tensor tc, "
        "Tensor? p, Tensor? r, Tensor? g_ih, Tensor? g_hh, Tensor? c_in, Tensor? g_c, Tensor? stats, Tensor gh, "
        "Tensor(d!) gc, Tensor(e!) gh_pass, Tensor? g_out_prev, Tensor? k_h, Tensor? k_c, Tensor(f!)? acc) -> ()");
}

TORCH_LIBRARY_IMPL(rnnkit_native, CPU, m) {
  m.impl("lstm_step_forward", &lstm_step_forward);
  m.impl("lstm_step_backward", &lstm_step_backward);
}
