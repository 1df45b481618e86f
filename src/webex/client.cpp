#include <utility>  // Asio 1.74 needs it before its own headers.

#include "webex/client.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <string_view>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "core/log.hpp"
#include "domain/text.hpp"

namespace gp::webex {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace asio = boost::asio;

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



// The HTTP call of a JSON request with a bearer token.
HttpCall JsonCall(std::string method, std::string url, std::string token, const json* body = nullptr) {
  HttpCall call{std::move(method), std::move(url), {{"Authorization", "Bearer " + std::move(token)}, {"Accept", "application/json"}}, {}};
  if (body != nullptr) {
    call.headers.emplace_back("Content-Type", "application/json");
    call.body = body->dump();
  }
  return call;
}

// The HTTP call of an OAuth form post (no bearer).
HttpCall FormCall(std::string url, const Params& form) {
  return HttpCall{"POST",
                  std::move(url),
                  {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
                  EncodeParams(form)};
}

// The HTTP call of a file under /contents: the bearer token only, any media type accepted.
HttpCall ContentCall(std::string method, std::string url, std::string token) {
  return HttpCall{
      std::move(method), std::move(url), {{"Authorization", "Bearer " + std::move(token)}}, {}};
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The "; name=value" parameters of a header value such as Content-Disposition, names lowercased,
// quoted strings unquoted (with their backslash escapes).
Params HeaderParams(std::string_view value) {
  Params out;
  std::size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    ++pos;
    const auto eq = value.find_first_of("=;", pos);
    if (eq == std::string_view::npos) break;
    if (value[eq] == ';') {
      pos = eq;
      continue;
    }
    std::string name = ToLower(TrimSpaces(value.substr(pos, eq - pos)));
    pos = eq + 1;
    while (pos < value.size() && (value[pos] == ' ' || value[pos] == '\t')) ++pos;
    std::string param;
    if (pos < value.size() && value[pos] == '"') {
      for (++pos; pos < value.size() && value[pos] != '"'; ++pos) {
        if (value[pos] == '\\' && pos + 1 < value.size()) ++pos;
        param.push_back(value[pos]);
      }
      pos = value.find(';', pos);
    } else {
      const auto end = value.find(';', pos);
      param = std::string(
          TrimSpaces(value.substr(pos, end == std::string_view::npos ? end : end - pos)));
      pos = end;
    }
    out.emplace_back(std::move(name), std::move(param));
  }
  return out;
}

std::string Latin1ToUtf8(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      out.push_back(c);
    } else {
      out.push_back(static_cast<char>(0xC0 | (byte >> 6)));
      out.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
    }
  }
  return out;
}

// An RFC 5987 ext-value (charset'language'percent-encoded) as UTF-8; nullopt for a charset other
// than UTF-8 or ISO-8859-1, a bad escape or invalid UTF-8.
std::optional<std::string> DecodeExtValue(std::string_view value) {
  const auto first = value.find('\'');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = value.find('\'', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const std::string charset = ToLower(value.substr(0, first));
  auto decoded = PercentDecode(value.substr(second + 1));
  if (!decoded) return std::nullopt;
  if (charset == "iso-8859-1") return Latin1ToUtf8(*decoded);
  if (charset != "utf-8" || !domain::IsValidUtf8(*decoded)) return std::nullopt;
  return decoded;
}

// The file name of a Content-Disposition value: `filename*` (RFC 5987) when it decodes, else
// `filename` (read as ISO-8859-1 when it is not UTF-8). Directories and control characters are
// dropped, so the name is safe to show and to echo in a header.
std::string FileNameOf(std::string_view disposition) {
  const Params params = HeaderParams(disposition);
  std::optional<std::string> name;
  if (auto extended = FindParam(params, "filename*")) name = DecodeExtValue(*extended);
  if (!name) {
    if (auto plain = FindParam(params, "filename")) {
      name = domain::IsValidUtf8(*plain) ? std::move(*plain) : Latin1ToUtf8(*plain);
    }
  }
  if (!name) return {};
  if (auto slash = name->find_last_of("/\\"); slash != std::string::npos) name->erase(0, slash + 1);
  std::erase_if(*name, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
  return std::move(*name);
}

// What the headers of a /contents answer say of the file.
ContentInfo InfoOf(const HttpResult& response) {
  ContentInfo info;
  if (auto disposition = response.Header("Content-Disposition"))
    info.name = FileNameOf(*disposition);
  if (auto type = response.Header("Content-Type"); type && domain::IsValidUtf8(*type))
    info.content_type = *type;
  if (auto length = response.Header("Content-Length"))
    info.size = ParseContentLength(*length).value_or(0);
  return info;
}

tl::unexpected<Error> BadContentId() {
  return Fail(ErrorCode::kBadRequest,
              "not a Webex content id (letters, digits, '_', '-' and '=' only)");
}

// A header-safe media type: printable ASCII.
bool IsMediaType(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

// A file name inside the quoted filename="..." of a form part, escaped as browsers do (WHATWG).
std::string QuotedFileName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// "gp-" and 32 random hex digits, drawn again while it occurs in any of `contents` (so no part can
// hold a delimiter); nullopt when a few draws all collide (only a broken random source does that).
std::optional<std::string> ChooseBoundary(const domain::RandomSource& random,
                                          const std::vector<std::string_view>& contents) {
  for (int draw = 0; draw < 8; ++draw) {
    std::array<unsigned char, 16> bytes{};
    random(bytes.data(), bytes.size());
    std::string boundary = "gp-" + HexEncode(std::string_view(
                                       reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    if (std::none_of(contents.begin(), contents.end(), [&](std::string_view content) {
          return content.find(boundary) != std::string_view::npos;
        })) {
      return boundary;
    }
  }
  return std::nullopt;
}

// POST /messages as multipart/form-data (RFC 7578): the text fields, then the file as the part
// named "files".
Result<HttpCall> MultipartMessageCall(std::string url, std::string token, const Params& fields,
                                      const FileUpload& file, const domain::RandomSource& random) {
  if (file.name.empty()) return Fail(ErrorCode::kBadRequest, "the file to upload has no name");
  const std::string content_type =
      file.content_type.empty() ? "application/octet-stream" : file.content_type;
  if (!IsMediaType(content_type))
    return Fail(ErrorCode::kBadRequest, "the file's content type is not valid");
  const std::string file_name = QuotedFileName(file.name);
  std::vector<std::string_view> contents{file_name, content_type, file.bytes};
  for (const auto& [name, value] : fields) contents.emplace_back(value);
  auto boundary = ChooseBoundary(random, contents);
  if (!boundary) return Fail(ErrorCode::kInternal, "no multipart boundary could be drawn");

  std::string body;
  body.reserve(file.bytes.size() + 512);
  for (const auto& [name, value] : fields) {
    body += "--" + *boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n";
    body += value;
    body += "\r\n";
  }
  body += "--" + *boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" +
          file_name + "\"\r\nContent-Type: " + content_type + "\r\n\r\n";
  body += file.bytes;
  body += "\r\n--" + *boundary + "--\r\n";
  return HttpCall{"POST",
                  std::move(url),
                  {{"Authorization", "Bearer " + std::move(token)},
                   {"Accept", "application/json"},
                   {"Content-Type", "multipart/form-data; boundary=" + *boundary}},
                  std::move(body)};
}

// The items of one list page, parsed.
template <typename T>
Result<std::vector<T>> ParseItems(const HttpResult& response, Result<T> (*parse)(const json&)) {
  auto j = ParseJson(response);
  if (!j) return tl::unexpected(j.error());
  auto list = j->find("items");
  if (!j->is_object() || list == j->end() || !list->is_array()) {
    return Fail(ErrorCode::kUpstream, "Webex returned a list without items");
  }
  std::vector<T> items;
  items.reserve(list->size());
  for (const auto& item : *list) {
    auto parsed = parse(item);
    if (!parsed) return tl::unexpected(parsed.error());
    items.push_back(std::move(*parsed));
  }
  return items;
}

milliseconds Backoff(const RetryPolicy& policy, int attempt) {
  return std::min(policy.max_backoff, policy.initial_backoff * (1 << std::min(attempt - 1, 16)));
}

// Whether a wait of `wait` from now still ends before the call's deadline.
bool WaitFits(milliseconds wait, Deadline deadline) { return std::chrono::steady_clock::now() + wait <= deadline; }

// A wait as whole seconds for Retry-After: rounded up, at least 1.
int RetryAfterOf(milliseconds wait) {
  return static_cast<int>(std::clamp<int64_t>(std::chrono::ceil<seconds>(wait).count(), 1, 1'000'000));
}

asio::awaitable<void> WaitOnTimer(milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// What one call needs of its Client. References: a Client outlives the calls made on it.
struct Context {
  const std::string& base_url;
  Transport& transport;
  const Waiter& waiter;
  const RetryPolicy& policy;
  const CallHooks& hooks;

  std::string Url(const std::string& path) const { return base_url + path; }
  bool SameOrigin(const std::string& url) const {
    std::string origin = Origin(url);
    return !origin.empty() && origin == Origin(base_url);
  }
};

// Sends `call`, repeating it after 429/423/502/503/504 (and, when it is safe to repeat, after no
// answer) as RetryPolicy allows. A wait that would pass `deadline` is not started: the call fails
// at once with retry_after_seconds set to that wait.
Task<HttpResult> Execute(Context ctx, HttpCall call, Deadline deadline) {
  const std::string path = PathOf(call.url);
  const int max_attempts = ctx.policy.max_attempts;
  // A request that never got an answer may still have been processed: only repeat those that
  // are safe to repeat.
  const bool idempotent = call.method == "GET" || call.method == "HEAD" ||
                          call.method == "DELETE" || call.method == "PUT";
  const bool observed = ctx.hooks.answered || ctx.hooks.retrying;
  const std::string endpoint = observed ? EndpointTemplate(ctx.base_url, call.url) : std::string();
  auto retrying = [&](int status) {
    if (ctx.hooks.retrying) ctx.hooks.retrying(call.method, endpoint, status);
  };
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= max_attempts;
    const auto started = std::chrono::steady_clock::now();
    Result<HttpResult> sent = co_await ctx.transport.Send(call, deadline);
    if (ctx.hooks.answered) {
      ctx.hooks.answered(call.method, endpoint, sent ? sent->status : 0,
                         std::chrono::steady_clock::now() - started);
    }
    if (!sent) {
      Error error = sent.error();
      log::warn("webex {} {} failed: {} (attempt {}/{})", call.method, path, error.message, attempt, max_attempts);
      // Only "no answer" is worth another try; a response that was too large would be again.
      if (!idempotent || last || error.code != ErrorCode::kUnavailable) co_return tl::unexpected(error);
      const milliseconds wait = Backoff(ctx.policy, attempt);
      if (!WaitFits(wait, deadline)) {
        log::warn("webex {} {}: giving up, retrying in {} ms would pass the deadline (attempt {}/{})", call.method,
                  path, wait.count(), attempt, max_attempts);
        error.retry_after_seconds = RetryAfterOf(wait);
        co_return tl::unexpected(error);
      }
      retrying(0);
      co_await ctx.waiter(wait);
      continue;
    }
    const int status = sent->status;
    if (status >= 200 && status < 300) co_return std::move(sent);

    // Webex's header, logged: escaped and capped like anything that comes from outside.
    const std::string tracking = log::Safe(sent->Header("Trackingid").value_or("-"), 64);
    if (status == 429 || status == 423) {
      int64_t wait = RetryAfterSeconds(*sent).value_or(ctx.policy.default_retry_after.count());
      wait = std::max<int64_t>(wait, 1);
      if (wait > ctx.policy.max_retry_after.count() || last) {
        log::warn("webex {} {} answered {} trackingId={}; giving up (Retry-After {} s, attempt {}/{})", call.method,
                  path, status, tracking, wait, attempt, max_attempts);
        co_return tl::unexpected(TooManyRequests(wait));
      }
      if (!WaitFits(seconds(wait), deadline)) {
        log::warn("webex {} {} answered {} trackingId={}; giving up, waiting {} s would pass the deadline "
                  "(attempt {}/{})",
                  call.method, path, status, tracking, wait, attempt, max_attempts);
        co_return tl::unexpected(TooManyRequests(wait));
      }
      log::warn("webex {} {} answered {} trackingId={}; retrying in {} s (attempt {}/{})", call.method, path,
                status, tracking, wait, attempt, max_attempts);
      retrying(status);
      co_await ctx.waiter(seconds(wait));
      continue;
    }
    if ((status == 502 || status == 503 || status == 504) && !last) {
      milliseconds wait = Backoff(ctx.policy, attempt);
      if (auto retry_after = RetryAfterSeconds(*sent);
          retry_after && *retry_after <= ctx.policy.max_retry_after.count()) {
        wait = std::max<milliseconds>(wait, seconds(*retry_after));
      }
      if (!WaitFits(wait, deadline)) {
        log::warn("webex {} {} answered {} trackingId={}; giving up, retrying in {} ms would pass the deadline "
                  "(attempt {}/{})",
                  call.method, path, status, tracking, wait.count(), attempt, max_attempts);
        Error error = MapFailure(status, sent->body);
        error.retry_after_seconds = RetryAfterOf(wait);
        co_return tl::unexpected(error);
      }
      log::warn("webex {} {} answered {} trackingId={}; retrying in {} ms (attempt {}/{})", call.method, path,
                status, tracking, wait.count(), attempt, max_attempts);
      retrying(status);
      co_await ctx.waiter(wait);
      continue;
    }
    log::warn("webex {} {} answered {} trackingId={} (attempt {}/{})", call.method, path, status, tracking,
              attempt, max_attempts);
    if (status >= 300 && status < 400) {
      co_return Fail(ErrorCode::kUpstream, "Webex answered with a redirect (HTTP " + std::to_string(status) + ")");
    }
    co_return tl::unexpected(MapFailure(status, sent->body));
  }
}

// Every page of a list, following Link rel="next" within the API's origin, at most max_pages.
template <typename T>
Task<std::vector<T>> ListAll(Context ctx, std::string token, std::string url, Result<T> (*parse)(const json&),
                             Deadline deadline) {
  std::vector<T> items;
  for (int page = 1;; ++page) {
    auto response = co_await Execute(ctx, JsonCall("GET", url, token), deadline);
    if (!response) co_return tl::unexpected(response.error());
    auto page_items = ParseItems(*response, parse);
    if (!page_items) co_return tl::unexpected(page_items.error());
    std::move(page_items->begin(), page_items->end(), std::back_inserter(items));
    auto next = NextLink(*response);
    if (!next) co_return items;
    if (!ctx.SameOrigin(*next)) {
      // The bearer token goes only where WEBEX_API_URL points.
      log::warn("webex GET {}: next page link points to another origin; not followed", PathOf(url));
      co_return Fail(ErrorCode::kUpstream, "Webex returned a next-page link to another origin");
    }
    if (page >= ctx.policy.max_pages) {
      log::warn("webex GET {}: more than {} pages; stopped", PathOf(url), ctx.policy.max_pages);
      co_return Fail(ErrorCode::kUpstream,
                     "Webex returned more than " + std::to_string(ctx.policy.max_pages) + " pages");
    }
    url = std::move(*next);
  }
}

std::string RoomsUrl(const Context& ctx, const std::string& sort_by, int max) {
  Params query;
  if (!sort_by.empty()) query.emplace_back("sortBy", sort_by);
  if (max > 0) query.emplace_back("max", std::to_string(max));
  std::string url = ctx.Url("/rooms");
  if (!query.empty()) url += "?" + EncodeParams(query);
  return url;
}

}  // namespace

std::string EndpointTemplate(std::string_view base_url, std::string_view url) {
  // The resources the client calls, and the literal words that follow some of them.
  static constexpr std::array<std::string_view, 11> kResources = {
      "rooms",    "memberships",  "messages", "people", "contents", "webhooks",
      "meetings", "access_token", "jwt",      "guests", "authorize"};
  static constexpr std::array<std::string_view, 5> kWords = {"me", "join", "login", "token", "end"};
  constexpr std::size_t kMaxSegments = 3;
  std::string base = PathOf(base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string path = PathOf(url);
  if (!path.starts_with(base) || (path.size() > base.size() && path[base.size()] != '/'))
    return "other";
  std::string_view rest = std::string_view(path).substr(base.size());
  std::string out;
  std::size_t segments = 0;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    auto end = rest.find('/');
    std::string_view segment = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (segment.empty()) continue;
    if (++segments > kMaxSegments) return "other";
    if (segments == 1) {
      if (std::find(kResources.begin(), kResources.end(), segment) == kResources.end())
        return "other";
      out += '/';
      out += segment;
    } else if (std::find(kWords.begin(), kWords.end(), segment) != kWords.end()) {
      out += '/';
      out += segment;
    } else {
      out += "/{id}";
    }
  }
  return out.empty() ? "other" : out;
}

Waiter TimerWaiter() { return &WaitOnTimer; }

Client::Client(std::string base_url, Transport& transport, Waiter waiter, RetryPolicy policy,
               domain::RandomSource random)
    : base_url_(std::move(base_url)),
      transport_(transport),
      waiter_(std::move(waiter)),
      policy_(policy),
      random_(std::move(random)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  if (!waiter_) waiter_ = TimerWaiter();
  if (!random_) random_ = domain::SystemRandom();
  policy_.max_attempts = std::max(1, policy_.max_attempts);
  policy_.max_pages = std::max(1, policy_.max_pages);
}

Task<Person> Client::GetMe(std::string token, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto response = co_await Execute(ctx, JsonCall("GET", ctx.Url("/people/me"), std::move(token)), deadline);
  co_return ParseBody(response, &ParsePerson);
}

Task<Person> Client::GetPerson(std::string token, std::string person_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto url = ctx.Url("/people/" + PercentEncode(person_id));
  auto response = co_await Execute(ctx, JsonCall("GET", std::move(url), std::move(token)), deadline);
  co_return ParseBody(response, &ParsePerson);
}

Task<Room> Client::CreateRoom(std::string token, std::string title, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  const json body{{"title", std::move(title)}};
  auto response = co_await Execute(ctx, JsonCall("POST", ctx.Url("/rooms"), std::move(token), &body), deadline);
  co_return ParseBody(response, &ParseRoom);
}

Task<Room> Client::GetRoom(std::string token, std::string room_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto url = ctx.Url("/rooms/" + PercentEncode(room_id));
  auto response = co_await Execute(ctx, JsonCall("GET", std::move(url), std::move(token)), deadline);
  co_return ParseBody(response, &ParseRoom);
}

Task<void> Client::DeleteRoom(std::string token, std::string room_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto url = ctx.Url("/rooms/" + PercentEncode(room_id));
  auto response = co_await Execute(ctx, JsonCall("DELETE", std::move(url), std::move(token)), deadline);
  co_return Discard(response);
}

Task<std::vector<Room>> Client::ListRooms(std::string token, std::string sort_by, int max, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  co_return co_await ListAll<Room>(ctx, std::move(token), RoomsUrl(ctx, sort_by, max), &ParseRoom, deadline);
}

Task<std::vector<Room>> Client::ListRecentRooms(std::string token, std::string sort_by, int max,
                                                Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto response =
      co_await Execute(ctx, JsonCall("GET", RoomsUrl(ctx, sort_by, max), std::move(token)), deadline);
  if (!response) co_return tl::unexpected(response.error());
  co_return ParseItems(*response, &ParseRoom);
}

Task<Membership> Client::AddMembership(std::string token, std::string room_id, std::string person_id,
                                       Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  const json body{{"roomId", std::move(room_id)}, {"personId", std::move(person_id)}};
  auto response =
      co_await Execute(ctx, JsonCall("POST", ctx.Url("/memberships"), std::move(token), &body), deadline);
  co_return ParseBody(response, &ParseMembership);
}

Task<void> Client::DeleteMembership(std::string token, std::string membership_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto url = ctx.Url("/memberships/" + PercentEncode(membership_id));
  auto response = co_await Execute(ctx, JsonCall("DELETE", std::move(url), std::move(token)), deadline);
  co_return Discard(response);
}

Task<std::vector<Membership>> Client::ListMemberships(std::string token, std::string room_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto url = ctx.Url("/memberships?" + EncodeParams({{"roomId", std::move(room_id)}}));
  co_return co_await ListAll<Membership>(ctx, std::move(token), std::move(url), &ParseMembership, deadline);
}

Task<Message> Client::SendMessage(std::string token, std::string room_id, OutgoingMessage message,
                                  Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  if (message.upload) {
    if (!message.files.empty()) {
      co_return Fail(ErrorCode::kBadRequest,
                     "a message carries one file: a URL or an upload, not both");
    }
    Params fields{{"roomId", std::move(room_id)}};
    if (!message.text.empty()) fields.emplace_back("text", std::move(message.text));
    if (!message.markdown.empty()) fields.emplace_back("markdown", std::move(message.markdown));
    if (!message.parent_id.empty()) fields.emplace_back("parentId", std::move(message.parent_id));
    auto call = MultipartMessageCall(ctx.Url("/messages"), std::move(token), fields,
                                     *message.upload, random_);
    if (!call) co_return tl::unexpected(call.error());
    auto response = co_await Execute(ctx, std::move(*call), deadline);
    co_return ParseBody(response, &ParseMessage);
  }
  json body{{"roomId", std::move(room_id)}};
  if (!message.text.empty()) body["text"] = std::move(message.text);
  if (!message.markdown.empty()) body["markdown"] = std::move(message.markdown);
  if (!message.files.empty()) body["files"] = std::move(message.files);
  if (!message.parent_id.empty()) body["parentId"] = std::move(message.parent_id);
  auto response = co_await Execute(ctx, JsonCall("POST", ctx.Url("/messages"), std::move(token), &body), deadline);
  co_return ParseBody(response, &ParseMessage);
}

Task<MessagePage> Client::ListMessages(std::string token, std::string room_id, int max, std::string before_message,
                                       Deadline deadline) {
  Params query{{"roomId", std::move(room_id)}};
  if (max > 0) query.emplace_back("max", std::to_string(max));
  if (!before_message.empty()) query.emplace_back("beforeMessage", std::move(before_message));
  std::string url = base_url_ + "/messages?" + EncodeParams(query);
  co_return co_await ListMessagesAt(std::move(token), std::move(url), deadline);
}

Task<MessagePage> Client::ListMessagesAt(std::string token, std::string next_url, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  if (!ctx.SameOrigin(next_url)) {
    co_return Fail(ErrorCode::kBadRequest, "the page URL does not point at WEBEX_API_URL");
  }
  auto response = co_await Execute(ctx, JsonCall("GET", std::move(next_url), std::move(token)), deadline);
  if (!response) co_return tl::unexpected(response.error());
  auto items = ParseItems(*response, &ParseMessage);
  if (!items) co_return tl::unexpected(items.error());
  MessagePage page;
  page.items = std::move(*items);
  if (auto next = NextLink(*response); next && ctx.SameOrigin(*next)) {
    page.next_before_message = FindParam(ParseParams(QueryOf(*next)), "beforeMessage");
    page.next_url = std::move(*next);
  }
  co_return page;
}

Task<Message> Client::GetMessage(std::string token, std::string message_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto url = ctx.Url("/messages/" + PercentEncode(message_id));
  auto response = co_await Execute(ctx, JsonCall("GET", std::move(url), std::move(token)), deadline);
  co_return ParseBody(response, &ParseMessage);
}

Task<ContentInfo> Client::HeadContent(std::string token, std::string content_id,
                                      Deadline deadline) {
  if (!IsContentId(content_id)) co_return BadContentId();
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto response = co_await Execute(
      ctx, ContentCall("HEAD", ctx.Url("/contents/" + content_id), std::move(token)), deadline);
  if (!response) co_return tl::unexpected(response.error());
  co_return InfoOf(*response);
}

Task<Content> Client::GetContent(std::string token, std::string content_id, int64_t max_bytes,
                                 Deadline deadline) {
  if (!IsContentId(content_id)) co_return BadContentId();
  if (max_bytes < 0) co_return Fail(ErrorCode::kBadRequest, "max_bytes must not be negative");
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto too_large = [max_bytes] {
    return Fail(ErrorCode::kTooLarge,
                "the file is larger than " + std::to_string(max_bytes) + " bytes");
  };
  HttpCall call = ContentCall("GET", ctx.Url("/contents/" + content_id), std::move(token));
  // The transport stops reading at the cap (or at once, by Content-Length).
  call.max_body_bytes = static_cast<std::size_t>(max_bytes);
  auto response = co_await Execute(ctx, std::move(call), deadline);
  if (!response) {
    if (response.error().code == ErrorCode::kTooLarge) co_return too_large();
    co_return tl::unexpected(response.error());
  }
  // The same bound again, for a transport that does not enforce it.
  const auto length = response->Header("Content-Length");
  const int64_t announced = length ? ParseContentLength(*length).value_or(0) : 0;
  if (announced > max_bytes || static_cast<int64_t>(response->body.size()) > max_bytes)
    co_return too_large();
  Content content;
  content.info = InfoOf(*response);
  content.info.size = static_cast<int64_t>(response->body.size());
  content.bytes = std::move(response->body);
  co_return content;
}

Task<Webhook> Client::CreateWebhook(std::string token, WebhookSpec spec, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  json body{{"name", std::move(spec.name)},
            {"targetUrl", std::move(spec.target_url)},
            {"resource", std::move(spec.resource)},
            {"event", std::move(spec.event)}};
  if (!spec.filter.empty()) body["filter"] = std::move(spec.filter);
  if (!spec.secret.empty()) body["secret"] = std::move(spec.secret);
  auto response = co_await Execute(ctx, JsonCall("POST", ctx.Url("/webhooks"), std::move(token), &body), deadline);
  co_return ParseBody(response, &ParseWebhook);
}

Task<std::vector<Webhook>> Client::ListWebhooks(std::string token, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  co_return co_await ListAll<Webhook>(ctx, std::move(token), ctx.Url("/webhooks"), &ParseWebhook, deadline);
}

Task<Webhook> Client::UpdateWebhook(std::string token, std::string webhook_id, WebhookUpdate update,
                                    Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  json body{{"name", std::move(update.name)}, {"targetUrl", std::move(update.target_url)}};
  if (!update.secret.empty()) body["secret"] = std::move(update.secret);
  if (!update.status.empty()) body["status"] = std::move(update.status);
  auto url = ctx.Url("/webhooks/" + PercentEncode(webhook_id));
  auto response =
      co_await Execute(ctx, JsonCall("PUT", std::move(url), std::move(token), &body), deadline);
  co_return ParseBody(response, &ParseWebhook);
}

Task<void> Client::DeleteWebhook(std::string token, std::string webhook_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto url = ctx.Url("/webhooks/" + PercentEncode(webhook_id));
  auto response = co_await Execute(ctx, JsonCall("DELETE", std::move(url), std::move(token)), deadline);
  co_return Discard(response);
}

Task<Meeting> Client::CreateAdhocMeeting(std::string token, std::string room_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  const json body{{"roomId", std::move(room_id)}, {"adhoc", true}};
  auto response = co_await Execute(ctx, JsonCall("POST", ctx.Url("/meetings"), std::move(token), &body), deadline);
  co_return ParseBody(response, &ParseMeeting);
}

Task<Meeting> Client::GetMeeting(std::string token, std::string meeting_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto url = ctx.Url("/meetings/" + PercentEncode(meeting_id));
  auto response = co_await Execute(ctx, JsonCall("GET", std::move(url), std::move(token)), deadline);
  co_return ParseBody(response, &ParseMeeting);
}

Task<void> Client::EndMeeting(std::string token, std::string meeting_id, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  const json body = json::object();
  auto url = ctx.Url("/meetings/" + PercentEncode(meeting_id) + "/end");
  auto response = co_await Execute(ctx, JsonCall("POST", std::move(url), std::move(token), &body), deadline);
  co_return Discard(response);
}

Task<MeetingJoin> Client::JoinMeeting(std::string token, std::string meeting_id, std::string email,
                                      std::string display_name, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  json body{{"meetingId", std::move(meeting_id)}, {"joinDirectly", false}};
  if (!email.empty()) body["email"] = std::move(email);
  if (!display_name.empty()) body["displayName"] = std::move(display_name);
  auto response =
      co_await Execute(ctx, JsonCall("POST", ctx.Url("/meetings/join"), std::move(token), &body), deadline);
  co_return ParseBody(response, &ParseMeetingJoin);
}

Task<GuestToken> Client::CreateGuestToken(std::string service_app_token, std::string subject,
                                          std::string display_name, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  const json body{{"subject", std::move(subject)}, {"displayName", std::move(display_name)}};
  auto response = co_await Execute(
      ctx, JsonCall("POST", ctx.Url("/guests/token"), std::move(service_app_token), &body), deadline);
  co_return ParseBody(response, &ParseGuestToken);
}

Task<JwtLogin> Client::LoginWithJwt(std::string jwt, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  auto response = co_await Execute(ctx, JsonCall("POST", ctx.Url("/jwt/login"), std::move(jwt)), deadline);
  co_return ParseBody(response, &ParseJwtLogin);
}

Task<OAuthTokens> Client::ExchangeCode(std::string client_id, std::string client_secret, std::string code,
                                       std::string redirect_uri, std::string code_verifier, Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  Params form{{"grant_type", "authorization_code"},
              {"client_id", std::move(client_id)},
              {"client_secret", std::move(client_secret)},
              {"code", std::move(code)},
              {"redirect_uri", std::move(redirect_uri)}};
  if (!code_verifier.empty()) form.emplace_back("code_verifier", std::move(code_verifier));
  auto response = co_await Execute(ctx, FormCall(ctx.Url("/access_token"), form), deadline);
  co_return ParseBody(response, &ParseOAuthTokens);
}

Task<OAuthTokens> Client::RefreshToken(std::string client_id, std::string client_secret, std::string refresh_token,
                                       Deadline deadline) {
  const Context ctx{base_url_, transport_, waiter_, policy_, hooks_};
  const Params form{{"grant_type", "refresh_token"},
                    {"client_id", std::move(client_id)},
                    {"client_secret", std::move(client_secret)},
                    {"refresh_token", std::move(refresh_token)}};
  auto response = co_await Execute(ctx, FormCall(ctx.Url("/access_token"), form), deadline);
  co_return ParseBody(response, &ParseOAuthTokens);
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
