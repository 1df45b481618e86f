#pragma once
// The one logging facade: spdlog with a plain "time level message" pattern on stderr. When stderr
// is not a terminal, lines are buffered: warnings and errors are flushed at once, others within
// a second, and everything at exit.
// Never pass secrets or tokens to it.

#include <spdlog/spdlog.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace gp::log {

// Sets the pattern and level once at start-up ("debug", "info", "warn", "error", "off").
void Configure(const std::string& level);

// Makes a request-derived value (a path, a header, a user agent) safe to put in a log line: one
// line, printable, valid UTF-8, bounded. Control characters (C0, DEL and C1) become \n, \r, \t or
// \xNN per byte, bytes that are not valid UTF-8 become \xNN, and a backslash becomes \\ so that an
// escape in the output always means an escaped byte; valid UTF-8 is kept. A result longer than
// max_bytes is cut at a character or escape boundary and ends in "…(N bytes)", N being the length
// of `value`; the result is at most max(max_bytes, the size of that marker) bytes.
std::string Safe(std::string_view value, std::size_t max_bytes = 256);

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

}  // namespace gp::log
