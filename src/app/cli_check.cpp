#include "app/cli_check.hpp"

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "app/config.hpp"
#include "app/portal.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "domain/tokens.hpp"
#include "service/notifier.hpp"
#include "storage/copy.hpp"
#include "storage/migrations.hpp"
#include "storage/open.hpp"
#include "webex/guest_token_provider.hpp"

namespace gp::app {

namespace {

namespace asio = boost::asio;
using std::chrono::seconds;

// How long the Webex part of the check may take in all.
constexpr auto kWebexBudget = seconds(20);
// The subject of the Guest Issuer's test sign-in: one fixed Webex guest identity, reused by every
// check.
constexpr const char* kCheckSubject = "guest-portal-check";

enum class Status { kOk, kWarn, kFail, kSkip };

// Prints the lines as they come (a slow Webex shows where it is) and remembers whether any failed.
class Report {
 public:
  void Line(Status status, const std::string& item, const std::string& detail) {
    static constexpr std::array<const char*, 4> kNames{"ok  ", "warn", "FAIL", "skip"};
    std::cout << kNames.at(static_cast<std::size_t>(status)) << " " << item << ": " << detail
              << std::endl;
    if (status == Status::kFail) ++failed_;
  }
  void Ok(const std::string& item, const std::string& detail) { Line(Status::kOk, item, detail); }
  void Warn(const std::string& item, const std::string& detail) {
    Line(Status::kWarn, item, detail);
  }
  void Failed(const std::string& item, const std::string& detail) {
    Line(Status::kFail, item, detail);
  }
  void Skip(const std::string& item) {
    Line(Status::kSkip, item, "not checked (fix the failure above first)");
  }

  int Finish() const {
    if (failed_ == 0) return 0;
    std::cerr << "guest-portal: check: " << failed_ << " item(s) failed\n";
    return 1;
  }

 private:
  int failed_ = 0;
};

std::string Date(int64_t unix_seconds) {
  const std::time_t time = unix_seconds;
  std::tm utc{};
  gmtime_r(&time, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%d %H:%M UTC", &utc);
  return text.data();
}

std::string Octal(unsigned mode) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%04o", mode);
  return text.data();
}

// The database files others than their owner may access: they hold password hashes, session hashes
// and encrypted tokens.
void CheckDatabaseFiles(Report& report, const Config& config) {
  const std::string db = storage::SqliteFilePath(config.database_url);
  if (db.empty()) {
    report.Ok("database files",
              "not files (" + storage::RedactDatabaseUrl(config.database_url) + ")");
    return;
  }
  std::vector<std::string> loose;
  for (const std::string& file : {db, db + "-wal", db + "-shm"}) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) continue;  // not there (yet): nothing to protect
    const unsigned mode = info.st_mode & 07777U;
    if ((mode & 0077U) != 0) loose.push_back(file + " (mode " + Octal(mode) + ")");
  }
  if (loose.empty()) {
    report.Ok("database files", db + " readable by its owner only");
    return;
  }
  std::string names;
  std::string fix;
  for (const auto& file : loose) names += (names.empty() ? "" : ", ") + file;
  for (const std::string& file : {db, db + "-wal", db + "-shm"}) {
    if (names.find(file + " (") != std::string::npos) fix += " " + file;
  }
  report.Failed("database files", "group or others can read " + names +
                                      "; make them the owner's only: chmod 600" + fix);
}

// TLS_CERT_FILE and TLS_KEY_FILE load as the server would load them, and the key is its owner's only.
// A key others may read is a warning for `serve`, which starts all the same, and a failure here.
void CheckTls(Report& report, const Config& config) {
  if (!config.tls()) {
    report.Ok("tls", "off (plain HTTP; TLS_CERT_FILE and TLS_KEY_FILE unset)");
    return;
  }
  if (auto loaded = CheckTlsFiles(config); !loaded) {
    report.Failed("tls", loaded.error().message);
    return;
  }
  report.Ok("tls", "the certificate and key in TLS_CERT_FILE and TLS_KEY_FILE load and match");
  struct stat info {};
  if (::stat(config.tls_key_file.c_str(), &info) != 0) return;
  const unsigned mode = info.st_mode & 07777U;
  if ((mode & 0077U) == 0) return;
  report.Failed("tls key file", config.tls_key_file + " can be read by group or others (mode " + Octal(mode) +
                                    "); make it the owner's only: chmod 600 " + config.tls_key_file);
}

int NewestSchemaVersion(const Config& config) {
  const bool sqlite = !storage::SqliteFilePath(config.database_url).empty() ||
                      config.database_url == "sqlite::memory:";
  int newest = 0;
  for (const auto& migration : storage::EmbeddedMigrations(sqlite ? "sqlite" : "postgres")) {
    newest = std::max(newest, migration.version);
  }
  return newest;
}

// The AppAdmin's refresh token: its end is the one date an administrator must act before.
Status RefreshStatus(const std::string& warning) {
  if (warning == "expired") return Status::kFail;
  if (warning == "warn" || warning == "critical") return Status::kWarn;
  return Status::kOk;
}

asio::awaitable<void> CheckWebex(Report& report, Portal& portal) {
  const Config& config = portal.config();
  const auto deadline = webex::DeadlineIn(kWebexBudget);
  webex::Api& webex = portal.webex();
  const std::string admin_url = config.public_url + "/admin";

  // Reachability: a request without a token must be refused (401) by the API, not by something
  // else.
  auto anonymous = co_await webex.GetMe("", deadline);
  if (anonymous || anonymous.error().code != ErrorCode::kUnauthorized) {
    const std::string why = anonymous ? std::string("it answered a request without a token")
                                      : log::Safe(anonymous.error().message);
    report.Failed("Webex", config.webex_api_url + " does not answer as the Webex API (" + why +
                               "); check WEBEX_API_URL and that this machine can reach it");
    for (const char* item : {"AppAdmin token", "guest provider", "webhook", "hosts"})
      report.Skip(item);
    co_return;
  }
  report.Ok("Webex", config.webex_api_url + " answers");

  // The AppAdmin: signed in, its token accepted, and how long its refresh token lasts.
  service::AppAdmin& admin = portal.app_admin();
  const auto status = admin.Status();
  std::string admin_token;
  if (status.refresh_expires_at == 0) {
    report.Failed("AppAdmin token", "no administrator has signed in; sign in at " + admin_url);
  } else if (!status.signed_in) {
    report.Failed("AppAdmin token", "the refresh token of " + status.email + " expired " +
                                        Date(status.refresh_expires_at) + "; sign in again at " +
                                        admin_url);
  } else {
    // No co_await inside a conditional expression: GCC 12 miscompiles it.
    auto token = co_await admin.AccessToken(deadline);
    Result<webex::Person> me = tl::unexpected(token ? Error{} : token.error());
    if (token) me = co_await webex.GetMe(*token, deadline);
    if (!me) {
      report.Failed("AppAdmin token", "Webex refuses the tokens of " + status.email + " (" +
                                          log::Safe(me.error().message) + "); sign in again at " +
                                          admin_url);
    } else {
      admin_token = *token;
      const auto now_status = admin.Status();  // AccessToken may have refreshed it
      const Status refresh = RefreshStatus(now_status.warning);
      std::string detail = now_status.email + ": access token until " +
                           Date(now_status.access_expires_at) + ", refresh token until " +
                           Date(now_status.refresh_expires_at);
      if (refresh != Status::kOk) {
        detail += "; it ends within " + std::to_string(domain::kRefreshWarnSeconds / 86400) +
                  " days and does not renew: sign in again at " + admin_url + " before then";
      }
      report.Line(refresh, "AppAdmin token", detail);
    }
  }

  // The guest-token provider's own credentials.
  if (config.guest_provider == GuestProvider::kGuestIssuer) {
    webex::GuestIssuerProvider issuer(webex, config.guest_issuer_id, config.guest_shared_secret,
                                      config.guest_token_expiration);
    auto jwt = issuer.MakeJwt(kCheckSubject, "Guest Portal check");
    Result<webex::JwtLogin> login = tl::unexpected(jwt ? Error{} : jwt.error());
    if (jwt) login = co_await webex.LoginWithJwt(*jwt, deadline);
    if (login) {
      report.Ok("guest provider",
                "Guest Issuer " + config.guest_issuer_id + ": a guest sign-in (/jwt/login) works");
    } else {
      report.Failed("guest provider", "Guest Issuer " + config.guest_issuer_id +
                                          ": Webex refuses its guest sign-in (" +
                                          log::Safe(login.error().message) +
                                          "); check GUEST_ISSUER_ID and GUEST_SHARED_SECRET");
    }
  } else {
    auto tokens =
        co_await webex.RefreshToken(config.service_app_client_id, config.service_app_client_secret,
                                    config.service_app_refresh_token, deadline);
    if (tokens) {
      std::string detail =
          "Service App " + config.service_app_client_id + ": its refresh token works";
      if (tokens->refresh_token_expires_in > 0) {
        const int64_t ends =
            static_cast<int64_t>(std::time(nullptr)) + tokens->refresh_token_expires_in;
        detail += " (until " + Date(ends) + ")";
        if (tokens->refresh_token_expires_in < domain::kRefreshWarnSeconds) {
          report.Warn("guest provider",
                      detail + "; put a new SERVICE_APP_REFRESH_TOKEN in place before then");
        } else {
          report.Ok("guest provider", detail);
        }
      } else {
        report.Ok("guest provider", detail);
      }
    } else {
      report.Failed(
          "guest provider",
          "Service App " + config.service_app_client_id + ": Webex refuses its refresh token (" +
              log::Safe(tokens.error().message) +
              "); check SERVICE_APP_CLIENT_ID, SERVICE_APP_CLIENT_SECRET and "
              "SERVICE_APP_REFRESH_TOKEN (a new token comes from the Service App's page)");
    }
  }

  // How the portal learns of messages posted in Webex.
  if (config.effective_notify_mode != NotifyMode::kWebhook) {
    report.Ok("webhook", "not used (NOTIFY_MODE resolves to poll: the portal polls Webex every " +
                             std::to_string(config.poll_interval) + " s)");
  } else if (admin_token.empty()) {
    report.Skip("webhook");
  } else {
    const std::string target = config.public_url + "/webhooks/webex";
    auto hooks = co_await webex.ListWebhooks(admin_token, deadline);
    if (!hooks) {
      report.Failed("webhook", "cannot list the AppAdmin's webhooks (" +
                                   log::Safe(hooks.error().message) + ")");
    } else {
      auto found = std::find_if(hooks->begin(), hooks->end(), [](const webex::Webhook& hook) {
        return hook.name == service::Notifier::kWebhookName;
      });
      if (found == hooks->end()) {
        report.Warn("webhook", "none yet; the server creates it when it starts");
      } else if (found->target_url != target) {
        report.Warn("webhook", "it points at " + log::Safe(found->target_url) + ", not " + target +
                                   "; the server moves it when it starts (is PUBLIC_URL right?)");
      } else if (found->status != "active") {
        report.Warn("webhook", "Webex has set it " + log::Safe(found->status) + " (deliveries to " +
                                   target +
                                   " failed); the running server revives it: check "
                                   "that Webex can reach PUBLIC_URL");
      } else {
        report.Ok("webhook", "active, delivering to " + target);
      }
    }
  }

  // The meeting hosts' own tokens.
  auto hosts = portal.hosts().List();
  if (!hosts) {
    report.Failed("hosts", "cannot list the pool (" + hosts.error().message + ")");
    co_return;
  }
  int64_t spaces = 0;
  int64_t people = 0;
  for (const auto& host : *hosts) {
    if (host.kind == storage::HostKind::kSpace) {
      ++spaces;
      continue;
    }
    ++people;
    const std::string item = "host " + host.email;
    if (!host.connected()) {
      report.Warn(item, "not connected yet; send them the connect link from the console (" +
                            admin_url + ")");
      continue;
    }
    auto token = co_await portal.hosts().AccessToken(host.id, deadline);
    Result<webex::Person> me = tl::unexpected(token ? Error{} : token.error());
    if (token) me = co_await webex.GetMe(*token, deadline);
    if (!me) {
      report.Failed(item, "Webex refuses its tokens (" + log::Safe(me.error().message) +
                              "); have them connect again with the link in the console (" +
                              admin_url + ")");
      continue;
    }
    auto fresh = portal.storage().GetHost(host.id);
    const auto& current = fresh ? *fresh : host;
    const std::string warning = portal.hosts().TokenWarning(current);
    const Status state = RefreshStatus(warning);
    std::string detail = "refresh token until " + Date(current.refresh_expires_at);
    if (state != Status::kOk)
      detail += "; have them connect again with the link in the console (" + admin_url + ")";
    report.Line(state, item, detail);
  }
  if (people == 0) {
    const bool space_pool = config.meeting_mode == MeetingMode::kSpacePool;
    if (spaces == 0) {
      report.Warn("hosts",
                  "the meeting pool is empty: no meeting can start; add " +
                      std::string(space_pool ? "pool spaces (hosts add --space, hosts import)"
                                             : "licensed hosts in the console or with hosts add"));
    } else {
      report.Ok("hosts", std::to_string(spaces) + " pool space(s)");
    }
  }
}

}  // namespace

int RunCheck() {
  Report report;
  auto config = LoadConfigFromProcess();
  if (!config) {
    report.Failed("configuration", config.error().message);
    for (const char* item : {"key file", "database", "migrations", "Webex"}) report.Skip(item);
    return report.Finish();
  }
  // The lines below say what went wrong; the Webex client's own warnings about the same calls would
  // only repeat it. LOG_LEVEL=debug shows everything.
  log::Configure(config->log_level == "debug" ? "debug" : "error");
  report.Ok(
      "configuration",
      std::string("guest provider ") +
          (config->guest_provider == GuestProvider::kGuestIssuer ? "guest-issuer" : "service-app") +
          ", notifications by " +
          (config->effective_notify_mode == NotifyMode::kWebhook ? "webhook" : "polling") +
          ", PUBLIC_URL " + config->public_url);

  // Before anything is made: the portal does not start without its pages.
  std::error_code exe_error;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", exe_error);
  auto web_root = ResolveWebRoot(*config, exe_error ? std::filesystem::path() : executable,
                                 std::filesystem::path(GP_SOURCE_DIR) / "web");
  if (!web_root) {
    report.Failed("web root", web_root.error().message);
    for (const char* item : {"key file", "database", "migrations", "Webex"}) report.Skip(item);
    return report.Finish();
  }
  report.Ok("web root", web_root->string());

  // The key file: an existing one must be the owner's only and whole; a missing one is made at
  // start.
  struct stat key_info {};
  const bool key_exists = ::stat(config->secret_key_file.c_str(), &key_info) == 0;
  if (key_exists) {
    auto key = crypto::SecretBox::LoadOrCreateKeyFile(config->secret_key_file);
    if (!key) {
      report.Failed("key file", "SECRET_KEY_FILE: " + key.error().message);
      for (const char* item : {"database", "migrations", "Webex"}) report.Skip(item);
      return report.Finish();
    }
  }

  auto portal = Portal::Create(*config);
  if (!portal) {
    if (!key_exists) report.Ok("key file", config->secret_key_file + " (made now, mode 0600)");
    report.Failed("database", portal.error().message);
    for (const char* item : {"migrations", "Webex"}) report.Skip(item);
    return report.Finish();
  }
  report.Ok("key file", config->secret_key_file +
                            (key_exists ? " (mode " + Octal(key_info.st_mode & 07777U) + ")"
                                        : " (made now, mode 0600)"));
  CheckTls(report, *config);
  // Looked at while the database is open, so that its -wal and -shm files exist.
  CheckDatabaseFiles(report, *config);
  auto ping = (*portal)->storage().Ping();
  if (!ping) {
    report.Failed("database", ping.error().message + "; check DATABASE_URL");
    for (const char* item : {"migrations", "Webex"}) report.Skip(item);
    return report.Finish();
  }
  report.Ok("database", storage::RedactDatabaseUrl(config->database_url) + " answers");
  auto version = (*portal)->storage().SchemaVersion();
  const int newest = NewestSchemaVersion(*config);
  if (!version) {
    report.Failed("migrations", version.error().message);
  } else if (*version != newest) {
    report.Failed("migrations", "the schema is at version " + std::to_string(*version) +
                                    ", this build's is " + std::to_string(newest) +
                                    "; run guest-portal migrate");
  } else {
    report.Ok("migrations", "schema version " + std::to_string(*version) + ", this build's newest");
  }
  (*portal)->RunOnLoop(
      [&report, &portal]() -> asio::awaitable<void> { co_await CheckWebex(report, **portal); });
  return report.Finish();
}

}  // namespace gp::app
