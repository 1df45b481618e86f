#include "storage/copy.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "storage/open.hpp"

namespace gp::storage {

namespace {

// Tables that describe a database rather than hold the portal's data: each database keeps its own.
const std::set<std::string, std::less<>> kNotCopied = {"schema_migrations", "runners",
                                                       "directory_version",
                                                       "directory_changes"};
// Rows per INSERT: few round trips, and far below PostgreSQL's 65535 parameters per statement.
constexpr int64_t kMaxRowsPerInsert = 500;
constexpr int64_t kMaxParamsPerInsert = 30000;

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string SqlitePathOf(std::string_view url) {
  if (StartsWith(url, "sqlite://")) return std::string(url.substr(9));
  if (StartsWith(url, "sqlite:")) return std::string(url.substr(7));
  return {};
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Takes a PostgreSQL URL's password, in any form the URL holds it, out of a message.
std::string ScrubPassword(std::string message, const std::string& url) {
  ReplaceAll(message, url, RedactDatabaseUrl(url));
  if (PQconninfoOption* options = PQconninfoParse(url.c_str(), nullptr)) {
    for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (std::string_view(option->keyword) == "password" && option->val != nullptr) {
        ReplaceAll(message, option->val, "***");
      }
    }
    PQconninfoFree(options);
  }
  return message;
}

// "name" with embedded quotes doubled: an identifier in both SQLite and PostgreSQL.
std::string Quote(std::string_view identifier) {
  std::string quoted = "\"";
  for (char c : identifier) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string JoinQuoted(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) {
    if (!joined.empty()) joined += ", ";
    joined += Quote(name);
  }
  return joined;
}

// ---- SQLite: one read-only connection holding one read transaction (one snapshot) ----

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using SqliteStatement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

class Source {
 public:
  static Result<Source> Open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    Source source(raw);
    if (rc != SQLITE_OK) return Fail(ErrorCode::kUnavailable, "cannot open " + path + ": " + source.Message());
    sqlite3_busy_timeout(raw, 5000);
    // The snapshot starts with the first read and lasts until the end: every table is read as of one
    // moment, even while a server keeps writing to the database.
    if (auto begun = source.Execute("BEGIN"); !begun) return tl::unexpected(begun.error());
    return source;
  }

  Result<SqliteStatement> Prepare(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return Fail(ErrorCode::kInternal, "SQLite: " + sql + ": " + Message());
    }
    return SqliteStatement(stmt);
  }

  // Steps a statement: true with a row, false when done.
  Result<bool> Step(sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Fail(rc == SQLITE_BUSY ? ErrorCode::kUnavailable : ErrorCode::kInternal, "SQLite: " + Message());
  }

  // The text column 0 of every row of `sql`, whose parameter ?1 (if any) is `param`.
  Result<std::vector<std::string>> Texts(const std::string& sql, const std::string& param = {}) {
    auto stmt = Prepare(sql);
    if (!stmt) return tl::unexpected(stmt.error());
    if (sqlite3_bind_parameter_count(stmt->get()) > 0) {
      sqlite3_bind_text(stmt->get(), 1, param.data(), static_cast<int>(param.size()), SQLITE_TRANSIENT);
    }
    std::vector<std::string> values;
    for (;;) {
      auto row = Step(stmt->get());
      if (!row) return tl::unexpected(row.error());
      if (!*row) return values;
      const auto* text = sqlite3_column_text(stmt->get(), 0);
      values.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
    }
  }

  Result<int64_t> Int(const std::string& sql, const std::string& param = {}) {
    auto values = Texts(sql, param);
    if (!values) return tl::unexpected(values.error());
    if (values->empty()) return 0;
    return std::strtoll(values->front().c_str(), nullptr, 10);
  }

 private:
  explicit Source(sqlite3* db) : db_(db) {}

  Result<void> Execute(const char* sql) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Fail(ErrorCode::kUnavailable, std::string("SQLite: ") + sql + ": " + Message());
    }
    return {};
  }

  std::string Message() const {
    return db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
  }

  std::unique_ptr<sqlite3, SqliteCloser> db_;
};

// ---- PostgreSQL: one connection, one transaction ----

struct PgCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgClearer>;

// A parameter: NULL, text, or bytes (binary format, for BYTEA).
struct Value {
  std::optional<std::string> bytes;
  bool binary = false;
};

class Target {
 public:
  static Result<Target> Open(const std::string& url) {
    Target target(url);
    target.conn_.reset(PQconnectdb(url.c_str()));
    if (!target.conn_ || PQstatus(target.conn_.get()) != CONNECTION_OK) {
      return Fail(ErrorCode::kUnavailable, target.Scrub("cannot connect to PostgreSQL: " + target.Message()));
    }
    PQsetClientEncoding(target.conn_.get(), "UTF8");
    return target;
  }

  Result<PgResult> Run(const std::string& sql, const std::vector<Value>& params = {}) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    values.reserve(params.size());
    for (const auto& param : params) {
      values.push_back(param.bytes ? param.bytes->data() : nullptr);
      lengths.push_back(param.bytes ? static_cast<int>(param.bytes->size()) : 0);
      formats.push_back(param.binary ? 1 : 0);
    }
    PgResult result(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                 lengths.data(), formats.data(), 0));
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string message = result ? PQresultErrorMessage(result.get()) : Message();
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
      return Fail(ErrorCode::kInternal, Scrub(message));
    }
    return result;
  }

  // The first column of the first row as an integer (0 for none or NULL).
  Result<int64_t> Int(const std::string& sql, const std::vector<Value>& params = {}) {
    auto result = Run(sql, params);
    if (!result) return tl::unexpected(result.error());
    if (PQntuples(result->get()) == 0 || PQgetisnull(result->get(), 0, 0) != 0) return 0;
    return std::strtoll(PQgetvalue(result->get(), 0, 0), nullptr, 10);
  }

  std::string Scrub(std::string message) const { return ScrubPassword(std::move(message), url_); }

 private:
  explicit Target(std::string url) : url_(std::move(url)) {}

  std::string Message() const {
    std::string message = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return message;
  }

  std::string url_;
  std::unique_ptr<PGconn, PgCloser> conn_;
};

Value Text(std::string text) { return Value{std::move(text), false}; }

// ---- the copy ----

struct Column {
  std::string name;
  bool bytea = false;     // PostgreSQL's type is BYTEA: sent as bytes
  bool identity_always = false;  // GENERATED ALWAYS AS IDENTITY: inserting a value needs OVERRIDING
};

// The SQLite tables to copy, each after the tables its foreign keys name.
Result<std::vector<std::string>> TablesInWriteOrder(Source& source) {
  auto names = source.Texts(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  if (!names) return tl::unexpected(names.error());
  std::erase_if(*names, [](const std::string& name) { return kNotCopied.contains(name); });
  const std::set<std::string> all(names->begin(), names->end());
  std::map<std::string, std::vector<std::string>> references;
  for (const auto& name : *names) {
    auto parents = source.Texts("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)", name);
    if (!parents) return tl::unexpected(parents.error());
    references[name] = std::move(*parents);
  }
  std::vector<std::string> ordered;
  std::set<std::string> placed;
  while (ordered.size() < names->size()) {
    bool progress = false;
    for (const auto& name : *names) {
      if (placed.contains(name)) continue;
      const bool ready = std::all_of(references[name].begin(), references[name].end(), [&](const std::string& parent) {
        return parent == name || !all.contains(parent) || placed.contains(parent);
      });
      if (!ready) continue;
      ordered.push_back(name);
      placed.insert(name);
      progress = true;
    }
    if (!progress) return Fail(ErrorCode::kInternal, "the SQLite tables' foreign keys form a cycle");
  }
  return ordered;
}

// The columns of `table` that both databases have, in SQLite's order, and those PostgreSQL lacks.
Result<std::vector<Column>> SharedColumns(Source& source, Target& target, const std::string& table,
                                          std::vector<std::string>& skipped) {
  auto sqlite_columns = source.Texts("SELECT name FROM pragma_table_info(?1) ORDER BY cid", table);
  if (!sqlite_columns) return tl::unexpected(sqlite_columns.error());
  auto pg = target.Run(
      "SELECT column_name, data_type, is_identity, coalesce(identity_generation, '') FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND table_name = $1",
      {Text(table)});
  if (!pg) return tl::unexpected(pg.error());
  std::map<std::string, Column> pg_columns;
  for (int row = 0; row < PQntuples(pg->get()); ++row) {
    Column column;
    column.name = PQgetvalue(pg->get(), row, 0);
    column.bytea = std::string_view(PQgetvalue(pg->get(), row, 1)) == "bytea";
    column.identity_always = std::string_view(PQgetvalue(pg->get(), row, 2)) == "YES" &&
                             std::string_view(PQgetvalue(pg->get(), row, 3)) == "ALWAYS";
    pg_columns.emplace(column.name, column);
  }
  if (pg_columns.empty()) {
    return Fail(ErrorCode::kInternal, "PostgreSQL has no table " + table + " (is its schema older than SQLite's?)");
  }
  std::vector<Column> shared;
  for (const auto& name : *sqlite_columns) {
    auto found = pg_columns.find(name);
    if (found == pg_columns.end()) {
      skipped.push_back(name);
    } else {
      shared.push_back(found->second);
    }
  }
  if (shared.empty()) return Fail(ErrorCode::kInternal, "the two " + table + " tables share no column");
  return shared;
}

// The value of column `index` of the current row, as PostgreSQL takes it for `column`: NULL as NULL,
// bytes (a BLOB, or anything bound for BYTEA) in binary format, the rest as text (an INTEGER 0/1 is valid
// input for BOOLEAN too).
Value ReadValue(sqlite3_stmt* stmt, int index, const Column& column) {
  const int type = sqlite3_column_type(stmt, index);
  if (type == SQLITE_NULL) return {};
  if (column.bytea || type == SQLITE_BLOB) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, index));
    const int size = sqlite3_column_bytes(stmt, index);
    return Value{bytes != nullptr ? std::string(bytes, static_cast<size_t>(size)) : std::string(), true};
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, index));
  const int size = sqlite3_column_bytes(stmt, index);
  return Value{std::string(text, static_cast<size_t>(size)), false};
}

std::string InsertSql(const std::string& table, const std::vector<Column>& columns, int64_t rows) {
  std::vector<std::string> names;
  bool overriding = false;
  for (const auto& column : columns) {
    names.push_back(column.name);
    overriding = overriding || column.identity_always;
  }
  std::string sql = "INSERT INTO " + Quote(table) + " (" + JoinQuoted(names) + ")";
  if (overriding) sql += " OVERRIDING SYSTEM VALUE";
  sql += " VALUES ";
  int64_t param = 1;
  for (int64_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (size_t column = 0; column < columns.size(); ++column) {
      if (column > 0) sql += ", ";
      sql += "$" + std::to_string(param++);
    }
    sql += ")";
  }
  // Any unique key, not only the primary key: a row already there is kept as it is.
  return sql + " ON CONFLICT DO NOTHING";
}

// Rows read from SQLite so far, of all the tables' rows.
struct RowTally {
  int64_t done = 0;
  int64_t total = 0;
  const ProgressCallback& progress;
};

Result<void> CopyRows(Source& source, Target& target, TableCopy& copy,
                      const std::vector<Column>& columns, RowTally& tally) {
  std::vector<std::string> names;
  for (const auto& column : columns) names.push_back(column.name);
  auto key = source.Texts("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk", copy.table);
  if (!key) return tl::unexpected(key.error());
  std::string select = "SELECT " + JoinQuoted(names) + " FROM " + Quote(copy.table);
  // In key order, so that ids from a sequence arrive in PostgreSQL in the order they were handed out.
  if (!key->empty()) select += " ORDER BY " + JoinQuoted(*key);
  auto stmt = source.Prepare(select);
  if (!stmt) return tl::unexpected(stmt.error());

  const auto width = static_cast<int64_t>(columns.size());
  const int64_t batch_rows = std::max<int64_t>(1, std::min(kMaxRowsPerInsert, kMaxParamsPerInsert / width));
  const std::string full_batch = InsertSql(copy.table, columns, batch_rows);
  std::vector<Value> batch;
  auto flush = [&]() -> Result<void> {
    const auto rows = static_cast<int64_t>(batch.size()) / width;
    if (rows == 0) return {};
    auto inserted = target.Run(rows == batch_rows ? full_batch : InsertSql(copy.table, columns, rows), batch);
    if (!inserted) return tl::unexpected(inserted.error());
    copy.inserted += std::strtoll(PQcmdTuples(inserted->get()), nullptr, 10);
    batch.clear();
    tally.done += rows;
    if (tally.progress) tally.progress(tally.done, tally.total);
    return {};
  };
  for (;;) {
    auto row = source.Step(stmt->get());
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    for (int index = 0; index < static_cast<int>(columns.size()); ++index) {
      batch.push_back(ReadValue(stmt->get(), index, columns[static_cast<size_t>(index)]));
    }
    if (static_cast<int64_t>(batch.size()) == batch_rows * width) {
      if (auto flushed = flush(); !flushed) return flushed;
    }
  }
  return flush();
}

// Moves the sequence behind a column (BIGSERIAL, identity) past the largest id now in PostgreSQL and past
// SQLite's AUTOINCREMENT high-water mark (ids of deleted newest rows are not handed out again), never back.
Result<void> MoveSequences(Source& source, Target& target, TableCopy& copy, const std::vector<Column>& columns,
                           bool sqlite_has_sequences) {
  for (const auto& column : columns) {
    auto sequence = target.Run("SELECT pg_get_serial_sequence($1, $2)", {Text(Quote(copy.table)), Text(column.name)});
    if (!sequence) return tl::unexpected(sequence.error());
    if (PQntuples(sequence->get()) == 0 || PQgetisnull(sequence->get(), 0, 0) != 0) continue;
    const std::string name = PQgetvalue(sequence->get(), 0, 0);
    auto largest = target.Int("SELECT coalesce(max(" + Quote(column.name) + "), 0) FROM " + Quote(copy.table));
    if (!largest) return tl::unexpected(largest.error());
    int64_t high = *largest;
    if (sqlite_has_sequences) {
      auto handed_out = source.Int("SELECT seq FROM sqlite_sequence WHERE name = ?1", copy.table);
      if (!handed_out) return tl::unexpected(handed_out.error());
      high = std::max(high, *handed_out);
    }
    if (high <= 0) continue;
    auto moved = target.Int(
        "SELECT setval($1::regclass, $2::bigint) "
        "WHERE $2::bigint > coalesce(pg_sequence_last_value($1::regclass), 0)",
        {Text(name), Text(std::to_string(high))});
    if (!moved) return tl::unexpected(moved.error());
    copy.sequence_moved_to = *moved;
  }
  return {};
}

Result<int> MigrateAt(const std::string& url, const std::string& label) {
  auto storage = OpenStorage(url);
  if (!storage) return Fail(storage.error().code, label + ": " + storage.error().message);
  auto version = (*storage)->Migrate();
  if (!version) return Fail(version.error().code, label + ": " + version.error().message);
  return *version;
}

Result<CopyReport> Copy(const std::string& path, const std::string& from_url, Target& target,
                        const ProgressCallback& progress) {
  CopyReport report;
  auto sqlite_version = MigrateAt(from_url, "SQLite");
  if (!sqlite_version) return tl::unexpected(sqlite_version.error());
  report.sqlite_version = *sqlite_version;

  auto source = Source::Open(path);
  if (!source) return tl::unexpected(source.error());
  auto tables = TablesInWriteOrder(*source);
  if (!tables) return tl::unexpected(tables.error());
  auto sequences = source->Int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'");
  if (!sequences) return tl::unexpected(sequences.error());

  RowTally tally{0, 0, progress};
  for (const auto& table : *tables) {
    auto counted = source->Int("SELECT count(*) FROM " + Quote(table));
    if (!counted) return tl::unexpected(counted.error());
    tally.total += *counted;
  }
  if (auto begun = target.Run("BEGIN"); !begun) return tl::unexpected(begun.error());
  for (const auto& table : *tables) {
    TableCopy copy;
    copy.table = table;
    auto columns = SharedColumns(*source, target, table, copy.skipped_columns);
    if (!columns) return tl::unexpected(columns.error());
    auto counted = source->Int("SELECT count(*) FROM " + Quote(table));
    if (!counted) return tl::unexpected(counted.error());
    copy.sqlite_rows = *counted;
    auto copied = CopyRows(*source, target, copy, *columns, tally);
    if (!copied) return Fail(copied.error().code, "copying " + table + ": " + copied.error().message);
    auto moved = MoveSequences(*source, target, copy, *columns, *sequences > 0);
    if (!moved) return Fail(moved.error().code, "moving the id sequence of " + table + ": " + moved.error().message);
    auto in_postgres = target.Int("SELECT count(*) FROM " + Quote(table));
    if (!in_postgres) return tl::unexpected(in_postgres.error());
    copy.postgres_rows = *in_postgres;
    report.tables.push_back(std::move(copy));
  }
  if (auto committed = target.Run("COMMIT"); !committed) return tl::unexpected(committed.error());
  return report;
}

}  // namespace

std::vector<std::string> CopyReport::ShortTables() const {
  std::vector<std::string> short_tables;
  for (const auto& table : tables) {
    if (table.postgres_rows < table.sqlite_rows) short_tables.push_back(table.table);
  }
  return short_tables;
}

int64_t CopyReport::Inserted() const {
  int64_t inserted = 0;
  for (const auto& table : tables) inserted += table.inserted;
  return inserted;
}

bool IsSqliteFileUrl(std::string_view url) {
  const std::string path = SqlitePathOf(url);
  return !path.empty() && path != ":memory:";
}

bool IsPostgresUrl(std::string_view url) {
  return StartsWith(url, "postgresql://") || StartsWith(url, "postgres://");
}

std::string RedactDatabaseUrl(std::string_view url) {
  std::string redacted(url);
  // scheme://user:password@host...: the password ends at the last '@' before the query. (A '/' does not
  // end the search: a password may hold one. Cutting too much out of a message is the safe mistake.)
  if (const size_t scheme = redacted.find("://"); scheme != std::string::npos) {
    const size_t start = scheme + 3;
    size_t end = redacted.find_first_of("?#", start);
    if (end == std::string::npos) end = redacted.size();
    const size_t at = redacted.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= start) {
      const size_t colon = redacted.find(':', start);
      if (colon != std::string::npos && colon < at) redacted.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=secret&...
  if (const size_t query = redacted.find('?'); query != std::string::npos) {
    size_t param = query + 1;
    while (param < redacted.size()) {
      size_t next = redacted.find('&', param);
      if (next == std::string::npos) next = redacted.size();
      if (redacted.compare(param, 9, "password=") == 0 && param + 9 <= next) {
        redacted.replace(param + 9, next - param - 9, "***");
        next = param + 9 + 3;
      }
      param = next + 1;
    }
  }
  return redacted;
}

Result<CopyReport> CopyDatabase(const std::string& from_url, const std::string& to_url,
                                const ProgressCallback& progress) {
  if (!IsSqliteFileUrl(from_url)) {
    return Fail(ErrorCode::kBadRequest, "the source must be a SQLite database file (sqlite:PATH), not " +
                                            RedactDatabaseUrl(from_url));
  }
  if (!IsPostgresUrl(to_url)) {
    return Fail(ErrorCode::kBadRequest, "the target must be a PostgreSQL database (postgresql://...), not " +
                                            RedactDatabaseUrl(to_url));
  }
  const std::string path = SqlitePathOf(from_url);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Fail(ErrorCode::kNotFound, "there is no SQLite database at " + path);
  }
  // Migrating PostgreSQL first: a target that cannot be reached is found before anything is written.
  auto postgres_version = MigrateAt(to_url, "PostgreSQL");
  if (!postgres_version) {
    Error error = postgres_version.error();
    error.message = ScrubPassword(error.message, to_url);
    return tl::unexpected(error);
  }
  auto target = Target::Open(to_url);
  if (!target) return tl::unexpected(target.error());
  auto report = Copy(path, from_url, *target, progress);
  if (!report) {
    // The transaction, if begun, ends with the connection: nothing of this copy is committed.
    Error error = report.error();
    error.message = target->Scrub(error.message);
    return tl::unexpected(error);
  }
  report->postgres_version = *postgres_version;
  return report;
}

}  // namespace gp::storage
