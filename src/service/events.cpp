#include "service/events.hpp"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

namespace gp::service {

Events::Events(Options options, std::function<int64_t()> now_ms)
    : options_(std::move(options)), now_ms_(std::move(now_ms)) {
  // Nothing given before this instant is in the history.
  last_id_ = now_ms_() * 1000;
  floor_ = last_id_;
}

int64_t Events::SystemMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Events::Frame(int64_t id, const std::string& type, const std::string& data) {
  return "id: " + std::to_string(id) + "\nevent: " + type + "\ndata: " + data + "\n\n";
}

int64_t Events::Publish(const std::string& type, const std::string& data, const std::vector<std::string>& guest_ids) {
  std::vector<std::shared_ptr<http::Stream>> targets;
  int64_t id = 0;
  std::string frame;
  {
    std::lock_guard lock(mutex_);
    id = std::max(last_id_ + 1, now_ms_() * 1000);
    last_id_ = id;
    frame = Frame(id, type, data);
    history_.push_back({id, type, data, guest_ids});
    while (history_.size() > options_.history) {
      floor_ = history_.front().id;
      history_.pop_front();
    }
    for (const auto& guest : guest_ids) {
      auto [first, last] = by_guest_.equal_range(guest);
      for (auto it = first; it != last; ++it) targets.push_back(streams_.at(it->second).stream);
    }
  }
  // Outside the lock: a push that overflows closes the stream, whose end callback takes the lock.
  for (auto& stream : targets) stream->Push(frame);
  return id;
}

std::shared_ptr<http::Stream> Events::Open(Subscriber subscriber, std::optional<int64_t> last_event_id) {
  auto stream = std::make_shared<http::Stream>(options_.stream);
  uint64_t key = 0;
  std::vector<std::string> replay;
  {
    std::lock_guard lock(mutex_);
    if (last_event_id) {
      if (*last_event_id < floor_) {
        replay.push_back(Frame(last_id_, "resync", "{}"));
      } else {
        for (const auto& entry : history_) {
          if (entry.id <= *last_event_id) continue;
          if (std::find(entry.recipients.begin(), entry.recipients.end(), subscriber.guest_id) ==
              entry.recipients.end()) {
            continue;
          }
          replay.push_back(Frame(entry.id, entry.type, entry.data));
        }
      }
    }
    key = next_key_++;
    by_guest_.emplace(subscriber.guest_id, key);
    streams_.emplace(key, OpenStream{std::move(subscriber), stream});
  }
  // Tells EventSource how soon to reconnect, and gets the headers out at once.
  stream->Push("retry: 2000\n\n");
  for (auto& frame : replay) stream->Push(std::move(frame));
  stream->OnEnd([this, key] { Remove(key); });
  return stream;
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

void Events::EndGuest(const std::string& guest_id, const std::string& reason) {
  End([&](const Subscriber& s) { return s.guest_id == guest_id; }, reason);
}

void Events::EndSession(const std::string& session_key, const std::string& reason) {
  End([&](const Subscriber& s) { return s.session_key == session_key; }, reason);
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

}  // namespace gp::service
