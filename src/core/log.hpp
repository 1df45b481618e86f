#pragma once
// The one logging facade: spdlog with a plain "time level message" pattern on stderr. When stderr
// is not a terminal, lines are buffered: warnings and errors are flushed at once, others within
// a second, and everything at exit.
// Never pass secrets or tokens to it.

#include <spdlog/spdlog.h>

namespace gp::log {

// Sets the pattern and level once at start-up ("debug", "info", "warn", "error", "off").
void Configure(const std::string& level);

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

}  // namespace gp::log
