#include "webex/client.hpp"

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "core/log.hpp"

namespace gp::webex {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// "scheme://authority" of an absolute URL, lowercased; empty when it is not absolute.
std::string Origin(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto authority_end = url.find_first_of("/?#", scheme_end + 3);
  return ToLower(url.substr(0, authority_end));
}

// The path of a URL without scheme, authority, query or fragment: what failures are logged with.
std::string PathOf(std::string_view url) {
  auto scheme_end = url.find("://");
  std::size_t start = 0;
  if (scheme_end != std::string_view::npos) {
    start = url.find('/', scheme_end + 3);
    if (start == std::string_view::npos) return "/";
  }
  auto end = url.find_first_of("?#", start);
  return std::string(url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

std::string QueryOf(std::string_view url) {
  auto q = url.find('?');
  if (q == std::string_view::npos) return {};
  auto end = url.find('#', q);
  return std::string(url.substr(q + 1, end == std::string_view::npos ? std::string_view::npos : end - q - 1));
}

// The rel="next" target of RFC 5988 Link headers, if any.
std::optional<std::string> NextLink(const HttpResult& response) {
  for (const std::string& header : response.Headers("Link")) {
    std::size_t pos = 0;
    while (pos < header.size()) {
      auto open = header.find('<', pos);
      if (open == std::string::npos) break;
      auto close = header.find('>', open);
      if (close == std::string::npos) break;
      std::string target = header.substr(open + 1, close - open - 1);
      auto next_entry = header.find('<', close);
      std::string params = ToLower(header.substr(close + 1, next_entry == std::string::npos
                                                                ? std::string::npos
                                                                : next_entry - close - 1));
      params.erase(std::remove_if(params.begin(), params.end(), [](char c) { return c == ' ' || c == '"'; }),
                   params.end());
      // rel may hold several space-separated relations; spaces are stripped, so match tokens loosely.
      auto rel = params.find("rel=");
      if (rel != std::string::npos) {
        std::string value = params.substr(rel + 4);
        value = value.substr(0, value.find_first_of(";,"));
        if (value == "next") return target;
      }
      pos = close + 1;
    }
  }
  return std::nullopt;
}

// Retry-After as delay-seconds; nullopt when absent or not a plain number (HTTP-dates included).
std::optional<int64_t> RetryAfterSeconds(const HttpResult& response) {
  auto value = response.Header("Retry-After");
  if (!value) return std::nullopt;
  std::string_view text = *value;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  int64_t seconds = 0;
  std::size_t digits = 0;
  for (char c : text) {
    if (c == '.') break;  // fractional seconds round down, then the 1 s minimum applies
    if (c < '0' || c > '9') return std::nullopt;
    if (++digits > 9) return int64_t{999999999};
    seconds = seconds * 10 + (c - '0');
  }
  if (digits == 0) return std::nullopt;
  return seconds;
}

// Webex's own error text (`message`, else the first `errors[].description`) or the OAuth pair
// (`error`, `error_description`).
struct ErrorBody {
  std::string message;
  std::string oauth_error;
};

ErrorBody ParseErrorBody(const std::string& body) {
  ErrorBody out;
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return out;
  if (auto it = j.find("message"); it != j.end() && it->is_string()) out.message = it->get<std::string>();
  if (out.message.empty()) {
    if (auto it = j.find("errors"); it != j.end() && it->is_array() && !it->empty()) {
      const json& first = it->front();
      if (first.is_object()) {
        if (auto d = first.find("description"); d != first.end() && d->is_string()) {
          out.message = d->get<std::string>();
        }
      }
    }
  }
  if (auto it = j.find("error"); it != j.end() && it->is_string()) {
    out.oauth_error = it->get<std::string>();
    if (out.message.empty()) {
      auto d = j.find("error_description");
      out.message = d != j.end() && d->is_string() ? d->get<std::string>() : out.oauth_error;
    }
  }
  return out;
}

Error MapFailure(int status, const std::string& body) {
  ErrorBody parsed = ParseErrorBody(body);
  Error error;
  error.reason = parsed.oauth_error;
  auto text = [&](const char* fallback) {
    return parsed.message.empty() ? std::string(fallback) : parsed.message;
  };
  switch (status) {
    case 400: error.code = ErrorCode::kBadRequest; error.message = text("Webex rejected the request"); break;
    case 401: error.code = ErrorCode::kUnauthorized; error.message = text("Webex did not accept the access token"); break;
    case 403: error.code = ErrorCode::kForbidden; error.message = text("Webex does not allow this"); break;
    case 404: error.code = ErrorCode::kNotFound; error.message = text("Webex could not find it"); break;
    case 409: error.code = ErrorCode::kConflict; error.message = text("Webex reports a conflict"); break;
    case 413: error.code = ErrorCode::kTooLarge; error.message = text("Webex found the request too large"); break;
    case 415: error.code = ErrorCode::kUnsupportedMediaType; error.message = text("Webex refused the content type"); break;
    case 502:
    case 503:
    case 504: error.code = ErrorCode::kUnavailable; error.message = text("Webex is unavailable"); break;
    default:
      error.code = ErrorCode::kUpstream;
      error.message = text("Webex answered with an unexpected status") + " (HTTP " + std::to_string(status) + ")";
      break;
  }
  return error;
}

Error TooManyRequests(int64_t retry_after) {
  Error error{ErrorCode::kTooManyRequests, "Webex is rate limiting; try again in " + std::to_string(retry_after) + " s"};
  error.retry_after_seconds = static_cast<int>(std::min<int64_t>(retry_after, 1'000'000));
  return error;
}

Result<json> ParseJson(const HttpResult& response) {
  json j = json::parse(response.body, nullptr, false);
  if (j.is_discarded()) return Fail(ErrorCode::kUpstream, "Webex returned malformed JSON");
  return j;
}

template <typename T>
Result<T> ParseBody(const Result<HttpResult>& response, Result<T> (*parse)(const json&)) {
  if (!response) return tl::unexpected(response.error());
  auto j = ParseJson(*response);
  if (!j) return tl::unexpected(j.error());
  return parse(*j);
}

Result<void> Discard(const Result<HttpResult>& response) {
  if (!response) return tl::unexpected(response.error());
  return {};
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

}  // namespace

struct Client::Call {
  std::string method;
  std::string url;
  HeaderList headers;
  std::string body;
};

Sleeper RealSleeper() {
  return [](milliseconds delay) { std::this_thread::sleep_for(delay); };
}

Client::Client(std::string base_url, Transport& transport, Sleeper sleeper, RetryPolicy policy)
    : base_url_(std::move(base_url)), transport_(transport), sleeper_(std::move(sleeper)), policy_(policy) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  if (!sleeper_) sleeper_ = RealSleeper();
  policy_.max_attempts = std::max(1, policy_.max_attempts);
  policy_.max_pages = std::max(1, policy_.max_pages);
}

std::string Client::Url(const std::string& path) const { return base_url_ + path; }

bool Client::SameOrigin(const std::string& url) const {
  std::string origin = Origin(url);
  return !origin.empty() && origin == Origin(base_url_);
}

Result<HttpResult> Client::Execute(const Call& call) {
  HttpCall http{call.method, call.url, call.headers, call.body};
  const std::string path = PathOf(call.url);
  // A request that never got an answer may still have been processed: only repeat those that
  // are safe to repeat.
  const bool idempotent = call.method == "GET" || call.method == "DELETE" || call.method == "PUT";
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= policy_.max_attempts;
    auto sent = transport_.Send(http);
    if (!sent) {
      log::warn("webex {} {} failed: {} (attempt {}/{})", call.method, path, sent.error().message, attempt,
                policy_.max_attempts);
      if (!idempotent || last) return tl::unexpected(sent.error());
      sleeper_(std::min(policy_.max_backoff, policy_.initial_backoff * (1 << std::min(attempt - 1, 16))));
      continue;
    }
    const int status = sent->status;
    if (status >= 200 && status < 300) return sent;

    const std::string tracking = sent->Header("Trackingid").value_or("-");
    if (status == 429 || status == 423) {
      int64_t wait = RetryAfterSeconds(*sent).value_or(policy_.default_retry_after.count());
      wait = std::max<int64_t>(wait, 1);
      if (wait > policy_.max_retry_after.count() || last) {
        log::warn("webex {} {} answered {} trackingId={}; giving up (Retry-After {} s, attempt {}/{})", call.method,
                  path, status, tracking, wait, attempt, policy_.max_attempts);
        return tl::unexpected(TooManyRequests(wait));
      }
      log::warn("webex {} {} answered {} trackingId={}; retrying in {} s (attempt {}/{})", call.method, path,
                status, tracking, wait, attempt, policy_.max_attempts);
      sleeper_(seconds(wait));
      continue;
    }
    if ((status == 502 || status == 503 || status == 504) && !last) {
      milliseconds wait = std::min(policy_.max_backoff, policy_.initial_backoff * (1 << std::min(attempt - 1, 16)));
      if (auto retry_after = RetryAfterSeconds(*sent);
          retry_after && *retry_after <= policy_.max_retry_after.count()) {
        wait = std::max<milliseconds>(wait, seconds(*retry_after));
      }
      log::warn("webex {} {} answered {} trackingId={}; retrying in {} ms (attempt {}/{})", call.method, path,
                status, tracking, wait.count(), attempt, policy_.max_attempts);
      sleeper_(wait);
      continue;
    }
    log::warn("webex {} {} answered {} trackingId={} (attempt {}/{})", call.method, path, status, tracking,
              attempt, policy_.max_attempts);
    if (status >= 300 && status < 400) {
      return Fail(ErrorCode::kUpstream, "Webex answered with a redirect (HTTP " + std::to_string(status) + ")");
    }
    return tl::unexpected(MapFailure(status, sent->body));
  }
}

Result<HttpResult> Client::Json(const std::string& method, const std::string& url, const std::string& token,
                                const std::string* body) {
  Call call{method, url, {{"Authorization", Bearer(token)}, {"Accept", "application/json"}}, {}};
  if (body != nullptr) {
    call.headers.emplace_back("Content-Type", "application/json");
    call.body = *body;
  }
  return Execute(call);
}

template <typename T>
Result<std::vector<T>> Client::ListAll(const std::string& token, std::string url,
                                       Result<T> (*parse)(const json&)) {
  std::vector<T> items;
  for (int page = 1;; ++page) {
    auto response = Json("GET", url, token, nullptr);
    if (!response) return tl::unexpected(response.error());
    auto j = ParseJson(*response);
    if (!j) return tl::unexpected(j.error());
    auto list = j->find("items");
    if (!j->is_object() || list == j->end() || !list->is_array()) {
      return Fail(ErrorCode::kUpstream, "Webex returned a list without items");
    }
    for (const auto& item : *list) {
      auto parsed = parse(item);
      if (!parsed) return tl::unexpected(parsed.error());
      items.push_back(std::move(*parsed));
    }
    auto next = NextLink(*response);
    if (!next) return items;
    if (!SameOrigin(*next)) {
      // The bearer token goes only where WEBEX_API_URL points.
      log::warn("webex GET {}: next page link points to another origin; not followed", PathOf(url));
      return Fail(ErrorCode::kUpstream, "Webex returned a next-page link to another origin");
    }
    if (page >= policy_.max_pages) {
      log::warn("webex GET {}: more than {} pages; stopped", PathOf(url), policy_.max_pages);
      return Fail(ErrorCode::kUpstream, "Webex returned more than " + std::to_string(policy_.max_pages) + " pages");
    }
    url = std::move(*next);
  }
}

Result<Person> Client::GetMe(const std::string& token) {
  return ParseBody(Json("GET", Url("/people/me"), token, nullptr), &ParsePerson);
}

Result<Person> Client::GetPerson(const std::string& token, const std::string& person_id) {
  return ParseBody(Json("GET", Url("/people/" + PercentEncode(person_id)), token, nullptr), &ParsePerson);
}

Result<Room> Client::CreateRoom(const std::string& token, const std::string& title) {
  std::string body = json{{"title", title}}.dump();
  return ParseBody(Json("POST", Url("/rooms"), token, &body), &ParseRoom);
}

Result<Room> Client::GetRoom(const std::string& token, const std::string& room_id) {
  return ParseBody(Json("GET", Url("/rooms/" + PercentEncode(room_id)), token, nullptr), &ParseRoom);
}

Result<void> Client::DeleteRoom(const std::string& token, const std::string& room_id) {
  return Discard(Json("DELETE", Url("/rooms/" + PercentEncode(room_id)), token, nullptr));
}

Result<std::vector<Room>> Client::ListRooms(const std::string& token, const std::string& sort_by, int max) {
  Params query;
  if (!sort_by.empty()) query.emplace_back("sortBy", sort_by);
  if (max > 0) query.emplace_back("max", std::to_string(max));
  std::string url = Url("/rooms");
  if (!query.empty()) url += "?" + EncodeParams(query);
  return ListAll<Room>(token, std::move(url), &ParseRoom);
}

Result<Membership> Client::AddMembership(const std::string& token, const std::string& room_id,
                                         const std::string& person_id, bool is_moderator) {
  json body{{"roomId", room_id}, {"personId", person_id}};
  if (is_moderator) body["isModerator"] = true;
  std::string text = body.dump();
  return ParseBody(Json("POST", Url("/memberships"), token, &text), &ParseMembership);
}

Result<void> Client::DeleteMembership(const std::string& token, const std::string& membership_id) {
  return Discard(Json("DELETE", Url("/memberships/" + PercentEncode(membership_id)), token, nullptr));
}

Result<std::vector<Membership>> Client::ListMemberships(const std::string& token, const std::string& room_id) {
  return ListAll<Membership>(token, Url("/memberships?" + EncodeParams({{"roomId", room_id}})), &ParseMembership);
}

Result<Message> Client::SendMessage(const std::string& token, const std::string& room_id,
                                    const OutgoingMessage& message) {
  json body{{"roomId", room_id}};
  if (!message.text.empty()) body["text"] = message.text;
  if (!message.markdown.empty()) body["markdown"] = message.markdown;
  if (!message.files.empty()) body["files"] = message.files;
  if (!message.parent_id.empty()) body["parentId"] = message.parent_id;
  std::string text = body.dump();
  return ParseBody(Json("POST", Url("/messages"), token, &text), &ParseMessage);
}

Result<MessagePage> Client::ListMessages(const std::string& token, const std::string& room_id, int max,
                                         const std::string& before_message) {
  Params query{{"roomId", room_id}};
  if (max > 0) query.emplace_back("max", std::to_string(max));
  if (!before_message.empty()) query.emplace_back("beforeMessage", before_message);
  return ListMessagesAt(token, Url("/messages?" + EncodeParams(query)));
}

Result<MessagePage> Client::ListMessagesAt(const std::string& token, const std::string& next_url) {
  if (!SameOrigin(next_url)) {
    return Fail(ErrorCode::kBadRequest, "the page URL does not point at WEBEX_API_URL");
  }
  auto response = Json("GET", next_url, token, nullptr);
  if (!response) return tl::unexpected(response.error());
  auto j = ParseJson(*response);
  if (!j) return tl::unexpected(j.error());
  auto list = j->find("items");
  if (!j->is_object() || list == j->end() || !list->is_array()) {
    return Fail(ErrorCode::kUpstream, "Webex returned a list without items");
  }
  MessagePage page;
  for (const auto& item : *list) {
    auto parsed = ParseMessage(item);
    if (!parsed) return tl::unexpected(parsed.error());
    page.items.push_back(std::move(*parsed));
  }
  if (auto next = NextLink(*response); next && SameOrigin(*next)) {
    page.next_before_message = FindParam(ParseParams(QueryOf(*next)), "beforeMessage");
    page.next_url = std::move(*next);
  }
  return page;
}

Result<Message> Client::GetMessage(const std::string& token, const std::string& message_id) {
  return ParseBody(Json("GET", Url("/messages/" + PercentEncode(message_id)), token, nullptr), &ParseMessage);
}

Result<Webhook> Client::CreateWebhook(const std::string& token, const WebhookSpec& spec) {
  json body{{"name", spec.name}, {"targetUrl", spec.target_url}, {"resource", spec.resource}, {"event", spec.event}};
  if (!spec.filter.empty()) body["filter"] = spec.filter;
  if (!spec.secret.empty()) body["secret"] = spec.secret;
  std::string text = body.dump();
  return ParseBody(Json("POST", Url("/webhooks"), token, &text), &ParseWebhook);
}

Result<std::vector<Webhook>> Client::ListWebhooks(const std::string& token) {
  return ListAll<Webhook>(token, Url("/webhooks"), &ParseWebhook);
}

Result<void> Client::DeleteWebhook(const std::string& token, const std::string& webhook_id) {
  return Discard(Json("DELETE", Url("/webhooks/" + PercentEncode(webhook_id)), token, nullptr));
}

Result<Meeting> Client::CreateAdhocMeeting(const std::string& token, const std::string& room_id) {
  std::string body = json{{"roomId", room_id}, {"adhoc", true}}.dump();
  return ParseBody(Json("POST", Url("/meetings"), token, &body), &ParseMeeting);
}

Result<MeetingJoin> Client::JoinMeeting(const std::string& token, const std::string& meeting_id,
                                        const std::string& email, const std::string& display_name) {
  json body{{"meetingId", meeting_id}, {"joinDirectly", false}};
  if (!email.empty()) body["email"] = email;
  if (!display_name.empty()) body["displayName"] = display_name;
  std::string text = body.dump();
  return ParseBody(Json("POST", Url("/meetings/join"), token, &text), &ParseMeetingJoin);
}

Result<GuestToken> Client::CreateGuestToken(const std::string& service_app_token, const std::string& subject,
                                            const std::string& display_name) {
  std::string body = json{{"subject", subject}, {"displayName", display_name}}.dump();
  return ParseBody(Json("POST", Url("/guests/token"), service_app_token, &body), &ParseGuestToken);
}

Result<JwtLogin> Client::LoginWithJwt(const std::string& jwt) {
  return ParseBody(Json("POST", Url("/jwt/login"), jwt, nullptr), &ParseJwtLogin);
}

Result<OAuthTokens> Client::ExchangeCode(const std::string& client_id, const std::string& client_secret,
                                         const std::string& code, const std::string& redirect_uri,
                                         const std::string& code_verifier) {
  Params form{{"grant_type", "authorization_code"},
              {"client_id", client_id},
              {"client_secret", client_secret},
              {"code", code},
              {"redirect_uri", redirect_uri}};
  if (!code_verifier.empty()) form.emplace_back("code_verifier", code_verifier);
  Call call{"POST",
            Url("/access_token"),
            {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
            EncodeParams(form)};
  return ParseBody(Execute(call), &ParseOAuthTokens);
}

Result<OAuthTokens> Client::RefreshToken(const std::string& client_id, const std::string& client_secret,
                                         const std::string& refresh_token) {
  Params form{{"grant_type", "refresh_token"},
              {"client_id", client_id},
              {"client_secret", client_secret},
              {"refresh_token", refresh_token}};
  Call call{"POST",
            Url("/access_token"),
            {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
            EncodeParams(form)};
  return ParseBody(Execute(call), &ParseOAuthTokens);
}

std::string Client::AuthorizeUrl(const std::string& client_id, const std::string& redirect_uri,
                                 const std::string& scopes, const std::string& state,
                                 const std::string& code_challenge) const {
  Params query{{"client_id", client_id}, {"response_type", "code"}, {"redirect_uri", redirect_uri},
               {"scope", scopes},        {"state", state},          {"code_challenge", code_challenge},
               {"code_challenge_method", "S256"}};
  return base_url_ + "/authorize?" + EncodeParams(query);
}

}  // namespace gp::webex
