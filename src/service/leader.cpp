#include "service/leader.hpp"

#include "core/log.hpp"

namespace gp::service {

Leader::Leader(storage::Storage& storage, WorkPool& pool, Clock clock, std::string instance, LeaderOptions options)
    : storage_(storage), pool_(pool), clock_(std::move(clock)), instance_(std::move(instance)), options_(options) {}

boost::asio::awaitable<void> Leader::Renew() {
  const int64_t now = clock_();
  auto taken = co_await pool_.Run(
      [&] { return storage_.TakeRunner(kTask, instance_, now, now + options_.term); });
  const bool leading = taken && *taken;
  if (!taken) log::warn("background work: the database did not answer ({})", log::Safe(taken.error().message));
  const bool was = leading_.exchange(leading, std::memory_order_acq_rel);
  if (leading == was) co_return;
  if (leading) {
    log::info("background work: this instance ({}) runs it now", instance_);
  } else {
    log::info("background work: this instance ({}) no longer runs it", instance_);
  }
  if (on_change_) on_change_(leading);
}

void Leader::Release() {
  if (!leading_.exchange(false, std::memory_order_acq_rel)) return;
  if (auto released = storage_.ReleaseRunner(kTask, instance_); !released) {
    log::warn("background work: could not hand it over ({})", log::Safe(released.error().message));
  }
}

}  // namespace gp::service
