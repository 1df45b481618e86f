#pragma once
// Chooses the storage backend from DATABASE_URL.

#include <memory>
#include <string>

#include "core/error.hpp"
#include "storage/storage.hpp"

namespace gp::storage {

// "sqlite:PATH" (the parent directory is created), "sqlite::memory:" (a private in-memory database, for
// tests) or "postgresql://..." (not available in this build yet: kUnavailable). Does not migrate.
Result<std::unique_ptr<Storage>> OpenStorage(const std::string& database_url);

}  // namespace gp::storage
