// What both fused kernels share: the logistic function and how many rows one parallel task takes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace rnnkit_native {

constexpr int64_t kGrain = 16384;  // numbers per parallel task: smaller problems run on one thread

// rows per task of at::parallel_for for rows of `numbers` numbers each
inline int64_t row_grain(int64_t numbers) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, numbers)); }

template <typename T>
inline T sigmoid(T x) { return T(1) / (T(1) + std::exp(-x)); }

}  // namespace rnnkit_native
