#include "core/periodic_task.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"

namespace gp {

namespace asio = boost::asio;

struct PeriodicTask::State {
  State(const asio::any_io_executor& executor, std::string name, std::chrono::milliseconds interval, Body body)
      : executor(executor), name(std::move(name)), interval(interval), body(std::move(body)), timer(executor) {}

  asio::any_io_executor executor;
  std::string name;
  std::chrono::milliseconds interval;
  Body body;
  asio::steady_timer timer;  // touched on the executor only
  bool woken = false;        // on the executor only
  bool stopped = false;      // on the executor only
  std::atomic<uint64_t> runs{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<bool> running{false};
};

namespace {

asio::awaitable<void> Loop(std::shared_ptr<PeriodicTask::State> state, std::chrono::milliseconds first_delay) {
  auto delay = first_delay;
  while (!state->stopped) {
    if (!state->woken) {
      state->timer.expires_after(delay);
      boost::system::error_code ec;
      co_await state->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (state->stopped) break;
    state->woken = false;
    state->running = true;
    try {
      co_await state->body();
    } catch (const std::exception& e) {
      ++state->failures;
      log::error("periodic task {} failed: {}", state->name, log::Safe(e.what()));
    } catch (...) {
      ++state->failures;
      log::error("periodic task {} failed with an unknown exception", state->name);
    }
    state->running = false;
    ++state->runs;
    delay = state->interval;
  }
}

}  // namespace

PeriodicTask::PeriodicTask(const asio::any_io_executor& executor, std::string name, std::chrono::milliseconds interval,
                           Body body)
    : state_(std::make_shared<State>(executor, std::move(name), interval, std::move(body))) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Start(std::chrono::milliseconds first_delay) {
  asio::co_spawn(state_->executor, Loop(state_, first_delay), asio::detached);
}

void PeriodicTask::Wake() {
  asio::post(state_->executor, [state = state_] {
    state->woken = true;
    state->timer.cancel();
  });
}

void PeriodicTask::Stop() {
  asio::post(state_->executor, [state = state_] {
    state->stopped = true;
    state->timer.cancel();
  });
}

uint64_t PeriodicTask::runs() const { return state_->runs.load(); }
uint64_t PeriodicTask::failures() const { return state_->failures.load(); }
bool PeriodicTask::running() const { return state_->running.load(); }

}  // namespace gp
