#include <utility>  // Asio 1.74 needs it before its own headers.

#include "http/server.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sodium.h>

#include "core/log.hpp"

namespace gp::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr auto kDrainGrace = std::chrono::seconds(5);
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
  ServerOptions options;
  Handler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<asio::thread_pool> workers;
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;
  std::string id_prefix;
  std::atomic<uint64_t> next_request{1};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable stop_cv;
  bool stop_requested = false;
  bool stopped = false;

  Response Invoke(Request& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      log::error("request {} failed: {}", request.request_id, e.what());
    } catch (...) {
      log::error("request {} failed with an unknown exception", request.request_id);
    }
    return ErrorResponse(500, "internal", "Internal error.");
  }

  asio::awaitable<void> WriteResponse(beast::tcp_stream& stream, Response& response,
                                      unsigned version, bool keep_alive, bool head,
                                      boost::system::error_code& ec) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), version};
    for (const auto& [name, value] : response.headers.All()) res.insert(name, value);
    res.keep_alive(keep_alive);
    res.body() = std::move(response.body);
    res.prepare_payload();
    if (head) res.body().clear();
    stream.expires_after(kWriteTimeout);
    bhttp::serializer<false, bhttp::string_body> serializer(res);
    if (head) serializer.split(true);
    if (head) {
      co_await bhttp::async_write_header(stream, serializer, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await bhttp::async_write(stream, serializer, asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  static asio::awaitable<void> Linger(beast::tcp_stream& stream) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(kLingerTime);
    std::array<char, 16 * 1024> scratch;
    std::size_t discarded = 0;
    while (!ec && discarded < kLingerBytes) {
      discarded += co_await stream.async_read_some(asio::buffer(scratch),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    auto endpoint = socket.remote_endpoint(ec);
    std::string remote = ec ? std::string() : endpoint.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.body_limit);
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      stream.expires_after(options.read_timeout);
      co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        std::optional<Response> refusal;
        if (ec == bhttp::error::body_limit) {
          refusal = ErrorResponse(413, "too_large", "The request body is too large.");
        } else if (ec == bhttp::error::header_limit) {
          refusal = ErrorResponse(431, "headers_too_large", "The request headers are too large.");
        } else if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
                   ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
          refusal = ErrorResponse(400, "bad_request", "The request is not valid HTTP.");
        }
        if (refusal) {
          co_await WriteResponse(stream, *refusal, 11, false, false, ec);
          if (!ec) co_await Linger(stream);
        }
        break;
      }
      auto& raw = parser.get();
      unsigned version = raw.version();
      bool keep_alive = raw.keep_alive();
      Request request = ToRequest(raw, remote);
      request.request_id = id_prefix + std::to_string(next_request.fetch_add(1));
      bool head = request.method == "HEAD";
      auto started = std::chrono::steady_clock::now();
      ++in_flight;
      Response response;
      if (workers && !(options.run_inline && options.run_inline(request))) {
        co_await asio::post(workers->get_executor(), asio::use_awaitable);
        response = Invoke(request);
        co_await asio::post(stream.get_executor(), asio::use_awaitable);
      } else {
        response = Invoke(request);
      }
      if (response.delay.count() > 0) {
        asio::steady_timer timer(stream.get_executor(), response.delay);
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      int status = response.status;
      keep_alive = keep_alive && !stopping.load();
      co_await WriteResponse(stream, response, version, keep_alive, head, ec);
      --in_flight;
      auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
      if (options.access_log) {
        log::info("request id={} {} {} status={} ms={:.1f}", request.request_id, request.method,
                  request.path, status, elapsed.count());
      } else {
        log::debug("request id={} {} {} status={} ms={:.1f}", request.request_id, request.method,
                   request.path, status, elapsed.count());
      }
      if (ec || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> Listen() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open()) co_return;
        continue;
      }
      asio::co_spawn(acceptor.get_executor(), Session(std::move(socket)), asio::detached);
    }
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  unsigned char random[4];
  randombytes_buf(random, sizeof random);
  impl_->id_prefix = HexEncode(std::string_view(reinterpret_cast<char*>(random), sizeof random)) + "-";
}

Server::~Server() { Stop(); }

Result<void> Server::Start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Fail(ErrorCode::kBadRequest, "invalid listen address '" + impl_->options.host + "'");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Fail(ErrorCode::kUnavailable, "cannot listen on " + impl_->options.host + ":" +
                                             std::to_string(impl_->options.port) + ": " + ec.message());
  }
  impl_->bound_port = acceptor.local_endpoint().port();
  if (impl_->options.worker_threads > 0) {
    impl_->workers = std::make_unique<asio::thread_pool>(impl_->options.worker_threads);
  }
  asio::co_spawn(impl_->ioc, impl_->Listen(), asio::detached);
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return {};
}

uint16_t Server::port() const { return impl_->bound_port; }

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

void Server::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
    impl_->stop_cv.notify_all();
  }
  impl_->stopping = true;
  asio::post(impl_->ioc, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + kDrainGrace;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl_->ioc.stop();
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
  if (impl_->workers) impl_->workers->join();
}

}  // namespace gp::http
