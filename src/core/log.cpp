#include "core/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace gp::log {
namespace {

// While lines keep coming, the buffer is flushed at least this often; a quiet logger is flushed by
// spdlog's periodic flusher within kIdleFlush.
constexpr auto kBusyFlush = std::chrono::milliseconds(200);
constexpr auto kIdleFlush = std::chrono::seconds(1);
constexpr size_t kBufferBytes = 64 * 1024;

// Standard error through a stdio buffer of its own, so that a busy server writes its lines in
// batches instead of one system call per request. The buffer is flushed at once for warnings and
// errors, within a second otherwise, and when the process exits.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  BufferedStderrSink() {
    int fd = dup(STDERR_FILENO);
    file_ = fd >= 0 ? fdopen(fd, "w") : nullptr;
    if (file_ == nullptr) {
      if (fd >= 0) close(fd);
      file_ = stderr;
      return;
    }
    setvbuf(file_, nullptr, _IOFBF, kBufferBytes);
  }
  BufferedStderrSink(const BufferedStderrSink&) = delete;
  BufferedStderrSink& operator=(const BufferedStderrSink&) = delete;
  ~BufferedStderrSink() override { std::fflush(file_); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), file_);
    if (msg.time - last_flush_ >= kBusyFlush) flush_();
  }
  void flush_() override {
    std::fflush(file_);
    last_flush_ = spdlog::log_clock::now();
  }

 private:
  std::FILE* file_ = nullptr;
  spdlog::log_clock::time_point last_flush_ = spdlog::log_clock::now();
};

// The length of the valid UTF-8 sequence at value[i] (a lead byte >= 0x80), or 0 if it is not one:
// truncated, an unexpected continuation byte, overlong, a surrogate or above U+10FFFF.
std::size_t Utf8SequenceLength(std::string_view value, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(value[k]); };
  unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (overlong) or F5..FF
  }
  if (value.size() - i < length) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// Appends "\xNN" for each byte of `bytes`.
void AppendHexEscapes(std::string_view bytes, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0F];
  }
}

// Appends the escaped form of `value` to `out` one character or escape at a time while `out` stays
// within `limit` bytes; returns whether all of `value` fitted. Work stops at the limit, so a huge
// value costs no more than a short one.
bool AppendEscaped(std::string_view value, std::size_t limit, std::string& out) {
  std::string piece;
  for (std::size_t i = 0; i < value.size();) {
    auto c = static_cast<unsigned char>(value[i]);
    std::size_t consumed = 1;
    piece.clear();
    if (c == '\n') {
      piece = "\\n";
    } else if (c == '\r') {
      piece = "\\r";
    } else if (c == '\t') {
      piece = "\\t";
    } else if (c == '\\') {
      piece = "\\\\";
    } else if (c >= 0x20 && c < 0x7F) {
      piece = value.substr(i, 1);
    } else {
      // The rest of ASCII is C0 controls and DEL; above it, a character or a byte that is not one.
      std::size_t length = c < 0x80 ? 0 : Utf8SequenceLength(value, i);
      consumed = length == 0 ? 1 : length;
      // U+0080..U+009F (C2 80..C2 9F) are the C1 controls; some terminals act on them.
      bool escape = length == 0 || (c == 0xC2 && static_cast<unsigned char>(value[i + 1]) <= 0x9F);
      if (escape) {
        AppendHexEscapes(value.substr(i, consumed), piece);
      } else {
        piece = value.substr(i, consumed);
      }
    }
    if (out.size() + piece.size() > limit) return false;
    out += piece;
    i += consumed;
  }
  return true;
}

// Appends `value` as the contents of a JSON string: quotes, backslashes and control characters
// escaped, bytes that are not valid UTF-8 replaced by U+FFFD, so the line always parses.
void AppendJsonString(std::string_view value, spdlog::memory_buf_t& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < value.size();) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out.append(std::string_view("\\n"));
    } else if (c == '\r') {
      out.append(std::string_view("\\r"));
    } else if (c == '\t') {
      out.append(std::string_view("\\t"));
    } else if (c < 0x20) {
      out.append(std::string_view("\\u00"));
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      std::size_t length = Utf8SequenceLength(value, i);
      if (length == 0) {
        out.append(std::string_view("\\ufffd"));
        ++i;
        continue;
      }
      out.append(value.substr(i, length));
      i += length;
      continue;
    }
    ++i;
  }
}

void AppendJsonField(std::string_view name, std::string_view value, spdlog::memory_buf_t& out) {
  out.push_back(',');
  out.push_back('"');
  out.append(name);
  out.append(std::string_view("\":\""));
  AppendJsonString(value, out);
  out.push_back('"');
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto since_epoch = msg.time.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    std::time_t time = seconds.count();
    std::tm utc{};
    gmtime_r(&time, &utc);
    std::array<char, 48> stamp{};
    int length = std::snprintf(stamp.data(), stamp.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                               utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                               utc.tm_min, utc.tm_sec, static_cast<int>(millis));
    dest.append(std::string_view(R"({"time":")"));
    dest.append(std::string_view(stamp.data(), static_cast<std::size_t>(std::max(length, 0))));
    dest.push_back('"');
    auto level = spdlog::level::to_string_view(msg.level);
    AppendJsonField("level", std::string_view(level.data(), level.size()), dest);
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (std::string_view(msg.logger_name.data(), msg.logger_name.size()) == kAccessLogger) {
      dest.append(payload);  // fields rendered by Access(), each starting with a comma
    } else {
      AppendJsonField("message", payload, dest);
    }
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::atomic<bool> json_format{false};

}  // namespace

std::unique_ptr<spdlog::formatter> MakeJsonFormatter() {
  return std::make_unique<JsonFormatter>();
}

bool IsJson() {
  return json_format.load();
}

void Access(spdlog::level::level_enum level, const AccessRecord& record) {
  if (!spdlog::should_log(level)) return;
  auto method = Safe(record.method, 16);
  auto path = Safe(record.path);
  if (!json_format.load()) {
    if (record.duration_ms) {
      spdlog::log(level, "{} id={} {} {} status={} ms={:.1f}", record.message, record.request_id,
                  method, path, record.status, *record.duration_ms);
    } else {
      spdlog::log(level, "{} id={} {} {} status={}", record.message, record.request_id, method,
                  path, record.status);
    }
    return;
  }
  auto logger = spdlog::get(kAccessLogger);
  if (!logger) return;
  spdlog::memory_buf_t fields;
  AppendJsonField("message", record.message, fields);
  AppendJsonField("request_id", record.request_id, fields);
  AppendJsonField("method", method, fields);
  if (record.route.empty()) {
    fields.append(std::string_view(R"(,"route":null)"));
  } else {
    AppendJsonField("route", record.route, fields);
  }
  AppendJsonField("path", path, fields);
  fmt::format_to(std::back_inserter(fields), R"(,"status":{})", record.status);
  if (record.duration_ms)
    fmt::format_to(std::back_inserter(fields), R"(,"duration_ms":{:.1f})", *record.duration_ms);
  logger->log(level, std::string_view(fields.data(), fields.size()));
}

std::string Safe(std::string_view value, std::size_t max_bytes) {
  std::string out;
  if (AppendEscaped(value, max_bytes, out)) return out;
  std::string marker = "\xE2\x80\xA6(" + std::to_string(value.size()) + " bytes)";  // "…(N bytes)"
  out.clear();
  AppendEscaped(value, max_bytes > marker.size() ? max_bytes - marker.size() : 0, out);
  out += marker;
  return out;
}

void Configure(const std::string& level, Format format) {
  spdlog::drop("gp");
  spdlog::drop(kAccessLogger);
  const bool json = format == Format::kJson;
  json_format = json;
  spdlog::sink_ptr sink;
  if (isatty(STDERR_FILENO) && !json) {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  } else {
    sink = std::make_shared<BufferedStderrSink>();
  }
  auto logger = std::make_shared<spdlog::logger>("gp", sink);
  // The access logger shares the sink (one buffer, lines in order); only json mode uses it.
  auto access = std::make_shared<spdlog::logger>(kAccessLogger, sink);
  spdlog::register_logger(logger);
  spdlog::register_logger(access);
  spdlog::set_default_logger(logger);
  if (json) {
    spdlog::set_formatter(MakeJsonFormatter());
    // spdlog's own complaints (a bad format string) would otherwise be a plain line on stderr.
    spdlog::set_error_handler([](const std::string& message) {
      spdlog::memory_buf_t line;
      line.append(std::string_view(R"({"level":"error")"));
      AppendJsonField("message", "log error: " + message, line);
      line.append(std::string_view("}\n"));
      std::fwrite(line.data(), 1, line.size(), stderr);
    });
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  spdlog::set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  access->flush_on(spdlog::level::warn);
  spdlog::flush_every(kIdleFlush);
}

}  // namespace gp::log
