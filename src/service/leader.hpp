#pragma once
// The background work that must run on one instance at a time when several share the database: the
// AppAdmin and host token refreshes, the poller and the webhook check, the meeting lease timers and the
// clean-up. The instance that holds the database's runner row for kTask is the leader; it renews its term
// every `renew_every` seconds, and another instance takes over when the term (`term` seconds) runs out
// without a renewal (the leader died or lost the database). A clean stop gives the term up at once.
//
// One at a time, with one exception: a leader whose event loop stalls longer than its term believes it
// leads until its next renewal fails. Every task behind it is therefore also safe to run twice (a refresh
// stores the newest token, a message is announced once, a lease ends once). Terms are wall-clock
// times of the instances: their clocks must agree within a few seconds (NTP).

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"
#include "core/work_pool.hpp"
#include "storage/storage.hpp"

namespace gp::service {

struct LeaderOptions {
  int64_t term = 20;        // seconds a leader holds the work without renewing
  int64_t renew_every = 5;  // seconds between renewals (well under the term)
};

class Leader {
 public:
  static constexpr const char* kTask = "background";

  Leader(storage::Storage& storage, WorkPool& pool, Clock clock, std::string instance, LeaderOptions options = {});

  // Takes or renews the term (the body of a periodic task run every options().renew_every seconds).
  // A database that does not answer ends this instance's leadership.
  boost::asio::awaitable<void> Renew();
  // Gives the term up, when this instance holds it (at a clean stop). Blocking.
  void Release();

  bool leading() const { return leading_.load(std::memory_order_acquire); }
  const std::string& instance() const { return instance_; }
  const LeaderOptions& options() const { return options_; }
  // Called on the loop when this instance becomes the leader (true) or stops being it (false).
  void SetOnChange(std::function<void(bool)> on_change) { on_change_ = std::move(on_change); }

 private:
  storage::Storage& storage_;
  WorkPool& pool_;
  Clock clock_;
  std::string instance_;
  LeaderOptions options_;
  std::atomic<bool> leading_{false};
  std::function<void(bool)> on_change_;
};

}  // namespace gp::service
