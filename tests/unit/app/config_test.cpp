#include "app/config.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace gp::app {
namespace {

using Env = std::map<std::string, std::string>;

// The smallest environment that starts outside demo mode.
Env Production() {
  return {{"CLIENT_ID", "cid"},
          {"CLIENT_SECRET", "csecret"},
          {"ADMIN_EMAILS", "admin@example.com"},
          {"SERVICE_APP_CLIENT_ID", "sa-id"},
          {"SERVICE_APP_CLIENT_SECRET", "sa-secret"},
          {"SERVICE_APP_REFRESH_TOKEN", "sa-refresh"}};
}

Env With(Env env, const std::string& key, const std::string& value) {
  env[key] = value;
  return env;
}

Env Without(Env env, const std::string& key) {
  env.erase(key);
  return env;
}

std::string ErrorOf(const Env& env, const std::string& dotenv = "") {
  auto config = LoadConfig(env, dotenv);
  if (config) return "ok";
  EXPECT_EQ(config.error().message.find('\n'), std::string::npos);
  return config.error().message;
}

TEST(Config, DefaultsInDemoMode) {
  auto config = LoadConfig({{"DEMO", "true"}}, "");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->listen_host, "127.0.0.1");
  EXPECT_EQ(config->listen_port, 5000);
  EXPECT_EQ(config->public_url, "http://localhost:5000");
  EXPECT_FALSE(config->public_url_is_https);
  EXPECT_EQ(config->database_url, "sqlite:data/portal.db");
  EXPECT_EQ(config->database_pool_size, 8);
  EXPECT_EQ(config->trusted_proxies, "");
  EXPECT_FALSE(config->database_shared());
  EXPECT_EQ(config->secret_key_file, "data/secret.key");
  EXPECT_EQ(config->webex_api_url, "https://webexapis.com/v1");
  EXPECT_TRUE(config->client_id.empty());
  EXPECT_TRUE(config->admin_emails.empty());
  EXPECT_EQ(config->guest_provider, GuestProvider::kServiceApp);
  EXPECT_FALSE(config->guest_provider_configured);
  EXPECT_EQ(config->guest_token_expiration, 5400);
  EXPECT_EQ(config->meeting_mode, MeetingMode::kAdhoc);
  EXPECT_TRUE(config->large_spaces_file.empty());
  EXPECT_EQ(config->notify_mode, NotifyMode::kAuto);
  EXPECT_EQ(config->effective_notify_mode, NotifyMode::kPoll);
  EXPECT_EQ(config->log_level, "info");
  EXPECT_FALSE(config->log_json);
  EXPECT_EQ(config->worker_threads, 0);  // one per core
  EXPECT_EQ(config->password_hash.memory_kib, 19456);
  EXPECT_EQ(config->password_hash.iterations, 2);
  EXPECT_TRUE(config->demo);
}

TEST(Config, ProductionNeedsOnlyTheWebexKeys) {
  auto config = LoadConfig(Production(), "");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->demo);
  EXPECT_TRUE(config->guest_provider_configured);
  EXPECT_EQ(config->service_app_refresh_token, "sa-refresh");
}

TEST(Config, Overrides) {
  Env env = Production();
  env["LISTEN_ADDRESS"] = "0.0.0.0:8080";
  env["PUBLIC_URL"] = "HTTPS://portal.example.org/";
  env["DATABASE_URL"] = "postgresql://gp:pw@db/gp";
  env["DATABASE_POOL_SIZE"] = "16";
  env["TRUSTED_PROXIES"] = " 127.0.0.1, 10.0.0.0/8 ";
  env["SECRET_KEY_FILE"] = "/etc/gp/key";
  env["WEBEX_API_URL"] = "http://127.0.0.1:5001/v1/";
  env["ADMIN_EMAILS"] = " Admin@Example.com, second@example.org,,admin@example.com ";
  env["GUEST_TOKEN_EXPIRATION"] = "3600";
  env["MEETING_MODE"] = "space-pool";
  env["LARGE_SPACES_FILE"] = "largespaces.json";
  env["LOG_LEVEL"] = "DEBUG";
  env["LOG_FORMAT"] = " JSON ";
  env["WORKER_THREADS"] = "2";
  env["PASSWORD_HASH_MEMORY_KIB"] = "65536";
  env["PASSWORD_HASH_ITERATIONS"] = "3";
  auto config = LoadConfig(env, "");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->listen_host, "0.0.0.0");
  EXPECT_EQ(config->listen_port, 8080);
  EXPECT_EQ(config->public_url, "https://portal.example.org");
  EXPECT_TRUE(config->public_url_is_https);
  EXPECT_EQ(config->effective_notify_mode, NotifyMode::kWebhook);
  EXPECT_EQ(config->database_url, "postgresql://gp:pw@db/gp");
  EXPECT_EQ(config->database_pool_size, 16);
  EXPECT_EQ(config->trusted_proxies, "127.0.0.1, 10.0.0.0/8");
  EXPECT_TRUE(config->database_shared());
  EXPECT_EQ(config->secret_key_file, "/etc/gp/key");
  EXPECT_EQ(config->webex_api_url, "http://127.0.0.1:5001/v1");
  EXPECT_EQ(config->admin_emails, (std::vector<std::string>{"admin@example.com", "second@example.org"}));
  EXPECT_EQ(config->guest_token_expiration, 3600);
  EXPECT_EQ(config->meeting_mode, MeetingMode::kSpacePool);
  EXPECT_EQ(config->large_spaces_file, "largespaces.json");
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_TRUE(config->log_json);
  EXPECT_EQ(config->worker_threads, 2);
  EXPECT_EQ(config->password_hash.memory_kib, 65536);
  EXPECT_EQ(config->password_hash.iterations, 3);
}

TEST(Config, MetricsToken) {
  auto unset = LoadConfig(Production(), "");
  ASSERT_TRUE(unset) << unset.error().message;
  EXPECT_EQ(unset->metrics_token, "");
  auto set = LoadConfig(With(Production(), "METRICS_TOKEN", "  scrape-Token_0123456789~+/=  "), "");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->metrics_token, "scrape-Token_0123456789~+/=");
  const std::string message =
      "METRICS_TOKEN: must be 16 to 256 characters of A-Z a-z 0-9 - . _ ~ + / = (the value is not "
      "shown)";
  for (const std::string& bad :
       {std::string("short-secret-15"), std::string("has a space in it 0123"),
        std::string("quote\"is-not-allowed-here"), std::string(257, 'a')}) {
    auto error = ErrorOf(With(Production(), "METRICS_TOKEN", bad));
    EXPECT_EQ(error, message) << bad;
    EXPECT_EQ(error.find(bad), std::string::npos) << "the error shows the token";
  }
  auto longest = LoadConfig(With(Production(), "METRICS_TOKEN", std::string(256, 'a')), "");
  EXPECT_TRUE(longest) << longest.error().message;
}

TEST(Config, ListenAddressForms) {
  auto v6 = LoadConfig(With(Production(), "LISTEN_ADDRESS", "[::1]:0"), "");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->listen_host, "::1");
  EXPECT_EQ(v6->listen_port, 0);
  const std::string message = "LISTEN_ADDRESS: must be HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:5000";
  for (const char* bad : {"5000", ":5000", "localhost", "localhost:", "localhost:65536", "localhost:-1",
                          "localhost:80x", "::1:5000", "[::1]5000", "local host:80"}) {
    EXPECT_EQ(ErrorOf(With(Production(), "LISTEN_ADDRESS", bad)), message) << bad;
  }
}

TEST(Config, NotifyModes) {
  auto https = With(Production(), "PUBLIC_URL", "https://portal.example.org");
  auto poll = LoadConfig(With(https, "NOTIFY_MODE", "poll"), "");
  ASSERT_TRUE(poll);
  EXPECT_EQ(poll->notify_mode, NotifyMode::kPoll);
  EXPECT_EQ(poll->effective_notify_mode, NotifyMode::kPoll);
  auto webhook = LoadConfig(With(Production(), "NOTIFY_MODE", "webhook"), "");
  ASSERT_TRUE(webhook);
  EXPECT_EQ(webhook->effective_notify_mode, NotifyMode::kWebhook);
  EXPECT_EQ(ErrorOf(With(Production(), "NOTIFY_MODE", "push")), "NOTIFY_MODE: must be auto, webhook or poll, not 'push'");
}

TEST(Config, EachInvalidValueNamesItsKey) {
  EXPECT_EQ(ErrorOf(With(Production(), "PUBLIC_URL", "portal.example.org")), "PUBLIC_URL: must be an http:// or https:// URL");
  EXPECT_EQ(ErrorOf(With(Production(), "PUBLIC_URL", "ftp://x")), "PUBLIC_URL: must be an http:// or https:// URL");
  EXPECT_EQ(ErrorOf(With(Production(), "PUBLIC_URL", "https://")), "PUBLIC_URL: must be an http:// or https:// URL");
  EXPECT_EQ(ErrorOf(With(Production(), "PUBLIC_URL", "https://a b")), "PUBLIC_URL: must be an http:// or https:// URL");
  EXPECT_EQ(ErrorOf(With(Production(), "PUBLIC_URL", "https://x/?a=1")), "PUBLIC_URL: must not have a query or fragment");
  EXPECT_EQ(ErrorOf(With(Production(), "WEBEX_API_URL", "webexapis.com")), "WEBEX_API_URL: must be an http:// or https:// URL");
  EXPECT_EQ(ErrorOf(With(Production(), "DATABASE_URL", "mysql://x")),
            "DATABASE_URL: must be sqlite:PATH or postgresql://USER:PASSWORD@HOST/DATABASE");
  EXPECT_EQ(ErrorOf(With(Production(), "DATABASE_URL", "sqlite:")),
            "DATABASE_URL: must be sqlite:PATH or postgresql://USER:PASSWORD@HOST/DATABASE");
  EXPECT_EQ(ErrorOf(With(Production(), "DATABASE_POOL_SIZE", "0")),
            "DATABASE_POOL_SIZE: must be a whole number from 1 to 256, not '0'");
  EXPECT_EQ(ErrorOf(With(Production(), "DATABASE_POOL_SIZE", "lots")),
            "DATABASE_POOL_SIZE: must be a whole number from 1 to 256, not 'lots'");
  EXPECT_EQ(ErrorOf(With(Production(), "TRUSTED_PROXIES", "127.0.0.1, nginx")),
            "TRUSTED_PROXIES: not an address or a network (address/prefix): nginx");
  EXPECT_EQ(ErrorOf(With(Production(), "ADMIN_EMAILS", "admin@example.com, bob")),
            "ADMIN_EMAILS: 'bob' is not an email address");
  EXPECT_EQ(ErrorOf(With(Production(), "GUEST_PROVIDER", "magic")),
            "GUEST_PROVIDER: must be service-app or guest-issuer, not 'magic'");
  EXPECT_EQ(ErrorOf(With(Production(), "MEETING_MODE", "pool")), "MEETING_MODE: must be adhoc or space-pool, not 'pool'");
  const std::string expiration = "GUEST_TOKEN_EXPIRATION: must be a whole number of seconds from 1 to 2592000, not ";
  EXPECT_EQ(ErrorOf(With(Production(), "GUEST_TOKEN_EXPIRATION", "0")), expiration + "'0'");
  EXPECT_EQ(ErrorOf(With(Production(), "GUEST_TOKEN_EXPIRATION", "-5")), expiration + "'-5'");
  EXPECT_EQ(ErrorOf(With(Production(), "GUEST_TOKEN_EXPIRATION", "90m")), expiration + "'90m'");
  EXPECT_EQ(ErrorOf(With(Production(), "GUEST_TOKEN_EXPIRATION", "99999999999999999999")),
            expiration + "'99999999999999999999'");
  EXPECT_EQ(ErrorOf(With(Production(), "LOG_LEVEL", "loud")), "LOG_LEVEL: must be debug, info, warn, error or off, not 'loud'");
  EXPECT_EQ(ErrorOf(With(Production(), "LOG_FORMAT", "logfmt")), "LOG_FORMAT: must be text or json, not 'logfmt'");
  EXPECT_FALSE(LoadConfig(With(Production(), "LOG_FORMAT", "text"), "").value().log_json);
  EXPECT_EQ(ErrorOf(With(Production(), "WORKER_THREADS", "0")), "WORKER_THREADS: must be a whole number from 1 to 256, not '0'");
  EXPECT_EQ(ErrorOf(With(Production(), "WORKER_THREADS", "lots")),
            "WORKER_THREADS: must be a whole number from 1 to 256, not 'lots'");
  EXPECT_EQ(ErrorOf(With(Production(), "DEMO", "maybe")), "DEMO: must be true or false, not 'maybe'");
}

TEST(Config, ErrorsCarryTheKeyAsField) {
  auto config = LoadConfig(With(Production(), "PUBLIC_URL", "nope"), "");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "PUBLIC_URL");
}

TEST(Config, PasswordHashCostBelowOwaspsMinimumIsRefused) {
  const std::string memory =
      "PASSWORD_HASH_MEMORY_KIB: must be a whole number of KiB from 19456 (OWASP's minimum for Argon2id) to "
      "4194304, not ";
  EXPECT_EQ(ErrorOf(With(Production(), "PASSWORD_HASH_MEMORY_KIB", "19455")), memory + "'19455'");
  EXPECT_EQ(ErrorOf(With(Production(), "PASSWORD_HASH_MEMORY_KIB", "0")), memory + "'0'");
  EXPECT_EQ(ErrorOf(With(Production(), "PASSWORD_HASH_MEMORY_KIB", "-1")), memory + "'-1'");
  EXPECT_EQ(ErrorOf(With(Production(), "PASSWORD_HASH_MEMORY_KIB", "19m")), memory + "'19m'");
  EXPECT_EQ(ErrorOf(With(Production(), "PASSWORD_HASH_MEMORY_KIB", "4194305")), memory + "'4194305'");
  const std::string iterations =
      "PASSWORD_HASH_ITERATIONS: must be a whole number from 2 (OWASP's minimum for Argon2id) to 100, not ";
  EXPECT_EQ(ErrorOf(With(Production(), "PASSWORD_HASH_ITERATIONS", "1")), iterations + "'1'");
  EXPECT_EQ(ErrorOf(With(Production(), "PASSWORD_HASH_ITERATIONS", "0")), iterations + "'0'");
  EXPECT_EQ(ErrorOf(With(Production(), "PASSWORD_HASH_ITERATIONS", "two")), iterations + "'two'");
  EXPECT_EQ(ErrorOf(With(Production(), "PASSWORD_HASH_ITERATIONS", "101")), iterations + "'101'");
  auto config = LoadConfig(With(Production(), "PASSWORD_HASH_ITERATIONS", "1"), "");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "PASSWORD_HASH_ITERATIONS");
  auto memory_config = LoadConfig(With(Production(), "PASSWORD_HASH_MEMORY_KIB", "1024"), "");
  ASSERT_FALSE(memory_config);
  EXPECT_EQ(memory_config.error().field, "PASSWORD_HASH_MEMORY_KIB");
}

TEST(Config, PasswordHashCostAtTheMinimumIsAccepted) {
  Env env = Production();
  env["PASSWORD_HASH_MEMORY_KIB"] = "19456";
  env["PASSWORD_HASH_ITERATIONS"] = "2";
  auto config = LoadConfig(env, "");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->password_hash.memory_kib, crypto::PasswordParams::kMinMemoryKib);
  EXPECT_EQ(config->password_hash.iterations, crypto::PasswordParams::kMinIterations);
}

TEST(Config, WorkerThreadsUnsetMeansOnePerCoreButZeroIsNotAValue) {
  auto config = LoadConfig(Production(), "");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->worker_threads, 0);
  EXPECT_EQ(ErrorOf(With(Production(), "WORKER_THREADS", "0")),
            "WORKER_THREADS: must be a whole number from 1 to 256, not '0'");
}

TEST(Config, EchoedValuesStayShortAndOnOneLine) {
  std::string message = ErrorOf(With(Production(), "GUEST_PROVIDER", "x\ny" + std::string(500, 'z')));
  EXPECT_LT(message.size(), 120u);
}

TEST(Config, WebexKeysAreRequiredOutsideDemo) {
  EXPECT_EQ(ErrorOf(Without(Production(), "CLIENT_ID")),
            "CLIENT_ID: is required unless DEMO=true (the client ID of the Webex Integration)");
  EXPECT_EQ(ErrorOf(Without(Production(), "CLIENT_SECRET")),
            "CLIENT_SECRET: is required unless DEMO=true (the client secret of the Webex Integration)");
  EXPECT_EQ(ErrorOf(Without(Production(), "ADMIN_EMAILS")),
            "ADMIN_EMAILS: is required unless DEMO=true (comma-separated Webex emails of the administrators)");
  EXPECT_EQ(ErrorOf(With(Production(), "ADMIN_EMAILS", " , ")),
            "ADMIN_EMAILS: is required unless DEMO=true (comma-separated Webex emails of the administrators)");
  EXPECT_EQ(ErrorOf(With(Production(), "CLIENT_ID", "  ")),
            "CLIENT_ID: is required unless DEMO=true (the client ID of the Webex Integration)");
  EXPECT_EQ(ErrorOf({}), "CLIENT_ID: is required unless DEMO=true (the client ID of the Webex Integration)");
  EXPECT_EQ(ErrorOf({{"DEMO", "false"}}), "CLIENT_ID: is required unless DEMO=true (the client ID of the Webex Integration)");
}

TEST(Config, ServiceAppKeysWhenItIsConfigured) {
  EXPECT_EQ(ErrorOf(Without(Production(), "SERVICE_APP_REFRESH_TOKEN")),
            "SERVICE_APP_REFRESH_TOKEN: is required when GUEST_PROVIDER is service-app");
  // Explicitly selected with none of its keys.
  Env bare = Production();
  for (const char* key : {"SERVICE_APP_CLIENT_ID", "SERVICE_APP_CLIENT_SECRET", "SERVICE_APP_REFRESH_TOKEN"}) bare.erase(key);
  EXPECT_EQ(ErrorOf(With(bare, "GUEST_PROVIDER", "service-app")),
            "SERVICE_APP_CLIENT_ID: is required when GUEST_PROVIDER is service-app");
  // Not configured at all: the portal starts; guests get no token until it is.
  auto unconfigured = LoadConfig(bare, "");
  ASSERT_TRUE(unconfigured) << unconfigured.error().message;
  EXPECT_FALSE(unconfigured->guest_provider_configured);
  // Demo mode never requires them.
  EXPECT_EQ(ErrorOf({{"DEMO", "true"}, {"GUEST_PROVIDER", "service-app"}, {"SERVICE_APP_CLIENT_ID", "x"}}), "ok");
}

TEST(Config, GuestIssuerKeys) {
  Env env = Production();
  env["GUEST_PROVIDER"] = "guest-issuer";
  EXPECT_EQ(ErrorOf(env), "GUEST_ISSUER_ID: is required when GUEST_PROVIDER is guest-issuer");
  env["GUEST_ISSUER_ID"] = "issuer";
  EXPECT_EQ(ErrorOf(env), "GUEST_SHARED_SECRET: is required when GUEST_PROVIDER is guest-issuer");
  env["GUEST_SHARED_SECRET"] = "not base64!";
  EXPECT_EQ(ErrorOf(env), "GUEST_SHARED_SECRET: must be base64 (the secret exactly as Webex shows it)");
  env["GUEST_SHARED_SECRET"] = "c2VjcmV0LWJ5dGVz";
  auto config = LoadConfig(env, "");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->guest_provider, GuestProvider::kGuestIssuer);
  EXPECT_TRUE(config->guest_provider_configured);
  EXPECT_EQ(config->guest_shared_secret, "c2VjcmV0LWJ5dGVz");
  // A bad secret is refused even when another provider is selected or in demo mode.
  EXPECT_EQ(ErrorOf({{"DEMO", "true"}, {"GUEST_SHARED_SECRET", "%%%"}}),
            "GUEST_SHARED_SECRET: must be base64 (the secret exactly as Webex shows it)");
}

TEST(Config, DemoAcceptsBooleanSpellings) {
  for (const char* yes : {"true", "TRUE", "1", "yes", "on"}) EXPECT_EQ(ErrorOf({{"DEMO", yes}}), "ok") << yes;
  for (const char* no : {"false", "0", "no", "off"}) EXPECT_NE(ErrorOf({{"DEMO", no}}), "ok") << no;
}

TEST(Config, EnvironmentWinsOverDotenv) {
  Env env = Production();
  env["LOG_LEVEL"] = "warn";
  env["WORKER_THREADS"] = "";  // present but empty: unset, and .env does not fill it in
  auto config = LoadConfig(env, "LOG_LEVEL=error\nWORKER_THREADS=3\nMEETING_MODE=space-pool\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->log_level, "warn");
  EXPECT_EQ(config->worker_threads, 0);
  EXPECT_EQ(config->meeting_mode, MeetingMode::kSpacePool);
}

TEST(Config, DotenvAloneCanConfigureEverything) {
  auto config = LoadConfig({}, R"(
# Webex
CLIENT_ID=cid
CLIENT_SECRET="c s"
ADMIN_EMAILS=a@example.com
export SERVICE_APP_CLIENT_ID=sa
SERVICE_APP_CLIENT_SECRET='sa secret'
SERVICE_APP_REFRESH_TOKEN=rt   # a comment
)");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->client_secret, "c s");
  EXPECT_EQ(config->service_app_client_secret, "sa secret");
  EXPECT_EQ(config->service_app_refresh_token, "rt");
}

TEST(Config, DotenvErrorsAreReported) {
  EXPECT_EQ(ErrorOf(Production(), "LOG_LEVEL=loud\n"), "LOG_LEVEL: must be debug, info, warn, error or off, not 'loud'");
  EXPECT_EQ(ErrorOf(Production(), "OK=1\nthis is not a setting\n"), ".env line 2: expected KEY=VALUE");
}

TEST(Dotenv, Syntax) {
  auto values = ParseDotenv(
      "\xEF\xBB\xBF# comment\r\n"
      "\n"
      "   \n"
      "PLAIN=value\r\n"
      "SPACED = padded value  \n"
      "export EXPORTED=yes\n"
      "export\tTABBED=also\n"
      "HASH=a#b\n"
      "COMMENTED=value # note\n"
      "ONLY_COMMENT= # nothing\n"
      "EMPTY=\n"
      "SINGLE='it is #not a comment'\n"
      "SINGLE2='$HOME \\n stays'\n"
      "DOUBLE=\"line\\nbreak \\\"quoted\\\" \\\\ tab\\t end\"  # note\n"
      "DOUBLE_HASH=\"a # b\"\n"
      "REPEATED=first\n"
      "REPEATED=second\n"
      "exporter=lowercase keys are fine\n"
      "URL=postgresql://u:p@h/db?sslmode=require\n");
  ASSERT_TRUE(values) << values.error().message;
  auto& v = *values;
  EXPECT_EQ(v["PLAIN"], "value");
  EXPECT_EQ(v["SPACED"], "padded value");
  EXPECT_EQ(v["EXPORTED"], "yes");
  EXPECT_EQ(v["TABBED"], "also");
  EXPECT_EQ(v["HASH"], "a#b");
  EXPECT_EQ(v["COMMENTED"], "value");
  EXPECT_EQ(v["ONLY_COMMENT"], "");
  EXPECT_EQ(v["EMPTY"], "");
  EXPECT_EQ(v["SINGLE"], "it is #not a comment");
  EXPECT_EQ(v["SINGLE2"], "$HOME \\n stays");
  EXPECT_EQ(v["DOUBLE"], "line\nbreak \"quoted\" \\ tab\t end");
  EXPECT_EQ(v["DOUBLE_HASH"], "a # b");
  EXPECT_EQ(v["REPEATED"], "second");
  EXPECT_EQ(v["exporter"], "lowercase keys are fine");
  EXPECT_EQ(v["URL"], "postgresql://u:p@h/db?sslmode=require");
  EXPECT_FALSE(v.contains("export"));
}

TEST(Dotenv, MalformedLinesNameTheirLine) {
  auto error = [](const std::string& text) {
    auto values = ParseDotenv(text);
    return values ? std::string("ok") : values.error().message;
  };
  EXPECT_EQ(error("A=1\nB\n"), ".env line 2: expected KEY=VALUE");
  EXPECT_EQ(error("1A=x\n"), ".env line 1: expected KEY=VALUE");
  EXPECT_EQ(error("=x\n"), ".env line 1: expected KEY=VALUE");
  EXPECT_EQ(error("A-B=x\n"), ".env line 1: expected KEY=VALUE");
  EXPECT_EQ(error("A=\"open\n"), ".env line 1: A: the closing \" is missing");
  EXPECT_EQ(error("A='open\n"), ".env line 1: A: the closing ' is missing");
  EXPECT_EQ(error("A=\"x\" y\n"), ".env line 1: A: unexpected text after the quoted value");
}

}  // namespace
}  // namespace gp::app

namespace gp::app {
namespace {

std::string ReadEnvDefault() {
  std::ifstream in(std::string(GP_SOURCE_DIR) + "/.env.default", std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(Config, AuditRetentionDays) {
  EXPECT_EQ(LoadConfig(Production(), "")->audit_retention_days, 365);
  EXPECT_EQ(LoadConfig(With(Production(), "AUDIT_RETENTION_DAYS", "30"), "")->audit_retention_days, 30);
  EXPECT_EQ(LoadConfig(With(Production(), "AUDIT_RETENTION_DAYS", "0"), "")->audit_retention_days, 0);
  EXPECT_EQ(LoadConfig(With(Production(), "AUDIT_RETENTION_DAYS", "36500"), "")->audit_retention_days, 36500);
  const std::string message = "AUDIT_RETENTION_DAYS: must be a whole number of days from 0 (keep forever) to 36500, not ";
  EXPECT_EQ(ErrorOf(With(Production(), "AUDIT_RETENTION_DAYS", "-1")), message + "'-1'");
  EXPECT_EQ(ErrorOf(With(Production(), "AUDIT_RETENTION_DAYS", "36501")), message + "'36501'");
  EXPECT_EQ(ErrorOf(With(Production(), "AUDIT_RETENTION_DAYS", "1y")), message + "'1y'");
  auto documented = ParseDotenv(ReadEnvDefault());
  ASSERT_TRUE(documented);
  EXPECT_EQ(documented->at("AUDIT_RETENTION_DAYS"), "365");
}

TEST(Config, GuestExpiryInterval) {
  EXPECT_EQ(LoadConfig(Production(), "")->guest_expiry_interval, 60);
  EXPECT_EQ(LoadConfig(With(Production(), "GUEST_EXPIRY_INTERVAL", "1"), "")->guest_expiry_interval, 1);
  EXPECT_EQ(LoadConfig(With(Production(), "GUEST_EXPIRY_INTERVAL", "3600"), "")->guest_expiry_interval, 3600);
  const std::string message = "GUEST_EXPIRY_INTERVAL: must be a whole number of seconds from 1 to 3600, not ";
  EXPECT_EQ(ErrorOf(With(Production(), "GUEST_EXPIRY_INTERVAL", "0")), message + "'0'");
  EXPECT_EQ(ErrorOf(With(Production(), "GUEST_EXPIRY_INTERVAL", "3601")), message + "'3601'");
  EXPECT_EQ(ErrorOf(With(Production(), "GUEST_EXPIRY_INTERVAL", "1m")), message + "'1m'");
  auto documented = ParseDotenv(ReadEnvDefault());
  ASSERT_TRUE(documented);
  EXPECT_EQ(documented->at("GUEST_EXPIRY_INTERVAL"), "60");
}

TEST(EnvDefault, DocumentsEveryKeyWithItsDefault) {
  std::string text = ReadEnvDefault();
  ASSERT_FALSE(text.empty());
  auto values = ParseDotenv(text);
  ASSERT_TRUE(values) << values.error().message;
  for (const char* key :
       {"LISTEN_ADDRESS", "PUBLIC_URL", "DATABASE_URL", "DATABASE_POOL_SIZE", "SECRET_KEY_FILE", "WEBEX_API_URL", "CLIENT_ID", "CLIENT_SECRET",
        "ADMIN_EMAILS", "GUEST_PROVIDER", "SERVICE_APP_CLIENT_ID", "SERVICE_APP_CLIENT_SECRET",
        "SERVICE_APP_REFRESH_TOKEN", "GUEST_ISSUER_ID", "GUEST_SHARED_SECRET", "GUEST_TOKEN_EXPIRATION", "MEETING_MODE",
        "LARGE_SPACES_FILE", "NOTIFY_MODE", "LOG_LEVEL", "LOG_FORMAT", "WORKER_THREADS", "PASSWORD_HASH_MEMORY_KIB",
        "PASSWORD_HASH_ITERATIONS", "DEMO", "WEB_ROOT"}) {
    EXPECT_TRUE(values->contains(key)) << key;
  }
  // Its values are the defaults: loading it in demo mode gives the same Config as loading nothing.
  auto from_file = LoadConfig({{"DEMO", "true"}}, text);
  auto defaults = LoadConfig({{"DEMO", "true"}}, "");
  ASSERT_TRUE(from_file) << from_file.error().message;
  ASSERT_TRUE(defaults);
  EXPECT_EQ(from_file->listen_port, defaults->listen_port);
  EXPECT_EQ(from_file->public_url, defaults->public_url);
  EXPECT_EQ(from_file->database_url, defaults->database_url);
  EXPECT_EQ(from_file->database_pool_size, defaults->database_pool_size);
  EXPECT_EQ(from_file->secret_key_file, defaults->secret_key_file);
  EXPECT_EQ(from_file->webex_api_url, defaults->webex_api_url);
  EXPECT_EQ(from_file->guest_provider, defaults->guest_provider);
  EXPECT_EQ(from_file->guest_token_expiration, defaults->guest_token_expiration);
  EXPECT_EQ(from_file->meeting_mode, defaults->meeting_mode);
  EXPECT_EQ(from_file->notify_mode, defaults->notify_mode);
  EXPECT_EQ(from_file->log_level, defaults->log_level);
  EXPECT_EQ(from_file->log_json, defaults->log_json);
  EXPECT_EQ(from_file->worker_threads, defaults->worker_threads);
  EXPECT_EQ(from_file->password_hash.memory_kib, defaults->password_hash.memory_kib);
  EXPECT_EQ(from_file->password_hash.iterations, defaults->password_hash.iterations);
  EXPECT_EQ(from_file->web_root, defaults->web_root);
  // Outside demo mode it stops at the first key an administrator must fill in.
  EXPECT_EQ(LoadConfig({}, text).error().field, "CLIENT_ID");
}

TEST(Config, TlsIsOffByDefaultAndOnWithBothFiles) {
  auto plain = LoadConfig(Production(), "");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(plain->tls());
  EXPECT_TRUE(plain->tls_cert_file.empty());

  Env env = Production();
  env["TLS_CERT_FILE"] = " /etc/portal/fullchain.pem ";
  env["TLS_KEY_FILE"] = "/etc/portal/privkey.pem";
  env["PUBLIC_URL"] = "https://portal.example.org";
  auto config = LoadConfig(env, "");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->tls());
  EXPECT_EQ(config->tls_cert_file, "/etc/portal/fullchain.pem");
  EXPECT_EQ(config->tls_key_file, "/etc/portal/privkey.pem");
  // The files are read when the server starts, not here: paths that do not exist still load.
  auto dotenv = LoadConfig(
      Production(),
      "TLS_CERT_FILE=/nowhere/cert.pem\nTLS_KEY_FILE=/nowhere/key.pem\nPUBLIC_URL=https://x\n");
  ASSERT_TRUE(dotenv) << dotenv.error().message;
  EXPECT_EQ(dotenv->tls_key_file, "/nowhere/key.pem");
}

TEST(Config, TlsNeedsBothFilesAndAnHttpsPublicUrl) {
  Env https = With(Production(), "PUBLIC_URL", "https://portal.example.org");
  EXPECT_EQ(ErrorOf(With(https, "TLS_CERT_FILE", "cert.pem")),
            "TLS_KEY_FILE: must be set when TLS_CERT_FILE is (both or neither)");
  EXPECT_EQ(ErrorOf(With(https, "TLS_KEY_FILE", "key.pem")),
            "TLS_CERT_FILE: must be set when TLS_KEY_FILE is (both or neither)");
  // Empty counts as unset.
  EXPECT_EQ(ErrorOf(With(With(https, "TLS_KEY_FILE", "key.pem"), "TLS_CERT_FILE", "")),
            "TLS_CERT_FILE: must be set when TLS_KEY_FILE is (both or neither)");
  Env both = With(With(Production(), "TLS_CERT_FILE", "cert.pem"), "TLS_KEY_FILE", "key.pem");
  EXPECT_EQ(ErrorOf(With(both, "PUBLIC_URL", "http://portal.example.org")),
            "PUBLIC_URL: must be an https:// URL when TLS_CERT_FILE and TLS_KEY_FILE are set");
  // Unset, PUBLIC_URL is http://localhost:5000.
  EXPECT_EQ(ErrorOf(both),
            "PUBLIC_URL: must be an https:// URL when TLS_CERT_FILE and TLS_KEY_FILE are set");
  EXPECT_EQ(ErrorOf(With(both, "PUBLIC_URL", "https://portal.example.org")), "ok");
}

// A throwaway folder tree for the web-root tests, removed at the end.
class WebRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("gp-webroot-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // A web/ folder at `dir` with an index.html.
  static std::filesystem::path Web(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "index.html") << "<!doctype html>";
    return dir;
  }

  std::filesystem::path root_;
};

TEST_F(WebRootTest, UnsetByDefault) {
  auto config = LoadConfig(Production(), "");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->web_root, "");
  auto set = LoadConfig(With(Production(), "WEB_ROOT", "  /srv/web  "), "");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->web_root, "/srv/web");
}

TEST_F(WebRootTest, AConfiguredFolderIsUsedWhenItHasAnIndex) {
  auto web = Web(root_ / "custom");
  Web(root_ / "usr" / "share" / "guest-portal" / "web");
  auto config = LoadConfig(With(Production(), "WEB_ROOT", web.string()), "");
  ASSERT_TRUE(config);
  auto resolved = ResolveWebRoot(*config, root_ / "usr" / "bin" / "guest-portal", root_ / "checkout" / "web");
  ASSERT_TRUE(resolved) << resolved.error().message;
  EXPECT_EQ(*resolved, web);
}

TEST_F(WebRootTest, AConfiguredFolderWithoutIndexIsRefusedNamingTheKey) {
  std::filesystem::create_directories(root_ / "empty");
  auto checkout = Web(root_ / "checkout" / "web");
  for (const auto& bad : {root_ / "empty", root_ / "missing"}) {
    auto config = LoadConfig(With(Production(), "WEB_ROOT", bad.string()), "");
    ASSERT_TRUE(config);
    // Even with a usable default, a wrong WEB_ROOT is an error, not silently replaced.
    auto resolved = ResolveWebRoot(*config, root_ / "bin" / "guest-portal", checkout);
    ASSERT_FALSE(resolved);
    EXPECT_EQ(resolved.error().message, "WEB_ROOT: " + bad.string() + " has no index.html (the portal's web/ folder)");
    EXPECT_EQ(resolved.error().field, "WEB_ROOT");
  }
}

TEST_F(WebRootTest, DefaultIsTheFolderBesideTheBinaryThenTheInstalledShareThenTheCheckout) {
  auto config = LoadConfig(Production(), "");
  ASSERT_TRUE(config);
  auto binary = root_ / "prefix" / "bin" / "guest-portal";
  auto checkout = Web(root_ / "checkout" / "web");
  auto resolve = [&]() { return ResolveWebRoot(*config, binary, checkout); };

  ASSERT_TRUE(resolve());
  EXPECT_EQ(*resolve(), checkout);

  auto share = Web(root_ / "prefix" / "share" / "guest-portal" / "web");
  ASSERT_TRUE(resolve());
  EXPECT_EQ(*resolve(), share);

  auto beside = Web(root_ / "prefix" / "bin" / "web");
  ASSERT_TRUE(resolve());
  EXPECT_EQ(*resolve(), beside);
}

TEST_F(WebRootTest, NoDefaultFoundIsOneLineNamingWhereItLooked) {
  auto config = LoadConfig(Production(), "");
  ASSERT_TRUE(config);
  auto share = root_ / "prefix" / "share" / "guest-portal" / "web";
  std::filesystem::create_directories(share);  // without index.html
  auto resolved = ResolveWebRoot(*config, root_ / "prefix" / "bin" / "guest-portal", root_ / "checkout" / "web");
  ASSERT_FALSE(resolved);
  const auto& message = resolved.error().message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_TRUE(message.starts_with("WEB_ROOT: is not set and no web/ folder with index.html was found")) << message;
  EXPECT_NE(message.find(share.string()), std::string::npos) << message;
  EXPECT_NE(message.find((root_ / "checkout" / "web").string()), std::string::npos) << message;
}

}  // namespace
}  // namespace gp::app
