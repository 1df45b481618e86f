// The storage suite against PostgreSQL, plus what is particular to PostgreSQL: several instances on one
// database (migrations, leases, job claims), lost connections, an unreachable server, and Version().
//
// The server's URL is read from the file named by GP_TEST_PG_URL_FILE (ctest's `postgres` fixture starts
// a scratch cluster and sets it); without that variable every case here skips. Each case works in a
// schema of its own, selected through the URL (options=-csearch_path%3D...), and drops it afterwards.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "core/loop_thread.hpp"
#include "storage/open.hpp"
#include "storage/postgres/async_version.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/postgres/postgres_storage.hpp"
#include "pg_test_support.hpp"
#include "storage_suite.hpp"

namespace gp::storage::testing {
namespace {

// `url` with one more query parameter.
std::string WithParameter(const std::string& url, const std::string& parameter) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + parameter;
}

std::string RandomSchemaName() {
  std::random_device device;
  std::mt19937_64 random(device());
  const char* digits = "0123456789abcdef";
  std::string name = "t_";
  for (int i = 0; i < 16; ++i) name += digits[random() % 16];
  return name;
}

// A fresh schema of the scratch cluster, dropped with everything in it.
struct PostgresBackend {
  static constexpr std::string_view kEngine = "postgres";
  static std::string Unavailable() {
    if (std::getenv("GP_TEST_PG_URL_FILE") == nullptr) {
      return "GP_TEST_PG_URL_FILE is not set: no PostgreSQL server for these cases (ctest -L postgres starts one)";
    }
    return {};
  }

  PostgresBackend() {
    if (!Unavailable().empty()) return;
    cluster = ClusterUrl();
    schema = RandomSchemaName();
    RawPg(cluster).Execute("CREATE SCHEMA " + schema);
    url = WithParameter(cluster, "options=-csearch_path%3D" + schema);
  }
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;
  ~PostgresBackend() {
    if (schema.empty()) return;
    try {
      RawPg(cluster).Execute("DROP SCHEMA " + schema + " CASCADE");
    } catch (const std::exception& error) {
      ADD_FAILURE() << error.what();
    }
  }

  Result<std::unique_ptr<Storage>> Open(const StorageOptions& options = {}) { return OpenStorage(url, options); }
  void Execute(const std::string& sql) { RawPg(url).Execute(sql); }
  int64_t QueryInt(const std::string& sql) { return std::stoll(RawPg(url).QueryText(sql)); }

  std::string cluster;
  std::string schema;
  std::string url;
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StorageSuite, PostgresBackend);

namespace {

// Each case gets a fresh schema, not migrated: a case migrates what it opens.
class PostgresStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto reason = PostgresBackend::Unavailable(); !reason.empty()) GTEST_SKIP() << reason;
  }

  std::unique_ptr<Storage> OpenMigrated(const StorageOptions& options = {}) {
    auto opened = backend_.Open(options);
    EXPECT_TRUE(opened) << opened.error().message;
    if (!opened) return nullptr;
    auto migrated = (*opened)->Migrate();
    EXPECT_TRUE(migrated) << migrated.error().message;
    return std::move(*opened);
  }

  PostgresBackend backend_;
};

// A loopback TCP port: `listening` decides whether connections are accepted by the kernel (and then
// never answered) or refused.
class SilentPort {
 public:
  explicit SilentPort(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot bind a loopback port");
    }
    if (listening && ::listen(fd_, 16) != 0) throw std::runtime_error("cannot listen");
    socklen_t size = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  SilentPort(const SilentPort&) = delete;
  SilentPort& operator=(const SilentPort&) = delete;
  ~SilentPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Terminates the backends that match `condition` (on pg_stat_activity) and waits until they are gone;
// returns how many there were. The subquery keeps the condition from being evaluated after the
// termination (OFFSET 0 stops the planner from merging them).
int TerminateBackends(RawPg& raw, const std::string& condition) {
  return std::stoi(raw.QueryText("SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM"
                                 " (SELECT pid FROM pg_stat_activity WHERE " + condition +
                                 " AND pid <> pg_backend_pid() OFFSET 0) matching"));
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_F(PostgresStorage, TwoInstancesMigratingAtOnceApplyEachMigrationOnce) {
  const int latest = LatestKnownVersion("postgres");
  const auto count = static_cast<int64_t>(EmbeddedMigrations("postgres").size());
  // A few rounds, each on an empty schema, so that the two really start together at least once.
  for (int round = 0; round < 4; ++round) {
    PostgresBackend fresh;
    auto first = fresh.Open();
    auto second = fresh.Open();
    ASSERT_TRUE(first && second);
    std::atomic<int> ready{0};
    std::vector<Result<int>> results(2, Result<int>(0));
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      Storage* store = i == 0 ? first->get() : second->get();
      threads.emplace_back([&, store, i] {
        ++ready;
        while (ready.load() < 2) std::this_thread::yield();
        results[i] = store->Migrate();
      });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& result : results) {
      ASSERT_TRUE(result) << result.error().message;
      EXPECT_EQ(*result, latest);
    }
    EXPECT_EQ(fresh.QueryInt("SELECT COUNT(*) FROM schema_migrations"), count);
    EXPECT_EQ(fresh.QueryInt("SELECT COUNT(DISTINCT version) FROM schema_migrations"), count);
    EXPECT_EQ(fresh.QueryInt("SELECT MAX(version) FROM schema_migrations"), latest);
    EXPECT_EQ(*(*first)->SchemaVersion(), latest);
  }
}

TEST_F(PostgresStorage, LeasesFromTwoInstancesNeverShareAHostNorExceedThePool) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 15;
  constexpr int kHosts = 3;
  auto first = OpenMigrated();
  auto second = OpenMigrated();
  ASSERT_TRUE(first && second);
  for (int t = 0; t < kThreads; ++t) {
    GP_ASSERT_OK(first->CreateSpace(MakeSpace("s" + std::to_string(t), {"guest-" + std::to_string(t)})));
  }
  for (int h = 1; h <= kHosts; ++h) {
    std::string id = "h" + std::to_string(h);
    GP_ASSERT_OK(first->CreateHost(MakePersonHost(id, id + "@example.com", true)));
  }
  std::map<std::string, std::atomic<int>> holders;
  for (int h = 1; h <= kHosts; ++h) holders["h" + std::to_string(h)] = 0;
  std::atomic<int> held{0};
  std::atomic<int> most_held{0};
  std::atomic<int> shared{0};
  std::atomic<int> taken{0};
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex failure_mutex;
  auto fail = [&](const std::string& what) {
    std::lock_guard lock(failure_mutex);
    if (failures++ == 0) first_failure = what;
  };
  std::atomic<bool> watching{true};
  int most_rows = 0;
  int most_per_host = 0;
  // Watches the table itself while the takers run.
  std::jthread watcher([&] {
    RawPg raw(backend_.url);
    while (watching.load()) {
      most_rows = std::max(most_rows, std::stoi(raw.QueryText("SELECT COUNT(*) FROM leases")));
      most_per_host = std::max(most_per_host, std::stoi(raw.QueryText(
                                                  "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM leases"
                                                  " GROUP BY host_id) counts")));
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Storage* store = t % 2 == 0 ? first.get() : second.get();
    threads.emplace_back([&, store, t] {
      std::string space = "s" + std::to_string(t);
      for (int round = 0; round < kRounds; ++round) {
        std::string lease_id = "l" + std::to_string(t) + "-" + std::to_string(round);
        auto lease = store->TakeLease(MakeLease(lease_id, space, 1000 + round), HostKind::kPerson);
        if (!lease) {
          if (lease.error().reason != "pool_exhausted") fail(lease.error().message);
          continue;
        }
        ++taken;
        int now_held = ++held;
        int before = most_held.load();
        while (now_held > before && !most_held.compare_exchange_weak(before, now_held)) {
        }
        if (holders.at(lease->host_id)++ != 0) ++shared;
        // Given back before the row goes, so that the next holder never finds it still counted.
        --holders.at(lease->host_id);
        --held;
        auto ended = store->EndLease(lease_id, "ended", 2000 + round, {});
        if (!ended || !*ended) fail(ended ? "lease " + lease_id + " had ended already" : ended.error().message);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  watching = false;
  watcher.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_EQ(shared.load(), 0);
  EXPECT_LE(most_held.load(), kHosts);
  EXPECT_LE(most_rows, kHosts);
  EXPECT_LE(most_per_host, 1);
  EXPECT_GT(taken.load(), kHosts);  // the hosts went round
  EXPECT_EQ(backend_.QueryInt("SELECT COUNT(*) FROM leases"), 0);
}

// Runs `first` and `second` on two threads that start together.
void RunTogether(const std::function<void()>& first, const std::function<void()>& second) {
  std::atomic<int> ready{0};
  auto start = [&ready](const std::function<void()>& work) {
    return std::jthread([&ready, &work] {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      work();
    });
  };
  std::jthread one = start(first);
  std::jthread two = start(second);
}

TEST_F(PostgresStorage, ACommitRacingAPolicyChangeOnAnotherInstanceNeverLeavesAForbiddenSpaceOpen) {
  // CommitSpace re-checks the policy and inserts; DisableGuest and ReplacePairs close what the policy no
  // longer allows. Were they to interleave, a space could be committed for a member disabled (or a pair
  // revoked) just after the re-check, and stay open.
  constexpr int kRounds = 40;
  auto first = OpenMigrated();
  auto second = OpenMigrated();
  ASSERT_TRUE(first && second);
  std::vector<PairRecord> pairs;
  for (int round = 0; round < kRounds; ++round) {
    std::string a = "a" + std::to_string(round);
    std::string b = "b" + std::to_string(round);
    GP_ASSERT_OK(first->CreateGuest(MakeGuest(a, "user-" + a)));
    GP_ASSERT_OK(first->CreateGuest(MakeGuest(b, "user-" + b)));
    pairs.emplace_back(a, b);
  }
  GP_ASSERT_OK(first->ReplacePairs(pairs, 10));
  std::atomic<int> failures{0};
  for (int round = 0; round < kRounds; ++round) {
    std::string a = "a" + std::to_string(round);
    std::string b = "b" + std::to_string(round);
    SpaceRecord space = MakeSpace("s" + std::to_string(round), {a, b});
    std::string intent = "i" + std::to_string(round);
    GP_ASSERT_OK(first->SaveSpaceIntent(MakeIntent(intent, space.member_ids, 50, space.webex_room_id)));
    bool revoke = round % 2 == 1;
    RunTogether(
        [&] {
          auto committed = first->CommitSpace(space, intent, 100);
          if (!committed && committed.error().code != ErrorCode::kForbidden) ++failures;
        },
        [&] {
          if (revoke) {
            std::vector<PairRecord> rest;
            for (const auto& pair : pairs) {
              if (pair.first != a) rest.push_back(pair);
            }
            if (!second->ReplacePairs(rest, 100)) ++failures;
          } else if (!second->DisableGuest(a, 100)) {
            ++failures;
          }
        });
    if (revoke) {
      // The next rounds keep the pairs they still have.
      std::erase_if(pairs, [&](const PairRecord& pair) { return pair.first == a; });
    }
  }
  EXPECT_EQ(failures.load(), 0);
  auto open = first->ListSpaces();
  ASSERT_TRUE(open) << open.error().message;
  for (const auto& space : *open) {
    if (space.closed_at) continue;
    const std::string& a = space.member_ids.at(0);
    const std::string& b = space.member_ids.at(1);
    EXPECT_FALSE(first->GetGuest(a)->disabled) << space.id << " is open with a disabled member";
    EXPECT_TRUE(*first->IsPairAllowed(a, b)) << space.id << " is open with a revoked pair";
  }
}

TEST_F(PostgresStorage, TheLastJobsOfALeaseCompletedAtOnceOnTwoInstancesFreeTheHost) {
  // Each completion deletes its job, then deletes the ending lease if no job is left. Were they to
  // interleave, each would still see the other's job, and the lease (and its host) would stay taken.
  constexpr int kRounds = 20;
  auto first = OpenMigrated();
  auto second = OpenMigrated();
  ASSERT_TRUE(first && second);
  GP_ASSERT_OK(first->CreateSpace(MakeSpace("s1", {"g1"})));
  GP_ASSERT_OK(first->CreateHost(MakePersonHost("h1", "h1@example.com", true)));
  for (int round = 0; round < kRounds; ++round) {
    std::string lease_id = "l" + std::to_string(round);
    auto lease = first->TakeLease(MakeLease(lease_id, "s1", 100 + round), HostKind::kPerson);
    ASSERT_TRUE(lease) << lease.error().message;
    auto ended = first->EndLease(lease_id, "ended", 200 + round,
                                 {MakeLeaseJob(JobKind::kEndMeeting, "room-1", 0),
                                  MakeLeaseJob(JobKind::kRemoveMembership, "room-1", 0)});
    ASSERT_TRUE(ended && *ended);
    auto jobs = first->ClaimWebexJobs(300, 60, 10);
    ASSERT_TRUE(jobs);
    ASSERT_EQ(jobs->size(), 2u);
    Result<void> one;
    Result<void> two;
    RunTogether([&] { one = first->CompleteWebexJob(jobs->at(0).id); },
                [&] { two = second->CompleteWebexJob(jobs->at(1).id); });
    GP_ASSERT_OK(one);
    GP_ASSERT_OK(two);
    ASSERT_EQ(CodeOf(first->GetLease(lease_id)), ErrorCode::kNotFound) << "round " << round;
  }
}

TEST_F(PostgresStorage, ClaimsFromTwoInstancesNeverShareAJob) {
  constexpr int kJobs = 300;
  auto first = OpenMigrated();
  auto second = OpenMigrated();
  ASSERT_TRUE(first && second);
  for (int i = 0; i < kJobs; ++i) {
    GP_ASSERT_OK(first->QueueWebexJob(MakeJob(JobKind::kDeleteRoom, "room-" + std::to_string(i), 0)));
  }
  constexpr int kThreads = 8;
  std::vector<std::vector<int64_t>> claimed(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Storage* store = t % 2 == 0 ? first.get() : second.get();
    threads.emplace_back([&, store, t] {
      for (int round = 0; round < kJobs; ++round) {
        auto jobs = store->ClaimWebexJobs(10, 1000, 4);
        if (!jobs) {
          ++failures;
          return;
        }
        if (jobs->empty()) return;
        for (const auto& job : *jobs) claimed[t].push_back(job.id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<int64_t> all;
  for (const auto& ids : claimed) all.insert(all.end(), ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(backend_.QueryInt("SELECT COUNT(*) FROM webex_jobs WHERE claimed_until = 1010"), kJobs);
}

TEST_F(PostgresStorage, TerminatedConnectionsAreReplacedOnALaterCall) {
  const std::string name = "gp_" + backend_.schema;
  StorageOptions options;
  options.pool_size = 4;
  auto opened = OpenStorage(WithParameter(backend_.url, "application_name=" + name), options);
  ASSERT_TRUE(opened) << opened.error().message;
  Storage& store = **opened;
  GP_ASSERT_OK(store.Migrate());
  GP_ASSERT_OK(store.CreateGuest(MakeGuest("g1", "alice")));
  // Several connections in the pool, all idle afterwards.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) EXPECT_TRUE(store.ListGuests());
    });
  }
  for (auto& thread : threads) thread.join();

  RawPg raw(backend_.cluster);
  // pg_terminate_backend(pid, timeout) waits until each backend is gone.
  ASSERT_GE(TerminateBackends(raw, "application_name = '" + name + "'"), 1);

  auto next = store.GetGuest("g1");
  if (!next) {
    EXPECT_EQ(next.error().code, ErrorCode::kUnavailable) << next.error().message;
    EXPECT_EQ(next.error().message.rfind("database unavailable: ", 0), 0u) << next.error().message;
  }
  auto after = store.GetGuest("g1");
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->username, "alice");
  // Writes work again too, and from several threads.
  GP_ASSERT_OK(store.CreateGuest(MakeGuest("g2", "bob")));
  EXPECT_EQ(store.ListGuests()->size(), 2u);
}

TEST_F(PostgresStorage, ConnectionsTerminatedDuringATransactionFailCleanly) {
  const std::string name = "gp_" + backend_.schema;
  auto opened = OpenStorage(WithParameter(backend_.url, "application_name=" + name), StorageOptions{});
  ASSERT_TRUE(opened) << opened.error().message;
  Storage& store = **opened;
  GP_ASSERT_OK(store.Migrate());
  GP_ASSERT_OK(store.CreateGuest(MakeGuest("a", "alice")));
  GP_ASSERT_OK(store.CreateGuest(MakeGuest("b", "bob")));
  // A second process holds the writers' lock, so a transaction of this instance waits inside it; its
  // connection is terminated while it waits.
  RawPg holder(backend_.cluster);
  holder.Execute("BEGIN");
  holder.Execute("SELECT pg_advisory_xact_lock(" + std::to_string(0x67705f7772697465) + ")");
  Result<Closure> replaced = Closure{};
  std::jthread writer([&] { replaced = store.ReplacePairs({{"a", "b"}}, 100); });
  RawPg raw(backend_.cluster);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int terminated = 0;
  while (terminated == 0 && std::chrono::steady_clock::now() < deadline) {
    terminated = TerminateBackends(raw, "application_name = '" + name + "' AND wait_event_type = 'Lock'");
  }
  writer.join();
  holder.Execute("ROLLBACK");
  ASSERT_EQ(terminated, 1);
  ASSERT_FALSE(replaced);
  EXPECT_EQ(replaced.error().code, ErrorCode::kUnavailable) << replaced.error().message;
  // Nothing of it was committed, and the next calls work.
  auto pairs = store.ListPairs();
  if (!pairs) pairs = store.ListPairs();
  ASSERT_TRUE(pairs) << pairs.error().message;
  EXPECT_TRUE(pairs->empty());
  GP_ASSERT_OK(store.ReplacePairs({{"a", "b"}}, 200));
  EXPECT_EQ(store.ListPairs()->size(), 1u);
}

// A statement that skips the writers' lock (a hand-made fix in psql, another build) and moves the
// directory version without committing yet: a journaled write waits for it at its first read of the
// version (FOR UPDATE), so its recorded step is only its own, and the chain from before the other
// statement is refused. Read without the lock, the journaled write would have counted the other's
// step as its own.
TEST_F(PostgresStorage, AJournaledWriteNeverCountsAnUncommittedStepOfAnotherWriter) {
  const std::string name = "gp_" + backend_.schema;
  auto opened =
      OpenStorage(WithParameter(backend_.url, "application_name=" + name), StorageOptions{});
  ASSERT_TRUE(opened) << opened.error().message;
  Storage& store = **opened;
  GP_ASSERT_OK(store.Migrate());
  GP_ASSERT_OK(store.CreateGuest(MakeGuest("a", "alice")));
  GP_ASSERT_OK(store.CreateGuest(MakeGuest("b", "bob")));
  auto start = store.DirectoryChangesSince(0);
  ASSERT_TRUE(start) << start.error().message;
  const int64_t v0 = start->version;

  RawPg other(backend_.url);
  other.Execute("BEGIN");
  other.Execute("UPDATE guests SET display_name = 'By hand' WHERE id = 'a'");
  Result<void> enabled = {};
  std::jthread writer([&] { enabled = store.EnableGuest("b", 100); });
  // Wait (with a deadline) until the write is held up by the other transaction's lock.
  RawPg watcher(backend_.cluster);
  int waiting = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (waiting == 0 && std::chrono::steady_clock::now() < deadline) {
    waiting = std::stoi(
        watcher.QueryText("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '" +
                          name + "' AND wait_event_type = 'Lock'"));
  }
  other.Execute("COMMIT");
  writer.join();
  ASSERT_EQ(waiting, 1);
  GP_ASSERT_OK(enabled);

  auto delta = store.DirectoryChangesSince(v0);
  ASSERT_TRUE(delta) << delta.error().message;
  EXPECT_EQ(delta->version, v0 + 2);
  EXPECT_FALSE(delta->changes) << "the chain took the other transaction's step as this storage's";
  auto own = store.DirectoryChangesSince(v0 + 1);
  ASSERT_TRUE(own) << own.error().message;
  ASSERT_TRUE(own->changes);
  ASSERT_EQ(own->changes->size(), 1U);
  EXPECT_EQ(own->changes->front().before, v0 + 1);
  EXPECT_EQ(own->changes->front().guests, std::vector<std::string>{"b"});
}

TEST_F(PostgresStorage, AnUnreachableServerIsUnavailableQuicklyAndTheMessageHasNoPassword) {
  for (bool listening : {false, true}) {
    // Refused, or accepted by the kernel and never answered (a server that hangs).
    SilentPort port(listening);
    StorageOptions options;
    options.connect_timeout_seconds = 2;
    auto start = std::chrono::steady_clock::now();
    auto opened = OpenStorage("postgresql://portal:s3cret-Pa55@127.0.0.1:" + std::to_string(port.port()) + "/portal",
                              options);
    double seconds = SecondsSince(start);
    ASSERT_FALSE(opened) << "listening=" << listening;
    EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(opened.error().message.rfind("database unavailable: ", 0), 0u) << opened.error().message;
    EXPECT_EQ(opened.error().message.find("s3cret"), std::string::npos) << opened.error().message;
    EXPECT_LT(seconds, 5.0) << "listening=" << listening;
  }
}

TEST_F(PostgresStorage, AServerThatGoesAwayFailsCallsQuicklyAndIsUsedAgainWhenItIsBack) {
  // A TCP relay between the storage and the cluster that can be cut and restored: the cluster stays up for
  // the other cases, the storage sees its server vanish.
  struct Relay {
    int listener = -1;
    int port = 0;
    int target_port = 0;
    std::atomic<bool> open{true};
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::vector<int> sockets;
    std::thread thread;

    void CutAll() {
      std::lock_guard lock(mutex);
      for (int fd : sockets) ::shutdown(fd, SHUT_RDWR);
    }
  };
  // The cluster's port, from its URL (postgresql://portal@127.0.0.1:PORT/portal).
  std::string cluster = backend_.cluster;
  size_t colon = cluster.rfind(':');
  int target_port = std::stoi(cluster.substr(colon + 1));
  Relay relay;
  relay.target_port = target_port;
  relay.listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(relay.listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(relay.listener, 64), 0);
  socklen_t size = sizeof address;
  ::getsockname(relay.listener, reinterpret_cast<sockaddr*>(&address), &size);
  relay.port = ntohs(address.sin_port);
  relay.thread = std::thread([&relay] {
    std::vector<std::thread> pumps;
    for (;;) {
      int client = ::accept(relay.listener, nullptr, nullptr);
      if (client < 0 || relay.stop.load()) {
        if (client >= 0) ::close(client);
        break;
      }
      if (!relay.open.load()) {
        ::close(client);  // the server is "down": connections are refused at once
        continue;
      }
      int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in target{};
      target.sin_family = AF_INET;
      target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      target.sin_port = htons(static_cast<uint16_t>(relay.target_port));
      if (::connect(upstream, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
        ::close(client);
        ::close(upstream);
        continue;
      }
      {
        std::lock_guard lock(relay.mutex);
        relay.sockets.push_back(client);
        relay.sockets.push_back(upstream);
      }
      auto pump = [](int from, int to) {
        char buffer[16384];
        for (;;) {
          ssize_t n = ::read(from, buffer, sizeof buffer);
          if (n <= 0 || ::send(to, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
        }
        ::shutdown(to, SHUT_RDWR);
      };
      pumps.emplace_back(pump, client, upstream);
      pumps.emplace_back(pump, upstream, client);
    }
    for (auto& pump : pumps) pump.join();
  });

  std::string url = "postgresql://portal@127.0.0.1:" + std::to_string(relay.port) + "/portal?options=-csearch_path%3D" +
                    backend_.schema;
  StorageOptions options;
  options.connect_timeout_seconds = 2;
  options.pool_size = 2;
  {
    auto opened = OpenStorage(url, options);
    ASSERT_TRUE(opened) << opened.error().message;
    Storage& store = **opened;
    GP_ASSERT_OK(store.Migrate());
    GP_ASSERT_OK(store.CreateGuest(MakeGuest("g1", "alice")));

    // The server goes away: every connection drops and new ones are refused.
    relay.open = false;
    relay.CutAll();
    for (int i = 0; i < 3; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto guest = store.GetGuest("g1");
      EXPECT_LT(SecondsSince(start), 5.0);
      ASSERT_FALSE(guest);
      EXPECT_EQ(guest.error().code, ErrorCode::kUnavailable) << guest.error().message;
      auto write = store.CreateGuest(MakeGuest("g2", "bob"));
      ASSERT_FALSE(write);
      EXPECT_EQ(write.error().code, ErrorCode::kUnavailable) << write.error().message;
    }

    // It is back: the next call reconnects.
    relay.open = true;
    auto guest = store.GetGuest("g1");
    ASSERT_TRUE(guest) << guest.error().message;
    GP_ASSERT_OK(store.CreateGuest(MakeGuest("g2", "bob")));
  }
  relay.stop = true;
  relay.CutAll();
  // Wakes accept() up.
  int poke = ::socket(AF_INET, SOCK_STREAM, 0);
  ::connect(poke, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::close(poke);
  relay.thread.join();
  ::close(relay.listener);
  std::lock_guard lock(relay.mutex);
  for (int fd : relay.sockets) ::close(fd);
}

TEST_F(PostgresStorage, AStatementTheServerForgotIsPreparedAgain) {
  // As after a connection pooler's DISCARD ALL: the connection believes the statement prepared.
  auto opened = postgres::Connection::Open(backend_.url, postgres::ConnectOptions{});
  ASSERT_TRUE(opened) << opened.error().message;
  postgres::Connection& db = **opened;
  constexpr postgres::Statement kAnswer{"test_answer", "SELECT $1::bigint + 1"};
  auto Answer = [&](int64_t value) -> Result<int64_t> {
    auto rows = db.Run(kAnswer, postgres::Params().Add(value));
    if (!rows) return tl::unexpected(rows.error());
    return rows->At(0).Int(0);
  };
  EXPECT_EQ(Answer(1).value_or(0), 2);
  GP_ASSERT_OK(db.Execute("DEALLOCATE ALL", "deallocate"));
  auto again = Answer(2);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, 3);
  // Inside a transaction the failure cannot be undone: the call fails, the next one prepares it again.
  GP_ASSERT_OK(db.Execute("DEALLOCATE ALL", "deallocate"));
  {
    auto tx = postgres::Transaction::Begin(db, /*serialise_writers=*/false);
    ASSERT_TRUE(tx);
    EXPECT_FALSE(Answer(3));
    EXPECT_FALSE(tx->Commit());
  }
  EXPECT_EQ(Answer(4).value_or(0), 5);
}

TEST_F(PostgresStorage, VersionMovesWhenAnotherInstanceCommitsAndNotOnReads) {
  auto first = OpenMigrated();
  auto second = OpenMigrated();
  ASSERT_TRUE(first && second);
  GP_ASSERT_OK(first->CreateGuest(MakeGuest("g1", "alice")));
  auto before = first->Version();
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_FALSE(before->snapshot.empty());
  // Reads, here and there, leave it alone, and so does a claim that finds nothing.
  ASSERT_TRUE(first->ListGuests());
  ASSERT_TRUE(second->GetGuest("g1"));
  ASSERT_TRUE(second->ListSpacesForGuest("g1"));
  ASSERT_TRUE(second->ClaimWebexJobs(10, 10, 5));
  EXPECT_EQ(*first->Version(), *before);
  EXPECT_EQ(*second->Version(), *before);
  // A change committed by the other instance moves it, for both.
  GP_ASSERT_OK(second->SetGuestDisplayName("g1", "Alice B.", 2000));
  auto after = first->Version();
  ASSERT_TRUE(after);
  EXPECT_NE(*after, *before);
  EXPECT_EQ(*second->Version(), *after);
  EXPECT_EQ(first->GetGuest("g1")->display_name, "Alice B.");
  // A single-statement write by this instance moves it too.
  GP_ASSERT_OK(first->PutSetting("k", "v"));
  EXPECT_NE(*second->Version(), *after);
}

TEST_F(PostgresStorage, CallersOfVersionAtOnceShareQueriesAndNoneMissesACommitBeforeItsCall) {
  auto first = OpenMigrated();
  auto second = OpenMigrated();
  ASSERT_TRUE(first && second);
  // Readers keep a query of Version() running nearly all the time.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0};
  std::vector<std::jthread> readers;
  for (int i = 0; i < 12; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        ASSERT_TRUE(first->Version());
        ++calls;
      }
    });
  }
  auto* postgres = dynamic_cast<postgres::PostgresStorage*>(first.get());
  ASSERT_NE(postgres, nullptr);
  const int64_t queries_before = static_cast<int64_t>(postgres->version_queries());
  const int64_t calls_before = calls;
  // A commit seen to end before a call is in the version that call answers, even when a query that
  // started before the commit is still running then.
  for (int i = 0; i < 50; ++i) {
    auto before = first->Version();
    ASSERT_TRUE(before);
    GP_ASSERT_OK(second->PutSetting("k", std::to_string(i)));
    auto after = first->Version();
    ASSERT_TRUE(after);
    EXPECT_NE(*after, *before) << "round " << i;
  }
  stop = true;
  readers.clear();
  const int64_t version_calls = calls - calls_before + 100;  // the loop's own calls
  const int64_t queries = static_cast<int64_t>(postgres->version_queries()) - queries_before;
  ASSERT_GT(version_calls, 1000);
  EXPECT_LT(queries, version_calls / 2) << version_calls << " calls of Version() sent " << queries << " queries";
}

TEST_F(PostgresStorage, TheLoopsVersionNeverPredatesACommitBeforeTheCallWhateverElseIsAsking) {
  namespace asio = boost::asio;
  auto store = OpenMigrated();
  ASSERT_TRUE(store);
  asio::io_context io;
  const std::string url = backend_.url;
  postgres::AsyncVersion versions(
      io.get_executor(), [url] { return postgres::Connection::Open(url, {}); },
      [](postgres::AsyncVersion::Open open) -> asio::awaitable<Result<std::unique_ptr<postgres::Connection>>> {
        co_return open();
      });
  bool stop = false;
  int64_t calls = 0;
  int failures = 0;
  for (int i = 0; i < 16; ++i) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      while (!stop) {
        auto version = co_await versions.Current();
        if (!version) ++failures;
        ++calls;
      }
    }, asio::detached);
  }
  int rounds_done = 0;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    // Commits among them (these block the loop, which is the test's own business).
    for (int i = 0; i < 40; ++i) {
      auto before = co_await versions.Current();
      EXPECT_TRUE(before);
      // Committed before the next call starts.
      EXPECT_TRUE(store->PutSetting("k", std::to_string(i)));
      auto after = co_await versions.Current();
      EXPECT_TRUE(after);
      if (before && after) {
        EXPECT_NE(*after, *before) << "round " << i;
      }
      ++rounds_done;
    }
    stop = true;
  }, asio::detached);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((rounds_done < 40 || calls == 0) && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(50));
  stop = true;
  io.run_for(std::chrono::seconds(2));
  EXPECT_EQ(rounds_done, 40);
  EXPECT_EQ(failures, 0);
  ASSERT_GT(calls, 200);
  // Each query answered at least one call; how many callers one query serves varies from run to run
  // (between about 1.3 and 9 here), so it is not asserted.
  EXPECT_LE(static_cast<int64_t>(versions.queries()), calls);
}

TEST_F(PostgresStorage, TheLoopsVersionGivesUpOnAServerThatStopsAnsweringAndThenUsesANewConnection) {
  namespace asio = boost::asio;
  asio::io_context io;
  const std::string url = backend_.url;
  int backend = 0;
  postgres::AsyncVersion versions(
      io.get_executor(),
      [url, &backend] {
        auto connection = postgres::Connection::Open(url, {});
        if (connection) backend = PQbackendPID((*connection)->native());
        return connection;
      },
      [](postgres::AsyncVersion::Open open) -> asio::awaitable<Result<std::unique_ptr<postgres::Connection>>> {
        co_return open();
      },
      std::chrono::milliseconds(300));
  auto current = [&] {
    auto future = asio::co_spawn(io, versions.Current(), asio::use_future);
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
           std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(10));
    }
    return future.get();
  };
  ASSERT_TRUE(current());
  const int stopped = backend;
  ASSERT_GT(stopped, 0);
  if (::kill(stopped, SIGSTOP) != 0) GTEST_SKIP() << "the server's process cannot be stopped from here";
  auto start = std::chrono::steady_clock::now();
  auto stalled = current();
  double waited = SecondsSince(start);
  ::kill(stopped, SIGCONT);
  ASSERT_FALSE(stalled);
  EXPECT_EQ(stalled.error().code, ErrorCode::kUnavailable);
  EXPECT_GE(waited, 0.25);
  EXPECT_LT(waited, 2.0);
  auto again = current();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_NE(backend, stopped);
}

TEST_F(PostgresStorage, AFullPoolMakesCallersWaitABoundedTime) {
  StorageOptions options;
  options.pool_size = 1;
  options.pool_wait_ms = 300;
  const std::string name = "gp_" + backend_.schema;
  auto opened = OpenStorage(WithParameter(backend_.url, "application_name=" + name), options);
  ASSERT_TRUE(opened) << opened.error().message;
  std::unique_ptr<Storage> store = std::move(*opened);
  GP_ASSERT_OK(store->Migrate());
  GP_ASSERT_OK(store->CreateGuest(MakeGuest("a", "alice")));
  GP_ASSERT_OK(store->CreateGuest(MakeGuest("b", "bob")));
  // The only connection waits inside ReplacePairs for the writers' lock that another process holds.
  RawPg holder(backend_.url);
  holder.Execute("BEGIN");
  holder.Execute("SELECT pg_advisory_xact_lock(" + std::to_string(0x67705f7772697465) + ")");
  Result<Closure> replaced = Closure{};
  std::jthread writer([&] { replaced = store->ReplacePairs({{"a", "b"}}, 100); });
  RawPg raw(backend_.url);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::stoi(raw.QueryText("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '" + name +
                                 "' AND wait_event_type = 'Lock'")) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto start = std::chrono::steady_clock::now();
  auto blocked = store->ListGuests();
  double waited = SecondsSince(start);
  holder.Execute("COMMIT");
  writer.join();
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, ErrorCode::kUnavailable);
  EXPECT_GE(waited, 0.25);
  EXPECT_LT(waited, 3.0);
  GP_ASSERT_OK(replaced);
  EXPECT_EQ(store->ListGuests()->size(), 2u);
}

TEST_F(PostgresStorage, ACallOnTheEventLoopIsReportedAndOneOffItIsNot) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  const uint64_t before = loop_thread::BlockingReports();
  std::jthread pool_thread([&] { GP_ASSERT_OK(store->ListGuests()); });
  pool_thread.join();
  EXPECT_EQ(loop_thread::BlockingReports(), before);
  std::jthread loop([&] {
    loop_thread::Mark on_loop;
    GP_ASSERT_OK(store->ListGuests());
  });
  loop.join();
  EXPECT_EQ(loop_thread::BlockingReports(), before + 1);
}

}  // namespace
}  // namespace gp::storage::testing
