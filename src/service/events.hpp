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
//
// With a shared log (Options::log, several instances on one PostgreSQL), the log gives the ids and
// is the only source of delivery: Publish queues the event for a writer thread that appends it, and a
// reader thread — woken by the log's listener, by this instance's own appends, and every `log_poll`
// besides — reads what was appended after the last id it has seen, anywhere, and delivers it to this
// instance's streams. Events published here and elsewhere take the same path, and the log's ids commit
// in order (storage::EventLog), so each event reaches each local stream of a recipient once. The
// history in memory mirrors the log's tail (the newest events are loaded at start), so a client moved
// here from another instance replays from memory; an id older than memory is replayed from the log by
// the reader thread, and gets `resync` only when the log no longer has what followed it. Both threads
// are joined by the destructor (the writer first appends what is still queued, while it can).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/stream.hpp"
#include "storage/event_log.hpp"

namespace gp::service {

class Events {
 public:
  struct Options {
    size_t history = 4096;
    http::Stream::Options stream;
    // The history shared with other instances; nullptr when this process is alone. Must outlive the
    // hub. The rest applies only with a log.
    storage::EventLog* log = nullptr;
    // How often the log is read when nothing woke the reader.
    std::chrono::milliseconds log_poll{1000};
    // How many events the log keeps (it is pruned at most every `log_prune_every`); at least `history`.
    size_t log_keep = 16384;
    std::chrono::milliseconds log_prune_every{60000};
    // Publishes waiting to be appended; more are dropped (and logged) while the log cannot be reached.
    size_t max_pending = 10000;
  };

  // Who a stream is for, and how to tell that their session has ended.
  struct Subscriber {
    std::string guest_id;
    std::string session_key;  // unique per session (its CSRF token): what EndSession names
    std::string cookie;       // the session cookie, for Sweep's check
    int64_t expires_at = 0;   // Unix seconds
  };

  // `now_ms` gives wall-clock milliseconds (injected by tests). With a log, loads its newest events
  // (one read, on the constructing thread; when it fails the reader thread tries again) and starts
  // the writer and reader threads.
  explicit Events(Options options, std::function<int64_t()> now_ms = SystemMillis);
  Events(const Events&) = delete;
  Events& operator=(const Events&) = delete;
  ~Events();

  // Sends `type` with `data` (one line of JSON) to the streams of `guest_ids`; returns its id. With a
  // log, queues it and returns 0 at once: the log gives the id, and delivery follows the append.
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
  // Live events pushed to a stream, and those that reached no one they were for: the stream's queue
  // was full (the stream then ends) or it had closed, or (with a log) the log could not take the
  // event.
  uint64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // The id of the newest event delivered to this instance's streams (with a log: read back from it).
  int64_t last_id() const;

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
    // Events up to this id are not sent (the client had them: it came from another instance that had
    // read further than this one).
    int64_t after = 0;
  };
  // A stream whose Last-Event-ID is older than the history in memory: the reader thread replays it
  // from the log before the stream gets live events.
  struct CatchUp {
    uint64_t key;
    int64_t after;
  };

  static std::string Frame(int64_t id, const std::string& type, const std::string& data);
  void End(const std::function<bool(const Subscriber&)>& which, const std::string& reason);
  // A control entry read from the log: ends the streams it names. mutex_ is held.
  void EndLocked(const Entry& entry);
  void Remove(uint64_t key);
  // Called with mutex_ held: adds an event to the history and pushes it to its recipients' streams.
  void Deliver(const Entry& entry);

  // With a log.
  void WakeReader();
  void WriteLog();
  void ReadLog();
  bool LoadTail();
  bool ReadNew();
  void CatchUpStreams();

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

  // With a log. mutex_ guards loaded_ and catch_ups_ too.
  bool loaded_ = false;  // the log's tail is in the history
  std::vector<CatchUp> catch_ups_;
  std::mutex write_mutex_;
  std::condition_variable write_cv_;
  std::deque<storage::EventRecord> pending_;
  bool write_stopping_ = false;
  std::mutex read_mutex_;
  std::condition_variable read_cv_;
  bool read_wanted_ = false;
  bool read_stopping_ = false;
  bool read_failing_ = false;  // only the reader thread uses it
  std::unique_ptr<storage::EventLog::Listening> listening_;
  std::thread writer_;
  std::thread reader_;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace gp::service
