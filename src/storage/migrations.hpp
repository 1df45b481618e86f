#pragma once
// Versioned schema migrations, compiled into the binary from migrations/<engine>/NNNN_name.sql.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gp::storage {

struct Migration {
  int version = 0;
  std::string name;
  std::string_view sql;
};

// The migrations embedded for `engine` ("sqlite", "postgres"), ordered by version.
std::vector<Migration> EmbeddedMigrations(std::string_view engine);

// The migrations to apply to a database at `current_version`, in order. Refuses a database newer than
// the newest known migration, and a list whose versions repeat or are not positive.
Result<std::vector<Migration>> PendingMigrations(std::vector<Migration> known, int current_version);

}  // namespace gp::storage
