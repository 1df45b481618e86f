#pragma once
// The emulator's clock: wall time plus an offset that /_emulator/clock moves forward, so tests can
// expire tokens and order timestamps without sleeping. Times are milliseconds since the Unix epoch.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gp::emulator {

class Clock {
 public:
  virtual ~Clock() = default;
  int64_t NowMs() const { return WallMs() + offset_ms_.load(std::memory_order_relaxed); }
  void Advance(int64_t ms) { offset_ms_.fetch_add(ms, std::memory_order_relaxed); }
  void Reset() { offset_ms_.store(0, std::memory_order_relaxed); }

 protected:
  virtual int64_t WallMs() const;

 private:
  std::atomic<int64_t> offset_ms_{0};
};

// "2015-10-18T14:26:16.203Z"
std::string FormatIso(int64_t ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction]Z"; nullopt otherwise.
std::optional<int64_t> ParseIso(std::string_view text);

}  // namespace gp::emulator
