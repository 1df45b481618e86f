#pragma once
// storage::EventLog on PostgreSQL (tables of migrations/postgres/0002_live_events.sql), with raw libpq.
//
// Two connections of its own: one for appending and reading (calls take turns on it), and one per
// Listen() that does nothing but `LISTEN gp_events`, on a thread of its own (see Listen). Both
// reconnect by themselves after a lost connection. Errors never carry the URL.

#include <chrono>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "storage/event_log.hpp"

namespace gp::storage {

struct PostgresEventLogOptions {
  // Listen() wakes its caller at least this often even when no notification came.
  std::chrono::milliseconds wake_every{1000};
};

// Connects to `url` (postgresql://...); the schema must have been migrated. kUnavailable when the
// database cannot be reached.
Result<std::unique_ptr<EventLog>> OpenPostgresEventLog(const std::string& url,
                                                       PostgresEventLogOptions options = {});

}  // namespace gp::storage
