#include "storage/sqlite/connection.hpp"

#include <sqlite3.h>

#include <utility>

namespace gp::storage::sqlite {

ErrorCode ErrorCodeFor(int extended_code) {
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return ErrorCode::kConflict;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
      return ErrorCode::kBadRequest;
    default:
      break;
  }
  switch (extended_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

Query::Query(Connection& connection, sqlite3_stmt* stmt, std::string_view name)
    : connection_(connection), stmt_(stmt), name_(name) {
  sqlite3_clear_bindings(stmt_);
}

Query::Query(Query&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      name_(other.name_),
      next_index_(other.next_index_),
      bind_error_(other.bind_error_) {}

Query::~Query() {
  if (stmt_ != nullptr) sqlite3_reset(stmt_);
}

Query& Query::Bind(std::string_view text) {
  int rc = sqlite3_bind_text64(stmt_, next_index_++, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Query& Query::Bind(int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, next_index_++, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Query& Query::Bind(Blob blob) {
  int rc = sqlite3_bind_blob64(stmt_, next_index_++, blob.bytes.data(), blob.bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Query& Query::Bind(const std::optional<std::string>& text) {
  if (text) return Bind(std::string_view(*text));
  int rc = sqlite3_bind_null(stmt_, next_index_++);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Query& Query::Bind(const std::optional<int64_t>& value) {
  if (value) return Bind(*value);
  int rc = sqlite3_bind_null(stmt_, next_index_++);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Result<bool> Query::Step() {
  if (bind_error_ != 0) return tl::unexpected(connection_.ErrorFor(bind_error_, name_));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return tl::unexpected(connection_.ErrorFor(rc, name_));
}

Result<int64_t> Query::Run() {
  for (;;) {
    auto row = Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
  }
  return static_cast<int64_t>(sqlite3_changes64(sqlite3_db_handle(stmt_)));
}

int64_t Query::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text), size);
}

std::string Query::Bytes(int column) const {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return bytes == nullptr ? std::string() : std::string(static_cast<const char*>(bytes), size);
}

bool Query::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::optional<std::string> Query::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

std::optional<int64_t> Query::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, OpenMode mode) {
  sqlite3* db = nullptr;
  // The backend serialises access itself, so SQLite's own per-connection mutex is not needed.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (mode == OpenMode::kCreate ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Fail(ErrorCode::kUnavailable, "cannot open SQLite database '" + path + "': " + message);
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [name, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Query> Connection::Prepare(const Statement& statement) {
  auto found = statements_.find(statement.name);
  if (found == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, statement.sql.data(), static_cast<int>(statement.sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return tl::unexpected(ErrorFor(rc, statement.name));
    found = statements_.emplace(statement.name, stmt).first;
  }
  return Query(*this, found->second, statement.name);
}

Result<void> Connection::Execute(std::string_view sql, std::string_view what) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(ErrorFor(rc, what));
  return {};
}

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Connection::TotalChanges() const { return sqlite3_total_changes64(db_); }

Error Connection::ErrorFor(int result_code, std::string_view what) const {
  int extended = sqlite3_extended_errcode(db_);
  // A bind or misuse error is not reflected in the connection's last error code.
  if ((extended & 0xff) != (result_code & 0xff)) extended = result_code;
  Error error;
  error.code = ErrorCodeFor(extended);
  error.message = "storage (" + std::string(what) + "): " + sqlite3_errmsg(db_);
  return error;
}

Result<Transaction> Transaction::Begin(Connection& connection) {
  auto begun = connection.Execute("BEGIN IMMEDIATE", "begin");
  if (!begun) return tl::unexpected(begun.error());
  return Transaction(connection);
}

Result<Transaction> Transaction::BeginRead(Connection& connection) {
  auto begun = connection.Execute("BEGIN", "begin read");
  if (!begun) return tl::unexpected(begun.error());
  return Transaction(connection);
}

namespace {

// COMMIT runs as a cached statement rather than being parsed anew for every transaction.
constexpr Statement kCommit{"commit", "COMMIT"};

Result<void> RunCached(Connection& connection, const Statement& statement) {
  auto query = connection.Prepare(statement);
  if (!query) return tl::unexpected(query.error());
  auto ran = query->Run();
  if (!ran) return tl::unexpected(ran.error());
  return {};
}

}  // namespace

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
  if (connection_ != nullptr) (void)connection_->Execute("ROLLBACK", "rollback");
}

Result<void> Transaction::Commit() {
  Connection* connection = std::exchange(connection_, nullptr);
  auto committed = RunCached(*connection, kCommit);
  if (!committed) {
    (void)connection->Execute("ROLLBACK", "rollback");
    return committed;
  }
  return {};
}

}  // namespace gp::storage::sqlite
