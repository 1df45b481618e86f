#include <utility>  // Asio 1.74 needs it before its own headers.

#include "http/server.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <future>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include <sodium.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "core/log.hpp"
#include "http/request_id.hpp"
#include "http/stream.hpp"

namespace gp::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The TCP stream under a connection's stream: its socket and timeouts.
beast::tcp_stream& Transport(PlainStream& stream) {
  return stream;
}
beast::tcp_stream& Transport(TlsStream& stream) {
  return stream.next_layer();
}

constexpr auto kWriteTimeout = std::chrono::seconds(30);
// How long Stop() waits for the loop to close the listening socket (the loop may be gone already).
constexpr auto kAcceptorCloseWait = std::chrono::seconds(1);
// How long to wait before accepting again after an accept failed (out of file descriptors).
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
// After refusing a request whose body is still arriving, the rest is read and discarded for a
// while before the socket closes: closing with unread data makes the kernel send a reset, and
// the client then loses the refusal it has not read yet.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 64 * 1024 * 1024;

Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  std::string body = R"({"error":{"code":")" + std::string(code) + R"(","message":")" +
                     std::string(message) + R"("}})";
  return Response::Json(status, std::move(body));
}

// One of the server's slots for large bodies, given back when this goes away.
class LargeBodySlot {
 public:
  LargeBodySlot() = default;
  // Takes a slot from `free` when one is left; an empty (false) slot otherwise.
  static LargeBodySlot TryTake(std::atomic<int>& free) {
    int left = free.load();
    while (left > 0) {
      if (free.compare_exchange_weak(left, left - 1)) return LargeBodySlot(&free);
    }
    return {};
  }
  LargeBodySlot(LargeBodySlot&& other) noexcept : free_(std::exchange(other.free_, nullptr)) {}
  LargeBodySlot& operator=(LargeBodySlot&& other) noexcept {
    if (this != &other) {
      Release();
      free_ = std::exchange(other.free_, nullptr);
    }
    return *this;
  }
  ~LargeBodySlot() { Release(); }
  explicit operator bool() const { return free_ != nullptr; }

 private:
  explicit LargeBodySlot(std::atomic<int>* free) : free_(free) {}
  void Release() {
    if (free_) free_->fetch_add(1);
    free_ = nullptr;
  }
  std::atomic<int>* free_ = nullptr;
};

bool ExpectsContinue(const bhttp::request<bhttp::string_body>& head) {
  auto expect = head.find(bhttp::field::expect);
  return expect != head.end() && EqualsIgnoreCase(expect->value(), "100-continue");
}

Request ToRequest(bhttp::request<bhttp::string_body>& raw, std::string remote_address) {
  Request request;
  request.method = std::string(raw.method_string());
  request.target = std::string(raw.target());
  std::string_view target = request.target;
  size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  auto decoded = PercentDecode(raw_path);
  request.path = decoded ? *decoded : std::string(raw_path);
  for (const auto& field : raw) {
    request.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(raw.body());
  request.remote_address = std::move(remote_address);
  return request;
}

}  // namespace

struct Server::Impl {
  explicit Impl(asio::io_context* external)
      : own(external ? nullptr : std::make_unique<asio::io_context>()),
        ioc(external ? *external : *own),
        acceptor(ioc) {}

  ServerOptions options;
  AsyncHandler handler;
  std::unique_ptr<asio::io_context> own;
  asio::io_context& ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::mutex streams_mutex;
  std::list<std::weak_ptr<Stream>> streams;
  uint16_t bound_port = 0;
  std::string id_prefix;
  std::atomic<uint64_t> next_request{1};
  std::atomic<int> in_flight{0};
  // When the last "cannot accept" warning was logged (the listener's coroutine only).
  std::chrono::steady_clock::time_point last_accept_warning{};
  std::atomic<bool> stopping{false};
  std::atomic<int> free_large_slots{0};
  std::mutex tls_mutex;
  std::shared_ptr<ssl::context> tls_context;  // null: plain HTTP
  std::mutex mutex;
  std::condition_variable stop_cv;
  bool stop_requested = false;
  bool stopped = false;

  // A new id, or the one a trusted proxy gave the request (http/request_id.hpp).
  std::string RequestIdFor(const std::string& peer,
                           const bhttp::request<bhttp::string_body>* head) {
    std::optional<std::string_view> incoming;
    if (head != nullptr) {
      auto field = head->find("X-Request-Id");
      if (field != head->end())
        incoming = std::string_view(field->value().data(), field->value().size());
    }
    bool trusted =
        incoming && !options.trusted_proxies.empty() && options.trusted_proxies.Contains(peer);
    return ChooseRequestId(trusted, incoming,
                           id_prefix + std::to_string(next_request.fetch_add(1)));
  }

  asio::awaitable<Response> Invoke(Request& request) {
    try {
      co_return co_await handler(request);
    } catch (const std::exception& e) {
      log::error("request {} failed: {}", request.request_id, log::Safe(e.what()));
    } catch (...) {
      log::error("request {} failed with an unknown exception", request.request_id);
    }
    co_return ErrorResponse(500, "internal", "Internal error.");
  }

  // Sends the head, then the stream's chunks until it ends, the client goes away or the server
  // stops.
  template <class Connection>
  asio::awaitable<void> WriteStream(Connection& stream, Response& response, unsigned version,
                                    boost::system::error_code& ec) {
    std::shared_ptr<Stream> body = response.stream;
    body->Attach(stream.get_executor());
    std::list<std::weak_ptr<Stream>>::iterator registered;
    {
      std::lock_guard lock(streams_mutex);
      registered = streams.insert(streams.end(), body);
    }
    if (stopping.load()) body->Shutdown();
    {
      // Gone once written: a stream may live for hours.
      bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(response.status), version};
      for (const auto& [name, value] : response.headers.All()) res.insert(name, value);
      res.keep_alive(false);
      res.chunked(true);
      bhttp::response_serializer<bhttp::empty_body> serializer(res);
      Transport(stream).expires_after(kWriteTimeout);
      co_await bhttp::async_write_header(stream, serializer,
                                         asio::redirect_error(asio::use_awaitable, ec));
    }
    response.headers = Headers();
    // A client that goes away is noticed by reading, not only when a later write fails (which can
    // take a heartbeat or two): its stream and socket are let go of at once.
    auto watcher_done = std::make_shared<asio::steady_timer>(stream.get_executor(),
                                                             asio::steady_timer::time_point::max());
    auto watcher_finished = std::make_shared<bool>(false);
    if (!ec) {
      asio::co_spawn(
          stream.get_executor(),
          [&stream, body]() -> asio::awaitable<void> {
            std::array<char, 256> scratch;
            boost::system::error_code read_ec;
            // Whatever a client sends on a stream's connection is ignored; its end ends the stream.
            while (!read_ec) {
              co_await stream.async_read_some(asio::buffer(scratch),
                                              asio::redirect_error(asio::use_awaitable, read_ec));
            }
            body->Close();
          },
          [watcher_done, watcher_finished](const std::exception_ptr&) {
            *watcher_finished = true;
            watcher_done->cancel();
          });
    } else {
      *watcher_finished = true;
    }
    while (!ec) {
      std::optional<std::string> next = co_await body->Next();
      if (!next) break;
      Transport(stream).expires_after(kWriteTimeout);
      co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(*next)),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec) {
      Transport(stream).expires_after(kWriteTimeout);
      co_await asio::async_write(stream, bhttp::make_chunk_last(),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    // The watcher refers to this connection's socket: it must be done before the socket goes.
    boost::system::error_code cancel_ec;
    Transport(stream).socket().cancel(cancel_ec);
    if (!*watcher_finished) {
      boost::system::error_code wait_ec;
      co_await watcher_done->async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
    }
    // Counted as in flight again before it leaves the list, so Stop() never sees both at zero
    // early.
    ++in_flight;
    {
      std::lock_guard lock(streams_mutex);
      streams.erase(registered);
    }
    body->Ended();
  }

  template <class Connection>
  asio::awaitable<void> WriteResponse(Connection& stream, Response& response, unsigned version,
                                      bool keep_alive, bool head, boost::system::error_code& ec) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), version};
    for (const auto& [name, value] : response.headers.All()) res.insert(name, value);
    res.keep_alive(keep_alive);
    res.body() = std::move(response.body);
    res.prepare_payload();
    if (head) res.body().clear();
    Transport(stream).expires_after(kWriteTimeout);
    bhttp::serializer<false, bhttp::string_body> serializer(res);
    if (head) serializer.split(true);
    if (head) {
      co_await bhttp::async_write_header(stream, serializer,
                                         asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await bhttp::async_write(stream, serializer,
                                  asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // What the head of a request earns it: a limit for its body and, when that body may be larger
  // than the common limit, a slot to read it in; or an answer given without reading the body.
  struct Admission {
    std::size_t body_limit = 0;
    bool large = false;
    LargeBodySlot slot;
    std::optional<Response> refusal;
  };

  Admission Admit(const bhttp::request_parser<bhttp::string_body>& parser) {
    const auto& head = parser.get();
    Admission admission;
    admission.body_limit = options.body_limit_for
                               ? options.body_limit_for(head.method_string(), head.target())
                               : options.body_limit;
    auto length = parser.content_length();
    if (length && *length > admission.body_limit) {
      admission.refusal = ErrorResponse(413, "too_large", "The request body is too large.");
      return admission;
    }
    // Only a body that may outgrow the common limit needs a slot: a short message sent to an
    // upload route reads as any other request.
    admission.large = admission.body_limit > options.body_limit &&
                      (parser.chunked() || (length && *length > options.body_limit));
    if (admission.large) {
      admission.slot = LargeBodySlot::TryTake(free_large_slots);
      if (!admission.slot) {
        admission.refusal =
            ErrorResponse(503, "busy", "Too many large requests at once; try again shortly.");
        admission.refusal->headers.Set("Retry-After", "1");
      }
    }
    return admission;
  }

  // Answers a request the server refuses by itself and closes the connection.
  template <class Connection>
  asio::awaitable<void> Refuse(Connection& stream, Response refusal, const std::string& request_id) {
    boost::system::error_code ec;
    for (const auto& [name, value] : options.refusal_headers) refusal.headers.Set(name, value);
    refusal.headers.Set("X-Request-Id", request_id);
    co_await WriteResponse(stream, refusal, 11, false, false, ec);
    if (!ec) co_await Linger(stream);
  }

  template <class Connection>
  static asio::awaitable<void> Linger(Connection& stream) {
    boost::system::error_code ec;
    // TLS has no half-close short of ending the session: there the rest is read before
    // close_notify.
    if constexpr (std::is_same_v<Connection, PlainStream>) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    Transport(stream).expires_after(kLingerTime);
    std::array<char, 16 * 1024> scratch;
    std::size_t discarded = 0;
    while (!ec && discarded < kLingerBytes) {
      discarded += co_await stream.async_read_some(asio::buffer(scratch),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  std::shared_ptr<ssl::context> CurrentTlsContext() {
    std::lock_guard lock(tls_mutex);
    return tls_context;
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    auto endpoint = socket.remote_endpoint(ec);
    std::string remote = ec ? std::string() : endpoint.address().to_string();
    PlainStream plain(std::move(socket));
    beast::flat_buffer buffer;
    // Taken once: a certificate reloaded later serves the connections accepted after it.
    std::shared_ptr<ssl::context> context = CurrentTlsContext();
    if (!context) {
      co_await Serve(plain, buffer, std::move(remote));
      co_return;
    }
    plain.expires_after(options.tls_handshake_timeout);
    bool client_hello = co_await beast::async_detect_ssl(
        plain, buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // gone, or silent until the timeout
    if (!client_hello) {
      // Plain HTTP sent to the HTTPS port: a readable answer rather than a failed handshake.
      log::debug("plain HTTP from {} on the HTTPS port refused", remote);
      co_await Refuse(plain, ErrorResponse(400, "https_required", "This port speaks HTTPS only."),
                      RequestIdFor(remote, nullptr));
      co_return;
    }
    TlsStream stream(std::move(plain), *context);
    std::size_t used = co_await stream.async_handshake(
        ssl::stream_base::server, buffer.data(), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      log::debug("TLS handshake with {} failed: {}", remote, ec.message());
      co_return;
    }
    buffer.consume(used);
    co_await Serve(stream, buffer, std::move(remote));
  }

  // Ends a connection: a TLS one with close_notify (waiting a little for the client's), then FIN.
  static asio::awaitable<void> Finish(PlainStream& stream) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  static asio::awaitable<void> Finish(TlsStream& stream) {
    boost::system::error_code ec;
    Transport(stream).expires_after(kLingerTime);
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    Transport(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // The requests of one connection, until it closes or fails.
  template <class Connection>
  asio::awaitable<void> Serve(Connection& stream, beast::flat_buffer& buffer, std::string remote) {
    boost::system::error_code ec;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      // The head is read first, without a body limit: the limit depends on the route. (Not
      // boost::none, which Beast 1.74 compares as smaller than any Content-Length.)
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      Transport(stream).expires_after(options.read_timeout);
      co_await bhttp::async_read_header(stream, buffer, parser,
                                        asio::redirect_error(asio::use_awaitable, ec));
      std::optional<Admission> admission;
      if (!ec) {
        admission = Admit(parser);
        if (admission->refusal) {
          auto id = RequestIdFor(remote, &parser.get());
          LogRefusal(parser.get(), id, admission->refusal->status);
          Observe(parser.get().method_string(), kRefusedRoute, admission->refusal->status, {});
          co_await Refuse(stream, std::move(*admission->refusal), id);
          break;
        }
        parser.body_limit(admission->body_limit);
        if (!parser.is_done() && parser.get().version() >= 11 && ExpectsContinue(parser.get())) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          Transport(stream).expires_after(kWriteTimeout);
          co_await asio::async_write(stream, asio::buffer(kContinue),
                                     asio::redirect_error(asio::use_awaitable, ec));
          if (ec) break;
          Transport(stream).expires_after(options.read_timeout);
        }
        if (admission->large) Transport(stream).expires_after(options.large_body_timeout);
        if (!parser.is_done()) {
          co_await bhttp::async_read(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
        }
      }
      if (ec) {
        std::optional<Response> refusal;
        if (ec == bhttp::error::body_limit) {
          refusal = ErrorResponse(413, "too_large", "The request body is too large.");
        } else if (ec == bhttp::error::header_limit) {
          refusal = ErrorResponse(431, "headers_too_large", "The request headers are too large.");
        } else if (ec.category() ==
                       bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
                   ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
          refusal = ErrorResponse(400, "bad_request", "The request is not valid HTTP.");
        }
        if (refusal) {
          // The head may not have arrived whole: only a complete one is asked for an id.
          auto id = RequestIdFor(remote, parser.is_header_done() ? &parser.get() : nullptr);
          if (parser.is_header_done()) LogRefusal(parser.get(), id, refusal->status);
          Observe(parser.get().method_string(), kRefusedRoute, refusal->status, {});
          co_await Refuse(stream, std::move(*refusal), id);
        }
        break;
      }
      auto& raw = parser.get();
      std::string request_id = RequestIdFor(remote, &raw);
      unsigned version = raw.version();
      bool keep_alive = raw.keep_alive();
      Request request = ToRequest(raw, remote);
      if (!options.trusted_proxies.empty()) {
        request.remote_address =
            options.trusted_proxies.ClientOf(remote, request.headers.Get("X-Forwarded-For").value_or(""));
      }
      // The parsed message (its header fields) is not needed again; a stream may live for hours.
      (void)parser.release();
      request.request_id = std::move(request_id);
      bool head = request.method == "HEAD";
      auto started = std::chrono::steady_clock::now();
      ++in_flight;
      Response response = co_await Invoke(request);
      if (response.delay.count() > 0) {
        asio::steady_timer timer(stream.get_executor(), response.delay);
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      response.headers.Set("X-Request-Id", request.request_id);
      int status = response.status;
      keep_alive = keep_alive && !stopping.load() && !response.stream;
      if (response.stream && !head) {
        // A stream may last for hours: it does not hold up a graceful stop, and it keeps only what
        // it needs (the method and path, for the access line).
        --in_flight;
        request.headers = Headers();
        request.body = std::string();
        request.path_params.clear();
        buffer.consume(buffer.size());
        buffer.shrink_to_fit();
        Observe(request.method, request.route, status, std::chrono::steady_clock::now() - started);
        co_await WriteStream(stream, response, version, ec);
      } else {
        co_await WriteResponse(stream, response, version, keep_alive, head, ec);
        Observe(request.method, request.route, status, std::chrono::steady_clock::now() - started);
      }
      --in_flight;
      auto elapsed =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
      // Method and path come from the client: Access escapes and caps them.
      log::Access(options.access_log ? spdlog::level::info : spdlog::level::debug,
                  {.request_id = request.request_id,
                   .method = request.method,
                   .route = request.route,
                   .path = request.path,
                   .status = status,
                   .duration_ms = elapsed.count()});
      if (ec || !keep_alive) break;
    }
    co_await Finish(stream);
  }

  void Observe(std::string_view method, std::string_view route, int status,
               std::chrono::duration<double> took) {
    if (options.on_answer) options.on_answer(method, route, status, took);
  }

  // Refusals given from the head alone are logged like requests (no route: no handler saw them);
  // running out of large-body slots is worth a warning.
  void LogRefusal(const bhttp::request<bhttp::string_body>& head, const std::string& request_id,
                  int status) {
    std::string_view target = head.target();
    log::AccessRecord record{.message = "request refused",
                             .request_id = request_id,
                             .method = head.method_string(),
                             .path = target.substr(0, target.find('?')),
                             .status = status};
    if (status == 503) {
      record.message = "request refused: no slot left for a large body";
      log::Access(spdlog::level::warn, record);
    } else {
      log::Access(options.access_log ? spdlog::level::info : spdlog::level::debug, record);
    }
  }

  asio::awaitable<void> Listen() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open()) co_return;
        // Out of file descriptors (or memory) the next accept fails the same way at once: wait a
        // little instead of spinning, so the connections already open keep being served.
        auto now = std::chrono::steady_clock::now();
        if (now - last_accept_warning > std::chrono::seconds(10)) {
          last_accept_warning = now;
          log::warn("cannot accept connections: {}", ec.message());
        }
        asio::steady_timer pause(acceptor.get_executor(), kAcceptPause);
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      asio::co_spawn(acceptor.get_executor(), Session(std::move(socket)), asio::detached);
    }
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>(nullptr)) {
  impl_->options = std::move(options);
  impl_->free_large_slots = std::max(0, impl_->options.large_body_slots);
  impl_->handler = [handler = std::move(handler)](Request& request) -> asio::awaitable<Response> {
    co_return handler(request);
  };
  unsigned char random[4];
  randombytes_buf(random, sizeof random);
  impl_->id_prefix =
      HexEncode(std::string_view(reinterpret_cast<char*>(random), sizeof random)) + "-";
}

Server::Server(ServerOptions options, AsyncHandler handler, asio::io_context& loop)
    : impl_(std::make_unique<Impl>(&loop)) {
  impl_->options = std::move(options);
  impl_->free_large_slots = std::max(0, impl_->options.large_body_slots);
  impl_->handler = std::move(handler);
  unsigned char random[4];
  randombytes_buf(random, sizeof random);
  impl_->id_prefix =
      HexEncode(std::string_view(reinterpret_cast<char*>(random), sizeof random)) + "-";
}

Server::~Server() {
  Stop();
}

Result<void> Server::Start() {
  if (impl_->options.tls.enabled()) {
    auto context = LoadTlsContext(impl_->options.tls);
    if (!context) return tl::unexpected(context.error());
    std::lock_guard lock(impl_->tls_mutex);
    impl_->tls_context = std::move(*context);
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec)
    return Fail(ErrorCode::kBadRequest, "invalid listen address '" + impl_->options.host + "'");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Fail(ErrorCode::kUnavailable, "cannot listen on " + impl_->options.host + ":" +
                                             std::to_string(impl_->options.port) + ": " +
                                             ec.message());
  }
  impl_->bound_port = acceptor.local_endpoint().port();
  asio::co_spawn(impl_->ioc, impl_->Listen(), asio::detached);
  if (impl_->own) {
    for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
      impl_->threads.emplace_back([this] { impl_->ioc.run(); });
    }
  }
  return {};
}

uint16_t Server::port() const {
  return impl_->bound_port;
}

void Server::Wait(bool handle_signals) {
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    signals.emplace(impl_->ioc, SIGINT, SIGTERM);
    signals->async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      std::lock_guard lock(impl_->mutex);
      impl_->stop_requested = true;
      impl_->stop_cv.notify_all();
    });
  }
  {
    std::unique_lock lock(impl_->mutex);
    impl_->stop_cv.wait(lock, [this] { return impl_->stop_requested || impl_->stopped; });
  }
  if (signals) {
    boost::system::error_code ec;
    signals->cancel(ec);
  }
  Stop();
}

DrainReport Server::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return {};
    impl_->stopped = true;
    impl_->stop_cv.notify_all();
  }
  impl_->stopping = true;
  if (impl_->bound_port != 0) {
    // Closed on the loop, and waited for: once the drain begins, a new connection is refused.
    auto closed = std::make_shared<std::promise<void>>();
    auto closed_future = closed->get_future();
    asio::post(impl_->ioc, [this, closed] {
      boost::system::error_code ec;
      impl_->acceptor.close(ec);
      closed->set_value();
    });
    (void)closed_future.wait_for(kAcceptorCloseWait);
  }
  DrainReport report;
  {
    std::lock_guard lock(impl_->streams_mutex);
    report.requests = impl_->in_flight.load();
    for (auto& weak : impl_->streams) {
      if (auto stream = weak.lock()) {
        stream->Shutdown();
        ++report.streams;
      }
    }
  }
  auto deadline = std::chrono::steady_clock::now() + impl_->options.drain_grace;
  auto busy = [this] {
    std::lock_guard lock(impl_->streams_mutex);
    return impl_->in_flight.load() > 0 || !impl_->streams.empty();
  };
  while (busy() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  report.unfinished = impl_->in_flight.load();
  if (!impl_->own) return report;
  impl_->ioc.stop();
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
  return report;
}

bool Server::tls() const {
  return impl_->options.tls.enabled();
}

Result<void> Server::ReloadTls() {
  if (!tls()) return {};
  auto context = LoadTlsContext(impl_->options.tls);
  if (!context) return tl::unexpected(context.error());
  std::lock_guard lock(impl_->tls_mutex);
  impl_->tls_context = std::move(*context);
  return {};
}

int Server::in_flight() const {
  std::lock_guard lock(impl_->streams_mutex);
  return impl_->in_flight.load() + static_cast<int>(impl_->streams.size());
}

}  // namespace gp::http
