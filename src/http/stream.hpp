#pragma once
// A response body sent as it is produced (Server-Sent Events). Producers Push() chunks from any
// thread; the server writes them to the client in order. The queue is bounded in bytes: a push that
// would pass the bound closes the stream instead (a client too slow to read is dropped and
// reconnects; memory never grows with it). When nothing was written for `heartbeat`, the server
// writes `heartbeat_text` so that proxies keep the idle connection open. The stream ends when
// Close() is called, when the client goes away, or when the server shuts down, which writes
// `farewell` first.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gp::http {

class Stream : public std::enable_shared_from_this<Stream> {
 public:
  struct Options {
    std::size_t max_queued_bytes = 256 * 1024;
    std::chrono::milliseconds heartbeat{15000};
    std::string heartbeat_text = ": ping\n\n";
    std::string farewell;  // written when the server shuts down
  };

  explicit Stream(Options options);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Queues a chunk. False when the stream is closed, or when the chunk would pass the bound (the
  // stream is then closed as overflowed).
  bool Push(std::string chunk);
  // Ends the stream after what is already queued.
  void Close();
  bool closed() const;
  bool overflowed() const;
  // Called once, on the server's thread, when the stream has ended for any reason.
  void OnEnd(std::function<void()> callback);

  // For the server: binds the stream to the connection's executor.
  void Attach(const boost::asio::any_io_executor& executor);
  // For the server: the next text to write — queued chunks, or the heartbeat after `heartbeat` of
  // silence — or nothing once the stream is closed and drained.
  boost::asio::awaitable<std::optional<std::string>> Next();
  // For the server at shutdown: queues the farewell and closes.
  void Shutdown();
  // For the server: the connection is over.
  void Ended();

 private:
  void Notify();

  Options options_;
  mutable std::mutex mutex_;
  // Chunks waiting to be written, concatenated (the server writes them in one go anyway).
  std::string queue_;
  bool closed_ = false;
  bool overflowed_ = false;
  std::function<void()> on_end_;
  bool ended_ = false;
  std::optional<boost::asio::any_io_executor> executor_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace gp::http
