// storage::EventLog on a real PostgreSQL. The URL is in the file named by GP_TEST_PG_URL_FILE
// (scripts/pg-scratch writes one); without it the tests are skipped. Each test works in a schema of its
// own, made from the embedded postgres migrations and dropped at the end.

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/event_log.hpp"
#include "storage/migrations.hpp"
#include "storage/postgres/pg_event_log.hpp"

#include "pg_test_support.hpp"

namespace gp::storage {
namespace {

using testing::RawPg;

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Polls `done` until it holds or `timeout` has passed.
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// A wake callback's side: counts wakes and lets a test wait for the next one.
class Waker {
 public:
  std::function<void()> Callback() {
    return [this] {
      {
        std::lock_guard lock(mutex_);
        ++wakes_;
        woken_ = true;
      }
      cv_.notify_all();
    };
  }
  // Waits for a wake since the last call (or the start); false after `timeout`.
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    bool woken = cv_.wait_for(lock, timeout, [this] { return woken_; });
    woken_ = false;
    return woken;
  }
  void Clear() {
    std::lock_guard lock(mutex_);
    woken_ = false;
  }
  int wakes() {
    std::lock_guard lock(mutex_);
    return wakes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int wakes_ = 0;
  bool woken_ = false;
};

class PostgresEventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_url_ = testing::ClusterUrl();
    if (base_url_.empty()) GTEST_SKIP() << "GP_TEST_PG_URL_FILE is not set";
    std::random_device random;
    schema_ = "t_" + std::to_string(random()) + std::to_string(random());
    admin_ = std::make_unique<RawPg>(base_url_);
    admin_->Execute("SET client_min_messages = warning; CREATE SCHEMA " + schema_);
    url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_ +
           "&application_name=" + schema_;
    RawPg schema(url_);
    auto migrations = EmbeddedMigrations("postgres");
    ASSERT_FALSE(migrations.empty());
    for (const auto& migration : migrations) schema.Execute(std::string(migration.sql));
  }

  void TearDown() override {
    if (admin_) admin_->Execute("DROP SCHEMA " + schema_ + " CASCADE");
  }

  std::unique_ptr<EventLog> Open(PostgresEventLogOptions options = {}) {
    auto log = OpenPostgresEventLog(url_, options);
    if (!log) throw std::runtime_error("cannot open the event log: " + log.error().message);
    return std::move(*log);
  }

  // The backend pid of this test's listening connection, or "" while there is none.
  std::string ListenerPid() {
    return admin_->QueryText("SELECT coalesce(min(pid)::text, '') FROM pg_stat_activity WHERE application_name = '" +
                        schema_ + "' AND state = 'idle' AND query = 'LISTEN gp_events'");
  }

  std::string base_url_;
  std::string url_;
  std::string schema_;
  std::unique_ptr<RawPg> admin_;
};

TEST_F(PostgresEventLogTest, AppendGivesIncreasingIdsFromTheClockAndReadsBackInOrder) {
  auto log = Open();
  int64_t before = NowMillis();
  EventRecord first{0, "message.created", R"({"text":"a \"quoted\" \\ line, {braces} é"})", {"ann", "b\"en", "c,y", "ü"}};
  EventRecord second{0, "room.closed", "{}", {}};
  EventRecord third{0, "meeting.started", R"({"n":3})", {"ann"}};
  auto id1 = log->Append(first);
  auto id2 = log->Append(second);
  auto id3 = log->Append(third);
  int64_t after = NowMillis();
  ASSERT_TRUE(id1 && id2 && id3);
  EXPECT_LT(*id1, *id2);
  EXPECT_LT(*id2, *id3);
  // Milliseconds × 1000 from the server's clock, here on the same host.
  EXPECT_GE(*id1 / 1000, before - 2000);
  EXPECT_LE(*id3 / 1000, after + 2000);

  auto all = log->ReadAfter(0, 10);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, *id1);
  EXPECT_EQ((*all)[0].type, first.type);
  EXPECT_EQ((*all)[0].data, first.data);
  EXPECT_EQ((*all)[0].recipients, first.recipients);
  EXPECT_TRUE((*all)[1].recipients.empty());
  EXPECT_EQ((*all)[2].id, *id3);

  auto next = log->ReadAfter(*id1, 1);
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].id, *id2);
  auto newest = log->ReadNewest(2);
  ASSERT_TRUE(newest);
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].id, *id2);
  EXPECT_EQ((*newest)[1].id, *id3);
  EXPECT_EQ(log->Floor().value(), 0);
}

TEST_F(PostgresEventLogTest, PruneKeepsTheNewestAndRaisesTheFloorSoNoIdIsGivenTwice) {
  auto log = Open();
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(log->Append({0, "n", "{}", {"ann"}}).value());
  EXPECT_EQ(log->Prune(2).value(), 3);
  EXPECT_EQ(log->Floor().value(), ids[2]);
  auto left = log->ReadAfter(0, 10).value();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].id, ids[3]);
  EXPECT_EQ(log->Prune(2).value(), 0);
  EXPECT_EQ(log->Prune(0).value(), 2);
  EXPECT_EQ(log->Floor().value(), ids[4]);
  EXPECT_TRUE(log->ReadNewest(10).value().empty());
  // With nothing stored, the floor still keeps ids from going back (here: a floor ahead of the clock).
  int64_t ahead = (NowMillis() + 3'600'000) * 1000;
  admin_->Execute("UPDATE " + schema_ + ".live_events_floor SET floor_id = " + std::to_string(ahead));
  EXPECT_EQ(log->Append({0, "n", "{}", {}}).value(), ahead + 1);
}

// Appends from several connections at once reach a reader that reads after the last id it has seen,
// each exactly once and in order. Without the advisory lock, ids are given in one order and committed
// in another, and this reader misses some (or appends collide on the key).
TEST_F(PostgresEventLogTest, ConcurrentAppendsReachAListenerOnceEachAndInOrder) {
  constexpr int kLogs = 2;
  constexpr int kThreadsPerLog = 4;
  constexpr int kEach = 500;
  constexpr size_t kTotal = kLogs * kThreadsPerLog * kEach;
  std::vector<std::unique_ptr<EventLog>> writers;
  for (int i = 0; i < kLogs; ++i) writers.push_back(Open());
  auto reader = Open();
  Waker waker;
  auto listening = reader->Listen(waker.Callback());
  ASSERT_TRUE(listening);

  std::vector<int64_t> received;
  std::vector<std::string> problems;
  std::thread reading([&] {
    int64_t last = 0;
    auto deadline = Clock::now() + 120s;
    while (received.size() < kTotal && Clock::now() < deadline) {
      waker.Wait(2s);
      for (;;) {
        auto batch = reader->ReadAfter(last, 1000);
        if (!batch) {
          problems.push_back("read failed: " + batch.error().message);
          return;
        }
        for (const auto& record : *batch) {
          if (record.id <= last) problems.push_back("out of order: " + std::to_string(record.id));
          last = record.id;
          received.push_back(record.id);
        }
        if (batch->size() < 1000) break;
      }
    }
  });

  std::mutex appended_mutex;
  std::vector<int64_t> appended;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kLogs * kThreadsPerLog; ++t) {
    threads.emplace_back([&, t] {
      EventLog& log = *writers[t % kLogs];
      std::vector<int64_t> mine;
      for (int i = 0; i < kEach; ++i) {
        auto id = log.Append({0, "n", "{\"t\":" + std::to_string(t) + "}", {"g" + std::to_string(t)}});
        if (id) {
          mine.push_back(*id);
        } else {
          ++failures;
        }
      }
      std::lock_guard lock(appended_mutex);
      appended.insert(appended.end(), mine.begin(), mine.end());
    });
  }
  for (auto& thread : threads) thread.join();
  reading.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, the first: " << problems.front();
  std::set<int64_t> expected(appended.begin(), appended.end());
  std::set<int64_t> got(received.begin(), received.end());
  EXPECT_EQ(got.size(), received.size()) << "some received twice";
  std::vector<int64_t> missed;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missed));
  EXPECT_TRUE(missed.empty()) << missed.size() << " appended events never reached the reader";
  EXPECT_EQ(received.size(), kTotal);
}

TEST_F(PostgresEventLogTest, ANotificationWakesAListenerWellWithinAQuarterSecond) {
  auto writer = Open();
  // No safety-net wakes: only notifications wake it.
  auto reader = Open({.wake_every = std::chrono::hours(1)});
  Waker waker;
  auto listening = reader->Listen(waker.Callback());
  ASSERT_TRUE(listening);
  ASSERT_TRUE(Eventually([&] { return !ListenerPid().empty(); }));
  std::vector<double> latencies_ms;
  int64_t last = writer->Append({0, "n", "{}", {}}).value();
  for (int i = 0; i < 100; ++i) {
    waker.Clear();
    auto start = Clock::now();
    int64_t id = writer->Append({0, "n", "{}", {}}).value();
    // Woken (maybe by another test's notification on the same database) until a read finds it.
    bool found = false;
    while (!found && waker.Wait(2s)) {
      auto read = reader->ReadAfter(last, 100).value();
      for (const auto& record : read) found = found || record.id == id;
    }
    ASSERT_TRUE(found) << "no notification for append " << i;
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    last = id;
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  double p99 = latencies_ms[98];
  RecordProperty("p99_ms", std::to_string(p99));
  EXPECT_LT(p99, 250.0);
}

TEST_F(PostgresEventLogTest, AListenerWhoseConnectionIsTerminatedListensAgain) {
  auto writer = Open();
  auto reader = Open({.wake_every = std::chrono::hours(1)});
  Waker waker;
  auto listening = reader->Listen(waker.Callback());
  ASSERT_TRUE(listening);
  std::string pid;
  ASSERT_TRUE(Eventually([&] { return !(pid = ListenerPid()).empty(); }));
  int wakes = waker.wakes();
  EXPECT_EQ(admin_->QueryText("SELECT pg_terminate_backend(" + pid + ")"), "t");
  // It reconnects, listens again and wakes its caller once for what it may have missed.
  ASSERT_TRUE(Eventually([&] {
    auto now = ListenerPid();
    return !now.empty() && now != pid && waker.wakes() > wakes;
  }));
  waker.Clear();
  int64_t id = writer->Append({0, "later", "{}", {"ann"}}).value();
  ASSERT_TRUE(waker.Wait(5s)) << "no notification after reconnecting";
  auto read = reader->ReadAfter(id - 1, 10).value();
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].type, "later");
}

// Needs no cluster: nothing listens on port 1.
TEST(PostgresEventLog, ErrorsDoNotRevealTheUrl) {
  auto bad = OpenPostgresEventLog("postgresql://portal:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=2");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("s3cret-pw"), std::string::npos) << bad.error().message;
  auto unparsable = OpenPostgresEventLog("postgresql://portal:s3cret-pw@127.0.0.1:5432/db?nonsense%zz=1");
  ASSERT_FALSE(unparsable);
  EXPECT_EQ(unparsable.error().message.find("s3cret-pw"), std::string::npos) << unparsable.error().message;
}

}  // namespace
}  // namespace gp::storage
