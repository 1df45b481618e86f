#pragma once
// Transport over libcurl: one easy handle per call, taken from a small pool so connections are
// reused; never follows redirects; TCP_NODELAY; bounded connect and total timeouts. Thread-safe.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <vector>

#include "webex/transport.hpp"

namespace gp::webex {

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{30000};
  std::size_t max_idle_handles = 16;
  std::size_t max_response_bytes = 64 * 1024 * 1024;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResult> Send(const HttpCall& call) override;

 private:
  void* TakeHandle();
  void ReturnHandle(void* handle);

  CurlTransportOptions options_;
  std::mutex mutex_;
  std::vector<void*> idle_;
};

}  // namespace gp::webex
