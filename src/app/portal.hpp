#pragma once
// The composition root: builds the portal's object graph from a Config. The server, the CLI and
// the tests all start from here.

#include <memory>

#include "app/config.hpp"
#include "core/error.hpp"
#include "service/guests.hpp"
#include "service/policy.hpp"
#include "storage/storage.hpp"

namespace gp::app {

class Portal {
 public:
  // Opens storage (running migrations), loads or creates the secret key, builds the services.
  static Result<std::unique_ptr<Portal>> Create(const Config& config);
  ~Portal();

  // Starts the HTTP server and the background token refresher; prints the listening line.
  Result<void> Start();
  uint16_t port() const;
  // Serves until SIGINT/SIGTERM.
  void Wait();
  void Stop();

  // Reaches Webex: as the AppAdmin when one is signed in, else anonymously (a 401 proves the API
  // answers). Returns a line describing what was reached.
  Result<std::string> CheckWebex();

  storage::Storage& storage();
  service::Guests& guests();
  service::Policy& policy();
  const Config& config() const;

 private:
  Portal();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gp::app
