#pragma once
// A thin RAII layer over one sqlite3 connection: prepared statements cached by name, typed binding and
// reading, transactions, and the mapping of SQLite result codes onto gp::Error.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gp::storage::sqlite {

// SQL with a name, so that a failure says which statement failed and the cache has a stable key.
struct Statement {
  std::string_view name;
  std::string_view sql;
};

// Binds as a BLOB rather than TEXT: ciphertext is bytes, not UTF-8.
struct Blob {
  std::string_view bytes;
};

class Connection;

// The portal's error code for an SQLite result code (extended or primary): a unique or key
// violation is kConflict, another constraint kBadRequest, a busy, locked, unopenable, full or
// read-only database kUnavailable, anything else kInternal.
ErrorCode ErrorCodeFor(int extended_code);

// One execution of a cached prepared statement. Parameters are bound in order with Bind(); the
// statement is reset when the Query goes away, so results must be read before that.
class Query {
 public:
  Query(Connection& connection, sqlite3_stmt* stmt, std::string_view name);
  Query(Query&& other) noexcept;
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& operator=(Query&&) = delete;
  ~Query();

  Query& Bind(std::string_view text);
  Query& Bind(const std::string& text) { return Bind(std::string_view(text)); }
  Query& Bind(const char* text) { return Bind(std::string_view(text)); }
  Query& Bind(int64_t value);
  Query& Bind(int value) { return Bind(static_cast<int64_t>(value)); }
  Query& Bind(bool value) { return Bind(static_cast<int64_t>(value ? 1 : 0)); }
  Query& Bind(Blob blob);
  Query& Bind(const std::optional<std::string>& text);
  Query& Bind(const std::optional<int64_t>& value);
  template <typename... Args>
  Query& BindAll(const Args&... args) {
    (Bind(args), ...);
    return *this;
  }

  // true: a row is available; false: done.
  Result<bool> Step();
  // Runs a statement that returns no rows; returns the number of rows it changed.
  Result<int64_t> Run();

  int64_t Int(int column) const;
  bool Bool(int column) const { return Int(column) != 0; }
  std::string Text(int column) const;
  std::string Bytes(int column) const;
  bool IsNull(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  Connection& connection_;
  sqlite3_stmt* stmt_;
  std::string_view name_;
  int next_index_ = 1;
  int bind_error_ = 0;
};

class Connection {
 public:
  // `path` ":memory:" opens a private in-memory database. kCreate makes the file when it is missing;
  // kExisting expects it (a second connection to a database that another one has set up).
  enum class OpenMode { kCreate, kExisting };
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, OpenMode mode = OpenMode::kCreate);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  Result<Query> Prepare(const Statement& statement);
  // Runs one or more statements without parameters (schema, pragmas, transaction control).
  Result<void> Execute(std::string_view sql, std::string_view what);
  int64_t LastInsertRowId() const;
  // Rows inserted, changed or deleted through this connection since it was opened.
  int64_t TotalChanges() const;

  // Turns the connection's last failure into an Error naming `what`.
  Error ErrorFor(int result_code, std::string_view what) const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string_view, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed. Taking the write lock up front means a
// transaction never fails half-way for lack of it.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& connection);
  // A plain BEGIN, for reads that span several statements: one snapshot, no write lock (in WAL mode it
  // neither waits for writers nor holds them up).
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

}  // namespace gp::storage::sqlite
