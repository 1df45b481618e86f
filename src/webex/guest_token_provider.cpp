#include <utility>  // Asio 1.74 needs it before its own headers.

#include "webex/guest_token_provider.hpp"

#include <optional>
#include <vector>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/log.hpp"
#include "domain/tokens.hpp"

namespace gp::webex {
namespace {

namespace asio = boost::asio;

// One refresh of the Service App token in flight, shared by every caller that needs the token
// meanwhile. Each waiting caller sleeps on a timer of its own that expires at its deadline; the
// refresh cancels them all when it is done.
struct Flight {
  std::optional<Result<std::string>> result;
  std::vector<std::weak_ptr<asio::steady_timer>> waiting;

  void Finish(Result<std::string> outcome) {
    result = std::move(outcome);
    for (const auto& weak : waiting) {
      if (auto timer = weak.lock()) timer->cancel();
    }
    waiting.clear();
  }
};

}  // namespace

struct ServiceAppProvider::State {
  std::string refresh_token;
  std::string access_token;
  int64_t lifetime = 0;
  int64_t expires_at = 0;
  std::shared_ptr<Flight> flight;  // set while a refresh is in flight
};

ServiceAppProvider::ServiceAppProvider(Api& api, std::string client_id, std::string client_secret,
                                       std::string refresh_token, Clock clock)
    : api_(api),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)),
      clock_(clock ? std::move(clock) : SystemClock()),
      state_(std::make_unique<State>()) {
  state_->refresh_token = std::move(refresh_token);
}

ServiceAppProvider::~ServiceAppProvider() = default;

Task<std::string> ServiceAppProvider::AccessToken(std::string rejected, Deadline deadline) {
  State& state = *state_;
  const int64_t now = clock_();
  const bool usable = !state.access_token.empty() && state.access_token != rejected &&
                      !domain::RefreshDue(state.expires_at, state.lifetime, now);
  if (usable) co_return state.access_token;
  if (!rejected.empty() && !state.access_token.empty() && state.access_token != rejected && now < state.expires_at) {
    co_return state.access_token;  // another caller already replaced the rejected token
  }
  if (state.flight) {
    // Someone else is refreshing: wait for that refresh (or for our deadline) and share its outcome.
    std::shared_ptr<Flight> flight = state.flight;
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, deadline);
    flight->waiting.push_back(timer);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!flight->result) {
      Error error{ErrorCode::kUnavailable, "the Service App token refresh did not finish before the deadline"};
      error.retry_after_seconds = 1;
      co_return tl::unexpected(error);
    }
    co_return *flight->result;
  }

  // This caller refreshes. Whatever happens (even if this coroutine is destroyed mid-way), the
  // flight ends and its waiters are woken.
  auto flight = std::make_shared<Flight>();
  state.flight = flight;
  struct EndFlight {
    State& state;
    std::shared_ptr<Flight> flight;
    ~EndFlight() {
      if (state.flight == flight) state.flight.reset();
      if (flight->result) return;
      try {
        flight->Finish(Fail(ErrorCode::kInternal, "the Service App token refresh was abandoned"));
      } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory; waiters still end at their deadlines
      }
    }
  } end_flight{state, flight};

  auto tokens = co_await api_.RefreshToken(client_id_, client_secret_, state.refresh_token, deadline);
  if (!tokens) {
    // Webex's error text is not logged: the client already logged status and tracking id.
    log::warn("Service App token refresh failed ({})", ErrorCodeName(tokens.error().code));
    Error error = tokens.error();
    if (error.code == ErrorCode::kBadRequest || error.code == ErrorCode::kUnauthorized) {
      // Webex refused the Service App's own credentials: the portal, not the guest, is at fault.
      error.code = ErrorCode::kUnavailable;
      error.reason = "service_app_unauthorized";
      error.message = "Webex refused the Service App's credentials (SERVICE_APP_* settings)";
    }
    flight->Finish(tl::unexpected(error));
    co_return tl::unexpected(error);
  }
  state.access_token = tokens->access_token;
  state.lifetime = tokens->expires_in;
  state.expires_at = now + tokens->expires_in;
  if (!tokens->refresh_token.empty()) state.refresh_token = tokens->refresh_token;
  log::info("Service App access token refreshed; expires in {} s", tokens->expires_in);
  flight->Finish(state.access_token);
  co_return state.access_token;
}

Task<GuestToken> ServiceAppProvider::Issue(std::string subject, std::string display_name, Deadline deadline) {
  auto token = co_await AccessToken({}, deadline);
  if (!token) co_return tl::unexpected(token.error());
  auto issued = co_await api_.CreateGuestToken(*token, subject, display_name, deadline);
  if (issued || issued.error().code != ErrorCode::kUnauthorized) co_return std::move(issued);
  // The cached token was revoked or expired early: refresh once and try again.
  auto fresh = co_await AccessToken(*token, deadline);
  if (!fresh) co_return tl::unexpected(fresh.error());
  co_return co_await api_.CreateGuestToken(*fresh, std::move(subject), std::move(display_name), deadline);
}

GuestIssuerProvider::GuestIssuerProvider(Api& api, std::string issuer_id, const std::string& shared_secret_base64,
                                         int64_t jwt_horizon_seconds, Clock clock)
    : api_(api),
      issuer_id_(std::move(issuer_id)),
      horizon_(jwt_horizon_seconds),
      clock_(clock ? std::move(clock) : SystemClock()) {
  auto decoded = Base64Decode(shared_secret_base64);
  secret_valid_ = decoded.has_value() && !decoded->empty();
  if (secret_valid_) secret_ = std::move(*decoded);
}

Result<std::string> GuestIssuerProvider::MakeJwt(const std::string& subject, const std::string& display_name) const {
  if (!secret_valid_) {
    return Fail(ErrorCode::kInternal, "guest_issuer_secret", "GUEST_SHARED_SECRET is not valid base64");
  }
  const std::string header = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");
  nlohmann::json claims{{"sub", subject}, {"name", display_name}, {"iss", issuer_id_}, {"exp", clock_() + horizon_}};
  const std::string signing_input = header + "." + Base64UrlEncode(claims.dump());
  return signing_input + "." + Base64UrlEncode(crypto::HmacSha256(secret_, signing_input));
}

Task<GuestToken> GuestIssuerProvider::Issue(std::string subject, std::string display_name, Deadline deadline) {
  auto jwt = MakeJwt(subject, display_name);
  if (!jwt) co_return tl::unexpected(jwt.error());
  auto login = co_await api_.LoginWithJwt(std::move(*jwt), deadline);
  if (!login) co_return tl::unexpected(login.error());
  auto me = co_await api_.GetMe(login->access_token, deadline);
  if (!me) co_return tl::unexpected(me.error());
  GuestToken token;
  token.person_id = me->id;
  token.access_token = login->access_token;
  token.expires_in = login->expires_in;
  if (!me->emails.empty()) token.email = me->emails.front();
  co_return token;
}

}  // namespace gp::webex
