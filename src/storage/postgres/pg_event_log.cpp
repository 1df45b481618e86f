#include "storage/postgres/pg_event_log.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/log.hpp"

namespace gp::storage {
namespace {

// Appends take this transaction-scoped advisory lock (any constant: "gpevents" in ASCII).
constexpr int64_t kAppendLockKey = 0x67706576656e7473;

// Why appends are serialised by that lock — the argument every reader relies on.
//
// A reader that has seen everything up to id X asks for `id > X` and remembers the largest id it got.
// That misses nothing only if no id below one it has seen can still commit. Ids are computed from
// max(id) (or the clock, or the floor), so two appends that ran side by side could pick ids in one
// order and commit in the other: a reader between the two commits would see the larger id, move its
// cursor past the smaller one, and never see it. With the lock, each append waits until the previous
// one has finished; PostgreSQL makes a commit visible before it releases the transaction's locks, so
// the insert statement that follows the lock (a new snapshot under READ COMMITTED) sees the previous
// id and picks a larger one, and commits after it. Any snapshot that holds an id therefore holds every
// smaller id that will ever exist: reading `id > last_seen` gets each event exactly once.
//
// The lock and the insert must be separate statements: a single statement would compute max(id) from
// a snapshot taken before it waited for the lock. pg_notify in the insert is delivered at commit, so
// a listener woken by it finds the row.
constexpr const char* kBeginAndLockSql = "BEGIN; SELECT pg_advisory_xact_lock(7453568942480454771)";
static_assert(kAppendLockKey == 7453568942480454771, "the key spelled in kBeginAndLockSql");

constexpr const char* kInsertSql = R"sql(
WITH next AS (
  SELECT greatest(coalesce((SELECT max(id) FROM live_events), 0) + 1,
                  (SELECT floor_id FROM live_events_floor) + 1,
                  floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint * 1000) AS id
), inserted AS (
  INSERT INTO live_events (id, type, data, recipients)
  SELECT id, $1, $2, ARRAY(SELECT jsonb_array_elements_text($3::jsonb)) FROM next
  RETURNING id
)
SELECT id, pg_notify('gp_events', id::text) FROM inserted)sql";

constexpr const char* kReadAfterSql = R"sql(
SELECT id, type, data, array_to_json(recipients)::text FROM live_events
WHERE id > $1 ORDER BY id LIMIT $2)sql";

constexpr const char* kReadNewestSql = R"sql(
SELECT id, type, data, array_to_json(recipients)::text
FROM (SELECT * FROM live_events ORDER BY id DESC LIMIT $1) newest ORDER BY id)sql";

constexpr const char* kFloorSql = "SELECT floor_id FROM live_events_floor";

// One statement: the floor rises to the newest id removed, in the same snapshot as the removal. No
// lock needed: an append sees either the rows or the raised floor, and picks an id above both.
constexpr const char* kPruneSql = R"sql(
WITH cut AS (
  SELECT id FROM live_events ORDER BY id DESC OFFSET $1 LIMIT 1
), raised AS (
  UPDATE live_events_floor SET floor_id = greatest(floor_id, (SELECT id FROM cut))
  WHERE EXISTS (SELECT 1 FROM cut) RETURNING floor_id
), removed AS (
  DELETE FROM live_events WHERE id <= (SELECT id FROM cut) RETURNING 1
)
SELECT (SELECT count(*) FROM removed), (SELECT count(*) FROM raised))sql";

constexpr const char* kListenSql = "LISTEN gp_events";

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;

struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultClearer>;

// The first line of a libpq message (they end with a newline and may go on with details).
std::string FirstLine(const char* message) {
  std::string text = message != nullptr ? message : "";
  auto end = text.find('\n');
  if (end != std::string::npos) text.resize(end);
  return text;
}

// Server notices (and the message of a connection the server ends) would go to stderr by default.
void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

Result<Conn> Connect(const std::string& url, const char* application_name) {
  // A URL libpq cannot parse gets no details: its message may quote the URL, password included.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parse_error != nullptr) PQfreemem(parse_error);
  if (parsed == nullptr) return Fail(ErrorCode::kInternal, "the PostgreSQL URL cannot be parsed");
  PQconninfoFree(parsed);
  // Defaults the URL may override (it is expanded last): a bounded connect, and keepalives so that a
  // connection that died without a word is noticed within about half a minute.
  const char* const keys[] = {"connect_timeout",     "keepalives",       "keepalives_idle", "keepalives_interval",
                              "keepalives_count",    "application_name", "dbname",          nullptr};
  const char* const values[] = {"5", "1", "10", "5", "3", application_name, url.c_str(), nullptr};
  Conn conn(PQconnectdbParams(keys, values, 1));
  if (!conn) return Fail(ErrorCode::kUnavailable, "PostgreSQL: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Fail(ErrorCode::kUnavailable, "cannot connect to PostgreSQL: " + FirstLine(PQerrorMessage(conn.get())));
  }
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  return conn;
}

Result<PgResult> Check(PGconn* conn, std::string_view name, PgResult result) {
  if (!result) return Fail(ErrorCode::kUnavailable, std::string(name) + ": " + FirstLine(PQerrorMessage(conn)));
  auto status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  ErrorCode code = PQstatus(conn) == CONNECTION_BAD ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  return Fail(code, std::string(name) + ": " + FirstLine(PQresultErrorMessage(result.get())));
}

// One statement with text parameters; `name` says which in errors.
Result<PgResult> Exec(PGconn* conn, std::string_view name, const char* sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param.c_str());
  PgResult result(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0));
  return Check(conn, name, std::move(result));
}

Result<int64_t> Int64(const PGresult* result, int row, int column) {
  const char* text = PQgetvalue(result, row, column);
  std::string_view view(text, static_cast<size_t>(PQgetlength(result, row, column)));
  int64_t value = 0;
  auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (ec != std::errc() || end != view.data() + view.size()) {
    return Fail(ErrorCode::kInternal, "live events: a number could not be read");
  }
  return value;
}

Result<std::vector<EventRecord>> Records(const PGresult* result) {
  std::vector<EventRecord> records;
  int rows = PQntuples(result);
  records.reserve(static_cast<size_t>(rows));
  for (int row = 0; row < rows; ++row) {
    auto id = Int64(result, row, 0);
    if (!id) return tl::unexpected(id.error());
    EventRecord record;
    record.id = *id;
    record.type = PQgetvalue(result, row, 1);
    record.data = PQgetvalue(result, row, 2);
    auto recipients = nlohmann::json::parse(PQgetvalue(result, row, 3), nullptr, false);
    if (!recipients.is_array()) return Fail(ErrorCode::kInternal, "live events: recipients could not be read");
    for (const auto& guest : recipients) {
      if (guest.is_string()) record.recipients.push_back(guest.get<std::string>());
    }
    records.push_back(std::move(record));
  }
  return records;
}

// The listening connection and its thread. Waits in poll() on the connection's socket and on an
// eventfd that the destructor signals, so stopping never waits for a timeout.
class PostgresListening final : public EventLog::Listening {
 public:
  PostgresListening(std::string url, std::chrono::milliseconds wake_every, std::function<void()> wake, int stop_fd)
      : url_(std::move(url)), wake_every_(wake_every), wake_(std::move(wake)), stop_fd_(stop_fd) {
    thread_ = std::thread([this] { Run(); });
  }
  PostgresListening(const PostgresListening&) = delete;
  PostgresListening& operator=(const PostgresListening&) = delete;
  ~PostgresListening() override {
    stopping_ = true;
    uint64_t one = 1;
    [[maybe_unused]] auto written = write(stop_fd_, &one, sizeof one);
    thread_.join();
    close(stop_fd_);
  }

 private:
  using Clock = std::chrono::steady_clock;

  void Run() {
    auto backoff = std::chrono::milliseconds(100);
    bool failing = false;
    while (!stopping_) {
      auto conn = Connect(url_, "guest-portal events listener");
      Result<PgResult> listening = conn ? Exec(conn->get(), "listen", kListenSql, {})
                                        : Result<PgResult>(tl::unexpected(conn.error()));
      if (!listening) {
        if (!failing) log::warn("live events: cannot listen to PostgreSQL ({}); retrying", listening.error().message);
        failing = true;
        wake_();  // readers keep polling meanwhile
        if (WaitForStop(backoff)) return;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        continue;
      }
      if (failing) log::info("live events: listening to PostgreSQL again");
      failing = false;
      backoff = std::chrono::milliseconds(100);
      // Whatever was appended while nobody listened.
      wake_();
      if (!Listen(conn->get())) return;
      log::warn("live events: the PostgreSQL listening connection was lost; reconnecting");
    }
  }

  // Until the connection is lost (false when stopping instead).
  bool Listen(PGconn* conn) {
    auto last_wake = Clock::now();
    while (!stopping_) {
      auto due = last_wake + wake_every_;
      auto now = Clock::now();
      if (now >= due) {
        // The safety net: a notification lost on the way costs at most this interval.
        wake_();
        last_wake = now;
        continue;
      }
      auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count() + 1;
      pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      int ready = poll(fds, 2, static_cast<int>(std::min<int64_t>(timeout, 60'000)));
      if (ready < 0) {
        if (errno == EINTR) continue;
        return true;
      }
      if (fds[1].revents != 0) return false;
      if (fds[0].revents == 0) continue;
      if (PQconsumeInput(conn) == 0 || PQstatus(conn) == CONNECTION_BAD) return true;
      bool notified = false;
      while (PGnotify* notify = PQnotifies(conn)) {
        PQfreemem(notify);
        notified = true;
      }
      if (notified) {
        wake_();
        last_wake = Clock::now();
      }
    }
    return false;
  }

  bool WaitForStop(std::chrono::milliseconds timeout) {
    pollfd fd = {stop_fd_, POLLIN, 0};
    poll(&fd, 1, static_cast<int>(timeout.count()));
    return stopping_;
  }

  std::string url_;
  std::chrono::milliseconds wake_every_;
  std::function<void()> wake_;
  int stop_fd_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

class PostgresEventLog final : public EventLog {
 public:
  PostgresEventLog(std::string url, PostgresEventLogOptions options, Conn conn)
      : url_(std::move(url)), options_(options), conn_(std::move(conn)) {}

  Result<int64_t> Append(const EventRecord& event) override {
    std::string recipients = nlohmann::json(event.recipients).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::lock_guard lock(mutex_);
    auto conn = Connection();
    if (!conn) return tl::unexpected(conn.error());
    auto id = AppendOn(*conn, event, recipients);
    if (!id) Recover(*conn);
    return id;
  }

  Result<std::vector<EventRecord>> ReadAfter(int64_t after_id, int limit) override {
    return Read("read events", kReadAfterSql, {std::to_string(after_id), std::to_string(std::max(limit, 0))});
  }

  Result<std::vector<EventRecord>> ReadNewest(int limit) override {
    return Read("read newest events", kReadNewestSql, {std::to_string(std::max(limit, 0))});
  }

  Result<int64_t> Floor() override {
    std::lock_guard lock(mutex_);
    auto conn = Connection();
    if (!conn) return tl::unexpected(conn.error());
    auto result = Exec(*conn, "event floor", kFloorSql, {});
    if (!result) {
      Recover(*conn);
      return tl::unexpected(result.error());
    }
    if (PQntuples(result->get()) != 1) return Fail(ErrorCode::kInternal, "event floor: the floor row is missing");
    return Int64(result->get(), 0, 0);
  }

  Result<int64_t> Prune(int64_t keep_newest) override {
    std::lock_guard lock(mutex_);
    auto conn = Connection();
    if (!conn) return tl::unexpected(conn.error());
    auto result = Exec(*conn, "prune events", kPruneSql, {std::to_string(std::max<int64_t>(keep_newest, 0))});
    if (!result) {
      Recover(*conn);
      return tl::unexpected(result.error());
    }
    return Int64(result->get(), 0, 0);
  }

  Result<std::unique_ptr<Listening>> Listen(std::function<void()> wake) override {
    int stop_fd = eventfd(0, EFD_CLOEXEC);
    if (stop_fd < 0) return Fail(ErrorCode::kInternal, "live events: eventfd failed");
    return std::make_unique<PostgresListening>(url_, options_.wake_every, std::move(wake), stop_fd);
  }

 private:
  Result<int64_t> AppendOn(PGconn* conn, const EventRecord& event, const std::string& recipients) {
    // See kAppendLockKey for why the lock makes ids commit in order.
    auto locked = Check(conn, "append event (lock)", PgResult(PQexec(conn, kBeginAndLockSql)));
    if (!locked) return tl::unexpected(locked.error());
    auto inserted = Exec(conn, "append event", kInsertSql, {event.type, event.data, recipients});
    if (!inserted) return tl::unexpected(inserted.error());
    if (PQntuples(inserted->get()) != 1) return Fail(ErrorCode::kInternal, "append event: no id was given");
    auto id = Int64(inserted->get(), 0, 0);
    if (!id) return id;
    auto committed = Check(conn, "append event (commit)", PgResult(PQexec(conn, "COMMIT")));
    if (!committed) return tl::unexpected(committed.error());
    return id;
  }

  Result<std::vector<EventRecord>> Read(std::string_view name, const char* sql, const std::vector<std::string>& params) {
    std::lock_guard lock(mutex_);
    auto conn = Connection();
    if (!conn) return tl::unexpected(conn.error());
    auto result = Exec(*conn, name, sql, params);
    if (!result) {
      Recover(*conn);
      return tl::unexpected(result.error());
    }
    return Records(result->get());
  }

  // The write connection, reconnected when it was lost. Called with mutex_ held.
  Result<PGconn*> Connection() {
    if (!conn_ || PQstatus(conn_.get()) == CONNECTION_BAD) {
      conn_.reset();
      auto conn = Connect(url_, "guest-portal events");
      if (!conn) return tl::unexpected(conn.error());
      conn_ = std::move(*conn);
    }
    return conn_.get();
  }

  // After a failed call: a lost connection is dropped (the next call reconnects), and a transaction
  // left open is rolled back.
  void Recover(PGconn* conn) {
    if (PQstatus(conn) == CONNECTION_BAD) {
      conn_.reset();
      return;
    }
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
      PgResult rolled_back(PQexec(conn, "ROLLBACK"));
      if (!rolled_back || PQresultStatus(rolled_back.get()) != PGRES_COMMAND_OK) conn_.reset();
    }
  }

  std::string url_;
  PostgresEventLogOptions options_;
  std::mutex mutex_;
  Conn conn_;
};

}  // namespace

Result<std::unique_ptr<EventLog>> OpenPostgresEventLog(const std::string& url, PostgresEventLogOptions options) {
  auto conn = Connect(url, "guest-portal events");
  if (!conn) return tl::unexpected(conn.error());
  return std::make_unique<PostgresEventLog>(url, options, std::move(*conn));
}

}  // namespace gp::storage
