#pragma once
// Webex object ids: base64url (no padding) of "ciscospark://us/<TYPE>/<uuid>". Objects are stored
// under 16-byte uuids and their ids are rebuilt when serialised, which keeps the model compact.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace gp::emulator {

struct Uuid {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool IsNil() const { return hi == 0 && lo == 0; }
  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

struct UuidHash {
  std::size_t operator()(const Uuid& u) const noexcept {
    return std::hash<uint64_t>{}(u.hi ^ (u.lo * 0x9e3779b97f4a7c15ULL));
  }
};

// A random (version 4) uuid.
Uuid NewUuid();
// Lowercase canonical form, 8-4-4-4-12.
std::string ToString(const Uuid& uuid);
std::optional<Uuid> ParseUuid(std::string_view text);

// TYPE is one of PEOPLE, ROOM, MESSAGE, WEBHOOK, ORGANIZATION, CONTENT, APPLICATION.
std::string EncodeId(std::string_view type, const Uuid& uuid);
// The uuid of an id of that type; nullopt when the id is malformed or of another type.
std::optional<Uuid> DecodeId(std::string_view type, std::string_view id);

// Memberships are identified by "<personUuid>:<roomUuid>".
std::string EncodeMembershipId(const Uuid& person, const Uuid& room);
std::optional<std::pair<Uuid, Uuid>> DecodeMembershipId(std::string_view id);

}  // namespace gp::emulator
