#include "app/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <utility>

namespace gp::app {

namespace {

constexpr auto kMinInterval = std::chrono::milliseconds(100);

}  // namespace

bool Progress::StderrIsTerminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string what, std::string unit)
    : Progress(std::move(what), std::move(unit), stderr, StderrIsTerminal()) {}

Progress::Progress(std::string what, std::string unit, std::FILE* out, bool enabled)
    : what_(std::move(what)), unit_(std::move(unit)), out_(out), enabled_(enabled) {}

Progress::~Progress() {
  Finish();
}

void Progress::Update(int64_t done, int64_t total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  // The first update draws at once; later ones at most every kMinInterval.
  if (drawn_ && now - last_ < kMinInterval) return;
  last_ = now;
  Draw(done, total);
}

void Progress::Draw(int64_t done, int64_t total) {
  std::string line = what_ + ": " + std::to_string(done);
  if (total > 0) {
    const int64_t percent = std::clamp<int64_t>(done * 100 / total, 0, 100);
    line += " of " + std::to_string(total) + " " + unit_ + " (" + std::to_string(percent) + "%)";
  } else {
    line += " " + unit_;
  }
  // Pads over a longer previous line, then returns to the start of the line.
  const std::size_t width = line.size();
  if (width < width_) line.append(width_ - width, ' ');
  width_ = std::max(width_, width);
  std::fputs(("\r" + line).c_str(), out_);
  std::fflush(out_);
  drawn_ = true;
  ++draws_;
}

void Progress::Finish() {
  if (!enabled_ || !drawn_) return;
  std::fputs(("\r" + std::string(width_, ' ') + "\r").c_str(), out_);
  std::fflush(out_);
  drawn_ = false;
  width_ = 0;
}

}  // namespace gp::app
