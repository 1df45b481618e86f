#include "app/portal.hpp"

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "api/api.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "domain/throttle.hpp"
#include "http/server.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/guest_tokens.hpp"
#include "service/sessions.hpp"
#include "service/sign_in.hpp"
#include "service/spaces.hpp"
#include "storage/open.hpp"
#include "webex/client.hpp"
#include "webex/curl_transport.hpp"
#include "webex/guest_token_provider.hpp"

namespace gp::app {
namespace {

constexpr auto kRefreshInterval = std::chrono::seconds(60);
constexpr const char* kAdminScopes = "spark:all spark:kms spark:people_read spark:rooms_read spark:rooms_write "
                                     "spark:memberships_read spark:memberships_write spark:messages_read "
                                     "spark:messages_write meeting:schedules_read meeting:schedules_write";

// The web UI ships beside the binary when installed, and in the source tree when built.
std::filesystem::path WebRoot() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path() / "web";
    if (std::filesystem::exists(installed / "index.html", ec)) return installed;
  }
  return std::filesystem::path(GP_SOURCE_DIR) / "web";
}

std::string OriginOf(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return {};
  auto path_start = url.find('/', scheme_end + 3);
  return url.substr(0, path_start);
}

}  // namespace

struct Portal::Impl {
  Config config;
  std::unique_ptr<crypto::SecretBox> box;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<webex::CurlTransport> transport;
  std::unique_ptr<webex::Client> webex;
  std::unique_ptr<webex::GuestTokenProvider> provider;
  std::unique_ptr<domain::LoginThrottle> throttle;
  service::Clock clock = service::SystemClock();
  std::unique_ptr<service::Audit> audit;
  std::unique_ptr<service::Sessions> sessions;
  std::unique_ptr<service::AppAdmin> app_admin;
  std::unique_ptr<service::GuestTokens> guest_tokens;
  std::unique_ptr<service::Spaces> spaces;
  std::unique_ptr<service::Guests> guests;
  std::unique_ptr<service::Policy> policy;
  std::unique_ptr<service::GuestAuth> guest_auth;
  std::unique_ptr<service::AdminAuth> admin_auth;
  std::unique_ptr<api::Deps> deps;
  std::unique_ptr<http::Server> server;

  std::thread refresher;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;

  void RefreshLoop() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      lock.unlock();
      if (app_admin->Ready()) {
        auto refreshed = app_admin->RefreshIfDue();
        if (!refreshed) log::warn("AppAdmin refresh: {}", refreshed.error().message);
      }
      (void)storage->DeleteExpiredSessions(clock());
      lock.lock();
      wake.wait_for(lock, kRefreshInterval, [this] { return stopping; });
    }
  }
};

Portal::Portal() : impl_(std::make_unique<Impl>()) {}

Portal::~Portal() { Stop(); }

Result<std::unique_ptr<Portal>> Portal::Create(const Config& config) {
  std::unique_ptr<Portal> portal(new Portal());
  Impl& p = *portal->impl_;
  p.config = config;

  auto box = crypto::SecretBox::LoadOrCreateKeyFile(config.secret_key_file);
  if (!box) return Fail(ErrorCode::kBadRequest, "SECRET_KEY_FILE: " + box.error().message);
  p.box = std::make_unique<crypto::SecretBox>(*box);

  auto storage = storage::OpenStorage(config.database_url);
  if (!storage) return Fail(ErrorCode::kUnavailable, "DATABASE_URL: " + storage.error().message);
  p.storage = std::move(*storage);
  auto migrated = p.storage->Migrate();
  if (!migrated) return Fail(ErrorCode::kUnavailable, "DATABASE_URL: " + migrated.error().message);

  p.transport = std::make_unique<webex::CurlTransport>();
  p.webex = std::make_unique<webex::Client>(config.webex_api_url, *p.transport);
  if (config.guest_provider == GuestProvider::kGuestIssuer) {
    p.provider = std::make_unique<webex::GuestIssuerProvider>(*p.webex, config.guest_issuer_id,
                                                              config.guest_shared_secret,
                                                              config.guest_token_expiration);
  } else {
    p.provider = std::make_unique<webex::ServiceAppProvider>(*p.webex, config.service_app_client_id,
                                                             config.service_app_client_secret,
                                                             config.service_app_refresh_token);
  }
  p.throttle = std::make_unique<domain::LoginThrottle>();
  p.audit = std::make_unique<service::Audit>(*p.storage, p.clock);
  p.sessions = std::make_unique<service::Sessions>(*p.storage, p.clock, config.guest_token_expiration);
  p.app_admin = std::make_unique<service::AppAdmin>(*p.storage, *p.webex, *p.box, p.clock, config.client_id,
                                                    config.client_secret);
  p.guest_tokens = std::make_unique<service::GuestTokens>(*p.storage, *p.provider, *p.box, p.clock);
  p.spaces = std::make_unique<service::Spaces>(*p.storage, *p.webex, *p.app_admin, *p.guest_tokens, *p.audit,
                                               p.clock);
  p.guests = std::make_unique<service::Guests>(*p.storage, *p.sessions, *p.spaces, *p.guest_tokens, *p.audit,
                                               p.clock);
  p.policy = std::make_unique<service::Policy>(*p.storage, *p.spaces, *p.audit);
  p.guest_auth = std::make_unique<service::GuestAuth>(*p.storage, *p.sessions, *p.app_admin, *p.guest_tokens,
                                                      *p.throttle, *p.audit, p.clock);
  service::AdminAuthOptions admin_options;
  admin_options.client_id = config.client_id;
  admin_options.client_secret = config.client_secret;
  admin_options.redirect_uri = config.public_url + "/auth/webex/callback";
  admin_options.admin_emails = config.admin_emails;
  admin_options.scopes = kAdminScopes;
  p.admin_auth = std::make_unique<service::AdminAuth>(*p.storage, *p.webex, *p.sessions, *p.app_admin, *p.audit,
                                                      p.clock, admin_options);

  api::ApiOptions options;
  options.secure_cookies = config.public_url_is_https;
  options.demo = config.demo;
  options.guest_provider = config.guest_provider == GuestProvider::kGuestIssuer ? "guest-issuer" : "service-app";
  options.web_root = WebRoot();
  options.webex_origin = OriginOf(config.webex_api_url);
  p.deps = std::make_unique<api::Deps>(api::Deps{*p.storage, *p.sessions, *p.app_admin, *p.guests, *p.policy,
                                                 *p.spaces, *p.guest_auth, *p.admin_auth, options});
  return portal;
}

Result<void> Portal::Start() {
  Impl& p = *impl_;
  http::ServerOptions options;
  options.host = p.config.listen_host;
  options.port = p.config.listen_port;
  options.io_threads = 1;
  options.worker_threads = p.config.worker_threads;
  // Reads answer from SQLite alone (microseconds) and stay on the I/O threads; anything that may call
  // Webex, hash a password or write runs on the workers.
  options.run_inline = [](const http::Request& request) {
    return (request.method == "GET" || request.method == "HEAD") && !request.path.starts_with("/auth/");
  };
  p.server = std::make_unique<http::Server>(options, api::BuildHandler(*p.deps));
  auto started = p.server->Start();
  if (!started) return Fail(started.error().code, "LISTEN_ADDRESS: " + started.error().message);
  p.refresher = std::thread([&p] { p.RefreshLoop(); });
  std::cout << "guest-portal listening on http://" << p.config.listen_host << ":" << p.server->port() << std::endl;
  log::info("guest-portal listening on {}:{} (public URL {})", p.config.listen_host, p.server->port(),
            p.config.public_url);
  return {};
}

uint16_t Portal::port() const { return impl_->server ? impl_->server->port() : 0; }

void Portal::Wait() {
  if (impl_->server) impl_->server->Wait(true);
  Stop();
}

void Portal::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->server) impl_->server->Stop();
  if (impl_->refresher.joinable()) impl_->refresher.join();
}

Result<std::string> Portal::CheckWebex() {
  Impl& p = *impl_;
  if (p.app_admin->Ready()) {
    auto token = p.app_admin->AccessToken();
    if (!token) return tl::unexpected(token.error());
    auto me = p.webex->GetMe(*token);
    if (!me) return tl::unexpected(me.error());
    return "Webex: reachable as the AppAdmin " + p.app_admin->Status().email;
  }
  auto anonymous = p.webex->GetMe("");
  if (!anonymous && anonymous.error().code == ErrorCode::kUnauthorized) {
    return std::string("Webex: reachable (no administrator has signed in yet)");
  }
  if (!anonymous) return tl::unexpected(anonymous.error());
  return Fail(ErrorCode::kUpstream, "Webex answered a request without a token: is WEBEX_API_URL right?");
}

storage::Storage& Portal::storage() { return *impl_->storage; }
service::Guests& Portal::guests() { return *impl_->guests; }
service::Policy& Portal::policy() { return *impl_->policy; }
const Config& Portal::config() const { return impl_->config; }

}  // namespace gp::app
