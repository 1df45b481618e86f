#pragma once
// The shared history of live events (service::Events), for several portal instances on one database.
// An instance appends what it learns; every instance reads back what was appended after the last id
// it has seen and delivers it to its own event streams. Listening wakes a reader as soon as something
// was appended anywhere, so that it need not poll.
//
// The guarantee readers build on: ids are assigned and committed in increasing order. A reader that
// has seen every event up to id X and then reads `id > X` never misses one that commits later with a
// smaller id, and never gets one twice. Implementations are safe to call from several threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace gp::storage {

struct EventRecord {
  int64_t id = 0;  // assigned by Append
  std::string type;
  std::string data;  // one line of JSON
  std::vector<std::string> recipients;  // guest ids
};

class EventLog {
 public:
  // While it exists, the wake callback given to Listen is called; destroying it stops the calls (it
  // waits for one in progress).
  class Listening {
   public:
    virtual ~Listening() = default;
  };

  virtual ~EventLog() = default;

  // Stores the event and returns the id it was given: wall-clock milliseconds × 1000, and always above
  // every id given before (also above the floor, so pruning never lets an id be given twice).
  virtual Result<int64_t> Append(const EventRecord& event) = 0;
  // Up to `limit` events with ids above `after_id`, ordered by id.
  virtual Result<std::vector<EventRecord>> ReadAfter(int64_t after_id, int limit) = 0;
  // The newest `limit` events, ordered by id (what a starting instance loads into memory).
  virtual Result<std::vector<EventRecord>> ReadNewest(int limit) = 0;
  // Ids at or below the floor may have been given and are no longer stored; everything above it is.
  virtual Result<int64_t> Floor() = 0;
  // Removes all but the newest `keep_newest` events, raising the floor; returns how many it removed.
  virtual Result<int64_t> Prune(int64_t keep_newest) = 0;
  // Calls `wake` (on a thread of the log's own) whenever events may have been appended: on each
  // notification, and at least every second besides, so that a lost notification or a lost connection
  // costs at most that second. The caller then reads after the last id it has seen.
  virtual Result<std::unique_ptr<Listening>> Listen(std::function<void()> wake) = 0;
};

}  // namespace gp::storage
