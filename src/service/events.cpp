#include "service/events.hpp"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/log.hpp"

namespace gp::service {

namespace {

// Events read from the log in one go.
constexpr int kReadBatch = 512;
// An entry of the log that ends streams on every instance instead of reaching a client: data
// {"reason", "session"?}; with "session" the streams of that session, else those of the recipients.
constexpr std::string_view kEndStreams = "gp.end-streams";

bool IsControl(const std::string& type) { return type == kEndStreams; }
// A replay from the log reads at most this many batches; a client further behind gets `resync`.
constexpr int kMaxCatchUpBatches = 64;

bool IsRecipient(const std::vector<std::string>& recipients, const std::string& guest_id) {
  return std::find(recipients.begin(), recipients.end(), guest_id) != recipients.end();
}

}  // namespace

Events::Events(Options options, std::function<int64_t()> now_ms)
    : options_(std::move(options)), now_ms_(std::move(now_ms)) {
  // Nothing given before this instant is in the history.
  last_id_ = now_ms_() * 1000;
  floor_ = last_id_;
  if (options_.log == nullptr) return;
  LoadTail();
  auto listening = options_.log->Listen([this] { WakeReader(); });
  if (listening) {
    listening_ = std::move(*listening);
  } else {
    log::warn("live events: cannot listen to the log ({}); reading it every {} ms", listening.error().message,
              options_.log_poll.count());
  }
  writer_ = std::thread([this] { WriteLog(); });
  reader_ = std::thread([this] { ReadLog(); });
}

Events::~Events() {
  if (options_.log == nullptr) return;
  listening_.reset();
  {
    std::lock_guard lock(write_mutex_);
    write_stopping_ = true;
  }
  write_cv_.notify_all();
  writer_.join();
  {
    std::lock_guard lock(read_mutex_);
    read_stopping_ = true;
  }
  read_cv_.notify_all();
  reader_.join();
}

int64_t Events::SystemMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Events::Frame(int64_t id, const std::string& type, const std::string& data) {
  return "id: " + std::to_string(id) + "\nevent: " + type + "\ndata: " + data + "\n\n";
}

// Pushing under mutex_ is safe (a push takes only the stream's own lock; a stream that overflows ends
// later, on the server's thread) and keeps each stream's frames in id order whatever thread delivers.
void Events::Deliver(const Entry& entry) {
  if (IsControl(entry.type)) {
    EndLocked(entry);
    last_id_ = std::max(last_id_, entry.id);
    return;
  }
  std::string frame = Frame(entry.id, entry.type, entry.data);
  for (const auto& guest : entry.recipients) {
    auto [first, last] = by_guest_.equal_range(guest);
    for (auto it = first; it != last; ++it) {
      const auto& open = streams_.at(it->second);
      if (entry.id <= open.after) continue;
      if (open.stream->Push(frame)) {
        delivered_.fetch_add(1, std::memory_order_relaxed);
      } else {
        dropped_.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
  last_id_ = std::max(last_id_, entry.id);
  history_.push_back(entry);
  while (history_.size() > options_.history) {
    floor_ = history_.front().id;
    history_.pop_front();
  }
}

int64_t Events::Publish(const std::string& type, const std::string& data, const std::vector<std::string>& guest_ids) {
  if (options_.log != nullptr) {
    {
      std::lock_guard lock(write_mutex_);
      if (pending_.size() >= options_.max_pending) {
        log::error("live events: {} events wait for the log; dropped a {} event", pending_.size(), log::Safe(type));
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return 0;
      }
      pending_.push_back({0, type, data, guest_ids});
    }
    write_cv_.notify_one();
    return 0;
  }
  std::lock_guard lock(mutex_);
  int64_t id = std::max(last_id_ + 1, now_ms_() * 1000);
  Deliver({id, type, data, guest_ids});
  return id;
}

std::shared_ptr<http::Stream> Events::Open(Subscriber subscriber, std::optional<int64_t> last_event_id) {
  auto stream = std::make_shared<http::Stream>(options_.stream);
  uint64_t key = 0;
  bool catch_up = false;
  {
    std::lock_guard lock(mutex_);
    key = next_key_++;
    // Tells EventSource how soon to reconnect, and gets the headers out at once. Under the lock, with
    // the replay, so that both come before anything delivered later.
    stream->Push("retry: 2000\n\n");
    int64_t after = last_event_id.value_or(0);
    if (last_event_id) {
      if (options_.log != nullptr && (!loaded_ || *last_event_id < floor_)) {
        // Older than memory (or memory not loaded yet): the reader thread replays it from the log.
        catch_up = true;
        catch_ups_.push_back({key, *last_event_id});
      } else if (*last_event_id < floor_) {
        stream->Push(Frame(last_id_, "resync", "{}"));
      } else {
        for (const auto& entry : history_) {
          if (entry.id > *last_event_id && IsRecipient(entry.recipients, subscriber.guest_id)) {
            stream->Push(Frame(entry.id, entry.type, entry.data));
          }
        }
      }
    }
    if (!catch_up) by_guest_.emplace(subscriber.guest_id, key);
    streams_.emplace(key, OpenStream{std::move(subscriber), stream, after});
  }
  stream->OnEnd([this, key] { Remove(key); });
  if (catch_up) WakeReader();
  return stream;
}

void Events::WakeReader() {
  {
    std::lock_guard lock(read_mutex_);
    read_wanted_ = true;
  }
  read_cv_.notify_one();
}

// The writer thread: appends queued publishes in order, retrying while the log cannot be reached.
void Events::WriteLog() {
  constexpr std::chrono::milliseconds kFirstBackoff{100};
  constexpr std::chrono::milliseconds kMaxBackoff{5000};
  constexpr int kAttemptsOnError = 3;  // an event the database refuses (not a lost connection) is dropped
  auto backoff = kFirstBackoff;
  auto last_prune = std::chrono::steady_clock::now();
  bool failing = false;
  int attempts = 0;
  for (;;) {
    storage::EventRecord next;
    {
      std::unique_lock lock(write_mutex_);
      write_cv_.wait(lock, [this] { return write_stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;
      next = pending_.front();
    }
    auto id = options_.log->Append(next);
    if (!id) {
      ++attempts;
      if (!failing) log::warn("live events: appending to the log failed ({}); retrying", id.error().message);
      failing = true;
      std::unique_lock lock(write_mutex_);
      if (write_stopping_) {
        log::warn("live events: stopping with {} events not appended to the log", pending_.size());
        pending_.clear();
        return;
      }
      if (id.error().code != ErrorCode::kUnavailable && attempts >= kAttemptsOnError) {
        log::error("live events: the log refused a {} event; dropped it", log::Safe(next.type));
        dropped_.fetch_add(1, std::memory_order_relaxed);
        pending_.pop_front();
        attempts = 0;
        continue;
      }
      write_cv_.wait_for(lock, backoff, [this] { return write_stopping_; });
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    if (failing) log::info("live events: appending to the log again");
    failing = false;
    attempts = 0;
    backoff = kFirstBackoff;
    {
      std::lock_guard lock(write_mutex_);
      pending_.pop_front();
    }
    // Delivered here as soon as it is read back, without waiting for the notification's round trip.
    WakeReader();
    auto now = std::chrono::steady_clock::now();
    if (now - last_prune >= options_.log_prune_every) {
      last_prune = now;
      auto pruned = options_.log->Prune(static_cast<int64_t>(std::max(options_.log_keep, options_.history)));
      if (!pruned) log::warn("live events: pruning the log failed ({})", pruned.error().message);
    }
  }
}

// The reader thread: the only one that delivers when there is a log.
void Events::ReadLog() {
  for (;;) {
    {
      std::unique_lock lock(read_mutex_);
      read_cv_.wait_for(lock, options_.log_poll, [this] { return read_stopping_ || read_wanted_; });
      if (read_stopping_) return;
      read_wanted_ = false;
    }
    bool loaded = false;
    {
      std::lock_guard lock(mutex_);
      loaded = loaded_;
    }
    if (!loaded && !LoadTail()) continue;
    if (ReadNew()) CatchUpStreams();
  }
}

// The newest events of the log become the history; the log's floor, or the newest event left out,
// becomes its floor.
bool Events::LoadTail() {
  auto newest = options_.log->ReadNewest(static_cast<int>(options_.history) + 1);
  // The floor is read after the events: one raised meanwhile only makes the answer more careful.
  Result<int64_t> floor = newest ? options_.log->Floor() : Result<int64_t>(tl::unexpected(newest.error()));
  if (!floor) {
    if (!read_failing_) log::warn("live events: reading the log failed ({})", floor.error().message);
    read_failing_ = true;
    return false;
  }
  std::lock_guard lock(mutex_);
  int64_t new_floor = *floor;
  size_t skip = 0;
  if (newest->size() > options_.history) {
    skip = newest->size() - options_.history;
    new_floor = std::max(new_floor, (*newest)[skip - 1].id);
  }
  history_.clear();
  int64_t newest_id = new_floor;
  for (size_t i = skip; i < newest->size(); ++i) {
    auto& record = (*newest)[i];
    newest_id = std::max(newest_id, record.id);
    // What ended streams before this instance started has nothing left to end.
    if (IsControl(record.type)) continue;
    history_.push_back({record.id, std::move(record.type), std::move(record.data), std::move(record.recipients)});
  }
  floor_ = new_floor;
  last_id_ = newest_id;
  loaded_ = true;
  return true;
}

// Delivers what the log has after the last id read; false when the log could not be read.
bool Events::ReadNew() {
  for (;;) {
    int64_t after = 0;
    {
      std::lock_guard lock(mutex_);
      after = last_id_;
    }
    auto batch = options_.log->ReadAfter(after, kReadBatch);
    if (!batch) {
      if (!read_failing_) log::warn("live events: reading the log failed ({})", batch.error().message);
      read_failing_ = true;
      return false;
    }
    if (read_failing_) log::info("live events: reading the log again");
    read_failing_ = false;
    {
      std::lock_guard lock(mutex_);
      for (auto& record : *batch) {
        Deliver({record.id, std::move(record.type), std::move(record.data), std::move(record.recipients)});
      }
    }
    if (batch->size() < static_cast<size_t>(kReadBatch)) return true;
  }
}

// Replays to the streams that asked for more than memory had, then lets live events reach them. Runs
// on the reader thread between reads, so nothing after `upto` has been delivered meanwhile.
void Events::CatchUpStreams() {
  std::vector<CatchUp> jobs;
  int64_t upto = 0;
  {
    std::lock_guard lock(mutex_);
    jobs.swap(catch_ups_);
    upto = last_id_;
  }
  for (const auto& job : jobs) {
    std::string guest_id;
    {
      std::lock_guard lock(mutex_);
      auto it = streams_.find(job.key);
      if (it == streams_.end()) continue;
      guest_id = it->second.subscriber.guest_id;
      if (job.after >= floor_) {
        // Memory reaches back far enough now (the stream was opened before the log's tail was loaded).
        for (const auto& entry : history_) {
          if (entry.id > job.after && IsRecipient(entry.recipients, guest_id)) {
            it->second.stream->Push(Frame(entry.id, entry.type, entry.data));
          }
        }
        by_guest_.emplace(guest_id, job.key);
        continue;
      }
    }
    std::vector<std::string> frames;
    bool complete = false;
    int64_t position = job.after;
    for (int batches = 0; !complete && batches < kMaxCatchUpBatches; ++batches) {
      auto batch = options_.log->ReadAfter(position, kReadBatch);
      if (!batch) break;
      for (const auto& record : *batch) {
        if (record.id > upto) {
          complete = true;
          break;
        }
        if (!IsControl(record.type) && IsRecipient(record.recipients, guest_id)) {
          frames.push_back(Frame(record.id, record.type, record.data));
        }
        position = record.id;
      }
      if (batch->size() < static_cast<size_t>(kReadBatch)) complete = true;
    }
    if (complete) {
      // Read after the events: if the floor rose past the client's id meanwhile, some may be gone.
      auto floor = options_.log->Floor();
      complete = floor && job.after >= *floor;
    }
    std::lock_guard lock(mutex_);
    auto it = streams_.find(job.key);
    if (it == streams_.end()) continue;
    if (!complete) frames.assign(1, Frame(upto, "resync", "{}"));
    for (auto& frame : frames) it->second.stream->Push(std::move(frame));
    by_guest_.emplace(guest_id, job.key);
  }
}

void Events::Remove(uint64_t key) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(key);
  if (it == streams_.end()) return;
  auto [first, last] = by_guest_.equal_range(it->second.subscriber.guest_id);
  for (auto g = first; g != last; ++g) {
    if (g->second == key) {
      by_guest_.erase(g);
      break;
    }
  }
  streams_.erase(it);
}

void Events::End(const std::function<bool(const Subscriber&)>& which, const std::string& reason) {
  std::vector<std::shared_ptr<http::Stream>> ending;
  int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, open] : streams_) {
      if (which(open.subscriber)) ending.push_back(open.stream);
    }
    if (ending.empty()) return;
    id = last_id_;
  }
  nlohmann::json data = {{"reason", reason}};
  // Not in the history: it is about this stream, and its id repeats the last one so that a client
  // that reconnects with it misses nothing.
  std::string frame = Frame(id, "session.ended", data.dump());
  for (auto& stream : ending) {
    stream->Push(frame);
    stream->Close();
  }
}

// With a log the streams of this instance end at once, and those of the others when they read the
// control entry (this instance's own reading of it finds nothing left to end).
void Events::EndGuest(const std::string& guest_id, const std::string& reason) {
  End([&](const Subscriber& s) { return s.guest_id == guest_id; }, reason);
  if (options_.log != nullptr) Publish(std::string(kEndStreams), nlohmann::json{{"reason", reason}}.dump(), {guest_id});
}

void Events::EndSession(const std::string& session_key, const std::string& reason) {
  End([&](const Subscriber& s) { return s.session_key == session_key; }, reason);
  if (options_.log != nullptr) {
    Publish(std::string(kEndStreams), nlohmann::json{{"reason", reason}, {"session", session_key}}.dump(), {});
  }
}

void Events::EndLocked(const Entry& entry) {
  auto data = nlohmann::json::parse(entry.data, nullptr, false);
  if (!data.is_object()) return;
  const std::string reason = data.value("reason", "ended");
  const std::string session = data.value("session", "");
  std::string frame = Frame(last_id_, "session.ended", nlohmann::json{{"reason", reason}}.dump());
  for (const auto& [key, open] : streams_) {
    const bool match = session.empty() ? IsRecipient(entry.recipients, open.subscriber.guest_id)
                                       : open.subscriber.session_key == session;
    if (!match) continue;
    open.stream->Push(frame);
    open.stream->Close();
  }
}

void Events::Sweep(int64_t now, const std::function<bool(const std::string& cookie)>& alive) {
  std::vector<Subscriber> subscribers;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, open] : streams_) subscribers.push_back(open.subscriber);
  }
  for (const auto& subscriber : subscribers) {
    if (subscriber.expires_at <= now || !alive(subscriber.cookie)) EndSession(subscriber.session_key, "expired");
  }
}

size_t Events::open_streams() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

int64_t Events::last_id() const {
  std::lock_guard lock(mutex_);
  return last_id_;
}

}  // namespace gp::service
