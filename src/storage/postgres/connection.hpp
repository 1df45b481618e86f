#pragma once
// A thin RAII layer over one libpq connection: statements prepared once per connection (PQprepare, by
// name, on first use), parameters sent as text (bytes for a Blob), rows read by column, transactions, and
// the mapping of SQLSTATEs onto gp::Error. A connection is used by one thread at a time (the pool sees to
// that).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"

struct pg_conn;
struct pg_result;

namespace gp::storage::postgres {

// SQL with a name: the name is the prepared statement's name on every connection, and a failure says
// which statement failed.
struct Statement {
  std::string_view name;
  std::string_view sql;
};

// Sent as bytes (binary format) rather than text: ciphertext is bytes, not UTF-8.
struct Blob {
  std::string_view bytes;
};

// The parameters of one execution, in order ($1, $2, ...). NULL for an empty optional.
class Params {
 public:
  Params& Add(std::string_view text);
  Params& Add(const std::string& text) { return Add(std::string_view(text)); }
  Params& Add(const char* text) { return Add(std::string_view(text)); }
  Params& Add(int64_t value);
  Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
  Params& Add(bool value) { return Add(std::string_view(value ? "true" : "false")); }
  Params& Add(Blob blob);
  Params& Add(const std::optional<std::string>& text);
  Params& Add(const std::optional<int64_t>& value);
  template <typename... Args>
  Params& AddAll(const Args&... args) {
    (Add(args), ...);
    return *this;
  }

 private:
  friend class Connection;
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;  // 0 text, 1 binary
};

// One row of a result, read by column (text format).
class Row {
 public:
  Row(const pg_result* result, int index) : result_(result), index_(index) {}

  int64_t Int(int column) const;
  // A boolean column ('t'/'f'), or an integer one (non-zero).
  bool Bool(int column) const;
  std::string Text(int column) const;
  // A BYTEA column, decoded.
  std::string Bytes(int column) const;
  bool IsNull(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  const pg_result* result_;
  int index_;
};

// The rows of a statement, and how many rows it changed.
class Rows {
 public:
  explicit Rows(pg_result* result) : result_(result) {}
  Rows(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  Rows& operator=(Rows&& other) noexcept;
  ~Rows();

  int Count() const;
  Row At(int index) const { return Row(result_, index); }
  // INSERT/UPDATE/DELETE: the rows changed.
  int64_t Changed() const;

 private:
  friend class Connection;
  pg_result* result_;
};

// What a new connection is given besides its URL.
struct ConnectOptions {
  int connect_timeout_seconds = 5;
  // Server-side limit on any one statement (0: none).
  int statement_timeout_ms = 30000;
  // A dead peer is noticed by TCP keepalives on an idle connection and by tcp_user_timeout while data
  // is unacknowledged.
  int keepalive_idle_seconds = 10;
  int keepalive_interval_seconds = 5;
  int keepalive_count = 3;
  int tcp_user_timeout_ms = 15000;
};

class Connection {
 public:
  // `url` goes to libpq unchanged (a postgresql:// URI or key=value string). An error message never
  // holds the URL nor its password.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url, const ConnectOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs a named statement, preparing it on this connection the first time.
  Result<Rows> Run(const Statement& statement, const Params& params = {});
  // Runs SQL without parameters, possibly several statements (schema, transaction control).
  Result<void> Execute(std::string_view sql, std::string_view what);

  // False once libpq has seen the connection fail; the pool then drops it.
  bool Healthy() const;
  // Inside a transaction in which a statement failed (only ROLLBACK can follow).
  bool InFailedTransaction() const;
  // For an idle connection about to be reused: reads what the server may have sent meanwhile without
  // blocking, so that a connection the server closed (a restart, pg_terminate_backend) is found dead
  // before a call is spent on it.
  bool StillAlive();

  // libpq's own handle, for asynchronous use (AsyncVersion).
  pg_conn* native() const { return conn_; }

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  // PQprepare under `name`, unless this connection has prepared the statement already.
  Result<void> Prepare(const Statement& statement, const std::string& name);
  Error ErrorFor(const pg_result* result, std::string_view what) const;

  pg_conn* conn_;
  std::unordered_set<std::string_view> prepared_;
};

// BEGIN ... COMMIT, rolled back unless committed. With `serialise_writers` it first takes the one
// transaction-level advisory lock that every multi-statement write transaction takes (see
// postgres_storage.hpp), so those run one at a time across every process on the database, as SQLite's
// writers do.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& connection, bool serialise_writers);
  // One snapshot for reads of several statements.
  static Result<Transaction> BeginRead(Connection& connection);
  Transaction(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Result<void> Commit();

 private:
  explicit Transaction(Connection& connection) : connection_(&connection) {}

  Connection* connection_;
};

// The key of the advisory lock that serialises write transactions, and of the one that serialises
// migrations. Both are per database.
inline constexpr int64_t kWriterLockKey = 0x67705f7772697465;   // "gp_write"
inline constexpr int64_t kMigrationLockKey = 0x67705f6d69677261;  // "gp_migra"

// Removes the URL's password (in the user info or as a `password` parameter, raw or percent-decoded)
// from a message, for messages that libpq builds from the URL.
std::string WithoutPassword(std::string message, const std::string& url);

}  // namespace gp::storage::postgres
