#pragma once
// Webhooks: CRUD handlers, the matching of events to webhooks (resource, event, filter, who may
// see the event) and a dispatcher that POSTs deliveries from its own thread with libcurl, signs
// them with X-Spark-Signature and disables a webhook after 100 failures within 5 minutes.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator/call.hpp"

namespace gp::emulator {

struct Event {
  std::string resource;  // messages, memberships, rooms, meetings
  std::string event;     // created, updated, deleted, started, ended
  Uuid actor;
  Json data;
  std::vector<Uuid> audience;  // people whose webhooks may hear of it
  bool has_files = false;      // for the hasFiles filter; files are not part of `data`
};

// Finds the webhooks that match and queues their deliveries on `call` (requires the lock).
void Emit(Call& call, const Event& event);

http::Response CreateWebhook(Call& call);
http::Response ListWebhooks(Call& call);
http::Response GetWebhook(Call& call);
http::Response UpdateWebhook(Call& call);
http::Response DeleteWebhook(Call& call);

class WebhookDispatcher {
 public:
  explicit WebhookDispatcher(State& state);
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void Start();
  void Stop();
  void Enqueue(std::vector<Delivery> deliveries);
  // Drops everything queued (for /_emulator/reset).
  void Clear();

 private:
  void Run();
  // Sends one delivery; returns the HTTP status, 0 when the target could not be reached.
  int Send(void* handle, const Delivery& delivery);
  void Record(const Delivery& delivery, int status);

  State& state_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Delivery> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gp::emulator
