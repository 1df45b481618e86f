#include "core/log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
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

}  // namespace

std::string Safe(std::string_view value, std::size_t max_bytes) {
  std::string out;
  if (AppendEscaped(value, max_bytes, out)) return out;
  std::string marker = "\xE2\x80\xA6(" + std::to_string(value.size()) + " bytes)";  // "…(N bytes)"
  out.clear();
  AppendEscaped(value, max_bytes > marker.size() ? max_bytes - marker.size() : 0, out);
  out += marker;
  return out;
}

void Configure(const std::string& level) {
  std::shared_ptr<spdlog::logger> logger;
  if (isatty(STDERR_FILENO)) {
    logger = spdlog::stderr_color_mt("gp");
  } else {
    logger = std::make_shared<spdlog::logger>("gp", std::make_shared<BufferedStderrSink>());
    spdlog::register_logger(logger);
  }
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::flush_every(kIdleFlush);
}

}  // namespace gp::log
