#pragma once
// The one logging facade: spdlog on stderr, as plain "time level message" lines (text) or as one
// JSON object per line (json: time, level, message, and for a request's line its id, method, route,
// path, status and duration). When stderr is not a terminal, lines are buffered: warnings and
// errors are flushed at once, others within a second, and everything at exit. Never pass secrets or
// tokens to it.

#include <spdlog/spdlog.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gp::log {

enum class Format { kText, kJson };

// Sets the format and level once at start-up ("debug", "info", "warn", "error", "off").
void Configure(const std::string& level, Format format = Format::kText);
// Whether Configure chose JSON lines.
bool IsJson();

// One request's line (the access log). The method and path come from the client: Access escapes
// them. `route` is the pattern that matched (empty when none did); the query is never logged.
struct AccessRecord {
  std::string_view message = "request";
  std::string_view request_id;
  std::string_view method;
  std::string_view route;
  std::string_view path;
  int status = 0;
  std::optional<double>
      duration_ms;  // unset for the answers the server gives before reading a body
};
void Access(spdlog::level::level_enum level, const AccessRecord& record);

// The JSON-lines formatter: {"time":"2026-01-02T03:04:05.678Z","level":"info","message":"..."}, the
// message escaped (any bytes, one line, valid UTF-8); the access logger's lines carry its fields.
std::unique_ptr<spdlog::formatter> MakeJsonFormatter();
// The name of the logger whose messages are access records (rendered fields, not text).
inline constexpr const char* kAccessLogger = "gp.access";

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
