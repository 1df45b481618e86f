#include <utility>  // Asio 1.74 needs it before its own headers.

#include "webex/curl_transport.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/encoding.hpp"
#include "core/log.hpp"

namespace gp::webex {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

struct Received {
  HttpResult result;
  std::size_t limit = 0;                     // the transport's cap, for any answer
  std::optional<std::size_t> success_limit;  // the call's cap for a 2xx answer, in its place
  bool head = false;                         // a HEAD answer's Content-Length is not its body's
  int status = 0;                            // of the latest status line
  bool too_large = false;
  bool over_success_limit = false;

  bool Success() const { return status >= 200 && status < 300; }
  std::size_t Limit() const { return success_limit && Success() ? *success_limit : limit; }
  // Notes a body of `size` bytes over the cap; false when it fits.
  bool Exceeds(uint64_t size) {
    if (size <= Limit()) return false;
    too_large = true;
    over_success_limit = success_limit && Success();
    return true;
  }
};

// The status code of a status line ("HTTP/1.1 200 OK", "HTTP/2 200"); 0 when there is none.
int StatusOf(std::string_view line) {
  auto space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  int status = 0;
  for (std::size_t i = space + 1; i < line.size() && i < space + 4; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    status = status * 10 + (line[i] - '0');
  }
  return status;
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  std::size_t bytes = size * count;
  if (received->Exceeds(received->result.body.size() + bytes)) return 0;  // aborts the transfer
  received->result.body.append(data, bytes);
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after 100 Continue, say): only the final response's headers count.
    received->result.headers.clear();
    received->status = StatusOf(line);
    return bytes;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  // A body announced larger than the cap is refused before any of it is read.
  if (!received->head && EqualsIgnoreCase(name, "Content-Length")) {
    if (auto length = ParseContentLength(value);
        length && received->Exceeds(static_cast<uint64_t>(*length))) {
      return 0;  // aborts the transfer
    }
  }
  received->result.headers.emplace_back(std::string(name), std::string(value));
  return bytes;
}

void GlobalInit() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

// Where a finished transfer's result goes: the suspended Send, resumed through its own executor
// (never inline, so that a coroutine never runs inside curl's or the transport's bookkeeping).
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void Post(Result<HttpResult> result) = 0;
};

template <typename Handler>
class CompletionFor final : public Completion {
 public:
  CompletionFor(Handler handler, const asio::any_io_executor& fallback)
      : handler_(std::move(handler)),
        // Keeps the handler's event loop from running out of work while the transfer is in flight.
        work_(asio::prefer(asio::get_associated_executor(handler_, fallback),
                           asio::execution::outstanding_work.tracked)) {}

  void Post(Result<HttpResult> result) override {
    asio::post(work_, [handler = std::move(handler_), result = std::move(result)]() mutable {
      std::move(handler)(std::move(result));
    });
  }

 private:
  Handler handler_;
  asio::any_io_executor work_;
};

// One request in flight: everything curl points into lives here until the transfer is done.
struct Transfer {
  CURL* easy = nullptr;
  HttpCall call;
  curl_slist* headers = nullptr;
  Received received;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  std::unique_ptr<Completion> completion;

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
};

}  // namespace

struct CurlTransport::Impl {
  // A socket curl asked us to watch. The descriptor only borrows curl's fd: it is always released,
  // never closed, because curl closes its own sockets.
  struct Watched {
    Watched(const asio::any_io_executor& executor, curl_socket_t socket) : fd(socket), descriptor(executor) {}
    Watched(const Watched&) = delete;
    Watched& operator=(const Watched&) = delete;
    ~Watched() { Forget(); }
    void Forget() {
      forgotten = true;
      if (descriptor.is_open()) descriptor.release();
    }

    curl_socket_t fd;
    asio::posix::stream_descriptor descriptor;
    int wanted = 0;  // CURL_POLL_IN / CURL_POLL_OUT bits
    bool reading = false;
    bool writing = false;
    bool forgotten = false;
  };

  Impl(asio::any_io_executor executor_in, CurlTransportOptions options_in)
      : executor(std::move(executor_in)), options(options_in), timer(executor) {
    GlobalInit();
    multi = curl_multi_init();
    if (multi == nullptr) return;
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::OnSocket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::OnTimer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, options.max_idle_connections);
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    // Handlers still queued on the loop check this before touching the transport.
    alive.reset();
    // Calls in flight fail; their coroutines resume later on their own loop (or are destroyed with
    // it if it has stopped).
    auto in_flight = std::move(transfers);
    transfers.clear();
    for (auto& [easy, transfer] : in_flight) {
      curl_multi_remove_handle(multi, easy);
      try {
        transfer->completion->Post(Fail(ErrorCode::kUnavailable, "the Webex transport was shut down"));
      } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory in a destructor; the call is lost
      }
    }
    in_flight.clear();
    // Closes the cached connections; curl tells OnSocket and OnClose about each of them.
    if (multi != nullptr) curl_multi_cleanup(multi);
    sockets.clear();
    // The timer's own destruction cancels its wait.
  }

  // CURLMOPT_SOCKETFUNCTION: curl says which events it wants on a socket.
  static int OnSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* self_ptr, void* /*socket_ptr*/) {
    auto* self = static_cast<Impl*>(self_ptr);
    if (what == CURL_POLL_REMOVE) {
      self->Forget(fd);
      return 0;
    }
    auto it = self->sockets.find(fd);
    if (it == self->sockets.end()) {
      auto watched = std::make_shared<Watched>(self->executor, fd);
      boost::system::error_code ec;
      watched->descriptor.assign(fd, ec);
      if (ec) {
        log::warn("webex transport: cannot watch a socket: {}", ec.message());
        return -1;  // curl fails the transfers on it
      }
      it = self->sockets.emplace(fd, std::move(watched)).first;
    }
    const std::shared_ptr<Watched>& watched = it->second;
    watched->wanted = what;
    self->Arm(watched);
    return 0;
  }

  // CURLMOPT_TIMERFUNCTION: curl wants to be called back in `timeout_ms` (-1: never).
  static int OnTimer(CURLM* /*multi*/, long timeout_ms, void* self_ptr) {
    auto* self = static_cast<Impl*>(self_ptr);
    if (timeout_ms < 0) {
      self->timer.cancel();
      return 0;
    }
    // Even a zero timeout goes through the loop: curl must not be re-entered from its callback.
    self->timer.expires_after(milliseconds(timeout_ms));
    self->timer.async_wait([self, alive = std::weak_ptr<int>(self->alive)](const boost::system::error_code& error) {
      if (alive.expired() || error == asio::error::operation_aborted) return;
      self->Action(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  }

  // CURLOPT_CLOSESOCKETFUNCTION: stop watching a socket before curl's fd is closed, so the loop
  // never holds a closed (or reused) fd.
  static int OnClose(void* self_ptr, curl_socket_t fd) {
    static_cast<Impl*>(self_ptr)->Forget(fd);
    return ::close(fd);
  }

  void Forget(curl_socket_t fd) {
    auto it = sockets.find(fd);
    if (it == sockets.end()) return;
    it->second->Forget();
    sockets.erase(it);
  }

  // Starts the waits curl wants and that are not pending yet.
  void Arm(const std::shared_ptr<Watched>& watched) {
    if ((watched->wanted & CURL_POLL_IN) != 0 && !watched->reading) Wait(watched, CURL_POLL_IN);
    if ((watched->wanted & CURL_POLL_OUT) != 0 && !watched->writing) Wait(watched, CURL_POLL_OUT);
  }

  void Wait(const std::shared_ptr<Watched>& watched, int direction) {
    const bool read = direction == CURL_POLL_IN;
    (read ? watched->reading : watched->writing) = true;
    watched->descriptor.async_wait(
        read ? asio::posix::stream_descriptor::wait_read : asio::posix::stream_descriptor::wait_write,
        [this, watched, read, alive = std::weak_ptr<int>(alive)](const boost::system::error_code& ec) {
          if (alive.expired()) return;
          (read ? watched->reading : watched->writing) = false;
          if (watched->forgotten || ec == asio::error::operation_aborted) return;
          const int direction = read ? CURL_POLL_IN : CURL_POLL_OUT;
          if ((watched->wanted & direction) == 0) return;
          Action(watched->fd, ec ? CURL_CSELECT_ERR : (read ? CURL_CSELECT_IN : CURL_CSELECT_OUT));
          // curl may have changed its mind (or forgotten the socket) during the action.
          if (!watched->forgotten) Arm(watched);
        });
  }

  void Action(curl_socket_t fd, int events) {
    int running = 0;
    curl_multi_socket_action(multi, fd, events, &running);
    FinishDone();
  }

  void FinishDone() {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode code = message->data.result;  // `message` dies with the handle's removal
      Finish(easy, code);
    }
  }

  void Finish(CURL* easy, CURLcode code) {
    auto node = transfers.extract(easy);
    curl_multi_remove_handle(multi, easy);
    if (node.empty()) return;
    std::unique_ptr<Transfer> transfer = std::move(node.mapped());
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    Result<HttpResult> result;
    if (transfer->received.too_large) {
      const Received& received = transfer->received;
      result = Fail(received.over_success_limit ? ErrorCode::kTooLarge : ErrorCode::kUpstream,
                    "the response is larger than " + std::to_string(received.Limit()) + " bytes");
    } else if (code != CURLE_OK) {
      // The error text names the host and the failure, never the request's headers or body.
      std::string detail =
          transfer->error_buffer[0] != '\0' ? transfer->error_buffer.data() : curl_easy_strerror(code);
      result = Fail(ErrorCode::kUnavailable, "cannot reach Webex: " + detail);
    } else {
      transfer->received.result.status = static_cast<int>(status);
      result = std::move(transfer->received.result);
    }
    transfer->completion->Post(std::move(result));
  }

  // Configures the easy handle of `transfer` for one call; false when curl refuses.
  bool Prepare(Transfer& transfer, milliseconds total_timeout) {
    CURL* curl = transfer.easy;
    for (const auto& [name, value] : transfer.call.headers) {
      transfer.headers = curl_slist_append(transfer.headers, (name + ": " + value).c_str());
    }
    // Never wait for a 100 Continue round trip.
    transfer.headers = curl_slist_append(transfer.headers, "Expect:");
    transfer.received.limit = options.max_response_bytes;
    transfer.received.success_limit = transfer.call.max_body_bytes;
    transfer.received.head = transfer.call.method == "HEAD";

    bool ok = true;
    auto set = [&](CURLoption option, auto value) { ok = ok && curl_easy_setopt(curl, option, value) == CURLE_OK; };
    set(CURLOPT_URL, transfer.call.url.c_str());
    set(CURLOPT_PRIVATE, static_cast<void*>(&transfer));
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_TCP_NODELAY, 1L);
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
    set(CURLOPT_HTTPHEADER, transfer.headers);
    set(CURLOPT_ERRORBUFFER, transfer.error_buffer.data());
    set(CURLOPT_WRITEFUNCTION, &OnBody);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer.received));
    set(CURLOPT_HEADERFUNCTION, &OnHeader);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer.received));
    set(CURLOPT_CLOSESOCKETFUNCTION, &Impl::OnClose);
    set(CURLOPT_CLOSESOCKETDATA, static_cast<void*>(this));
    if (transfer.call.method == "GET") {
      set(CURLOPT_HTTPGET, 1L);
    } else if (transfer.call.method == "HEAD") {
      set(CURLOPT_NOBODY, 1L);  // curl then expects no body, whatever Content-Length says
    } else {
      if (transfer.call.method == "POST" || !transfer.call.body.empty()) {
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer.call.body.size()));
        set(CURLOPT_POSTFIELDS, transfer.call.body.data());
      }
      set(CURLOPT_CUSTOMREQUEST, transfer.call.method.c_str());
    }
    return ok;
  }

  // Hands a prepared transfer to curl; its completion is posted when it is done.
  void Start(std::unique_ptr<Transfer> transfer) {
    CURL* easy = transfer->easy;
    auto [it, inserted] = transfers.emplace(easy, std::move(transfer));
    (void)inserted;
    if (CURLMcode code = curl_multi_add_handle(multi, easy); code != CURLM_OK) {
      auto failed = std::move(it->second);
      transfers.erase(it);
      failed->completion->Post(
          Fail(ErrorCode::kInternal, std::string("libcurl refused the transfer: ") + curl_multi_strerror(code)));
    }
  }

  asio::any_io_executor executor;
  CurlTransportOptions options;
  CURLM* multi = nullptr;
  asio::steady_timer timer;
  std::unordered_map<curl_socket_t, std::shared_ptr<Watched>> sockets;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers;
  std::shared_ptr<int> alive = std::make_shared<int>(0);
};

CurlTransport::CurlTransport(boost::asio::any_io_executor executor, CurlTransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), options)) {}

CurlTransport::~CurlTransport() = default;

std::size_t CurlTransport::in_flight() const { return impl_->transfers.size(); }

boost::asio::awaitable<Result<HttpResult>> CurlTransport::Send(HttpCall call,
                                                              std::chrono::steady_clock::time_point deadline) {
  const auto now = std::chrono::steady_clock::now();
  if (deadline <= now) co_return Fail(ErrorCode::kUnavailable, "the deadline passed before Webex was called");
  if (impl_->multi == nullptr) co_return Fail(ErrorCode::kInternal, "libcurl could not create a multi handle");
  // Never past the deadline; at least 1 ms, as 0 would mean "no timeout" to curl.
  const milliseconds left = std::max(milliseconds(1), std::chrono::ceil<milliseconds>(deadline - now));
  const milliseconds total_timeout = std::min(impl_->options.total_timeout, left);

  auto transfer = std::make_unique<Transfer>();
  transfer->easy = curl_easy_init();
  if (transfer->easy == nullptr) co_return Fail(ErrorCode::kInternal, "libcurl could not create a handle");
  transfer->call = std::move(call);
  if (!impl_->Prepare(*transfer, total_timeout)) {
    co_return Fail(ErrorCode::kInternal, "libcurl refused the request's options");
  }

  Impl* impl = impl_.get();
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Result<HttpResult>)>(
      [impl, &transfer](auto handler) {
        transfer->completion = std::make_unique<CompletionFor<decltype(handler)>>(std::move(handler), impl->executor);
        impl->Start(std::move(transfer));
      },
      asio::use_awaitable);
}

}  // namespace gp::webex
