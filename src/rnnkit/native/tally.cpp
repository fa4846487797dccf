// The counts of the text read (rnnkit/models/counts.py), kept in C++: per stream and counted context length,
// the tables of the current and the previous block from a context's hash to how often each token followed it,
// and each position's prediction from them, interpolated from the longest context down with an absolute
// discount. counts.py's `tally` is the reference and the fallback (RNNKIT_NATIVE=0, no compiler); tests
// compare the two. Python's dicts made scoring with the counts about 1.5x slower than without them.
//
// A `Tally` holds the tables of `streams` streams for `orders` context lengths. `read` counts a window of
// tokens (streams, T) whose context hashes (streams, orders, T + 1) counts.py computes (the first of a
// context ending before the window) and adds each position's prediction into row (first_row + t) * streams
// + b of `p` (rows, V), the share it leaves to the model's own prediction into the same row of `rest`.
// `roll` starts a new block: the current tables become the previous ones. Streams run in parallel. A Tally
// deep-copies and pickles as its tables, so that a language model's carried state does as it does in Python.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/custom_class.h>
#include <torch/library.h>

#include <cstdint>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

using at::Tensor;

// what followed one context: (token, times), in the order the tokens were first seen there
using Followers = std::vector<std::pair<int64_t, int64_t>>;
using Table = std::unordered_map<int64_t, Followers>;

// the tables' count, checked before they are made (a negative one was std::vector's "cannot create std::vector
// larger than max_size()"); no stream at all is a batch of 0, read as torch.nn's layers read one
size_t checked_size(int64_t streams, int64_t orders) {
  TORCH_CHECK(streams >= 0 && orders >= 1, "tally: streams must be at least 0 and orders at least 1, got ", streams,
              " and ", orders);
  return static_cast<size_t>(streams * orders);
}

// `token` followed the context `more` times more (counting, and merging the previous block's counts)
void add(Followers& seen, int64_t token, int64_t more = 1) {
  for (auto& [tok, times] : seen) {
    if (tok == token) {
      times += more;
      return;
    }
  }
  seen.emplace_back(token, more);
}

struct Tally : torch::CustomClassHolder {
  int64_t streams, orders;
  double discount;
  std::vector<Table> current, previous;  // [stream * orders + order], the shortest context first

  Tally(int64_t streams_, int64_t orders_, double discount_)
      : streams(streams_), orders(orders_), discount(discount_), current(checked_size(streams_, orders_)),
        previous(current.size()) {}

  // every table as one list, for copy.deepcopy and pickle (def_pickle below): streams, orders, then per table
  // (current ones first) its contexts, each as hash, followers, then (token, times) per follower
  std::vector<int64_t> tables() const {
    std::vector<int64_t> out{streams, orders};
    for (const auto* half : {&current, &previous}) {
      for (const auto& table : *half) {
        out.push_back(static_cast<int64_t>(table.size()));
        for (const auto& [hash, seen] : table) {
          out.push_back(hash);
          out.push_back(static_cast<int64_t>(seen.size()));
          for (const auto& [tok, times] : seen) {
            out.push_back(tok);
            out.push_back(times);
          }
        }
      }
    }
    return out;
  }

  static c10::intrusive_ptr<Tally> from(double discount, const std::vector<int64_t>& saved) {
    TORCH_CHECK(saved.size() >= 2, "tally: a saved state holds at least its streams and orders");
    auto tally = c10::make_intrusive<Tally>(saved[0], saved[1], discount);
    size_t at = 2;
    auto next = [&]() {
      TORCH_CHECK(at < saved.size(), "tally: a saved state ends early");
      return saved[at++];
    };
    for (auto* half : {&tally->current, &tally->previous}) {
      for (auto& table : *half) {
        for (int64_t n = next(); n > 0; --n) {
          Followers& seen = table[next()];
          for (int64_t k = next(); k > 0; --k) {
            const int64_t tok = next();
            seen.emplace_back(tok, next());
          }
        }
      }
    }
    TORCH_CHECK(at == saved.size(), "tally: a saved state holds more than its tables");
    return tally;
  }

  void roll() {
    std::swap(current, previous);
    for (auto& table : current) table.clear();
  }

  void read(const Tensor& tokens, const Tensor& hashes, bool fresh, bool frozen, Tensor p, Tensor rest,
            int64_t first_row) {
    // the loops below read and write these through raw pointers: another device's memory, or a row before the
    // first, would be read or written outside the tensors
    TORCH_CHECK(tokens.is_cpu() && hashes.is_cpu() && p.is_cpu() && rest.is_cpu(),
                "tally: tokens, hashes, p and rest must be CPU tensors");
    TORCH_CHECK(first_row >= 0, "tally: first_row must be >= 0, got ", first_row);
    TORCH_CHECK(tokens.dim() == 2 && tokens.size(0) == streams && tokens.scalar_type() == at::kLong,
                "tally: tokens must be int64 (streams, T)");
    const int64_t T = tokens.size(1), V = p.size(1);
    TORCH_CHECK(hashes.dim() == 3 && hashes.size(0) == streams && hashes.size(1) == orders &&
                hashes.size(2) == T + 1 && hashes.scalar_type() == at::kLong,
                "tally: hashes must be int64 (streams, orders, T + 1)");
    TORCH_CHECK(p.dim() == 2 && p.scalar_type() == at::kDouble && rest.dim() == 1 &&
                rest.scalar_type() == at::kDouble && rest.size(0) == p.size(0) &&
                (first_row + T) * streams <= p.size(0) && p.is_contiguous() && rest.is_contiguous(),
                "tally: p must be float64 (rows, V) and rest float64 (rows,), rows reaching the window's last");
    const Tensor tok = tokens.contiguous(), hs = hashes.contiguous();
    if (tok.numel() > 0) {
      TORCH_CHECK(tok.min().item<int64_t>() >= 0 && tok.max().item<int64_t>() < V, "tally: a token is outside the ",
                  V, " columns of p");
    }
    const int64_t* tp = tok.data_ptr<int64_t>();
    const int64_t* hp = hs.data_ptr<int64_t>();
    double* pp = p.data_ptr<double>();
    double* rp = rest.data_ptr<double>();
    at::parallel_for(0, streams, 1, [&](int64_t b0, int64_t b1) {
      std::vector<Followers> found(static_cast<size_t>(orders));
      for (int64_t b = b0; b < b1; ++b) {
        stream(b, tp + b * T, hp + b * orders * (T + 1), T, V, fresh, frozen, pp, rp, first_row, found);
      }
    });
  }

 private:
  void stream(int64_t b, const int64_t* tokens, const int64_t* hashes, int64_t T, int64_t V, bool fresh,
              bool frozen, double* p, double* rest, int64_t first_row, std::vector<Followers>& found) {
    Table* now = current.data() + b * orders;
    const Table* before = previous.data() + b * orders;
    for (int64_t t = 0; t < T; ++t) {
      const int64_t token = tokens[t];
      for (int64_t i = 0; i < orders; ++i) {
        const int64_t* h = hashes + i * (T + 1);
        if (!frozen && (t > 0 || !fresh)) add(now[i][h[t]], token);  // after the context that ended before it
        found[i].clear();                                               // what followed the one ending at it
        const auto old = before[i].find(h[t + 1]);
        if (old != before[i].end()) found[i] = old->second;
        const auto cur = now[i].find(h[t + 1]);
        if (cur != now[i].end()) {
          for (const auto& [tk, times] : cur->second) add(found[i], tk, times);
        }
      }
      const int64_t r = (first_row + t) * streams + b;
      double share = 1.0;
      for (int64_t i = orders - 1; i >= 0; --i) {  // the longest context first: its discount frees share downwards
        if (found[i].empty()) continue;
        int64_t total = 0;
        for (const auto& entry : found[i]) total += entry.second;
        const double scale = share / static_cast<double>(total);
        for (const auto& [tk, times] : found[i]) p[r * V + tk] += scale * (static_cast<double>(times) - discount);
        share *= discount * static_cast<double>(found[i].size()) / static_cast<double>(total);
      }
      rest[r] = share;
    }
  }
};

}  // namespace

TORCH_LIBRARY_FRAGMENT(rnnkit_native, m) {
  m.class_<Tally>("Tally")
      .def(torch::init<int64_t, int64_t, double>())
      .def("roll", &Tally::roll)
      .def("read", &Tally::read)
      .def_pickle(
          [](const c10::intrusive_ptr<Tally>& self) { return std::make_tuple(self->discount, self->tables()); },
          [](std::tuple<double, std::vector<int64_t>> saved) {
            return Tally::from(std::get<0>(saved), std::get<1>(saved));
          });
}
