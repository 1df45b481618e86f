#pragma once
// The portal's route table. Each route declares, in one place, who may call it (Access), and how it
// runs (Exec); the table enforces both before the handler sees the request:
//   - Access: kPublic (anyone), kSignedIn (any session), kGuest, kAnyGuest, kAdmin. Routes that need a
//     session answer 401 without one and 403 for the other role; their state-changing methods (anything
//     but GET/HEAD) also need the session's CSRF token in X-CSRF-Token. kGuest routes also answer 403
//     password_change_required to a guest who must choose a new password first; kAnyGuest ones (the
//     password change itself) do not.
//   - Exec: kInline handlers run on the event loop and must not block (memory, database reads);
//     kPool handlers may block (writes, Argon2id) and run whole on the WorkPool, which answers 503
//     with Retry-After when it is full; kAsync handlers are coroutines that await Webex or hand
//     pieces to the pool themselves.
// Every answer gets the security headers.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "api/auth.hpp"
#include "core/work_pool.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "service/sessions.hpp"

namespace gp::api {

enum class Access { kPublic, kSignedIn, kGuest, kAnyGuest, kAdmin };
enum class Exec { kInline, kPool, kAsync };

using SyncRoute = std::function<Result<http::Response>(http::Request&, const Caller&)>;
using AsyncRoute = std::function<boost::asio::awaitable<Result<http::Response>>(http::Request&, const Caller&)>;

class Routes {
 public:
  // `webex_media`: pages may reach Webex's own services (the meeting SDK's API, websockets and
  // workers); only when the portal talks to the real Webex.
  Routes(service::Sessions& sessions, WorkPool& pool, const std::string& webex_origin, bool secure_cookies,
         bool webex_media = false);

  void Add(std::string method, const std::string& pattern, Access access, Exec exec, SyncRoute handler);
  void AddAsync(std::string method, const std::string& pattern, Access access, AsyncRoute handler);
  // Raw handlers (pages, static files, redirects) that shape their own answers; always kInline.
  void AddRaw(std::string method, const std::string& pattern, Access access, http::Handler handler);

  // With a database across the network (PostgreSQL) even a read may wait: the session check and the
  // handler then run together off the loop, kInline ones on the pool's reader threads (WorkPool::Read).
  // `version_now`, when given, reads the data's version without blocking (storage::postgres::
  // AsyncVersion): a kInline route is then tried on the loop first with it, and goes to a reader only
  // when memory could not answer it (storage::NoWaiting).
  using VersionNow = std::function<boost::asio::awaitable<Result<storage::DataVersion>>()>;
  void SetReadsBlock(bool reads_block, VersionNow version_now = {}) {
    reads_block_ = reads_block;
    version_now_ = std::move(version_now);
  }

  // The server's handler. The table must outlive it.
  http::AsyncHandler Handler();

  // The headers every answer carries (also given to the server for its own refusals).
  const std::vector<std::pair<std::string, std::string>>& security_headers() const { return security_headers_; }

 private:
  struct Route {
    Access access;
    Exec exec;
    SyncRoute sync;
    AsyncRoute async;
    http::Handler raw;
  };
  boost::asio::awaitable<http::Response> Handle(http::Request& request);
  boost::asio::awaitable<http::Response> Run(const Route& route, http::Request& request);

  service::Sessions& sessions_;
  bool reads_block_ = false;
  VersionNow version_now_;
  WorkPool& pool_;
  http::Router router_;
  std::vector<std::shared_ptr<Route>> routes_;
  std::vector<std::pair<std::string, std::string>> security_headers_;
};

}  // namespace gp::api
