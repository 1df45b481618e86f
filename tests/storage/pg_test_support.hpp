#pragma once
// What the PostgreSQL storage tests share: the scratch cluster's URL (ctest's `postgres` fixture
// writes it to the file named by GP_TEST_PG_URL_FILE) and a plain libpq connection beside the
// storage's own, as a CLI command or a second process would have.

#include <libpq-fe.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace gp::storage::testing {

// The scratch cluster's URL, or "" when none is configured.
inline std::string ClusterUrl() {
  const char* file = std::getenv("GP_TEST_PG_URL_FILE");
  if (file == nullptr || *file == '\0') return {};
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r' || url.back() == ' ')) url.pop_back();
  if (url.empty()) throw std::runtime_error(std::string("no PostgreSQL URL in ") + file);
  return url;
}

class RawPg {
 public:
  explicit RawPg(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string message = PQerrorMessage(conn_);
      PQfinish(conn_);
      throw std::runtime_error("cannot connect: " + message);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }
  RawPg(const RawPg&) = delete;
  RawPg& operator=(const RawPg&) = delete;
  ~RawPg() { PQfinish(conn_); }

  // Runs `sql` (several statements allowed).
  void Execute(const std::string& sql) { PQclear(Run(sql)); }

  // Runs `sql`; the first column of the first row of the last statement, "" when none or NULL.
  std::string QueryText(const std::string& sql) {
    PGresult* result = Run(sql);
    std::string value;
    if (PQntuples(result) > 0 && PQgetisnull(result, 0, 0) == 0) value = PQgetvalue(result, 0, 0);
    PQclear(result);
    return value;
  }

 private:
  PGresult* Run(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string message = PQresultErrorMessage(result);
      PQclear(result);
      throw std::runtime_error(sql + ": " + message);
    }
    return result;
  }

  PGconn* conn_;
};

}  // namespace gp::storage::testing
