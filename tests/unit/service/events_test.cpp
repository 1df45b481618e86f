#include "service/events.hpp"

#include <gtest/gtest.h>

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <algorithm>
#include <atomic>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace gp::service {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr const char* kPing = ": test-ping\n\n";

struct Drained {
  std::string text;
  bool closed = false;
};

// Everything queued on the stream so far: reads until the stream is empty (its heartbeat comes) or
// closed. `io` stands for the server's loop and must outlive the stream.
Drained Drain(asio::io_context& io, const std::shared_ptr<http::Stream>& stream) {
  io.restart();
  stream->Attach(io.get_executor());
  Drained drained;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (;;) {
          auto next = co_await stream->Next();
          if (!next) {
            drained.closed = true;
            co_return;
          }
          if (*next == kPing) co_return;
          drained.text += *next;
        }
      },
      asio::detached);
  io.run();
  return drained;
}

class EventsTest : public ::testing::Test {
 protected:
  static Events::Options Options(size_t history = 8) {
    Events::Options options;
    options.history = history;
    options.stream.heartbeat = 5ms;
    options.stream.heartbeat_text = kPing;
    options.stream.max_queued_bytes = 4096;
    return options;
  }
  static Events::Subscriber Guest(const std::string& id, const std::string& session = "") {
    return {id, session.empty() ? "session-" + id : session, "cookie-" + id, 1000};
  }

  Drained Drain(const std::shared_ptr<http::Stream>& stream) { return service::Drain(io_, stream); }

  asio::io_context io_;
  int64_t now_ms_ = 1'000'000;
  Events events_{Options(), [this] { return now_ms_; }};
};

TEST_F(EventsTest, AnEventReachesItsRecipientsOnly) {
  auto ann = events_.Open(Guest("ann"), std::nullopt);
  auto ben = events_.Open(Guest("ben"), std::nullopt);
  auto cy = events_.Open(Guest("cy"), std::nullopt);
  int64_t id = events_.Publish("message.created", R"({"roomId":"r1"})", {"ann", "ben"});
  std::string frame = "id: " + std::to_string(id) + "\nevent: message.created\ndata: {\"roomId\":\"r1\"}\n\n";
  EXPECT_EQ(Drain(ann).text, "retry: 2000\n\n" + frame);
  EXPECT_EQ(Drain(ben).text, "retry: 2000\n\n" + frame);
  EXPECT_EQ(Drain(cy).text, "retry: 2000\n\n");
  EXPECT_EQ(events_.open_streams(), 3u);
}

TEST_F(EventsTest, IdsIncreaseAndFollowTheClock) {
  int64_t first = events_.Publish("a", "{}", {"ann"});
  int64_t second = events_.Publish("b", "{}", {"ann"});
  EXPECT_EQ(first, 1'000'000'001);  // above the instant the hub started
  EXPECT_EQ(second, first + 1);
  now_ms_ = 2'000'000;
  EXPECT_EQ(events_.Publish("c", "{}", {"ann"}), 2'000'000'000);
  now_ms_ = 1'500'000;  // the clock going back does not make ids go back
  EXPECT_EQ(events_.Publish("d", "{}", {"ann"}), 2'000'000'001);
}

TEST_F(EventsTest, AReconnectGetsWhatItMissedForItsGuestOnly) {
  int64_t seen = events_.Publish("a", R"({"n":1})", {"ann"});
  int64_t missed = events_.Publish("b", R"({"n":2})", {"ann", "ben"});
  events_.Publish("c", R"({"n":3})", {"ben"});
  int64_t also_missed = events_.Publish("d", R"({"n":4})", {"ann"});
  auto ann = events_.Open(Guest("ann"), seen);
  std::string text = Drain(ann).text;
  EXPECT_EQ(text, "retry: 2000\n\nid: " + std::to_string(missed) + "\nevent: b\ndata: {\"n\":2}\n\nid: " +
                      std::to_string(also_missed) + "\nevent: d\ndata: {\"n\":4}\n\n");
}

TEST_F(EventsTest, AnIdOlderThanTheHistoryGetsAResync) {
  // Before the hub started: another process's id.
  auto before = events_.Open(Guest("ann"), 5);
  EXPECT_NE(Drain(before).text.find("event: resync\ndata: {}\n\n"), std::string::npos);
  // Evicted: the history holds 8 events.
  int64_t first = events_.Publish("a", "{}", {"ann"});
  for (int i = 0; i < 8; ++i) events_.Publish("b", "{}", {"ann"});
  auto evicted = events_.Open(Guest("ann"), first - 1);
  EXPECT_NE(Drain(evicted).text.find("event: resync"), std::string::npos);
  // The oldest event still held is replayed, not a resync.
  auto held = events_.Open(Guest("ann"), first);
  std::string text = Drain(held).text;
  EXPECT_EQ(text.find("resync"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2 + 8 * 4);
}

TEST_F(EventsTest, EndingAGuestOrASessionSaysWhyAndCloses) {
  auto ann1 = events_.Open(Guest("ann", "s1"), std::nullopt);
  auto ann2 = events_.Open(Guest("ann", "s2"), std::nullopt);
  auto ben = events_.Open(Guest("ben"), std::nullopt);
  events_.EndSession("s1", "signed_out");
  auto one = Drain(ann1);
  EXPECT_TRUE(one.closed);
  EXPECT_NE(one.text.find("event: session.ended\ndata: {\"reason\":\"signed_out\"}\n\n"), std::string::npos);
  EXPECT_FALSE(Drain(ann2).closed);
  events_.EndGuest("ann", "disabled");
  auto two = Drain(ann2);
  EXPECT_TRUE(two.closed);
  EXPECT_NE(two.text.find("{\"reason\":\"disabled\"}"), std::string::npos);
  auto other = Drain(ben);
  EXPECT_FALSE(other.closed);
  EXPECT_EQ(other.text.find("session.ended"), std::string::npos);
  // Ended streams leave the hub when the server lets go of them.
  ann1->Ended();
  ann2->Ended();
  EXPECT_EQ(events_.open_streams(), 1u);
}

TEST_F(EventsTest, ASlowClientIsDroppedInsteadOfGrowingMemory) {
  auto slow = events_.Open(Guest("ann"), std::nullopt);
  std::string data = "\"" + std::string(1000, 'x') + "\"";
  for (int i = 0; i < 10; ++i) events_.Publish("a", data, {"ann"});
  EXPECT_TRUE(slow->overflowed());
  EXPECT_TRUE(Drain(slow).closed);
  // Counted for metrics: three ~1 KB frames fit the 4 KiB queue; the fourth overflowed it, and the
  // rest found the stream closed.
  EXPECT_EQ(events_.delivered(), 3u);
  EXPECT_EQ(events_.dropped(), 7u);
}

TEST_F(EventsTest, SweepEndsExpiredSessionsAndOnesEndedElsewhere) {
  auto expired = events_.Open({"ann", "s1", "c1", 100}, std::nullopt);
  auto gone = events_.Open({"ben", "s2", "c2", 5000}, std::nullopt);
  auto live = events_.Open({"cy", "s3", "c3", 5000}, std::nullopt);
  events_.Sweep(200, [](const std::string& cookie) { return cookie != "c2"; });
  EXPECT_TRUE(Drain(expired).closed);
  EXPECT_TRUE(Drain(gone).closed);
  EXPECT_FALSE(Drain(live).closed);
}

// The shared log of several instances, in memory. Honours the interface: ids from the clock and always
// above the last and the floor, reads ordered by id, wakes on each append (unless a test holds them
// back to play a slow notification), and a Listening that waits for a wake in progress.
class FakeEventLog : public storage::EventLog {
 public:
  explicit FakeEventLog(std::function<int64_t()> now_ms) : now_ms_(std::move(now_ms)) {}

  Result<int64_t> Append(const storage::EventRecord& event) override {
    int64_t id = 0;
    {
      std::lock_guard lock(mutex_);
      id = std::max({newest_ + 1, floor_ + 1, now_ms_() * 1000});
      newest_ = id;
      records_.push_back(event);
      records_.back().id = id;
    }
    if (notify_) NotifyAll();
    ++appends_;
    return id;
  }
  Result<std::vector<storage::EventRecord>> ReadAfter(int64_t after_id, int limit) override {
    std::lock_guard lock(mutex_);
    std::vector<storage::EventRecord> out;
    for (const auto& record : records_) {
      if (record.id > after_id && static_cast<int>(out.size()) < limit) out.push_back(record);
    }
    return out;
  }
  Result<std::vector<storage::EventRecord>> ReadNewest(int limit) override {
    std::lock_guard lock(mutex_);
    size_t skip = records_.size() > static_cast<size_t>(limit) ? records_.size() - static_cast<size_t>(limit) : 0;
    return std::vector<storage::EventRecord>(records_.begin() + static_cast<std::ptrdiff_t>(skip), records_.end());
  }
  Result<int64_t> Floor() override {
    std::lock_guard lock(mutex_);
    return floor_;
  }
  Result<int64_t> Prune(int64_t keep_newest) override {
    std::lock_guard lock(mutex_);
    int64_t removed = 0;
    while (static_cast<int64_t>(records_.size()) > keep_newest) {
      floor_ = records_.front().id;
      records_.erase(records_.begin());
      ++removed;
    }
    return removed;
  }
  Result<std::unique_ptr<Listening>> Listen(std::function<void()> wake) override {
    std::lock_guard lock(wake_mutex_);
    uint64_t key = next_key_++;
    wakes_.emplace(key, std::move(wake));
    return std::make_unique<Handle>(*this, key);
  }

  // Wakes every listener (a notification arriving).
  void NotifyAll() {
    std::lock_guard lock(wake_mutex_);
    for (auto& [key, wake] : wakes_) wake();
  }
  // Whether an append wakes the listeners at once.
  void set_notify(bool notify) { notify_ = notify; }
  // Appends finished, their wakes included.
  size_t appends() const { return appends_; }
  int64_t newest() {
    std::lock_guard lock(mutex_);
    return newest_;
  }
  std::vector<int64_t> ids() {
    std::lock_guard lock(mutex_);
    std::vector<int64_t> out;
    for (const auto& record : records_) out.push_back(record.id);
    return out;
  }

 private:
  class Handle : public Listening {
   public:
    Handle(FakeEventLog& log, uint64_t key) : log_(log), key_(key) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() override {
      std::lock_guard lock(log_.wake_mutex_);
      log_.wakes_.erase(key_);
    }

   private:
    FakeEventLog& log_;
    uint64_t key_;
  };

  std::function<int64_t()> now_ms_;
  std::mutex mutex_;
  std::vector<storage::EventRecord> records_;
  int64_t newest_ = 0;
  int64_t floor_ = 0;
  std::atomic<bool> notify_{true};
  std::atomic<size_t> appends_{0};
  std::mutex wake_mutex_;
  uint64_t next_key_ = 0;
  std::map<uint64_t, std::function<void()>> wakes_;
};

std::string FrameOf(int64_t id, const std::string& type, const std::string& data) {
  return "id: " + std::to_string(id) + "\nevent: " + type + "\ndata: " + data + "\n\n";
}

// Polls `done` until it holds or 5 s have passed.
bool Eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Several instances sharing one log: each test's instances are Events objects on one FakeEventLog.
class SharedEventsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Events> Instance(size_t history = 8) {
    Events::Options options;
    options.history = history;
    options.stream.heartbeat = 5ms;
    options.stream.heartbeat_text = kPing;
    options.stream.max_queued_bytes = 64 * 1024;
    options.log = &log_;
    // Only wakes read the log: the tests decide when an instance hears of an append.
    options.log_poll = std::chrono::hours(1);
    return std::make_unique<Events>(options, [this] { return now_ms_.load(); });
  }
  static Events::Subscriber Guest(const std::string& id, const std::string& session = "") {
    return {id, session.empty() ? "session-" + id : session, "cookie-" + id, 1000};
  }
  // Waits until `events` has delivered everything the log holds.
  void ReadAll(Events& events) {
    ASSERT_TRUE(Eventually([&] { return events.last_id() == log_.newest(); }));
  }
  // Waits until `count` appends are done, with the wakes they gave.
  void Appended(size_t count) {
    ASSERT_TRUE(Eventually([&] { return log_.appends() == count; }));
  }
  // Drains `stream` until its text so far contains `needle` (what a reader thread delivers arrives
  // on its own time).
  std::string DrainUntil(const std::shared_ptr<http::Stream>& stream, const std::string& needle) {
    std::string text;
    Eventually([&] {
      text += Drain(io_, stream).text;
      return text.find(needle) != std::string::npos;
    });
    return text;
  }

  asio::io_context io_;
  std::atomic<int64_t> now_ms_{1'000'000};
  FakeEventLog log_{[this] { return now_ms_.load(); }};
};

TEST_F(SharedEventsTest, AnEventPublishedOnOneInstanceReachesRecipientsOnAnotherOnce) {
  auto a = Instance();
  auto b = Instance();
  auto ann_a = a->Open(Guest("ann"), std::nullopt);
  auto ann_b = b->Open(Guest("ann", "s2"), std::nullopt);
  auto cy_b = b->Open(Guest("cy"), std::nullopt);
  EXPECT_EQ(a->Publish("message.created", R"({"roomId":"r1"})", {"ann", "ben"}), 0);  // the log gives the id
  Appended(1);
  ReadAll(*a);
  ReadAll(*b);
  std::string frame = FrameOf(log_.newest(), "message.created", R"({"roomId":"r1"})");
  EXPECT_EQ(Drain(io_, ann_b).text, "retry: 2000\n\n" + frame);
  EXPECT_EQ(Drain(io_, ann_a).text, "retry: 2000\n\n" + frame);
  EXPECT_EQ(Drain(io_, cy_b).text, "retry: 2000\n\n");
  // Later wakes read only what is new: the first event is not delivered again.
  log_.NotifyAll();
  b->Publish("other", "{}", {"cy"});
  Appended(2);
  ReadAll(*a);
  ReadAll(*b);
  EXPECT_EQ(Drain(io_, ann_a).text, "");
  EXPECT_EQ(Drain(io_, ann_b).text, "");
  EXPECT_EQ(Drain(io_, cy_b).text, FrameOf(log_.newest(), "other", "{}"));
}

TEST_F(SharedEventsTest, AStreamMovedToAnotherInstanceGetsExactlyWhatItMissed) {
  auto a = Instance();
  auto ann_a = a->Open(Guest("ann"), std::nullopt);
  a->Publish("n", R"({"n":1})", {"ann"});
  a->Publish("n", R"({"n":2})", {"ann"});
  Appended(2);
  ReadAll(*a);
  int64_t seen = log_.newest();
  EXPECT_NE(Drain(io_, ann_a).text.find("id: " + std::to_string(seen) + "\n"), std::string::npos);
  // The client goes away; more happens; it comes back on an instance that starts only now.
  a->Publish("n", R"({"n":3})", {"ann"});
  a->Publish("n", R"({"n":4})", {"ben"});
  a->Publish("n", R"({"n":5})", {"ann", "ben"});
  Appended(5);
  auto ids = log_.ids();
  auto b = Instance();
  auto ann_b = b->Open(Guest("ann"), seen);
  EXPECT_EQ(Drain(io_, ann_b).text,
            "retry: 2000\n\n" + FrameOf(ids[2], "n", R"({"n":3})") + FrameOf(ids[4], "n", R"({"n":5})"));

  // A client that has read further on A than B has read from the log (B's notification is late) gets
  // no event twice.
  log_.set_notify(false);
  auto ann_a2 = a->Open(Guest("ann", "s2"), std::nullopt);
  a->Publish("n", R"({"n":6})", {"ann"});
  Appended(6);
  ReadAll(*a);  // A wakes its own reader after appending
  int64_t sixth = log_.newest();
  EXPECT_EQ(Drain(io_, ann_a2).text, "retry: 2000\n\n" + FrameOf(sixth, "n", R"({"n":6})"));
  ASSERT_LT(b->last_id(), sixth);
  auto ann_b2 = b->Open(Guest("ann", "s2"), sixth);
  log_.NotifyAll();
  ReadAll(*b);
  a->Publish("n", R"({"n":7})", {"ann"});
  Appended(7);
  log_.NotifyAll();
  ReadAll(*b);
  EXPECT_EQ(Drain(io_, ann_b2).text, "retry: 2000\n\n" + FrameOf(log_.newest(), "n", R"({"n":7})"));
}

TEST_F(SharedEventsTest, AnIdOlderThanMemoryIsReplayedFromTheLogAndOneBelowItsFloorGetsResync) {
  auto a = Instance(4);
  for (int i = 0; i < 10; ++i) a->Publish("n", "{\"n\":" + std::to_string(i) + "}", {"ann"});
  Appended(10);
  auto ids = log_.ids();
  auto b = Instance(4);  // memory holds the newest 4 of the 10
  auto from_log = b->Open(Guest("ann"), ids[2]);
  std::string expected = "retry: 2000\n\n";
  for (int i = 3; i < 10; ++i) expected += FrameOf(ids[i], "n", "{\"n\":" + std::to_string(i) + "}");
  EXPECT_EQ(DrainUntil(from_log, FrameOf(ids[9], "n", R"({"n":9})")), expected);

  // The log keeps 3 now: what followed ids[2] is partly gone.
  ASSERT_EQ(log_.Prune(3).value(), 7);
  auto gone = b->Open(Guest("ann", "s2"), ids[2]);
  EXPECT_EQ(DrainUntil(gone, "resync"), "retry: 2000\n\n" + FrameOf(ids[9], "resync", "{}"));
  // Memory still reaches back to ids[6].
  auto held = b->Open(Guest("ann", "s3"), ids[6]);
  EXPECT_EQ(Drain(io_, held).text, "retry: 2000\n\n" + FrameOf(ids[7], "n", R"({"n":7})") +
                                       FrameOf(ids[8], "n", R"({"n":8})") + FrameOf(ids[9], "n", R"({"n":9})"));
}

TEST_F(SharedEventsTest, EveryPublishOfSeveralThreadsReachesEveryInstanceOnceAndInOrder) {
  auto a = Instance(4096);
  auto b = Instance(4096);
  auto ann_a = a->Open(Guest("ann"), std::nullopt);
  auto ann_b = b->Open(Guest("ann", "s2"), std::nullopt);
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Events& events = t % 2 == 0 ? *a : *b;
      for (int i = 0; i < kEach; ++i) events.Publish("n", "{}", {"ann"});
    });
  }
  for (auto& thread : threads) thread.join();
  Appended(kThreads * kEach);
  log_.NotifyAll();
  ReadAll(*a);
  ReadAll(*b);
  std::string expected = "retry: 2000\n\n";
  for (int64_t id : log_.ids()) expected += FrameOf(id, "n", "{}");
  EXPECT_EQ(Drain(io_, ann_a).text, expected);
  EXPECT_EQ(Drain(io_, ann_b).text, expected);
}

}  // namespace
}  // namespace gp::service
