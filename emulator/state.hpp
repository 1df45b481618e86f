#pragma once
// The emulator's in-memory model of one Webex organisation. One mutex guards all of it: handlers
// lock, do a short piece of work, build their answer and unlock; nothing under the lock does I/O.
// Objects are kept compactly (uuids, timestamps in ms, message text only) and serialised on demand.

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "emulator/clock.hpp"
#include "emulator/ids.hpp"

namespace gp::emulator {

struct FaultConfig {
  double rate429 = 0;
  int64_t retry_after = 1;
  double rate5xx = 0;
  std::string endpoint;  // a stats key; empty = every /v1 route
  std::optional<int64_t> limit;
};

struct Config {
  int64_t latency_ms = 0;
  FaultConfig faults;
  std::string guest_issuer_id = "emulator-guest-issuer";
  std::string guest_issuer_secret = "ZW11bGF0b3ItZ3Vlc3QtaXNzdWVyLXNlY3JldA==";
  std::string service_app_id = "emulator-service-app";
  std::string service_app_client_id = "emulator-sa-client-id";
  std::string service_app_client_secret = "emulator-sa-client-secret";
  std::string integration_client_id = "emulator-client-id";
  std::string integration_client_secret = "emulator-client-secret";
  bool g2g = false;
  int64_t access_token_lifetime = 14 * 86400;
  int64_t refresh_token_lifetime = 90 * 86400;
  int64_t service_app_token_lifetime = 3600;
  int64_t guest_token_lifetime = 64799;
  int64_t jwt_token_lifetime = 21600;
};

struct Person {
  Uuid id;
  std::string display_name;
  std::string email;
  bool licensed = false;
  bool guest = false;  // type "appuser"
  int64_t created = 0;
  std::unordered_set<Uuid, UuidHash> rooms;
  std::vector<Uuid> webhooks;  // in creation order
  // The serialised person, kept because GET /v1/people/me is the hottest call; cleared on change.
  std::string json_cache;
};

struct Member {
  Uuid person;
  bool moderator = false;
  bool hidden = false;
  int64_t created = 0;
};

struct Message {
  Uuid id;
  Uuid person;
  Uuid parent;   // nil when not a reply
  Uuid content;  // nil when the message carries no file
  int64_t created = 0;
  bool deleted = false;
  std::string text;
  std::string markdown;
};

struct Room {
  Uuid id;
  std::string title;
  std::string description;
  bool direct = false;
  bool locked = false;
  bool announcement_only = false;
  Uuid creator;
  int64_t created = 0;
  int64_t last_activity = 0;
  uint64_t created_seq = 0;   // breaks ties between rooms created in the same millisecond
  uint64_t activity_seq = 0;  // likewise for activity
  std::vector<Member> members;
  std::vector<Message> messages;  // in creation order; deleted ones stay as tombstones
  Uuid live_meeting;              // nil when no ad hoc meeting is live

  Member* FindMember(const Uuid& person);
  bool IsMember(const Uuid& person) const;
};

struct Content {
  Uuid room;
  std::string filename;
  std::string content_type;
  std::string bytes;
};

struct Webhook {
  Uuid id;
  Uuid owner;
  std::string name;
  std::string target_url;
  std::string resource;
  std::string event;
  std::string filter;
  std::string secret;
  bool active = true;
  int64_t created = 0;
  std::deque<int64_t> failures;  // times of failed deliveries within the auto-disable window
};

struct Meeting {
  Uuid id;
  std::string number;
  std::string password;
  std::string host_key;
  Uuid room;
  Uuid host;
  int64_t start = 0;
  int64_t end = 0;
  bool ended = false;
};

enum class TokenKind { kPerson, kServiceApp };

struct AccessToken {
  TokenKind kind = TokenKind::kPerson;
  Uuid person;
  int64_t expires = 0;  // 0 = never
};

struct RefreshToken {
  TokenKind kind = TokenKind::kPerson;
  Uuid person;
  std::string client_id;
  int64_t expires = 0;
};

struct AuthorizationCode {
  Uuid person;
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;
  int64_t expires = 0;
};

struct DeliveryRecord {
  Uuid webhook;
  std::string target_url;
  int status = 0;  // HTTP status, 0 when the target could not be reached
  std::string resource;
  std::string event;
};

struct MessageRef {
  Uuid room;
  uint32_t index = 0;
};

class State {
 public:
  explicit State(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {}

  std::unique_lock<std::mutex> Lock() { return std::unique_lock(mutex_); }
  int64_t Now() const { return clock_->NowMs(); }
  Clock& clock() { return *clock_; }

  // Everything below requires the lock.
  void Reset();
  Person* FindPerson(const Uuid& id);
  Person* FindPersonByEmail(std::string_view email);
  Room* FindRoom(const Uuid& id);
  // The room if `person` is a member, else nullptr (non-members must not learn it exists).
  Room* RoomForMember(const Uuid& room, const Uuid& person);
  Person& AddPerson(std::string display_name, std::string email, bool licensed, bool guest);
  std::string IssueAccessToken(TokenKind kind, const Uuid& person, int64_t lifetime_seconds);
  // The token's holder, or nullopt when unknown or expired.
  std::optional<AccessToken> Authenticate(const std::string& token);
  void Touch(Room& room, int64_t when);
  uint64_t NextSeq() { return ++seq_; }
  const Uuid& org() const { return org_; }
  const Uuid& app() const { return app_; }

  Config config;
  std::unordered_map<Uuid, Person, UuidHash> people;
  std::vector<Uuid> people_order;
  std::unordered_map<std::string, Uuid> people_by_email;  // lowercased
  std::unordered_map<std::string, AccessToken> tokens;
  std::unordered_map<std::string, RefreshToken> refresh_tokens;
  std::unordered_map<std::string, AuthorizationCode> codes;
  std::unordered_map<std::string, Uuid> guests_by_subject;  // "<appId>\n<subject>"
  std::unordered_map<std::string, Uuid> guests_by_jwt;      // "<iss>\n<sub>"
  std::unordered_map<Uuid, Room, UuidHash> rooms;
  std::vector<Uuid> rooms_order;
  std::unordered_map<std::string, Uuid> direct_rooms;  // key of the two person uuids
  std::unordered_map<Uuid, MessageRef, UuidHash> message_index;
  std::unordered_map<Uuid, Content, UuidHash> contents;
  std::unordered_map<Uuid, Webhook, UuidHash> webhooks;
  std::vector<Uuid> webhooks_order;
  std::unordered_map<Uuid, Meeting, UuidHash> meetings;
  std::vector<Uuid> meetings_order;
  std::deque<DeliveryRecord> deliveries;
  int64_t faults_injected = 0;

 private:
  std::mutex mutex_;
  std::shared_ptr<Clock> clock_;
  uint64_t seq_ = 0;
  Uuid org_ = NewUuid();
  Uuid app_ = NewUuid();
};

// The key of the one direct room of two people, independent of their order.
std::string DirectKey(const Uuid& a, const Uuid& b);

}  // namespace gp::emulator
