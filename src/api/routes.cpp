#include "api/routes.hpp"

#include "api/json_io.hpp"
#include "core/crypto.hpp"
#include "storage/version_memo.hpp"

namespace gp::api {
namespace {

namespace asio = boost::asio;

bool StateChanging(const http::Request& request) { return request.method != "GET" && request.method != "HEAD"; }

// Who may call: the caller when allowed, else the error to answer with.
Result<Caller> Admit(const http::Request& request, service::Sessions& sessions, Access access) {
  if (access == Access::kPublic) return Caller{};
  auto caller = Authenticate(request, sessions);
  if (!caller) return caller;
  const std::string& role = caller->session.role;
  if ((access == Access::kGuest || access == Access::kAnyGuest) && role != "guest") {
    return Fail(ErrorCode::kForbidden, "wrong_role", "This is for guests.");
  }
  if (access == Access::kGuest && caller->session.must_change_password) {
    return Fail(ErrorCode::kForbidden, "password_change_required", "Please choose a new password first.");
  }
  if (access == Access::kAdmin && role != "admin") {
    return Fail(ErrorCode::kForbidden, "wrong_role", "This needs an administrator.");
  }
  if (StateChanging(request)) {
    auto token = request.headers.Get("X-CSRF-Token");
    if (!token || !crypto::ConstantTimeEquals(std::string(*token), caller->session.csrf_token)) {
      return Fail(ErrorCode::kForbidden, "csrf_failed", "The request is missing its CSRF token. Reload the page.");
    }
  }
  return caller;
}

http::Response Answer(Result<http::Response> result) {
  if (!result) return ErrorResponse(result.error());
  return std::move(*result);
}

}  // namespace

Routes::Routes(service::Sessions& sessions, WorkPool& pool, const std::string& webex_origin, bool secure_cookies,
               bool webex_media)
    : sessions_(sessions), pool_(pool) {
  std::string form_action = "'self'";
  if (!webex_origin.empty()) form_action += " " + webex_origin;
  // What the Webex meetings SDK (web/vendor) reaches from the page: Webex's APIs and websockets, and
  // workers it starts from blob: URLs. Media itself (WebRTC) is outside CSP.
  std::string connect = "'self'";
  std::string worker;
  if (webex_media) {
    connect +=
        " https://webexapis.com https://*.webex.com https://*.wbx2.com https://*.ciscospark.com"
        " wss://*.webex.com wss://*.wbx2.com wss://*.ciscospark.com";
    worker = " worker-src 'self' blob:;";
  }
  security_headers_ = {
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src " + connect + "; media-src 'self' blob:;" + worker + " object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action " + form_action},
  };
  if (secure_cookies) security_headers_.emplace_back("Strict-Transport-Security", "max-age=31536000");
}

void Routes::Add(std::string method, const std::string& pattern, Access access, Exec exec, SyncRoute handler) {
  auto route = std::make_shared<Route>(Route{access, exec, std::move(handler), {}, {}});
  std::size_t index = router_.Add(std::move(method), pattern);
  if (routes_.size() <= index) routes_.resize(index + 1);
  routes_[index] = std::move(route);
}

void Routes::AddAsync(std::string method, const std::string& pattern, Access access, AsyncRoute handler) {
  auto route = std::make_shared<Route>(Route{access, Exec::kAsync, {}, std::move(handler), {}});
  std::size_t index = router_.Add(std::move(method), pattern);
  if (routes_.size() <= index) routes_.resize(index + 1);
  routes_[index] = std::move(route);
}

void Routes::AddRaw(std::string method, const std::string& pattern, Access access, http::Handler handler) {
  auto route = std::make_shared<Route>(Route{access, Exec::kInline, {}, {}, std::move(handler)});
  std::size_t index = router_.Add(std::move(method), pattern);
  if (routes_.size() <= index) routes_.resize(index + 1);
  routes_[index] = std::move(route);
}

asio::awaitable<http::Response> Routes::Run(const Route& route, http::Request& request) {
  if (reads_block_ && route.sync) {
    // The session check and the handler run together: a read-only one (kInline) first on the loop
    // from memory, else on a reader thread, both with one look at the data's version; the others on
    // the pool.
    auto handle = [&request, this, &route]() -> Result<http::Response> {
      auto caller = Admit(request, sessions_, route.access);
      if (!caller) return tl::unexpected(caller.error());
      return route.sync(request, *caller);
    };
    std::optional<storage::DataVersion> known;
    if (route.exec == Exec::kInline && version_now_) {
      // Memory first, on the loop, as with a local database: with the version current, the session
      // and the handler's caches may hold all it needs. Nothing here waits across a co_await, so the
      // thread's memo and refusal are this request's alone.
      auto version = co_await version_now_();
      if (version) {
        {
          storage::VersionMemo memo(*version);
          storage::NoWaiting no_waiting;
          auto answer = handle();
          if (!no_waiting.refused()) co_return Answer(std::move(answer));
        }
        known = std::move(*version);
      }
    }
    // Named, not a temporary in the co_await: GCC 12 destroys such temporaries' captures twice.
    auto admit_and_handle = [&route, &known, &handle]() -> Result<http::Response> {
      std::optional<storage::VersionMemo> memo;
      if (known) {
        memo.emplace(*known);
      } else if (route.exec == Exec::kInline) {
        memo.emplace();
      }
      return handle();
    };
    if (route.exec == Exec::kInline) co_return Answer(co_await pool_.Read(admit_and_handle));
    co_return Answer(co_await pool_.Run(admit_and_handle));
  }
  Result<Caller> caller;
  if (reads_block_ && route.access != Access::kPublic) {
    caller = co_await pool_.Read([&request, this, &route] { return Admit(request, sessions_, route.access); });
  } else {
    caller = Admit(request, sessions_, route.access);
  }
  if (!caller) co_return ErrorResponse(caller.error());
  if (route.raw) co_return route.raw(request);
  switch (route.exec) {
    case Exec::kInline:
      co_return Answer(route.sync(request, *caller));
    case Exec::kPool: {
      const SyncRoute& sync = route.sync;
      const Caller& who = *caller;
      co_return Answer(co_await pool_.Run([&sync, &request, &who] { return sync(request, who); }));
    }
    case Exec::kAsync:
      co_return Answer(co_await route.async(request, *caller));
  }
  co_return ErrorResponse(Error{ErrorCode::kInternal, "Internal error."});
}

asio::awaitable<http::Response> Routes::Handle(http::Request& request) {
  bool path_matched = false;
  auto index = router_.Find(request, path_matched);
  http::Response response;
  if (index) {
    // The route object is kept alive by the table; the table outlives the server.
    response = co_await Run(*routes_[*index], request);
  } else if (path_matched) {
    response = JsonResponse(405, {{"error", {{"code", "method_not_allowed"},
                                             {"message", request.method + " is not allowed here."}}}});
  } else {
    response = ErrorResponse(Error{ErrorCode::kNotFound, "There is nothing at this address."});
  }
  for (const auto& [name, value] : security_headers_) response.headers.Set(name, value);
  co_return response;
}

http::AsyncHandler Routes::Handler() {
  return [this](http::Request& request) { return Handle(request); };
}

}  // namespace gp::api
