#pragma once
// The emulator's composition: state, webhook dispatcher, statistics and the Router with every
// route. /v1 routes go through one wrapper that counts the call, injects configured faults and
// latency, authenticates the bearer and stamps the Trackingid; /_emulator routes skip all of that.

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "emulator/call.hpp"
#include "emulator/errors.hpp"
#include "emulator/webhooks.hpp"
#include "http/router.hpp"

namespace gp::emulator {

// Calls per "METHOD /v1/pattern", counted without a lock.
class Stats {
 public:
  std::atomic<uint64_t>* Register(const std::string& key);
  // Every registered key, in registration order (the keys a fault may name).
  std::vector<std::string> Keys() const;
  Json Snapshot() const;
  void Reset();

 private:
  struct Counter {
    std::string key;
    std::atomic<uint64_t> count{0};
  };
  std::deque<Counter> counters_;
};

class App {
 public:
  explicit App(std::shared_ptr<Clock> clock);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Starts the webhook delivery thread.
  void Start();
  void Stop();
  Result<void> ApplySeed(const Json& seed);
  void SetLatency(int64_t ms);
  http::Response Handle(http::Request& request) { return router_.Dispatch(request); }

 private:
  enum class Auth {
    kNone,    // no bearer needed (OAuth endpoints, JWT login)
    kAny,     // any valid token, person or Service App
    kPerson,  // a person's token
  };
  using CallHandler = std::function<http::Response(Call&)>;

  void AddV1(const std::string& method, const std::string& pattern, Auth auth, CallHandler handler);
  void AddControl(const std::string& method, const std::string& pattern, CallHandler handler);
  http::Response Run(Call& call, const CallHandler& handler);
  void Routes();

  State state_;
  WebhookDispatcher dispatcher_;
  TrackingIds tracking_;
  Stats stats_;
  http::Router router_;
  std::mt19937_64 random_;  // fault draws, under the state lock
};

}  // namespace gp::emulator
