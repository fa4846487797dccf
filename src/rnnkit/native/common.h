// What both fused kernels share: the logistic function and how many rows one parallel task takes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace rnnkit_native {

constexpr int64_t kGrain = 16384;  // numbers per parallel task: smaller problems run on one thread

// rows per task of at::parallel_for for rows of `numbers` numbers each
inline int64_t row_grain(int64_t numbers) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, numbers)); }

// exp of a number <= 0 only: under -ffast-math an exp that overflows to inf gives NaN, not sigmoid's 0
template <typename T>
inline T sigmoid(T x) {
  const T e = std::exp(-std::abs(x)), r = T(1) / (T(1) + e);
  return x >= T(0) ? r : e * r;
}

// minLSTM's i / (f + i) for f = σ(a), i = σ(b): (1 + e^-a) / (2 + e^-a + e^-b), every exponential scaled
// by e^-M (M = max(-a, -b, 0)) so that it is of a number <= 0: finite when both gates underflow
template <typename T>
inline T normalised_gate(T a, T b) {
  const T m = std::max(std::max(-a, -b), T(0));
  const T ea = std::exp(-a - m), eb = std::exp(-b - m), e0 = std::exp(-m);
  return (e0 + ea) / (T(2) * e0 + ea + eb);
}

}  // namespace rnnkit_native
