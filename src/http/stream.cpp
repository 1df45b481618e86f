#include "http/stream.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gp::http {

namespace asio = boost::asio;

Stream::Stream(Options options) : options_(std::move(options)) {}

bool Stream::Push(std::string chunk) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    if (queue_.size() + chunk.size() > options_.max_queued_bytes) {
      closed_ = true;
      overflowed_ = true;
      std::string().swap(queue_);
    } else if (queue_.empty()) {
      queue_ = std::move(chunk);
    } else {
      queue_ += chunk;
    }
  }
  Notify();
  std::lock_guard lock(mutex_);
  return !overflowed_;
}

void Stream::Close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  Notify();
}

void Stream::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    queue_ += options_.farewell;
    closed_ = true;
  }
  Notify();
}

bool Stream::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

bool Stream::overflowed() const {
  std::lock_guard lock(mutex_);
  return overflowed_;
}

void Stream::OnEnd(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  on_end_ = std::move(callback);
}

void Stream::Attach(const asio::any_io_executor& executor) {
  std::lock_guard lock(mutex_);
  executor_ = executor;
  timer_ = std::make_unique<asio::steady_timer>(executor);
}

void Stream::Notify() {
  std::optional<asio::any_io_executor> executor;
  {
    std::lock_guard lock(mutex_);
    executor = executor_;
  }
  // The timer belongs to the connection's executor: it is cancelled there, never from here.
  if (executor) asio::post(*executor, [self = shared_from_this()] { self->timer_->cancel(); });
}

asio::awaitable<std::optional<std::string>> Stream::Next() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (!queue_.empty()) {
        std::string out;
        out.swap(queue_);
        co_return out;
      }
      if (closed_) co_return std::nullopt;
    }
    timer_->expires_after(options_.heartbeat);
    boost::system::error_code ec;
    co_await timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_return options_.heartbeat_text;
  }
}

void Stream::Ended() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (ended_) return;
    ended_ = true;
    callback = std::move(on_end_);
  }
  if (callback) callback();
}

}  // namespace gp::http
