#pragma once
// The portal's configuration: every key of docs/configuration.md, read once from the environment and
// a .env file, validated, then passed around as a const value. A bad value is one error line naming
// the key ("PUBLIC_URL: must be an http:// or https:// URL").

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/error.hpp"

namespace gp::app {

enum class GuestProvider { kServiceApp, kGuestIssuer };
enum class MeetingMode { kAdhoc, kSpacePool };
enum class NotifyMode { kAuto, kWebhook, kPoll };

struct Config {
  // LISTEN_ADDRESS, split. Port 0 asks the OS for a free port.
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 5000;
  // PUBLIC_URL without a trailing '/'.
  std::string public_url = "http://localhost:5000";
  bool public_url_is_https = false;
  std::string database_url = "sqlite:data/portal.db";
  // DATABASE_POOL_SIZE: connections each instance keeps to PostgreSQL (SQLite has its own two).
  int database_pool_size = 8;
  // TRUSTED_PROXIES: the proxies whose X-Forwarded-For names the client (http::TrustedProxies), as
  // given and checked.
  std::string trusted_proxies;
  // METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>` and is served to any
  // address; unset, it is served to loopback clients only. A secret: never logged or shown.
  std::string metrics_token;
  // TLS_CERT_FILE and TLS_KEY_FILE: both set, the portal serves HTTPS itself (PUBLIC_URL is then
  // https). Checked here for presence only; the files are read when the server starts and on
  // SIGHUP.
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls() const { return !tls_cert_file.empty(); }
  // PostgreSQL: several instances may share the database (SQLite: one process).
  bool database_shared() const { return database_url.starts_with("postgres"); }
  std::string secret_key_file = "data/secret.key";
  // WEBEX_API_URL without a trailing '/'.
  std::string webex_api_url = "https://webexapis.com/v1";
  std::string client_id;
  std::string client_secret;
  std::vector<std::string> admin_emails;  // lowercased, de-duplicated, in the order given

  GuestProvider guest_provider = GuestProvider::kServiceApp;
  // True when every key the selected provider needs is set. It can be false only when GUEST_PROVIDER
  // and all of that provider's keys are unset, or with DEMO=true; guests then get no Webex token.
  bool guest_provider_configured = false;
  std::string service_app_client_id;
  std::string service_app_client_secret;
  std::string service_app_refresh_token;
  std::string guest_issuer_id;
  std::string guest_shared_secret;  // as configured: base64 (checked to decode); decode before HMAC
  int64_t guest_token_expiration = 5400;

  MeetingMode meeting_mode = MeetingMode::kAdhoc;
  std::string large_spaces_file;  // empty: none
  // Seconds without a heartbeat after which a meeting lease ends by itself.
  int64_t meeting_lease_timeout = 120;
  NotifyMode notify_mode = NotifyMode::kAuto;
  // notify_mode with kAuto resolved: kWebhook when PUBLIC_URL is https, else kPoll.
  NotifyMode effective_notify_mode = NotifyMode::kPoll;
  // Seconds between polls (poll mode) and between checks of the webhook (webhook mode: every 6 polls).
  int64_t poll_interval = 5;
  // Seconds between the leader's checks for guest accounts whose expiry has passed.
  int64_t guest_expiry_interval = 60;
  // The largest file a guest may send.
  int64_t max_file_bytes = 26214400;
  // Days an audit record is kept; 0 keeps every record forever.
  int audit_retention_days = 365;

  std::string log_level = "info";  // debug, info, warn, error, off
  // LOG_FORMAT: text lines, or one JSON object per line (core/log.hpp).
  bool log_json = false;
  // Threads of the pool for blocking work (Argon2id, database writes); 0: one per core.
  int worker_threads = 0;
  crypto::PasswordParams password_hash;
  bool demo = false;
  // WEB_ROOT: the folder of pages, CSS and scripts the portal serves; empty: ResolveWebRoot finds it.
  std::string web_root;
};

// Parses .env text into key -> value. Understands blank lines, '#' comments (whole-line, or after
// whitespace in an unquoted value), `export KEY=value`, 'single' (literal) and "double" quotes
// (\n \r \t \" \\ escapes). A later line wins. A malformed line is an error naming its line number.
Result<std::map<std::string, std::string>> ParseDotenv(const std::string& text);

// Builds the Config from the process environment and the .env text; a key present in `environment`
// wins over .env, even when empty. Empty values count as unset.
Result<Config> LoadConfig(const std::map<std::string, std::string>& environment, const std::string& dotenv_text);

// The folder the portal serves: WEB_ROOT when set, else the first of <executable's folder>/web (a binary
// with web/ beside it), <executable's folder>/../share/guest-portal/web (an installed tree, wherever its
// prefix is) and `checkout_web` (the source tree's web/) that holds an index.html. An error names WEB_ROOT.
Result<std::filesystem::path> ResolveWebRoot(const Config& config, const std::filesystem::path& executable,
                                             const std::filesystem::path& checkout_web);

// LoadConfig with the real environment and ./.env (a missing .env is fine).
Result<Config> LoadConfigFromProcess();

const char* GuestProviderName(GuestProvider provider);  // "service-app" | "guest-issuer"
const char* MeetingModeName(MeetingMode mode);          // "adhoc" | "space-pool"
const char* NotifyModeName(NotifyMode mode);            // "auto" | "webhook" | "poll"

}  // namespace gp::app
