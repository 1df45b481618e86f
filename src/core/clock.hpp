#pragma once
// Wall-clock time as Unix seconds, injected everywhere a decision depends on it so tests control it.

#include <chrono>
#include <cstdint>
#include <functional>

namespace gp {

using Clock = std::function<int64_t()>;

inline Clock SystemClock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

}  // namespace gp
