// guest-portal: the server and its command-line tool.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/cli_audit.hpp"
#include "app/cli_backup.hpp"
#include "app/cli_check.hpp"
#include "app/config.hpp"
#include "app/portal.hpp"
#include "app/progress.hpp"
#include "core/encoding.hpp"
#include "core/log.hpp"
#include "domain/audit.hpp"
#include "domain/guests.hpp"
#include "domain/imports.hpp"
#include "domain/policy.hpp"
#include "service/hosts.hpp"
#include "storage/copy.hpp"

namespace {

using gp::app::Portal;

// With LOG_FORMAT=json the error is a log line like the others (stderr stays JSON lines).
int Fail(const std::string& message) {
  if (gp::log::IsJson()) {
    gp::log::error("guest-portal: {}", message);
    spdlog::default_logger()->flush();
  } else {
    std::cerr << "guest-portal: " << message << "\n";
  }
  return 1;
}

// Loads the configuration (environment and .env) and builds the portal; prints one line on error.
std::unique_ptr<Portal> OpenPortal(int& exit_code) {
  auto config = gp::app::LoadConfigFromProcess();
  if (!config) {
    // The configuration that names the format is the one that failed: the environment may still
    // say.
    if (const char* format = std::getenv("LOG_FORMAT");
        format && std::string_view(format) == "json") {
      gp::log::Configure("info", gp::log::Format::kJson);
    }
    exit_code = Fail(config.error().message);
    return nullptr;
  }
  gp::log::Configure(config->log_level,
                     config->log_json ? gp::log::Format::kJson : gp::log::Format::kText);
  auto portal = Portal::Create(*config);
  if (!portal) {
    exit_code = Fail(portal.error().message);
    return nullptr;
  }
  return std::move(*portal);
}

std::string ReadFile(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::optional<std::string> GuestIdByUsername(Portal& portal, const std::string& username) {
  auto guest = portal.storage().FindGuestByUsername(username);
  if (!guest) return std::nullopt;
  return guest->id;
}

// A warning line, with the fix, when others than its owner may read `file`; none when it is the
// owner's only or is not there (yet: nothing to protect).
std::optional<std::string> LooseFile(const std::string& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return std::nullopt;
  const unsigned mode = info.st_mode & 07777U;
  if ((mode & 0077U) == 0) return std::nullopt;
  std::array<char, 8> octal{};
  std::snprintf(octal.data(), octal.size(), "%04o", mode);
  return "warning: " + file + " can be read by group or others (mode " + octal.data() +
         "); make it the owner's only: chmod 600 " + file;
}

// A warning line for TLS_KEY_FILE, the server's private key, when others may read it. A warning, not
// a refusal: with certbot the file's mode is certbot's to set, and a group that must read it
// (ssl-cert) is a deliberate choice.
std::vector<std::string> LooseTlsKey(const gp::app::Config& config) {
  if (!config.tls()) return {};
  if (auto warning = LooseFile(config.tls_key_file)) return {"TLS_KEY_FILE: " + *warning};
  return {};
}

// A command line that cannot be run as given: exit code 2, as for an unknown option.
int Refuse(const std::string& message) {
  std::cerr << "guest-portal: " << message << "\n";
  return 2;
}

// `migrate-data`: copies a SQLite deployment into PostgreSQL and compares the tables' row counts. Needs
// no configuration: both databases are named on the command line.
int MigrateData(const std::string& from, const std::string& to) {
  using gp::storage::RedactDatabaseUrl;
  if (!gp::storage::IsSqliteFileUrl(from)) {
    return Refuse("--from must name a SQLite database file (sqlite:PATH), not '" + RedactDatabaseUrl(from) + "'");
  }
  if (!gp::storage::IsPostgresUrl(to)) {
    return Refuse("--to must be a PostgreSQL URL (postgresql://...), not '" + RedactDatabaseUrl(to) + "'");
  }
  gp::app::Progress progress("migrate-data", "rows");
  auto report = gp::storage::CopyDatabase(
      from, to, [&progress](int64_t done, int64_t total) { progress.Update(done, total); });
  progress.Finish();
  if (!report) return Fail("migrate-data: " + report.error().message);
  for (const auto& table : report->tables) {
    std::cout << table.table << ": " << table.sqlite_rows << " in SQLite, " << table.postgres_rows
              << " in PostgreSQL\n";
    for (const auto& column : table.skipped_columns) {
      std::cerr << "guest-portal: warning: " << table.table << "." << column
                << " is not in the PostgreSQL schema and was not copied\n";
    }
  }
  int64_t in_sqlite = 0;
  for (const auto& table : report->tables) in_sqlite += table.sqlite_rows;
  std::cout << "copied " << report->Inserted() << " new rows from " << RedactDatabaseUrl(from) << " (schema version "
            << report->sqlite_version << ") to " << RedactDatabaseUrl(to) << " (schema version "
            << report->postgres_version << "); " << in_sqlite - report->Inserted()
            << " skipped: PostgreSQL had a row with the same key already and kept it\n";
  const auto short_tables = report->ShortTables();
  if (short_tables.empty()) return 0;
  std::string names;
  for (const auto& name : short_tables) names += (names.empty() ? "" : ", ") + name;
  return Fail("PostgreSQL has fewer rows than SQLite in: " + names +
              " (rows there already with the same unique values were kept; compare them before switching)");
}

// One host as `hosts list` prints it.
nlohmann::json HostLine(Portal& portal, const gp::storage::HostRecord& host) {
  const bool person = host.kind == gp::storage::HostKind::kPerson;
  nlohmann::json line{{"id", host.id}, {"kind", person ? "person" : "space"}, {"displayName", host.display_name},
                      {"connected", host.connected()}};
  if (person) line["email"] = host.email;
  if (!person) line["spaceId"] = host.webex_room_id;
  if (person && !host.connected()) line["connectUrl"] = portal.hosts().ConnectUrl(host);
  if (host.lease) line["lease"] = {{"leaseId", host.lease->id}, {"roomId", host.lease->space_id}};
  return line;
}

// The change has committed; its Webex side (removing memberships) is done now when Webex answers,
// else by the server's reconciler as soon as it runs.
void CatchUpWithWebex(Portal& portal) {
  auto left = portal.ReconcileNow(std::chrono::seconds(10));
  if (left && *left > 0) {
    std::cout << *left << " Webex change(s) pending; the running server completes them\n";
  }
}

// The command line; main() only turns an unexpected exception into an error line.
int Run(int argc, char** argv) {
  CLI::App app{"Guest Portal: Webex messaging and meetings for people without a Webex account."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "guest-portal 0.1.0");

  auto* serve = app.add_subcommand("serve", "Start the server (configuration from the environment and .env).");
  auto* check = app.add_subcommand("check", "Validate the configuration and reach the database and Webex.");
  auto* migrate = app.add_subcommand("migrate", "Apply database migrations and exit.");
  auto* migrate_data = app.add_subcommand(
      "migrate-data", "Copy every row of a SQLite database into PostgreSQL (safe to repeat), then compare counts.");
  std::string data_from, data_to;
  migrate_data->add_option("--from", data_from, "the SQLite database: sqlite:PATH")->required();
  migrate_data->add_option("--to", data_to, "the PostgreSQL database: postgresql://USER[:PASSWORD]@HOST/DB")
      ->required();
  auto* backup = app.add_subcommand(
      "backup", "Copy the SQLite database into FILE, also while the server runs.");
  std::string backup_file;
  bool backup_force = false;
  backup->add_option("file", backup_file, "the backup file to write (mode 0600)")->required();
  backup->add_flag("--force", backup_force, "replace FILE if it exists");
  auto* restore = app.add_subcommand(
      "restore", "Replace the SQLite database with a backup (the server must be stopped).");
  std::string restore_file;
  restore->add_option("file", restore_file, "a file written by `guest-portal backup`")->required();
  auto* demo = app.add_subcommand("demo", "Start the demo: a seeded webex-emulator and the portal on localhost:5000.");

  auto* guests = app.add_subcommand("guests", "Manage guest accounts.");
  guests->require_subcommand(1);
  auto* guests_list = guests->add_subcommand("list", "List guests as JSON lines.");
  auto* guests_add = guests->add_subcommand("add", "Create a guest.");
  std::string add_username, add_display_name, add_password;
  guests_add->add_option("--username", add_username, "3-64 of a-z 0-9 . _ -")->required();
  guests_add->add_option("--display-name", add_display_name, "The name others see")->required();
  auto* add_password_option =
      guests_add->add_option("--password", add_password,
                             "At least 8 characters (read from GP_GUEST_PASSWORD when omitted)")
          ->envname("GP_GUEST_PASSWORD");
  bool add_generate = false, add_must_change = false;
  std::string add_expires;
  guests_add->add_flag("--generate-password", add_generate, "generate a password and print it once")
      ->excludes(add_password_option);
  guests_add->add_flag("--must-change-password", add_must_change, "the guest chooses a new one at sign-in");
  guests_add->add_option("--expires", add_expires,
                         "the account ends then: a date (2027-01-31, its end in UTC) or an RFC 3339 time");
  auto* guests_remove = guests->add_subcommand("remove", "Delete a guest (ends sessions, closes spaces).");
  std::string remove_username;
  guests_remove->add_option("username", remove_username)->required();
  auto* guests_import = guests->add_subcommand("import", "Import the original guests.json or a CSV file.");
  std::string import_path;
  guests_import->add_option("file", import_path, "guests.json or a .csv with username,displayName,password")
      ->required();

  auto* policy = app.add_subcommand("policy", "Manage who may connect with whom.");
  policy->require_subcommand(1);
  auto* policy_list = policy->add_subcommand("list", "List allowed pairs as JSON lines.");
  auto* policy_allow = policy->add_subcommand("allow", "Allow two guests to connect.");
  auto* policy_revoke = policy->add_subcommand("revoke", "Revoke a pair; closes their shared spaces.");
  std::string user_a, user_b;
  auto* hosts = app.add_subcommand("hosts", "Manage the pool of meeting hosts.");
  hosts->require_subcommand(1);
  auto* hosts_list = hosts->add_subcommand("list", "List the pool's hosts as JSON lines.");
  auto* hosts_add = hosts->add_subcommand("add", "Add a licensed person (by email) or, with --space, a pool space.");
  std::string host_email;
  std::string host_space;
  std::string host_title;
  hosts_add->add_option("email", host_email, "the licensed person's Webex email");
  hosts_add->add_option("--space", host_space, "a Webex space id (space-pool mode)");
  hosts_add->add_option("--title", host_title, "the space's name, as the console shows it");
  auto* hosts_remove = hosts->add_subcommand("remove", "Remove a host (refused while it is lent to a meeting).");
  std::string host_ref;
  hosts_remove->add_option("host", host_ref, "the host's id, email or space id")->required();
  auto* hosts_import = hosts->add_subcommand("import", "Add the spaces of a largespaces.json (space-pool mode).");
  std::string hosts_path;
  hosts_import->add_option("file", hosts_path)->required();
  for (auto* sub : {policy_allow, policy_revoke}) {
    sub->add_option("username_a", user_a)->required();
    sub->add_option("username_b", user_b)->required();
  }

  gp::app::AuditExportArgs audit_args;
  auto* audit_export = gp::app::AddAuditCommands(app, audit_args);

  CLI11_PARSE(app, argc, argv);

  if (demo->parsed()) {
    // The demo wiring (emulator, seed, Service App token) lives in one script shared with `make run`.
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::string build_dir = ec ? std::string("build") : exe.parent_path().string();
    std::string script = std::string(GP_SOURCE_DIR) + "/scripts/run-demo";
    // An installed binary has no source tree (nor emulator) beside it: say so rather than bash's error.
    if (::access(script.c_str(), R_OK) != 0) {
      return Fail("demo needs the source tree it was built from (" + script +
                  " is missing); in a checkout, run `make run`");
    }
    execl("/bin/bash", "bash", script.c_str(), build_dir.c_str(), "--demo", static_cast<char*>(nullptr));
    return Fail("cannot run " + script);
  }

  if (migrate_data->parsed()) return MigrateData(data_from, data_to);
  if (check->parsed()) return gp::app::RunCheck();
  if (backup->parsed() || restore->parsed()) {
    auto config = gp::app::LoadConfigFromProcess();
    if (!config) return Fail(config.error().message);
    gp::log::Configure(config->log_level);
    return backup->parsed() ? gp::app::RunBackup(*config, backup_file, backup_force)
                            : gp::app::RunRestore(*config, restore_file);
  }

  int exit_code = 0;
  auto portal = OpenPortal(exit_code);
  if (!portal) return exit_code;
  const std::string actor = "cli";

  if (serve->parsed()) {
    // Every open event stream is a socket: take all the descriptors the system allows this process.
    if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
      files.rlim_cur = files.rlim_max;
      setrlimit(RLIMIT_NOFILE, &files);
    }
    for (const auto& warning : LooseTlsKey(portal->config()))
      std::cerr << "guest-portal: " << warning << "\n";
    auto started = portal->Start();
    if (!started) return Fail(started.error().message);
    portal->Wait();
    return 0;
  }
  if (migrate->parsed()) {
    std::cout << "guest-portal: database is up to date\n";
    return 0;
  }
  if (guests_list->parsed()) {
    auto list = portal->guests().List();
    if (!list) return Fail(list.error().message);
    for (const auto& guest : *list) {
      nlohmann::json line = {{"id", guest.id},
                             {"username", guest.username},
                             {"displayName", guest.display_name},
                             {"disabled", guest.disabled},
                             {"mustChangePassword", guest.must_change_password},
                             {"expiresAt", nullptr}};
      if (guest.expires_at) line["expiresAt"] = gp::domain::AuditTime(*guest.expires_at * 1000);
      std::cout << line.dump() << "\n";
    }
    return 0;
  }
  if (guests_add->parsed()) {
    gp::service::NewGuest guest{add_display_name, add_username, add_password, add_must_change, std::nullopt};
    if (add_generate) guest.password = gp::service::Guests::GeneratePassword();
    if (!add_expires.empty()) {
      auto ends = gp::domain::ParseExpiresAt(add_expires);
      if (!ends) return Fail("--expires: " + ends.error().message);
      guest.expires_at = *ends;
    }
    auto created = portal->guests().Create(guest, actor);
    if (!created) return Fail(created.error().message);
    nlohmann::json line = {{"id", created->id}, {"username", created->username}};
    // Printed this once, for the administrator to pass on; it is in no log.
    if (add_generate) line["password"] = guest.password;
    std::cout << line.dump() << "\n";
    return 0;
  }
  if (guests_remove->parsed()) {
    auto id = GuestIdByUsername(*portal, remove_username);
    if (!id) return Fail("no guest named '" + remove_username + "'");
    auto removed = portal->guests().Delete(*id, actor);
    if (!removed) return Fail(removed.error().message);
    CatchUpWithWebex(*portal);
    return 0;
  }
  if (guests_import->parsed()) {
    bool ok = false;
    std::string text = ReadFile(import_path, ok);
    if (!ok) return Fail("cannot read " + import_path);
    bool csv = import_path.size() >= 4 && import_path.substr(import_path.size() - 4) == ".csv";
    auto plan = csv ? gp::domain::ParseGuestsCsv(text) : gp::domain::ParseGuestsJson(text);
    if (!plan) return Fail(plan.error().message);
    gp::app::Progress progress("guests import", "guests");
    auto report = portal->guests().Import(
        *plan, actor, [&progress](int64_t done, int64_t total) { progress.Update(done, total); });
    progress.Finish();
    if (!report) return Fail(report.error().message);
    std::cout << "created " << report->created.size() << " guests, added " << report->pairs_added << " pairs\n";
    for (const auto& skipped : report->skipped) {
      std::cout << "skipped " << skipped.entry << ": " << skipped.reason << "\n";
    }
    return 0;
  }
  if (hosts_list->parsed()) {
    auto list = portal->hosts().List();
    if (!list) return Fail(list.error().message);
    for (const auto& host : *list) std::cout << HostLine(*portal, host).dump() << "\n";
    return 0;
  }
  if (hosts_add->parsed()) {
    if (host_email.empty() == host_space.empty()) return Fail("give either an email or --space SPACE_ID");
    auto host = host_space.empty() ? portal->hosts().AddPerson(host_email, actor)
                                   : portal->hosts().AddSpace(host_space, host_title, actor);
    if (!host) return Fail(host.error().message);
    std::cout << HostLine(*portal, *host).dump() << "\n";
    return 0;
  }
  if (hosts_remove->parsed()) {
    auto list = portal->hosts().List();
    if (!list) return Fail(list.error().message);
    auto it = std::find_if(list->begin(), list->end(), [&](const gp::storage::HostRecord& host) {
      return host.id == host_ref || (!host.email.empty() && host.email == gp::ToLower(host_ref)) ||
             (!host.webex_room_id.empty() && host.webex_room_id == host_ref);
    });
    if (it == list->end()) return Fail("no host '" + host_ref + "'");
    auto removed = portal->hosts().Remove(it->id, actor);
    if (!removed) return Fail(removed.error().message);
    return 0;
  }
  if (hosts_import->parsed()) {
    bool ok = false;
    std::string text = ReadFile(hosts_path, ok);
    if (!ok) return Fail("cannot read " + hosts_path);
    auto spaces = gp::service::ParseLargeSpaces(text);
    if (!spaces) return Fail(hosts_path + ": " + spaces.error().message);
    gp::app::Progress progress("hosts import", "spaces");
    auto added = portal->hosts().ImportSpaces(
        *spaces, actor, [&progress](int64_t done, int64_t total) { progress.Update(done, total); });
    progress.Finish();
    if (!added) return Fail(added.error().message);
    std::cout << "added " << *added << " of " << spaces->size() << " spaces\n";
    return 0;
  }
  if (audit_export->parsed()) return gp::app::ExportAudit(portal->audit(), audit_args, std::cout, std::cerr);
  if (policy_list->parsed()) {
    auto pairs = portal->policy().Pairs();
    if (!pairs) return Fail(pairs.error().message);
    for (const auto& [a, b] : *pairs) std::cout << nlohmann::json::array({a, b}).dump() << "\n";
    return 0;
  }
  if (policy_allow->parsed() || policy_revoke->parsed()) {
    auto a = GuestIdByUsername(*portal, user_a);
    if (!a) return Fail("no guest named '" + user_a + "'");
    auto b = GuestIdByUsername(*portal, user_b);
    if (!b) return Fail("no guest named '" + user_b + "'");
    gp::service::PairEdits edits;
    if (policy_allow->parsed()) {
      edits.add.emplace_back(*a, *b);
    } else {
      edits.remove.emplace_back(*a, *b);
    }
    auto change = portal->policy().Change(edits, actor);
    if (!change) return Fail(change.error().message);
    for (const auto& space : change->spaces_closed) std::cout << "closed space " << space.id << "\n";
    if (!change->spaces_closed.empty()) CatchUpWithWebex(*portal);
    return 0;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    return Fail(std::string("unexpected error: ") + e.what());
  } catch (...) {
    return Fail("unexpected error");
  }
}
