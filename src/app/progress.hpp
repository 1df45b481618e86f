#pragma once
// A one-line progress display for long command-line operations (imports, exports, copies, backups).
// It draws on standard error only when standard error is a terminal, at most ten times a second,
// and clears its line when done; in a script, a pipe or a service log it writes nothing at all.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace gp::app {

class Progress {
 public:
  // `what` names the operation ("backup", "guests import"); `unit` what is counted ("pages",
  // "rows"). `out` and `enabled` are for tests; the default is stderr, enabled when it is a
  // terminal.
  Progress(std::string what, std::string unit);
  Progress(std::string what, std::string unit, std::FILE* out, bool enabled);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  // `done` of `total` (total 0: unknown). Draws when enabled and 100 ms have passed since the last
  // draw.
  void Update(int64_t done, int64_t total);
  // Clears the line (a finished operation prints its own summary). Called by the destructor too.
  void Finish();

  bool enabled() const { return enabled_; }
  // How many times the line was drawn (tests).
  int draws() const { return draws_; }

  // Whether stderr is a terminal: the default for `enabled`.
  static bool StderrIsTerminal();

 private:
  void Draw(int64_t done, int64_t total);

  std::string what_;
  std::string unit_;
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  int draws_ = 0;
  std::size_t width_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace gp::app
