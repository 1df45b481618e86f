#include "storage/postgres/connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace gp::storage::postgres {

namespace {

// What a failure means for the caller, by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html).
ErrorCode CodeFor(std::string_view sqlstate) {
  if (sqlstate == "23505") return ErrorCode::kConflict;  // unique_violation
  if (sqlstate == "23503" || sqlstate == "23502" || sqlstate == "23514") {
    return ErrorCode::kBadRequest;  // foreign key, not null, check
  }
  std::string_view cls = sqlstate.substr(0, 2);
  // Connection exceptions, insufficient resources, operator intervention (shutdown, statement timeout,
  // cannot connect now), lock not available, serialization failure and deadlock: the database cannot
  // serve the call now, but may later.
  if (cls == "08" || cls == "53" || cls == "57" || sqlstate == "55P03" || sqlstate == "40001" ||
      sqlstate == "40P01") {
    return ErrorCode::kUnavailable;
  }
  return ErrorCode::kInternal;
}

std::string Trimmed(const char* text) {
  std::string message = text != nullptr ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message.empty() ? std::string("unknown error") : message;
}

Error Unavailable(std::string message) {
  return Error{ErrorCode::kUnavailable, "database unavailable: " + std::move(message)};
}

// %XX decoding, for finding a percent-encoded password as libpq would decode it.
std::string PercentDecoded(std::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      char hex[3] = {text[i + 1], text[i + 2], 0};
      char* end = nullptr;
      long value = std::strtol(hex, &end, 16);
      if (end == hex + 2) {
        decoded.push_back(static_cast<char>(value));
        i += 2;
        continue;
      }
    }
    decoded.push_back(text[i]);
  }
  return decoded;
}

void ReplaceAll(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
}

}  // namespace

std::string WithoutPassword(std::string message, const std::string& url) {
  std::vector<std::string> secrets;
  if (size_t scheme = url.find("://"); scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = url.find_first_of("/?", start);
    std::string_view authority = std::string_view(url).substr(start, end == std::string::npos ? end : end - start);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
        secrets.emplace_back(userinfo.substr(colon + 1));
      }
    }
  }
  // "password=..." as a URI query parameter or a key=value connection string.
  for (size_t at = url.find("password="); at != std::string::npos; at = url.find("password=", at + 1)) {
    size_t start = at + 9;
    size_t end = url.find_first_of("& ", start);
    secrets.push_back(url.substr(start, end == std::string::npos ? end : end - start));
  }
  std::vector<std::string> all;
  for (const auto& secret : secrets) {
    all.push_back(secret);
    all.push_back(PercentDecoded(secret));
  }
  // Longer first, so that a decoded form inside a raw one does not leave pieces behind.
  std::sort(all.begin(), all.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& secret : all) ReplaceAll(message, secret);
  return message;
}

// ---- Params ----

Params& Params::Add(std::string_view text) {
  values_.emplace_back(std::string(text));
  formats_.push_back(0);
  return *this;
}

Params& Params::Add(int64_t value) {
  values_.emplace_back(std::to_string(value));
  formats_.push_back(0);
  return *this;
}

Params& Params::Add(Blob blob) {
  values_.emplace_back(std::string(blob.bytes));
  formats_.push_back(1);
  return *this;
}

Params& Params::Add(const std::optional<std::string>& text) {
  if (text) return Add(std::string_view(*text));
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

Params& Params::Add(const std::optional<int64_t>& value) {
  if (value) return Add(*value);
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

// ---- Rows ----

int64_t Row::Int(int column) const { return std::strtoll(PQgetvalue(result_, index_, column), nullptr, 10); }

bool Row::Bool(int column) const {
  const char* value = PQgetvalue(result_, index_, column);
  if (value[0] == 't') return true;
  if (value[0] == 'f' || value[0] == '\0') return false;
  return std::strtoll(value, nullptr, 10) != 0;
}

std::string Row::Text(int column) const {
  return std::string(PQgetvalue(result_, index_, column), PQgetlength(result_, index_, column));
}

std::string Row::Bytes(int column) const {
  if (IsNull(column)) return {};
  size_t size = 0;
  unsigned char* bytes =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_, index_, column)), &size);
  if (bytes == nullptr) return {};
  std::string decoded(reinterpret_cast<const char*>(bytes), size);
  PQfreemem(bytes);
  return decoded;
}

bool Row::IsNull(int column) const { return PQgetisnull(result_, index_, column) != 0; }

std::optional<std::string> Row::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

std::optional<int64_t> Row::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

Rows::Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}

int Rows::Count() const { return PQntuples(result_); }

int64_t Rows::Changed() const { return std::strtoll(PQcmdTuples(result_), nullptr, 10); }

// ---- Connection ----

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url, const ConnectOptions& options) {
  // Our defaults come first: the URL, expanded from "dbname", overrides any of them it sets itself.
  const std::string connect_timeout = std::to_string(options.connect_timeout_seconds);
  const std::string idle = std::to_string(options.keepalive_idle_seconds);
  const std::string interval = std::to_string(options.keepalive_interval_seconds);
  const std::string count = std::to_string(options.keepalive_count);
  const std::string user_timeout = std::to_string(options.tcp_user_timeout_ms);
  const std::array<const char*, 9> keywords = {"connect_timeout", "keepalives",       "keepalives_idle",
                                               "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                                               "fallback_application_name", "dbname", nullptr};
  const std::array<const char*, 9> values = {connect_timeout.c_str(), "1", idle.c_str(), interval.c_str(),
                                             count.c_str(), user_timeout.c_str(), "guest-portal", url.c_str(),
                                             nullptr};
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return tl::unexpected(Unavailable("out of memory"));
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = WithoutPassword(Trimmed(PQerrorMessage(conn)), url);
    PQfinish(conn);
    return tl::unexpected(Unavailable(message));
  }
  // Notices ("relation already exists, skipping") are not for the portal's log.
  PQsetNoticeProcessor(conn, [](void* /*arg*/, const char* /*message*/) {}, nullptr);
  std::unique_ptr<Connection> connection(new Connection(conn));
  // A statement (a lock wait included) that runs longer fails rather than holding a caller; a session
  // left idle inside a transaction (a bug) does not hold its locks for ever.
  std::string settings = "SET statement_timeout = " + std::to_string(options.statement_timeout_ms) +
                         "; SET idle_in_transaction_session_timeout = " +
                         std::to_string(std::max(options.statement_timeout_ms, 60000));
  auto configured = connection->Execute(settings, "configure connection");
  if (!configured) return tl::unexpected(configured.error());
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

Error Connection::ErrorFor(const pg_result* result, std::string_view what) const {
  const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = Trimmed(result != nullptr && PQresultErrorMessage(result)[0] != '\0'
                                    ? PQresultErrorMessage(result)
                                    : PQerrorMessage(conn_));
  message = "storage (" + std::string(what) + "): " + message;
  // No SQLSTATE, or a broken connection: the server is gone or unreachable.
  if (sqlstate == nullptr || PQstatus(conn_) != CONNECTION_OK) return Unavailable(std::move(message));
  ErrorCode code = CodeFor(sqlstate);
  if (code == ErrorCode::kUnavailable) return Unavailable(std::move(message));
  return Error{code, std::move(message)};
}

namespace {

bool HasSqlState(const pg_result* result, std::string_view sqlstate) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return state != nullptr && sqlstate == state;
}

}  // namespace

Result<void> Connection::Prepare(const Statement& statement, const std::string& name) {
  if (prepared_.contains(statement.name)) return {};
  std::string sql(statement.sql);
  Rows prepared(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
  // 42P05: the server has it already (prepared before this connection forgot it).
  if (PQresultStatus(prepared.result_) != PGRES_COMMAND_OK && !HasSqlState(prepared.result_, "42P05")) {
    return tl::unexpected(ErrorFor(prepared.result_, statement.name));
  }
  prepared_.insert(statement.name);
  return {};
}

Result<Rows> Connection::Run(const Statement& statement, const Params& params) {
  std::string name(statement.name);
  auto ready = Prepare(statement, name);
  if (!ready) return tl::unexpected(ready.error());
  std::vector<const char*> values;
  std::vector<int> lengths;
  values.reserve(params.values_.size());
  lengths.reserve(params.values_.size());
  for (const auto& value : params.values_) {
    values.push_back(value ? value->data() : nullptr);
    lengths.push_back(value ? static_cast<int>(value->size()) : 0);
  }
  auto execute = [&] {
    return Rows(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), lengths.data(),
                               params.formats_.data(), /*resultFormat=*/0));
  };
  Rows rows = execute();
  // 26000: the server no longer has the statement (a DISCARD ALL by a connection pooler in between).
  // Outside a transaction it is prepared again and run once more; inside one the transaction has
  // failed already, so the call fails and the next one prepares it again.
  if (HasSqlState(rows.result_, "26000")) {
    prepared_.erase(statement.name);
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) {
      auto again = Prepare(statement, name);
      if (!again) return tl::unexpected(again.error());
      rows = execute();
    }
  }
  ExecStatusType status = PQresultStatus(rows.result_);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return tl::unexpected(ErrorFor(rows.result_, statement.name));
  }
  return rows;
}

Result<void> Connection::Execute(std::string_view sql, std::string_view what) {
  std::string text(sql);
  Rows result(PQexec(conn_, text.c_str()));
  ExecStatusType status = PQresultStatus(result.result_);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return tl::unexpected(ErrorFor(result.result_, what));
  return {};
}

bool Connection::Healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

bool Connection::InFailedTransaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

bool Connection::StillAlive() {
  if (PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE) return false;
  if (PQconsumeInput(conn_) == 0) return false;
  // Anything the server said unasked on an idle connection is a farewell (FATAL: terminating
  // connection); notifications are not used.
  if (PQisBusy(conn_) != 0) return false;
  return PQstatus(conn_) == CONNECTION_OK;
}

// ---- Transactions ----

Result<Transaction> Transaction::Begin(Connection& connection, bool serialise_writers) {
  // One round trip: BEGIN and, when asked, the writers' lock (released by COMMIT or ROLLBACK).
  std::string sql = "BEGIN";
  if (serialise_writers) sql += "; SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLockKey) + ")";
  auto begun = connection.Execute(sql, "begin");
  if (!begun) {
    (void)connection.Execute("ROLLBACK", "rollback");
    return tl::unexpected(begun.error());
  }
  return Transaction(connection);
}

Result<Transaction> Transaction::BeginRead(Connection& connection) {
  auto begun = connection.Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read");
  if (!begun) return tl::unexpected(begun.error());
  return Transaction(connection);
}

Transaction::Transaction(Transaction&& other) noexcept : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
  if (connection_ != nullptr && connection_->Healthy()) (void)connection_->Execute("ROLLBACK", "rollback");
}

Result<void> Transaction::Commit() {
  Connection* connection = std::exchange(connection_, nullptr);
  // COMMIT of a transaction in which a statement failed rolls back and still answers "OK".
  if (connection->InFailedTransaction()) {
    (void)connection->Execute("ROLLBACK", "rollback");
    return Fail(ErrorCode::kInternal, "storage (commit): the transaction failed and was rolled back");
  }
  auto committed = connection->Execute("COMMIT", "commit");
  if (!committed) {
    if (connection->Healthy()) (void)connection->Execute("ROLLBACK", "rollback");
    return committed;
  }
  return {};
}

}  // namespace gp::storage::postgres
