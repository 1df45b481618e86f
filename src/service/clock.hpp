#pragma once
// Time as Unix seconds, injected so tests control it.

#include <chrono>
#include <cstdint>
#include <functional>

namespace gp::service {

using Clock = std::function<int64_t()>;

inline Clock SystemClock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

}  // namespace gp::service
