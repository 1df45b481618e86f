#include "emulator/app.hpp"

#include "core/log.hpp"
#include "emulator/auth.hpp"
#include "emulator/control.hpp"
#include "emulator/meetings.hpp"
#include "emulator/messages.hpp"
#include "emulator/people.hpp"
#include "emulator/rooms.hpp"

namespace gp::emulator {

std::atomic<uint64_t>* Stats::Register(const std::string& key) {
  for (auto& counter : counters_) {
    if (counter.key == key) return &counter.count;
  }
  counters_.emplace_back();
  counters_.back().key = key;
  return &counters_.back().count;
}

std::vector<std::string> Stats::Keys() const {
  std::vector<std::string> keys;
  keys.reserve(counters_.size());
  for (const auto& counter : counters_) keys.push_back(counter.key);
  return keys;
}

Json Stats::Snapshot() const {
  Json calls = Json::object();
  for (const auto& counter : counters_) {
    uint64_t count = counter.count.load(std::memory_order_relaxed);
    if (count > 0) calls[counter.key] = count;
  }
  return Json{{"calls", calls}};
}

void Stats::Reset() {
  for (auto& counter : counters_) counter.count.store(0, std::memory_order_relaxed);
}

App::App(std::shared_ptr<Clock> clock)
    : state_(std::move(clock)), dispatcher_(state_), random_(std::random_device{}()) {
  Routes();
}

App::~App() {
  Stop();
}

void App::Start() {
  dispatcher_.Start();
}

void App::Stop() {
  dispatcher_.Stop();
}

Result<void> App::ApplySeed(const Json& seed) {
  auto lock = state_.Lock();
  return emulator::ApplySeed(state_, seed, stats_.Keys());
}

void App::SetLatency(int64_t ms) {
  auto lock = state_.Lock();
  state_.config.latency_ms = ms;
}

http::Response App::Run(Call& call, const CallHandler& handler) {
  http::Response response;
  try {
    response = handler(call);
  } catch (const Json::exception& e) {
    // Type surprises in client JSON that a handler did not check for are the client's fault.
    log::debug("request {} rejected: {}", call.request.request_id, e.what());
    response = call.Fail(ErrorCode::kBadRequest, "The request body is not valid.");
  } catch (const std::exception& e) {
    log::error("request {} failed: {}", call.request.request_id, e.what());
    response = call.Fail(ErrorCode::kInternal, "Internal error.");
  }
  if (!call.deliveries.empty()) dispatcher_.Enqueue(std::move(call.deliveries));
  response.headers.Set("Trackingid", call.tracking_id);
  return response;
}

void App::AddV1(const std::string& method, const std::string& pattern, Auth auth,
                CallHandler handler) {
  std::string key = method + " " + pattern;
  std::atomic<uint64_t>* counter = stats_.Register(key);
  router_.Add(
      method, pattern,
      [this, key, counter, auth, handler = std::move(handler)](http::Request& request) {
        counter->fetch_add(1, std::memory_order_relaxed);
        Call call{request, state_, tracking_.Next(), {}, {}};
        std::optional<http::Response> early;
        int64_t latency = 0;
        {
          auto lock = state_.Lock();
          latency = state_.config.latency_ms;
          const FaultConfig& faults = state_.config.faults;
          if ((faults.rate429 > 0 || faults.rate5xx > 0) &&
              (faults.endpoint.empty() || faults.endpoint == key) &&
              (!faults.limit || state_.faults_injected < *faults.limit)) {
            double draw = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
            if (draw < faults.rate429) {
              Error error{ErrorCode::kTooManyRequests,
                          "Too many requests; retry after the given time."};
              error.retry_after_seconds = static_cast<int>(faults.retry_after);
              early = call.Fail(error);
            } else if (draw < faults.rate429 + faults.rate5xx) {
              early = call.Fail(ErrorCode::kUnavailable, "Service unavailable; try again later.");
            }
            if (early) ++state_.faults_injected;
          }
          if (!early && auth != Auth::kNone) {
            auto token = BearerToken(request);
            auto holder = token ? state_.Authenticate(*token) : std::nullopt;
            if (!holder) {
              early = call.Fail(ErrorCode::kUnauthorized, std::string(kInvalidTokenMessage));
            } else if (auth == Auth::kPerson && holder->kind != TokenKind::kPerson) {
              early = call.Fail(ErrorCode::kForbidden,
                                "This endpoint needs a person's token, not a Service App's.");
            } else {
              call.caller = Caller{holder->kind, holder->person};
            }
          }
        }
        http::Response response = early ? std::move(*early) : Run(call, handler);
        response.headers.Set("Trackingid", call.tracking_id);
        response.delay = std::chrono::milliseconds(latency);
        return response;
      });
}

void App::AddControl(const std::string& method, const std::string& pattern, CallHandler handler) {
  router_.Add(method, pattern, [this, handler = std::move(handler)](http::Request& request) {
    Call call{request, state_, tracking_.Next(), {}, {}};
    return Run(call, handler);
  });
}

void App::Routes() {
  using A = Auth;
  // More specific patterns first: the router takes the first pattern that matches.
  AddV1("GET", "/v1/authorize", A::kNone, AuthorizePage);
  AddV1("POST", "/v1/authorize", A::kNone, AuthorizeSubmit);
  AddV1("POST", "/v1/access_token", A::kNone, AccessTokenGrant);
  AddV1("POST", "/v1/jwt/login", A::kNone, JwtLogin);
  AddV1("POST", "/v1/applications/{applicationId}/token", A::kPerson, ApplicationToken);
  AddV1("POST", "/v1/guests/token", A::kAny, GuestToken);
  AddV1("GET", "/v1/guests/count", A::kAny, GuestCount);

  AddV1("GET", "/v1/people/me", A::kPerson, GetMe);
  AddV1("GET", "/v1/people/{personId}", A::kPerson, GetPerson);
  AddV1("GET", "/v1/people", A::kPerson, ListPeople);

  AddV1("POST", "/v1/rooms", A::kPerson, CreateRoom);
  AddV1("GET", "/v1/rooms", A::kPerson, ListRooms);
  AddV1("GET", "/v1/rooms/{roomId}", A::kPerson, GetRoom);
  AddV1("PUT", "/v1/rooms/{roomId}", A::kPerson, UpdateRoom);
  AddV1("DELETE", "/v1/rooms/{roomId}", A::kPerson, DeleteRoom);

  AddV1("POST", "/v1/memberships", A::kPerson, CreateMembership);
  AddV1("GET", "/v1/memberships", A::kPerson, ListMemberships);
  AddV1("GET", "/v1/memberships/{membershipId}", A::kPerson, GetMembership);
  AddV1("PUT", "/v1/memberships/{membershipId}", A::kPerson, UpdateMembership);
  AddV1("DELETE", "/v1/memberships/{membershipId}", A::kPerson, DeleteMembership);

  AddV1("POST", "/v1/messages", A::kPerson, CreateMessage);
  AddV1("GET", "/v1/messages", A::kPerson, ListMessages);
  AddV1("GET", "/v1/messages/direct", A::kPerson, ListDirectMessages);
  AddV1("GET", "/v1/messages/{messageId}", A::kPerson, GetMessage);
  AddV1("PUT", "/v1/messages/{messageId}", A::kPerson, UpdateMessage);
  AddV1("DELETE", "/v1/messages/{messageId}", A::kPerson, DeleteMessage);
  AddV1("GET", "/v1/contents/{contentId}", A::kPerson, GetContent);

  AddV1("POST", "/v1/webhooks", A::kPerson, CreateWebhook);
  AddV1("GET", "/v1/webhooks", A::kPerson, ListWebhooks);
  AddV1("GET", "/v1/webhooks/{webhookId}", A::kPerson, GetWebhook);
  AddV1("PUT", "/v1/webhooks/{webhookId}", A::kPerson, UpdateWebhook);
  AddV1("DELETE", "/v1/webhooks/{webhookId}", A::kPerson, DeleteWebhook);

  AddV1("POST", "/v1/meetings", A::kPerson, CreateMeeting);
  AddV1("POST", "/v1/meetings/join", A::kPerson, JoinMeeting);
  AddV1("GET", "/v1/meetings/{meetingId}", A::kPerson, GetMeeting);
  AddV1("POST", "/v1/meetings/{meetingId}/end", A::kPerson, EndMeetingByHost);

  AddControl("POST", "/_emulator/reset", [this](Call& call) {
    {
      auto lock = state_.Lock();
      state_.Reset();
    }
    dispatcher_.Clear();
    stats_.Reset();
    return call.NoContent();
  });
  AddControl("POST", "/_emulator/people", ControlAddPerson);
  AddControl("GET", "/_emulator/config", ControlGetConfig);
  // Routes() registers every /v1 route above, so the stats keys are complete from here on.
  AddControl("PUT", "/_emulator/config",
             [endpoints = stats_.Keys()](Call& call) { return ControlPutConfig(call, endpoints); });
  AddControl("POST", "/_emulator/clock", ControlClock);
  AddControl("POST", "/_emulator/meetings/{meetingId}/end", ControlEndMeeting);
  AddControl("GET", "/_emulator/stats", [this](Call& call) { return call.Ok(stats_.Snapshot()); });
  AddControl("DELETE", "/_emulator/stats", [this](Call& call) {
    stats_.Reset();
    return call.NoContent();
  });
  AddControl("GET", "/_emulator/state", ControlState);

  router_.SetNotFound([this](http::Request&) {
    auto tracking = tracking_.Next();
    auto response = WebexError(404, "The requested resource could not be found.", tracking);
    response.headers.Set("Trackingid", tracking);
    return response;
  });
  router_.SetMethodNotAllowed([this](http::Request&) {
    auto tracking = tracking_.Next();
    auto response = WebexError(405, "The method is not allowed for the requested URL.", tracking);
    response.headers.Set("Trackingid", tracking);
    return response;
  });
}

}  // namespace gp::emulator
