#pragma once
// The composition root: builds the portal's object graph from a Config. The server, the CLI and
// the tests all start from here.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/awaitable.hpp>

#include "app/config.hpp"
#include "core/error.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/guests.hpp"
#include "service/hosts.hpp"
#include "service/policy.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"

namespace gp::app {

// TLS_CERT_FILE and TLS_KEY_FILE, when set, read and valid (a PEM chain and its unencrypted key);
// the error line names the key at fault. `check` runs it; the server does the same when it starts.
Result<void> CheckTlsFiles(const Config& config);

class Portal {
 public:
  // Opens storage (running migrations), loads or creates the secret key, builds the services. A
  // SQLite database is held with a shared DatabaseLock for the portal's life (`restore` needs it
  // exclusively); kUnavailable while a restore runs.
  static Result<std::unique_ptr<Portal>> Create(const Config& config);
  ~Portal();

  // Starts the event loop thread, the HTTP server and the periodic tasks (AppAdmin refresh,
  // reconciler, clean-ups); prints the listening line.
  Result<void> Start();
  uint16_t port() const;
  // Serves until SIGINT/SIGTERM.
  void Wait();
  void Stop();

  // Carries out the pending Webex work now, for up to `budget` (the CLI after a change; the server
  // does it by itself). Returns how many jobs are still queued. For the CLI (before Start).
  Result<int64_t> ReconcileNow(std::chrono::seconds budget);

  // For `check` (before Start): runs `operation` on the portal's loop from the calling thread and
  // returns when it has completed; the objects below are used from inside it.
  void RunOnLoop(const std::function<boost::asio::awaitable<void>()>& operation);
  webex::Api& webex();
  service::AppAdmin& app_admin();

  storage::Storage& storage();
  service::Guests& guests();
  service::Audit& audit();
  service::Hosts& hosts();
  service::Policy& policy();
  const Config& config() const;

 private:
  Portal();
  struct Impl;
  static void WatchHangup(Impl& p);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gp::app
