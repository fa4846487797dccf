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
  const T e = std::exp(-std::abs(x));
  return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
}

// log(1 + exp(x)) without overflow
template <typename T>
inline T softplus(T x) { return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x))); }

}  // namespace rnnkit_native
