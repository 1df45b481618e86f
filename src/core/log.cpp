#include "core/log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

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

}  // namespace

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
