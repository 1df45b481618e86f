#pragma once
// The composition root: builds the portal's object graph from a Config. The server, the CLI and
// the tests all start from here.

#include <chrono>
#include <memory>

#include "app/config.hpp"
#include "core/error.hpp"
#include "service/guests.hpp"
#include "service/hosts.hpp"
#include "service/policy.hpp"
#include "storage/storage.hpp"

namespace gp::app {

// TLS_CERT_FILE and TLS_KEY_FILE, when set, read and valid (a PEM chain and its unencrypted key);
// the error line names the key at fault. `check` runs it; the server does the same when it starts.
Result<void> CheckTlsFiles(const Config& config);

class Portal {
 public:
  // Opens storage (running migrations), loads or creates the secret key, builds the services.
  static Result<std::unique_ptr<Portal>> Create(const Config& config);
  ~Portal();

  // Starts the event loop thread, the HTTP server and the periodic tasks (AppAdmin refresh,
  // reconciler, clean-ups); prints the listening line.
  Result<void> Start();
  uint16_t port() const;
  // Serves until SIGINT/SIGTERM.
  void Wait();
  void Stop();

  // Reaches Webex: as the AppAdmin when one is signed in, else anonymously (a 401 proves the API
  // answers). Returns a line describing what was reached. For the CLI (before Start).
  Result<std::string> CheckWebex();
  // Carries out the pending Webex work now, for up to `budget` (the CLI after a change; the server
  // does it by itself). Returns how many jobs are still queued. For the CLI (before Start).
  Result<int64_t> ReconcileNow(std::chrono::seconds budget);

  storage::Storage& storage();
  service::Guests& guests();
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
