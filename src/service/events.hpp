#pragma once
// Live notifications for guests (GET /api/v1/events, Server-Sent Events). Each event goes to the
// open streams of its recipients only (the members of the space it is about), with an id that
// increases: ids are derived from the wall clock (milliseconds × 1000, and always above the last
// one), so ids given after a restart are above those given before it.
//
// The last `history` events stay in memory, so that a client reconnecting with Last-Event-ID first
// gets what it missed. When the history no longer reaches back that far (the events were evicted,
// or were given by a process that has since restarted), the client gets one `resync` event instead
// and reloads what it shows.
//
// Each stream's queue is bounded (http::Stream): a client too slow to read is dropped and
// reconnects. Ending a session or a guest ends their streams with a last `session.ended` event
// that says why. Safe to call from any thread.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/stream.hpp"

namespace gp::service {

class Events {
 public:
  struct Options {
    size_t history = 4096;
    http::Stream::Options stream;
  };

  // Who a stream is for, and how to tell that their session has ended.
  struct Subscriber {
    std::string guest_id;
    std::string session_key;  // unique per session (its CSRF token): what EndSession names
    std::string cookie;       // the session cookie, for Sweep's check
    int64_t expires_at = 0;   // Unix seconds
  };

  // `now_ms` gives wall-clock milliseconds (injected by tests).
  explicit Events(Options options, std::function<int64_t()> now_ms = SystemMillis);

  // Sends `type` with `data` (one line of JSON) to the streams of `guest_ids`; returns its id.
  int64_t Publish(const std::string& type, const std::string& data, const std::vector<std::string>& guest_ids);

  // A new stream for the subscriber. With `last_event_id`, it first carries the subscriber's events
  // after that id, or `resync` when the history does not reach back to it.
  std::shared_ptr<http::Stream> Open(Subscriber subscriber, std::optional<int64_t> last_event_id);

  // End streams after a last `session.ended {"reason"}`: every stream of a guest, or of one session.
  void EndGuest(const std::string& guest_id, const std::string& reason);
  void EndSession(const std::string& session_key, const std::string& reason);
  // Ends the streams whose session expired by `now` (Unix seconds) or that `alive` says has ended
  // (a session ended by another process).
  void Sweep(int64_t now, const std::function<bool(const std::string& cookie)>& alive);

  size_t open_streams() const;

  static int64_t SystemMillis();

 private:
  struct Entry {
    int64_t id;
    std::string type;
    std::string data;
    std::vector<std::string> recipients;
  };
  struct OpenStream {
    Subscriber subscriber;
    std::shared_ptr<http::Stream> stream;
  };

  static std::string Frame(int64_t id, const std::string& type, const std::string& data);
  void End(const std::function<bool(const Subscriber&)>& which, const std::string& reason);
  void Remove(uint64_t key);

  Options options_;
  std::function<int64_t()> now_ms_;
  mutable std::mutex mutex_;
  int64_t last_id_ = 0;
  // Ids at or below this may have been given and are no longer in the history.
  int64_t floor_ = 0;
  std::deque<Entry> history_;
  uint64_t next_key_ = 0;
  std::map<uint64_t, OpenStream> streams_;
  std::multimap<std::string, uint64_t> by_guest_;
};

}  // namespace gp::service
