#include "app/portal.hpp"

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <iostream>
#include <thread>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "api/api.hpp"
#include "api/json_views.hpp"
#include "app/portal_metrics.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/loop_thread.hpp"
#include "core/periodic_task.hpp"
#include "core/work_pool.hpp"
#include "domain/throttle.hpp"
#include "http/server.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/events.hpp"
#include "service/guest_tokens.hpp"
#include "service/hosts.hpp"
#include "service/leader.hpp"
#include "service/meetings.hpp"
#include "service/messages.hpp"
#include "service/notices.hpp"
#include "service/notifier.hpp"
#include "service/reconciler.hpp"
#include "service/sessions.hpp"
#include "service/sign_in.hpp"
#include "service/spaces.hpp"
#include "storage/migrations.hpp"
#include "storage/open.hpp"
#include "storage/postgres/async_version.hpp"
#include "storage/sqlite/database_lock.hpp"
#include "storage/postgres/pg_event_log.hpp"
#include "webex/client.hpp"
#include "webex/curl_transport.hpp"
#include "webex/guest_token_provider.hpp"

namespace gp::app {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kRefreshInterval = seconds(60);
constexpr auto kCleanupInterval = seconds(60);
constexpr auto kReconcileInterval = seconds(2);
// How long a stop lets requests in flight and a background pass under way finish (SIGTERM; the
// usual stop timeouts of systemd and Docker are 90 s and 10 s).
constexpr auto kDrainGrace = seconds(5);
// Sent to each event stream when the server stops: the browser reconnects after this long, to this
// instance once it is back or to another one behind the proxy.
constexpr const char* kStreamFarewell = ": the server is stopping\nretry: 3000\n\n";
// With a shared database, a space intent this old cannot be in creation on any instance.
constexpr int64_t kSharedIntentGraceSeconds = 60;
// How often open event streams are checked for sessions that ended elsewhere or expired.
constexpr auto kStreamSweepInterval = seconds(30);
// How long a message stays recorded (its notification cannot repeat within this time).
constexpr int64_t kMessageRecordSeconds = 7 * 24 * 3600;
// In webhook mode, the webhook is checked every this many poll intervals.
constexpr int kWebhookCheckPolls = 6;
// Work waiting for or running on the pool beyond this is refused with 503.
constexpr std::size_t kMaxPendingWork = 512;
// Browsers can carry meeting media only with the real Webex (not the emulator).
constexpr const char* kRealWebexApi = "https://webexapis.com/";
constexpr const char* kAdminScopes = "spark:all spark:kms spark:people_read spark:rooms_read spark:rooms_write "
                                     "spark:memberships_read spark:memberships_write spark:messages_read "
                                     "spark:messages_write meeting:schedules_read meeting:schedules_write";

// A multipart upload carries the file and a little more: the text part, boundaries and part headers.
constexpr std::size_t kUploadFraming = 64 * 1024;
// Uploads read at once (each may hold MAX_FILE_BYTES in memory); more wait for none: 503.
constexpr int kUploadSlots = 4;

// POST /api/v1/rooms/{id}/messages, the one route that takes files.
bool IsMessagesTarget(std::string_view target) {
  target = target.substr(0, target.find('?'));
  constexpr std::string_view kPrefix = "/api/v1/rooms/";
  constexpr std::string_view kSuffix = "/messages";
  if (!target.starts_with(kPrefix) || !target.ends_with(kSuffix)) return false;
  auto id = target.substr(kPrefix.size(), target.size() - kPrefix.size() - kSuffix.size());
  return !id.empty() && id.find('/') == std::string_view::npos;
}

// Adds the spaces of a largespaces.json to the pool (those already in it stay as they are).
Result<int64_t> ImportLargeSpaces(service::Hosts& hosts, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kBadRequest, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto spaces = service::ParseLargeSpaces(text.str());
  if (!spaces) return tl::unexpected(spaces.error());
  return hosts.ImportSpaces(*spaces, "config:LARGE_SPACES_FILE");
}

// Names this process among the instances sharing a database, in logs and the runners table.
std::string InstanceName() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return std::string(host.data()) + ":" + std::to_string(getpid()) + ":" + crypto::RandomToken(4);
}

std::string OriginOf(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return {};
  auto path_start = url.find('/', scheme_end + 3);
  return url.substr(0, path_start);
}

// A TLS file's error (http::LoadTlsContext) as a line naming its key.
std::string TlsErrorLine(const Error& error) {
  return std::string(error.field == "key" ? "TLS_KEY_FILE: " : "TLS_CERT_FILE: ") + error.message;
}

http::TlsFiles TlsFilesOf(const Config& config) {
  return {config.tls_cert_file, config.tls_key_file};
}

}  // namespace

Result<void> CheckTlsFiles(const Config& config) {
  if (!config.tls()) return {};
  auto context = http::LoadTlsContext(TlsFilesOf(config));
  if (!context) return Fail(ErrorCode::kBadRequest, TlsErrorLine(context.error()));
  return {};
}

struct Portal::Impl {
  Config config;
  Clock clock = SystemClock();
  // Declared before everything that reports to it, so that it outlives them.
  std::unique_ptr<PortalMetrics> metrics = std::make_unique<PortalMetrics>();
  // One thread runs this loop: the HTTP server, every Webex call (curl multi), the timers and the
  // periodic tasks. Blocking work goes to `pool`.
  asio::io_context loop{1};
  std::unique_ptr<WorkPool> pool;
  // With PostgreSQL: the data's version, read from the loop (Routes::SetReadsBlock).
  std::unique_ptr<storage::postgres::AsyncVersion> versions;
  std::unique_ptr<crypto::SecretBox> box;
  // A SQLite file is held (shared) as long as this portal lives, so that `restore` knows it is in use.
  std::optional<storage::sqlite::DatabaseLock> database_lock;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<webex::CurlTransport> transport;
  std::unique_ptr<webex::Client> webex;
  std::unique_ptr<webex::GuestTokenProvider> provider;
  std::unique_ptr<domain::LoginThrottle> throttle;
  std::unique_ptr<service::Audit> audit;
  std::unique_ptr<service::Sessions> sessions;
  std::unique_ptr<service::AppAdmin> app_admin;
  std::unique_ptr<service::GuestTokens> guest_tokens;
  service::InFlightIntents intents;
  std::unique_ptr<service::Spaces> spaces;
  std::unique_ptr<service::Guests> guests;
  std::unique_ptr<service::Policy> policy;
  std::unique_ptr<service::GuestAuth> guest_auth;
  std::unique_ptr<service::AdminAuth> admin_auth;
  std::unique_ptr<service::Reconciler> reconciler;
  // Declared before `events`, which uses it until it is destroyed.
  std::unique_ptr<storage::EventLog> event_log;
  std::unique_ptr<service::Events> events;
  std::unique_ptr<service::Notices> notices;
  std::unique_ptr<service::Messages> messages;
  std::unique_ptr<service::Notifier> notifier;
  std::unique_ptr<service::Hosts> hosts;
  std::unique_ptr<service::Meetings> meetings;
  std::unique_ptr<service::Leader> leader;
  std::unique_ptr<api::Deps> deps;
  std::unique_ptr<http::StaticFiles> files;
  std::unique_ptr<api::Routes> routes;
  std::unique_ptr<http::Server> server;
  // SIGHUP: reload the TLS certificate (declared after `loop`, so it goes first).
  std::unique_ptr<asio::signal_set> hangup;
  std::vector<std::unique_ptr<PeriodicTask>> tasks;
  PeriodicTask* reconcile_task = nullptr;
  PeriodicTask* notify_task = nullptr;
  // The tasks that only the leader runs, woken when this instance becomes it.
  std::vector<PeriodicTask*> leader_tasks;
  std::thread loop_thread;
  bool stopped = false;

  // Runs `operation` on the loop from a thread that is not the loop's (the CLI, before Start).
  template <typename T>
  T RunOnLoop(asio::awaitable<T> operation) {
    auto future = asio::co_spawn(loop, std::move(operation), asio::use_future);
    loop.restart();
    while (future.wait_for(milliseconds(0)) != std::future_status::ready) loop.run_one();
    return future.get();
  }
};

Portal::Portal() : impl_(std::make_unique<Impl>()) {}

Portal::~Portal() { Stop(); }

Result<std::unique_ptr<Portal>> Portal::Create(const Config& config) {
  std::unique_ptr<Portal> portal(new Portal());
  Impl& p = *portal->impl_;
  p.config = config;

  // Checked first, so that a wrong WEB_ROOT stops the start before anything is created.
  std::error_code exe_error;
  auto executable = std::filesystem::read_symlink("/proc/self/exe", exe_error);
  auto web_root = ResolveWebRoot(config, exe_error ? std::filesystem::path() : executable,
                                 std::filesystem::path(GP_SOURCE_DIR) / "web");
  if (!web_root) return tl::unexpected(web_root.error());

  auto box = crypto::SecretBox::LoadOrCreateKeyFile(config.secret_key_file);
  if (!box) return Fail(ErrorCode::kBadRequest, "SECRET_KEY_FILE: " + box.error().message);
  p.box = std::make_unique<crypto::SecretBox>(*box);

  if (auto file = storage::SqliteFilePath(config.database_url); !file.empty()) {
    auto lock = storage::sqlite::DatabaseLock::Take(file, storage::sqlite::DatabaseLock::Mode::kShared);
    if (!lock) return Fail(ErrorCode::kUnavailable, "DATABASE_URL: " + lock.error().message);
    p.database_lock.emplace(std::move(*lock));
  }
  storage::StorageOptions storage_options;
  storage_options.pool_size = config.database_pool_size;
  auto storage = storage::OpenStorage(config.database_url, storage_options);
  if (!storage) return Fail(ErrorCode::kUnavailable, "DATABASE_URL: " + storage.error().message);
  p.storage = std::move(*storage);
  auto migrated = p.storage->Migrate();
  if (!migrated) return Fail(ErrorCode::kUnavailable, "DATABASE_URL: " + migrated.error().message);

  p.pool = std::make_unique<WorkPool>(config.worker_threads, kMaxPendingWork);
  if (config.database_shared()) p.pool->SetReadsBlock(config.database_pool_size);
  p.transport = std::make_unique<webex::CurlTransport>(p.loop.get_executor());
  p.webex = std::make_unique<webex::Client>(config.webex_api_url, *p.transport);
  p.webex->SetHooks(p.metrics->WebexHooks());
  if (config.guest_provider == GuestProvider::kGuestIssuer) {
    p.provider = std::make_unique<webex::GuestIssuerProvider>(*p.webex, config.guest_issuer_id,
                                                              config.guest_shared_secret,
                                                              config.guest_token_expiration, p.clock);
  } else {
    p.provider = std::make_unique<webex::ServiceAppProvider>(*p.webex, config.service_app_client_id,
                                                             config.service_app_client_secret,
                                                             config.service_app_refresh_token, p.clock);
  }
  p.throttle = std::make_unique<domain::LoginThrottle>();
  p.audit = std::make_unique<service::Audit>(*p.storage, *p.pool, p.clock);
  p.audit->SetObserver(
      [metrics = p.metrics.get()](const std::string& action, const std::string& outcome) {
        metrics->Audited(action, outcome);
      });
  p.sessions = std::make_unique<service::Sessions>(*p.storage, p.clock, config.guest_token_expiration,
                                                   !config.database_shared());
  p.app_admin = std::make_unique<service::AppAdmin>(*p.storage, *p.webex, *p.pool, *p.box, *p.audit, p.clock,
                                                    config.client_id, config.client_secret);
  p.guest_tokens =
      std::make_unique<service::GuestTokens>(*p.storage, *p.provider, *p.pool, *p.box, *p.audit, p.clock);
  p.spaces = std::make_unique<service::Spaces>(*p.storage, *p.webex, *p.app_admin, *p.guest_tokens, *p.pool,
                                               *p.audit, p.intents, p.clock);
  p.guests = std::make_unique<service::Guests>(*p.storage, *p.sessions, *p.audit, p.clock, config.password_hash);
  p.policy = std::make_unique<service::Policy>(*p.storage, *p.audit, p.clock);
  p.policy->SetDirectoryRenderer(api::GuestListItem);
  p.guest_auth = std::make_unique<service::GuestAuth>(*p.storage, *p.sessions, *p.app_admin, *p.guest_tokens,
                                                      *p.throttle, *p.pool, *p.audit, p.clock, config.password_hash);
  service::AdminAuthOptions admin_options;
  admin_options.client_id = config.client_id;
  admin_options.client_secret = config.client_secret;
  admin_options.redirect_uri = config.public_url + "/auth/webex/callback";
  admin_options.admin_emails = config.admin_emails;
  admin_options.scopes = kAdminScopes;
  p.admin_auth = std::make_unique<service::AdminAuth>(*p.storage, *p.webex, *p.sessions, *p.app_admin, *p.pool,
                                                      *p.audit, p.clock, admin_options);
  service::ReconcilerOptions reconciler_options;
  // Another instance may be creating a space right now: an intent counts as abandoned only once it is
  // older than any creation lasts (kCreateBudget, 20 s).
  if (config.database_shared()) reconciler_options.intent_grace_seconds = kSharedIntentGraceSeconds;
  p.reconciler = std::make_unique<service::Reconciler>(*p.storage, *p.webex, *p.app_admin, *p.pool, *p.audit,
                                                       p.intents, p.clock, reconciler_options);
  // With SQLite one process uses the database, and a restarted one carries on as the same runner.
  p.leader = std::make_unique<service::Leader>(*p.storage, *p.pool, p.clock,
                                               config.database_shared() ? InstanceName() : "local");

  service::Events::Options event_options;
  if (config.database_shared()) {
    // Live events reach the streams of every instance through the database.
    auto log = storage::OpenPostgresEventLog(config.database_url);
    if (!log) return Fail(ErrorCode::kUnavailable, "DATABASE_URL: " + log.error().message);
    p.event_log = std::move(*log);
    event_options.log = p.event_log.get();
  }
  event_options.stream.farewell = kStreamFarewell;
  p.events = std::make_unique<service::Events>(event_options);
  p.notices = std::make_unique<service::Notices>(*p.storage, *p.events);
  p.messages = std::make_unique<service::Messages>(*p.storage, *p.webex, *p.app_admin, *p.guest_tokens, *p.pool,
                                                   *p.notices, *p.audit, p.clock, config.max_file_bytes);
  p.notifier = std::make_unique<service::Notifier>(
      *p.storage, *p.webex, *p.app_admin, *p.messages, *p.pool, *p.box,
      config.effective_notify_mode == NotifyMode::kWebhook ? service::NotifyMode::kWebhook
                                                           : service::NotifyMode::kPoll,
      config.public_url + "/webhooks/webex");
  p.hosts = std::make_unique<service::Hosts>(*p.storage, *p.webex, *p.pool, *p.box, *p.audit, p.clock,
                                             service::HostsOptions{config.client_id, config.client_secret,
                                                                   config.public_url});
  service::MeetingsOptions meeting_options;
  meeting_options.mode =
      config.meeting_mode == MeetingMode::kSpacePool ? service::MeetingMode::kSpacePool : service::MeetingMode::kAdhoc;
  meeting_options.lease_timeout = config.meeting_lease_timeout;
  meeting_options.meeting_check_seconds = config.effective_notify_mode == NotifyMode::kWebhook
                                              ? config.poll_interval * kWebhookCheckPolls
                                              : config.poll_interval;
  meeting_options.media_available = config.webex_api_url.starts_with(kRealWebexApi);
  p.meetings = std::make_unique<service::Meetings>(*p.storage, *p.webex, *p.app_admin, *p.hosts, *p.pool,
                                                   *p.notices, *p.audit, p.clock, meeting_options);
  p.admin_auth->SetHosts(p.hosts.get());
  p.metrics->Watch(
      {*p.events, *p.app_admin, *p.hosts, *p.guest_tokens, *p.reconciler, *p.policy, *p.storage, *p.pool});
  p.reconciler->SetHosts(p.hosts.get());
  api::ApiOptions options;
  options.secure_cookies = config.public_url_is_https;
  options.demo = config.demo;
  options.guest_provider = config.guest_provider == GuestProvider::kGuestIssuer ? "guest-issuer" : "service-app";
  options.web_root = *web_root;
  options.webex_origin = OriginOf(config.webex_api_url);
  options.reads_block = config.database_shared();
  options.metrics = &p.metrics->registry();
  options.metrics_token = config.metrics_token;
  options.collect_metrics = [metrics = p.metrics.get()] { metrics->Collect(); };
  auto migrations = storage::EmbeddedMigrations(config.database_shared() ? "postgres" : "sqlite");
  options.schema_version = migrations.empty() ? 0 : migrations.back().version;
  if (config.database_shared()) {
    auto open = [url = config.database_url]() { return storage::postgres::Connection::Open(url, {}); };
    auto off_loop = [&p](storage::postgres::AsyncVersion::Open opener)
        -> asio::awaitable<Result<std::unique_ptr<storage::postgres::Connection>>> {
      co_return co_await p.pool->Read(std::move(opener));
    };
    p.versions = std::make_unique<storage::postgres::AsyncVersion>(p.loop.get_executor(), open, off_loop);
    options.version_now = [&p]() { return p.versions->Current(); };
  }
  p.deps = std::make_unique<api::Deps>(api::Deps{*p.storage, *p.pool, *p.sessions, *p.app_admin, *p.guests,
                                                 *p.policy, *p.spaces, *p.guest_auth, *p.admin_auth, *p.messages,
                                                 *p.notices, *p.notifier, *p.guest_tokens, *p.hosts,
                                                 *p.meetings, *p.audit, options});
  return portal;
}

Result<void> Portal::Start() {
  Impl& p = *impl_;
  // The server's start only: CLI commands leave the pool as it is.
  if (!p.config.large_spaces_file.empty()) {
    auto imported = ImportLargeSpaces(*p.hosts, p.config.large_spaces_file);
    if (!imported) return Fail(ErrorCode::kBadRequest, "LARGE_SPACES_FILE: " + imported.error().message);
    if (*imported > 0) log::info("LARGE_SPACES_FILE: {} pool space(s) added", *imported);
  }
  p.files = std::make_unique<http::StaticFiles>(p.deps->options.web_root);
  p.routes = api::BuildRoutes(*p.deps, *p.files);
  http::ServerOptions options;
  options.host = p.config.listen_host;
  options.port = p.config.listen_port;
  options.refusal_headers = p.routes->security_headers();
  options.trusted_proxies = http::TrustedProxies::Parse(p.config.trusted_proxies).value_or(http::TrustedProxies());
  // Only a message's upload may carry a file; every other route keeps the small limit.
  const std::size_t upload_limit = static_cast<std::size_t>(p.config.max_file_bytes) + kUploadFraming;
  options.body_limit_for = [upload_limit, small = options.body_limit](std::string_view method,
                                                                      std::string_view target) {
    return method == "POST" && IsMessagesTarget(target) ? upload_limit : small;
  };
  options.large_body_slots = kUploadSlots;
  options.on_answer = [metrics = p.metrics.get()](std::string_view method, std::string_view route,
                                                  int status, std::chrono::duration<double> took) {
    metrics->Answered(method, route, status, took);
  };
  options.drain_grace = kDrainGrace;
  options.tls = TlsFilesOf(p.config);
  p.server = std::make_unique<http::Server>(options, p.routes->Handler(), p.loop);
  auto started = p.server->Start();
  if (!started && started.error().reason == "tls_file")
    return Fail(started.error().code, TlsErrorLine(started.error()));
  if (!started) return Fail(started.error().code, "LISTEN_ADDRESS: " + started.error().message);
  WatchHangup(p);

  auto executor = p.loop.get_executor();
  // Background work for one instance at a time: the leader's. Its first renewal wakes these tasks.
  auto leader_task = [&p, executor](const char* name, std::chrono::milliseconds interval, PeriodicTask::Body body) {
    p.tasks.push_back(std::make_unique<PeriodicTask>(executor, name, interval,
                                                     [&p, body = std::move(body)]() -> asio::awaitable<void> {
      if (!p.leader->leading()) co_return;
      co_await body();
    }));
    p.leader_tasks.push_back(p.tasks.back().get());
    return p.tasks.back().get();
  };
  p.leader->SetOnChange([&p](bool leading) {
    if (!leading) return;
    for (auto* task : p.leader_tasks) task->Wake();
  });
  p.tasks.push_back(std::make_unique<PeriodicTask>(executor, "leader", seconds(p.leader->options().renew_every),
                                                   [&p]() -> asio::awaitable<void> { co_await p.leader->Renew(); }));
  leader_task("AppAdmin refresh", kRefreshInterval, [&p]() -> asio::awaitable<void> {
    auto ready = co_await p.pool->Read([&p]() -> Result<bool> { return p.app_admin->Ready(); });
    if (!ready || !*ready) co_return;
    auto refreshed = co_await p.app_admin->RefreshIfDue(webex::DeadlineIn(seconds(30)));
    if (!refreshed) log::warn("AppAdmin refresh: {}", log::Safe(refreshed.error().message));
  });
  leader_task("clean-up", kCleanupInterval, [&p]() -> asio::awaitable<void> {
    co_await p.pool->Run([&p]() -> Result<void> {
      (void)p.storage->DeleteExpiredSessions(p.clock());
      (void)p.storage->DeleteExpiredOAuthStates(p.clock());
      (void)p.storage->DeleteSpaceMessagesSeenBefore(p.clock() - kMessageRecordSeconds);
      if (auto purged = p.audit->Purge(p.config.audit_retention_days); !purged) {
        log::warn("audit retention: {}", log::Safe(purged.error().message));
      }
      return {};
    });
  });
  p.tasks.push_back(std::make_unique<PeriodicTask>(executor, "reconciler", kReconcileInterval,
                                                   [&p]() -> asio::awaitable<void> {
    co_await p.reconciler->RunOnce();
  }));
  p.reconcile_task = p.tasks.back().get();
  auto wake = [&p] {
    if (p.reconcile_task) p.reconcile_task->Wake();
  };
  p.spaces->SetOnQueued(wake);
  p.policy->SetOnQueued(wake);
  p.guests->SetOnQueued(wake);
  const auto poll_interval = seconds(p.config.poll_interval);
  p.notify_task = leader_task(
      p.notifier->mode() == service::NotifyMode::kPoll ? "poll" : "webhook check",
      p.notifier->mode() == service::NotifyMode::kPoll ? poll_interval : poll_interval * kWebhookCheckPolls,
      [&p]() -> asio::awaitable<void> {
        auto checked = co_await p.notifier->Check();
        if (!checked) log::warn("learning of new messages: {}", log::Safe(checked.error().message));
      });
  p.app_admin->SetOnAdopted([&p] {
    if (p.notify_task) p.notify_task->Wake();
  });
  leader_task("guest expiry", seconds(p.config.guest_expiry_interval), [&p]() -> asio::awaitable<void> {
    auto expired = co_await p.pool->Run([&p] { return p.guests->ExpireDue(); });
    if (!expired) {
      log::warn("guest expiry: {}", log::Safe(expired.error().message));
    } else if (!expired->disabled.empty() || expired->failed > 0) {
      log::info("guest expiry: {} disabled, {} to try again", expired->disabled.size(), expired->failed);
    }
  });
  leader_task("host token refresh", kRefreshInterval, [&p]() -> asio::awaitable<void> { co_await p.hosts->RefreshDue(); });
  const int64_t sweep_seconds =
      std::clamp<int64_t>(std::min<int64_t>(p.config.meeting_lease_timeout / 4, p.config.poll_interval), 1, 10);
  // With SQLite a lease still starting when the server starts was left by a stopped process; with a
  // shared database another instance may be starting it, and the sweep gives it up once it is stale.
  auto recovered = std::make_shared<bool>(p.config.database_shared());
  leader_task("meeting leases", seconds(sweep_seconds), [&p, recovered]() -> asio::awaitable<void> {
    if (!*recovered) {
      *recovered = true;
      co_await p.meetings->Recover();
    }
    co_await p.meetings->Sweep();
  });
  p.meetings->SetOnQueued(wake);
  p.notifier->SetOnMeetingEnded(
      [&p](std::string meeting_id) -> asio::awaitable<void> { co_await p.meetings->MeetingEnded(std::move(meeting_id)); });
  p.tasks.push_back(std::make_unique<PeriodicTask>(executor, "event streams", kStreamSweepInterval,
                                                   [&p]() -> asio::awaitable<void> {
    // Each open stream's session is looked up, which with a shared database is a query: off the loop.
    co_await p.pool->Read([&p]() -> Result<void> {
      std::unordered_map<std::string, bool> alive;  // a session often has several streams
      p.events->Sweep(p.clock(), [&p, &alive](const std::string& cookie) {
        auto [it, fresh] = alive.try_emplace(cookie, false);
        if (fresh) it->second = p.sessions->Resolve(cookie).has_value();
        return it->second;
      });
      return {};
    });
  }));
  p.spaces->SetOnCreated([&p](const storage::SpaceRecord& space) { p.notices->SpaceCreated(space); });
  auto closed = [&p](const std::vector<std::string>& ids) {
    p.notices->SpacesClosed(ids);
    // Called on the pool: the leases of the closed spaces end on the loop.
    asio::co_spawn(p.loop, p.meetings->SpacesClosed(ids), asio::detached);
  };
  p.policy->SetOnClosed(closed);
  p.guests->SetOnClosed(closed);
  p.guests->SetOnSessionsEnded(
      [&p](const std::string& guest_id, const std::string& reason) { p.notices->GuestSessionsEnded(guest_id, reason); });
  // One server per database (SQLite): no other runner holds a claim that should be waited for. The
  // jobs of a process that was killed mid-attempt are taken up at once. With a shared database the
  // claims of another instance are its own; those of a dead one lapse within the claim's lease (10 s).
  if (!p.config.database_shared()) {
    if (auto released = p.storage->ReleaseWebexJobClaims(); released && *released > 0) {
      log::info("reconciler: took over {} Webex job(s) left by a stopped process", *released);
    }
  }
  for (auto& task : p.tasks) task->Start();

  p.loop.restart();
  p.loop_thread = std::thread([&p] {
    loop_thread::Mark on_loop;
    auto guard = asio::make_work_guard(p.loop);
    p.loop.run();
  });
  std::cout << "guest-portal listening on " << (p.config.tls() ? "https://" : "http://")
            << p.config.listen_host << ":" << p.server->port() << std::endl;
  log::info("guest-portal listening on {}:{} (public URL {}, {} pool threads)", p.config.listen_host,
            p.server->port(), p.config.public_url, p.pool->threads());
  return {};
}

// SIGHUP reloads the TLS certificate and key (certificate renewal, `systemctl reload`); the files
// are read on the pool. Without TLS it only says so: a reload must never stop the server.
void Portal::WatchHangup(Impl& p) {
  p.hangup = std::make_unique<asio::signal_set>(p.loop, SIGHUP);
  asio::co_spawn(
      p.loop,
      [&p]() -> asio::awaitable<void> {
        for (;;) {
          boost::system::error_code ec;
          co_await p.hangup->async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (ec) co_return;
          if (!p.server->tls()) {
            log::info("SIGHUP: nothing to reload (TLS is off)");
            continue;
          }
          auto reload = [&p] { return p.server->ReloadTls(); };
          auto reloaded = co_await p.pool->Run(reload);
          if (reloaded) {
            log::info("SIGHUP: TLS certificate reloaded from {}", p.config.tls_cert_file);
          } else if (reloaded.error().reason == "tls_file") {
            log::error("SIGHUP: TLS reload failed, the current certificate stays: {}",
                       TlsErrorLine(reloaded.error()));
          } else {
            log::error("SIGHUP: TLS reload failed, the current certificate stays: {}",
                       reloaded.error().message);
          }
        }
      },
      asio::detached);
}

uint16_t Portal::port() const { return impl_->server ? impl_->server->port() : 0; }

void Portal::Wait() {
  Impl& p = *impl_;
  if (p.server) {
    // The signal starts Stop(), which drains the server and the background work together.
    std::promise<void> signalled;
    asio::signal_set signals(p.loop, SIGINT, SIGTERM);
    signals.async_wait(
        [&signalled](const boost::system::error_code&, int) { signalled.set_value(); });
    signalled.get_future().wait();
  }
  Stop();
}

void Portal::Stop() {
  Impl& p = *impl_;
  if (p.stopped) return;
  p.stopped = true;
  const auto deadline = std::chrono::steady_clock::now() + kDrainGrace;
  for (auto& task : p.tasks) task->Stop();
  http::DrainReport drained;
  if (p.server) drained = p.server->Stop();
  // A background pass under way (the reconciler in the middle of a Webex call) may finish within
  // the same grace; what it does not finish stays in the database as pending work.
  auto running = [&p] {
    return std::count_if(p.tasks.begin(), p.tasks.end(),
                         [](const auto& task) { return task->running(); });
  };
  while (running() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  const auto tasks_cut = running();
  if (p.loop_thread.joinable()) {
    p.loop.stop();
    p.loop_thread.join();
  }
  // Another instance takes the background work at once instead of after the term.
  if (p.leader && p.config.database_shared()) p.leader->Release();
  if (p.pool) p.pool->Join();
  if (!p.server) return;
  // One line for the operator: what the stop waited for and what the next start takes up.
  const int64_t pending = p.reconciler->Backlog();
  log::info("stopped: {} request(s) in flight finished, {} cut off; {} event stream(s) ended with a "
            "reconnect hint; {} background task(s) cut off; {} Webex job(s) pending for the next start",
            drained.requests - drained.unfinished, drained.unfinished, drained.streams, tasks_cut, pending);
}

Result<int64_t> Portal::ReconcileNow(seconds budget) {
  Impl& p = *impl_;
  return p.RunOnLoop([&p, budget]() -> asio::awaitable<Result<int64_t>> {
    const auto until = std::chrono::steady_clock::now() + budget;
    while (std::chrono::steady_clock::now() < until) {
      auto report = co_await p.reconciler->RunOnce();
      if (report.done == 0 && report.retried == 0) break;
      if (report.retried > 0) break;  // what failed waits for its back-off; the server retries it
    }
    co_return p.reconciler->Backlog();
  }());
}

void Portal::RunOnLoop(const std::function<asio::awaitable<void>()>& operation) {
  impl_->RunOnLoop(operation());
}

webex::Api& Portal::webex() { return *impl_->webex; }
service::AppAdmin& Portal::app_admin() { return *impl_->app_admin; }
storage::Storage& Portal::storage() { return *impl_->storage; }
service::Guests& Portal::guests() { return *impl_->guests; }
service::Audit& Portal::audit() { return *impl_->audit; }
service::Hosts& Portal::hosts() { return *impl_->hosts; }
service::Policy& Portal::policy() { return *impl_->policy; }
const Config& Portal::config() const { return impl_->config; }

}  // namespace gp::app
