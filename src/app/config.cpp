#include "app/config.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "core/encoding.hpp"
#include "http/client_address.hpp"
#include "domain/text.hpp"

namespace gp::app {
namespace {

using domain::Abbreviate;
using domain::TrimAscii;

tl::unexpected<Error> KeyError(const std::string& key, const std::string& message) {
  return Fail(ErrorCode::kBadRequest, "invalid_config", key + ": " + message, key);
}

// Looks keys up in the environment first, then in .env. Empty values count as unset.
class Settings {
 public:
  Settings(const std::map<std::string, std::string>& environment, const std::map<std::string, std::string>& dotenv)
      : environment_(environment), dotenv_(dotenv) {}

  std::optional<std::string> Get(const std::string& key) const {
    auto found = environment_.find(key);
    if (found == environment_.end()) {
      found = dotenv_.find(key);
      if (found == dotenv_.end()) return std::nullopt;
    }
    if (TrimAscii(found->second).empty()) return std::nullopt;
    return found->second;
  }

 private:
  const std::map<std::string, std::string>& environment_;
  const std::map<std::string, std::string>& dotenv_;
};

std::optional<int64_t> ParseInteger(std::string_view text) {
  text = TrimAscii(text);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// "scheme://host..." with scheme http or https (case-insensitive), a non-empty host, and no whitespace
// or control characters. Returns it without trailing '/'.
std::optional<std::string> ParseHttpUrl(std::string_view text, bool& https) {
  text = TrimAscii(text);
  std::string lower = ToLower(text);
  size_t rest = 0;
  if (lower.starts_with("https://")) {
    https = true;
    rest = 8;
  } else if (lower.starts_with("http://")) {
    https = false;
    rest = 7;
  } else {
    return std::nullopt;
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return std::nullopt;
  }
  std::string_view authority = text.substr(rest);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.empty() || authority.starts_with(':') || authority.find('@') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string url(text.substr(0, rest));
  url = ToLower(url);
  url += text.substr(rest);
  while (url.size() > rest && url.back() == '/') url.pop_back();
  return url;
}

bool ParseListenAddress(std::string_view text, std::string& host, uint16_t& port) {
  text = TrimAscii(text);
  size_t colon = std::string_view::npos;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = std::string(text.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = std::string(text.substr(0, colon));
    if (host.find(':') != std::string::npos) return false;  // IPv6 needs brackets
  }
  if (host.empty()) return false;
  for (char c : host) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == 0x7F) return false;
  }
  auto number = ParseInteger(text.substr(colon + 1));
  if (!number || *number < 0 || *number > 65535 || text.substr(colon + 1).find_first_not_of("0123456789") !=
                                                       std::string_view::npos) {
    return false;
  }
  port = static_cast<uint16_t>(*number);
  return true;
}

bool LooksLikeEmail(std::string_view email) {
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size()) return false;
  if (email.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : email) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == ',' || c == '<' || c == '>') return false;
  }
  std::string_view domain = email.substr(at + 1);
  return domain.find('.') != std::string_view::npos && !domain.starts_with('.') && !domain.ends_with('.');
}

std::optional<bool> ParseBool(std::string_view text) {
  std::string value = ToLower(TrimAscii(text));
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  return std::nullopt;
}

// Enum-like values are echoed in errors; keep them short and on one line.
std::string Shown(std::string_view value) { return "'" + Abbreviate(TrimAscii(value), 40) + "'"; }

constexpr int64_t kMaxGuestTokenExpiration = 30 * 24 * 3600;
constexpr int64_t kMaxPollInterval = 3600;
constexpr int64_t kMaxLeaseTimeout = 86400;
// Webex accepts files up to 100 MB.
constexpr int64_t kMaxFileBytes = 100 * 1000 * 1000;
constexpr int64_t kMaxAuditRetentionDays = 36500;
constexpr int kMaxWorkerThreads = 256;

bool IsKeyStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsKeyChar(char c) { return IsKeyStart(c) || (c >= '0' && c <= '9'); }

}  // namespace

const char* GuestProviderName(GuestProvider provider) {
  return provider == GuestProvider::kGuestIssuer ? "guest-issuer" : "service-app";
}

const char* MeetingModeName(MeetingMode mode) { return mode == MeetingMode::kSpacePool ? "space-pool" : "adhoc"; }

const char* NotifyModeName(NotifyMode mode) {
  switch (mode) {
    case NotifyMode::kWebhook:
      return "webhook";
    case NotifyMode::kPoll:
      return "poll";
    case NotifyMode::kAuto:
      return "auto";
  }
  return "auto";
}

Result<std::map<std::string, std::string>> ParseDotenv(const std::string& text) {
  std::map<std::string, std::string> values;
  std::string_view rest(text);
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);
  size_t line_number = 0;
  while (!rest.empty()) {
    ++line_number;
    size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    auto where = [&](const std::string& message) {
      return Fail(ErrorCode::kBadRequest, "invalid_config", ".env line " + std::to_string(line_number) + ": " + message);
    };

    std::string_view body = TrimAscii(line);
    if (body.empty() || body.starts_with('#')) continue;
    if (body.starts_with("export") && body.size() > 6 && (body[6] == ' ' || body[6] == '\t')) {
      body = TrimAscii(body.substr(6));
    }
    size_t key_end = 0;
    if (body.empty() || !IsKeyStart(body[0])) return where("expected KEY=VALUE");
    while (key_end < body.size() && IsKeyChar(body[key_end])) ++key_end;
    std::string key(body.substr(0, key_end));
    std::string_view after = body.substr(key_end);
    while (!after.empty() && (after[0] == ' ' || after[0] == '\t')) after.remove_prefix(1);
    if (after.empty() || after[0] != '=') return where("expected KEY=VALUE");
    std::string_view raw = after.substr(1);
    std::string_view left = raw;
    while (!left.empty() && (left[0] == ' ' || left[0] == '\t')) left.remove_prefix(1);

    std::string value;
    if (!left.empty() && (left[0] == '"' || left[0] == '\'')) {
      char quote = left[0];
      size_t i = 1;
      bool closed = false;
      for (; i < left.size(); ++i) {
        char c = left[i];
        if (c == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < left.size()) {
          char next = left[++i];
          switch (next) {
            case 'n':
              value += '\n';
              break;
            case 'r':
              value += '\r';
              break;
            case 't':
              value += '\t';
              break;
            case '"':
            case '\\':
              value += next;
              break;
            default:
              value += '\\';
              value += next;
          }
          continue;
        }
        value += c;
      }
      if (!closed) return where(key + ": the closing " + std::string(1, quote) + " is missing");
      auto trailing = TrimAscii(left.substr(i + 1));
      if (!trailing.empty() && !trailing.starts_with('#')) return where(key + ": unexpected text after the quoted value");
    } else {
      // A '#' after whitespace starts a comment; "a#b" keeps its '#'.
      size_t comment = std::string_view::npos;
      for (size_t i = 1; i < raw.size(); ++i) {
        if (raw[i] == '#' && (raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
          comment = i;
          break;
        }
      }
      value = std::string(TrimAscii(raw.substr(0, comment)));
    }
    values[key] = std::move(value);
  }
  return values;
}

Result<Config> LoadConfig(const std::map<std::string, std::string>& environment, const std::string& dotenv_text) {
  auto dotenv = ParseDotenv(dotenv_text);
  if (!dotenv) return tl::unexpected(dotenv.error());
  Settings settings(environment, *dotenv);
  Config config;

  if (auto value = settings.Get("DEMO")) {
    auto demo = ParseBool(*value);
    if (!demo) return KeyError("DEMO", "must be true or false, not " + Shown(*value));
    config.demo = *demo;
  }

  if (auto value = settings.Get("LISTEN_ADDRESS")) {
    if (!ParseListenAddress(*value, config.listen_host, config.listen_port)) {
      return KeyError("LISTEN_ADDRESS", "must be HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:5000");
    }
  }

  if (auto value = settings.Get("PUBLIC_URL")) {
    auto url = ParseHttpUrl(*value, config.public_url_is_https);
    if (!url) return KeyError("PUBLIC_URL", "must be an http:// or https:// URL");
    if (url->find_first_of("?#") != std::string::npos) {
      return KeyError("PUBLIC_URL", "must not have a query or fragment");
    }
    config.public_url = *url;
  }

  if (auto value = settings.Get("DATABASE_URL")) {
    std::string url(TrimAscii(*value));
    bool sqlite = url.starts_with("sqlite:") && url.size() > 7;
    bool postgres = (url.starts_with("postgresql://") && url.size() > 13) ||
                    (url.starts_with("postgres://") && url.size() > 11);
    if (!sqlite && !postgres) {
      return KeyError("DATABASE_URL", "must be sqlite:PATH or postgresql://USER:PASSWORD@HOST/DATABASE");
    }
    config.database_url = url;
  }

  if (auto value = settings.Get("DATABASE_POOL_SIZE")) {
    auto size = ParseInteger(*value);
    if (!size || *size < 1 || *size > 256) {
      return KeyError("DATABASE_POOL_SIZE", "must be a whole number from 1 to 256, not " + Shown(*value));
    }
    config.database_pool_size = static_cast<int>(*size);
  }

  if (auto value = settings.Get("TRUSTED_PROXIES")) {
    auto proxies = http::TrustedProxies::Parse(*value);
    if (!proxies) return KeyError("TRUSTED_PROXIES", proxies.error().message);
    config.trusted_proxies = std::string(TrimAscii(*value));
  }

  if (auto value = settings.Get("METRICS_TOKEN")) {
    // A bearer token (RFC 6750's token68 alphabet); the value is a secret and is not shown.
    std::string_view token = TrimAscii(*value);
    bool ok = token.size() >= 16 && token.size() <= 256;
    for (char c : token) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=');
    }
    if (!ok) {
      return KeyError(
          "METRICS_TOKEN",
          "must be 16 to 256 characters of A-Z a-z 0-9 - . _ ~ + / = (the value is not shown)");
    }
    config.metrics_token = std::string(token);
  }

  if (auto value = settings.Get("TLS_CERT_FILE"))
    config.tls_cert_file = std::string(TrimAscii(*value));
  if (auto value = settings.Get("TLS_KEY_FILE"))
    config.tls_key_file = std::string(TrimAscii(*value));
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return config.tls_key_file.empty()
               ? KeyError("TLS_KEY_FILE", "must be set when TLS_CERT_FILE is (both or neither)")
               : KeyError("TLS_CERT_FILE", "must be set when TLS_KEY_FILE is (both or neither)");
  }
  // Links, the OAuth redirect and webhooks are made from PUBLIC_URL: with TLS on, http:// ones
  // would point at a port that no longer speaks plain HTTP.
  if (config.tls() && !config.public_url_is_https) {
    return KeyError("PUBLIC_URL",
                    "must be an https:// URL when TLS_CERT_FILE and TLS_KEY_FILE are set");
  }

  if (auto value = settings.Get("SECRET_KEY_FILE")) config.secret_key_file = std::string(TrimAscii(*value));

  if (auto value = settings.Get("WEBEX_API_URL")) {
    bool https = false;
    auto url = ParseHttpUrl(*value, https);
    if (!url) return KeyError("WEBEX_API_URL", "must be an http:// or https:// URL");
    config.webex_api_url = *url;
  }

  if (auto value = settings.Get("CLIENT_ID")) config.client_id = std::string(TrimAscii(*value));
  if (auto value = settings.Get("CLIENT_SECRET")) config.client_secret = std::string(TrimAscii(*value));
  if (!config.demo) {
    if (config.client_id.empty()) {
      return KeyError("CLIENT_ID", "is required unless DEMO=true (the client ID of the Webex Integration)");
    }
    if (config.client_secret.empty()) {
      return KeyError("CLIENT_SECRET", "is required unless DEMO=true (the client secret of the Webex Integration)");
    }
  }

  if (auto value = settings.Get("ADMIN_EMAILS")) {
    std::set<std::string> seen;
    std::string_view list(*value);
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = std::min(list.find(',', start), list.size());
      auto item = TrimAscii(list.substr(start, comma - start));
      start = comma + 1;
      if (item.empty()) continue;
      if (!LooksLikeEmail(item)) return KeyError("ADMIN_EMAILS", Shown(item) + " is not an email address");
      std::string email = ToLower(item);
      if (seen.insert(email).second) config.admin_emails.push_back(email);
    }
  }
  if (!config.demo && config.admin_emails.empty()) {
    return KeyError("ADMIN_EMAILS", "is required unless DEMO=true (comma-separated Webex emails of the administrators)");
  }

  auto provider_value = settings.Get("GUEST_PROVIDER");
  if (provider_value) {
    std::string name = ToLower(TrimAscii(*provider_value));
    if (name == "service-app") {
      config.guest_provider = GuestProvider::kServiceApp;
    } else if (name == "guest-issuer") {
      config.guest_provider = GuestProvider::kGuestIssuer;
    } else {
      return KeyError("GUEST_PROVIDER", "must be service-app or guest-issuer, not " + Shown(*provider_value));
    }
  }

  struct ProviderKey {
    const char* key;
    std::string* target;
  };
  std::vector<ProviderKey> service_app_keys = {
      {"SERVICE_APP_CLIENT_ID", &config.service_app_client_id},
      {"SERVICE_APP_CLIENT_SECRET", &config.service_app_client_secret},
      {"SERVICE_APP_REFRESH_TOKEN", &config.service_app_refresh_token},
  };
  std::vector<ProviderKey> guest_issuer_keys = {
      {"GUEST_ISSUER_ID", &config.guest_issuer_id},
      {"GUEST_SHARED_SECRET", &config.guest_shared_secret},
  };
  for (const auto* keys : {&service_app_keys, &guest_issuer_keys}) {
    for (const auto& [key, target] : *keys) {
      if (auto value = settings.Get(key)) *target = std::string(TrimAscii(*value));
    }
  }
  if (!config.guest_shared_secret.empty()) {
    auto decoded = Base64Decode(config.guest_shared_secret);
    if (!decoded || decoded->empty()) {
      return KeyError("GUEST_SHARED_SECRET", "must be base64 (the secret exactly as Webex shows it)");
    }
  }
  const auto& selected = config.guest_provider == GuestProvider::kGuestIssuer ? guest_issuer_keys : service_app_keys;
  bool any_set = false;
  bool all_set = true;
  for (const auto& [key, target] : selected) {
    any_set = any_set || !target->empty();
    all_set = all_set && !target->empty();
  }
  if (!config.demo && (provider_value || any_set)) {
    for (const auto& [key, target] : selected) {
      if (target->empty()) {
        return KeyError(key, std::string("is required when GUEST_PROVIDER is ") + GuestProviderName(config.guest_provider));
      }
    }
  }
  config.guest_provider_configured = all_set;

  if (auto value = settings.Get("GUEST_TOKEN_EXPIRATION")) {
    auto seconds = ParseInteger(*value);
    if (!seconds || *seconds <= 0 || *seconds > kMaxGuestTokenExpiration) {
      return KeyError("GUEST_TOKEN_EXPIRATION", "must be a whole number of seconds from 1 to " +
                                                    std::to_string(kMaxGuestTokenExpiration) + ", not " + Shown(*value));
    }
    config.guest_token_expiration = *seconds;
  }

  if (auto value = settings.Get("MEETING_MODE")) {
    std::string name = ToLower(TrimAscii(*value));
    if (name == "adhoc") {
      config.meeting_mode = MeetingMode::kAdhoc;
    } else if (name == "space-pool") {
      config.meeting_mode = MeetingMode::kSpacePool;
    } else {
      return KeyError("MEETING_MODE", "must be adhoc or space-pool, not " + Shown(*value));
    }
  }

  if (auto value = settings.Get("LARGE_SPACES_FILE")) config.large_spaces_file = std::string(TrimAscii(*value));

  if (auto value = settings.Get("NOTIFY_MODE")) {
    std::string name = ToLower(TrimAscii(*value));
    if (name == "auto") {
      config.notify_mode = NotifyMode::kAuto;
    } else if (name == "webhook") {
      config.notify_mode = NotifyMode::kWebhook;
    } else if (name == "poll") {
      config.notify_mode = NotifyMode::kPoll;
    } else {
      return KeyError("NOTIFY_MODE", "must be auto, webhook or poll, not " + Shown(*value));
    }
  }
  config.effective_notify_mode = config.notify_mode != NotifyMode::kAuto ? config.notify_mode
                                 : config.public_url_is_https           ? NotifyMode::kWebhook
                                                                        : NotifyMode::kPoll;

  if (auto value = settings.Get("MEETING_LEASE_TIMEOUT")) {
    auto seconds = ParseInteger(*value);
    if (!seconds || *seconds < 1 || *seconds > kMaxLeaseTimeout) {
      return KeyError("MEETING_LEASE_TIMEOUT", "must be a whole number of seconds from 1 to " +
                                                   std::to_string(kMaxLeaseTimeout) + ", not " + Shown(*value));
    }
    config.meeting_lease_timeout = *seconds;
  }

  if (auto value = settings.Get("POLL_INTERVAL")) {
    auto seconds = ParseInteger(*value);
    if (!seconds || *seconds < 1 || *seconds > kMaxPollInterval) {
      return KeyError("POLL_INTERVAL", "must be a whole number of seconds from 1 to " +
                                           std::to_string(kMaxPollInterval) + ", not " + Shown(*value));
    }
    config.poll_interval = *seconds;
  }

  if (auto value = settings.Get("GUEST_EXPIRY_INTERVAL")) {
    auto seconds = ParseInteger(*value);
    if (!seconds || *seconds < 1 || *seconds > kMaxPollInterval) {
      return KeyError("GUEST_EXPIRY_INTERVAL", "must be a whole number of seconds from 1 to " +
                                                   std::to_string(kMaxPollInterval) + ", not " + Shown(*value));
    }
    config.guest_expiry_interval = *seconds;
  }

  if (auto value = settings.Get("MAX_FILE_BYTES")) {
    auto bytes = ParseInteger(*value);
    if (!bytes || *bytes < 1 || *bytes > kMaxFileBytes) {
      return KeyError("MAX_FILE_BYTES", "must be a whole number of bytes from 1 to " + std::to_string(kMaxFileBytes) +
                                            " (Webex's limit), not " + Shown(*value));
    }
    config.max_file_bytes = *bytes;
  }

  if (auto value = settings.Get("AUDIT_RETENTION_DAYS")) {
    auto days = ParseInteger(*value);
    if (!days || *days < 0 || *days > kMaxAuditRetentionDays) {
      return KeyError("AUDIT_RETENTION_DAYS", "must be a whole number of days from 0 (keep forever) to " +
                                                  std::to_string(kMaxAuditRetentionDays) + ", not " + Shown(*value));
    }
    config.audit_retention_days = static_cast<int>(*days);
  }

  if (auto value = settings.Get("LOG_LEVEL")) {
    std::string level = ToLower(TrimAscii(*value));
    if (level != "debug" && level != "info" && level != "warn" && level != "error" && level != "off") {
      return KeyError("LOG_LEVEL", "must be debug, info, warn, error or off, not " + Shown(*value));
    }
    config.log_level = level;
  }

  if (auto value = settings.Get("LOG_FORMAT")) {
    std::string format = ToLower(TrimAscii(*value));
    if (format != "text" && format != "json")
      return KeyError("LOG_FORMAT", "must be text or json, not " + Shown(*value));
    config.log_json = format == "json";
  }

  if (auto value = settings.Get("WORKER_THREADS")) {
    auto threads = ParseInteger(*value);
    if (!threads || *threads < 1 || *threads > kMaxWorkerThreads) {
      return KeyError("WORKER_THREADS", "must be a whole number from 1 to " + std::to_string(kMaxWorkerThreads) +
                                            ", not " + Shown(*value));
    }
    config.worker_threads = static_cast<int>(*threads);
  }

  if (auto value = settings.Get("PASSWORD_HASH_MEMORY_KIB")) {
    auto kib = ParseInteger(*value);
    if (!kib || *kib < crypto::PasswordParams::kMinMemoryKib || *kib > 4 * 1024 * 1024) {
      return KeyError("PASSWORD_HASH_MEMORY_KIB",
                      "must be a whole number of KiB from " + std::to_string(crypto::PasswordParams::kMinMemoryKib) +
                          " (OWASP's minimum for Argon2id) to 4194304, not " + Shown(*value));
    }
    config.password_hash.memory_kib = *kib;
  }
  if (auto value = settings.Get("PASSWORD_HASH_ITERATIONS")) {
    auto iterations = ParseInteger(*value);
    if (!iterations || *iterations < crypto::PasswordParams::kMinIterations || *iterations > 100) {
      return KeyError("PASSWORD_HASH_ITERATIONS",
                      "must be a whole number from " + std::to_string(crypto::PasswordParams::kMinIterations) +
                          " (OWASP's minimum for Argon2id) to 100, not " + Shown(*value));
    }
    config.password_hash.iterations = *iterations;
  }

  if (auto value = settings.Get("WEB_ROOT")) config.web_root = std::string(TrimAscii(*value));

  return config;
}

Result<std::filesystem::path> ResolveWebRoot(const Config& config, const std::filesystem::path& executable,
                                             const std::filesystem::path& checkout_web) {
  std::error_code ec;
  auto has_index = [&ec](const std::filesystem::path& dir) {
    return std::filesystem::is_regular_file(dir / "index.html", ec);
  };
  if (!config.web_root.empty()) {
    // Absolute, so that what is served does not depend on a later change of directory.
    auto root = std::filesystem::absolute(config.web_root, ec);
    if (ec || !has_index(root)) {
      return KeyError("WEB_ROOT", config.web_root + " has no index.html (the portal's web/ folder)");
    }
    return root;
  }
  std::vector<std::filesystem::path> candidates;
  if (!executable.empty()) {
    auto bin = executable.parent_path();
    candidates.push_back(bin / "web");
    candidates.push_back((bin / ".." / "share" / "guest-portal" / "web").lexically_normal());
  }
  candidates.push_back(checkout_web);
  std::string tried;
  for (const auto& candidate : candidates) {
    if (has_index(candidate)) return candidate;
    tried += (tried.empty() ? "" : ", ") + candidate.string();
  }
  return KeyError("WEB_ROOT", "is not set and no web/ folder with index.html was found (looked in " + tried + ")");
}

Result<Config> LoadConfigFromProcess() {
  std::map<std::string, std::string> environment;
  for (char** entry = ::environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  std::string dotenv;
  std::error_code ec;
  if (std::filesystem::exists(".env", ec)) {
    std::ifstream in(".env", std::ios::binary);
    if (!in) return Fail(ErrorCode::kBadRequest, "invalid_config", ".env: cannot be read");
    std::ostringstream content;
    content << in.rdbuf();
    dotenv = content.str();
  }
  return LoadConfig(environment, dotenv);
}

}  // namespace gp::app
