#include "emulator/state.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace gp::emulator {

Member* Room::FindMember(const Uuid& person) {
  for (auto& member : members) {
    if (member.person == person) return &member;
  }
  return nullptr;
}

bool Room::IsMember(const Uuid& person) const {
  return std::any_of(members.begin(), members.end(),
                     [&](const Member& m) { return m.person == person; });
}

void State::Reset() {
  config = Config{};
  people.clear();
  people_order.clear();
  people_by_email.clear();
  tokens.clear();
  refresh_tokens.clear();
  codes.clear();
  guests_by_subject.clear();
  guests_by_jwt.clear();
  rooms.clear();
  rooms_order.clear();
  direct_rooms.clear();
  message_index.clear();
  contents.clear();
  webhooks.clear();
  webhooks_order.clear();
  meetings.clear();
  meetings_order.clear();
  deliveries.clear();
  faults_injected = 0;
  clock_->Reset();
}

Person* State::FindPerson(const Uuid& id) {
  auto it = people.find(id);
  return it == people.end() ? nullptr : &it->second;
}

Person* State::FindPersonByEmail(std::string_view email) {
  auto it = people_by_email.find(ToLower(email));
  return it == people_by_email.end() ? nullptr : FindPerson(it->second);
}

Room* State::FindRoom(const Uuid& id) {
  auto it = rooms.find(id);
  return it == rooms.end() ? nullptr : &it->second;
}

Room* State::RoomForMember(const Uuid& room, const Uuid& person) {
  Room* found = FindRoom(room);
  return found && found->IsMember(person) ? found : nullptr;
}

Person& State::AddPerson(std::string display_name, std::string email, bool licensed, bool guest) {
  Person person;
  person.id = NewUuid();
  person.display_name = std::move(display_name);
  person.email = std::move(email);
  person.licensed = licensed;
  person.guest = guest;
  person.created = Now();
  people_order.push_back(person.id);
  people_by_email[ToLower(person.email)] = person.id;
  auto [it, inserted] = people.emplace(person.id, std::move(person));
  return it->second;
}

std::string State::IssueAccessToken(TokenKind kind, const Uuid& person, int64_t lifetime_seconds) {
  std::string token = crypto::RandomToken(48);
  tokens[token] =
      AccessToken{kind, person, lifetime_seconds > 0 ? Now() + lifetime_seconds * 1000 : 0};
  return token;
}

std::optional<AccessToken> State::Authenticate(const std::string& token) {
  auto it = tokens.find(token);
  if (it == tokens.end()) return std::nullopt;
  if (it->second.expires != 0 && it->second.expires <= Now()) return std::nullopt;
  if (it->second.kind == TokenKind::kPerson && !people.contains(it->second.person))
    return std::nullopt;
  return it->second;
}

void State::Touch(Room& room, int64_t when) {
  room.last_activity = std::max(room.last_activity, when);
  room.activity_seq = NextSeq();
}

std::string DirectKey(const Uuid& a, const Uuid& b) {
  const Uuid& low = a < b ? a : b;
  const Uuid& high = a < b ? b : a;
  return ToString(low) + ToString(high);
}

}  // namespace gp::emulator
