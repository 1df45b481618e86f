#include "emulator/ids.hpp"

#include <cstring>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace gp::emulator {
namespace {

constexpr std::string_view kPrefix = "ciscospark://us/";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "ciscospark://us/<TYPE>/" followed by the rest, or nullopt.
std::optional<std::string> DecodedRest(std::string_view type, std::string_view id) {
  if (id.empty() || id.size() > 200) return std::nullopt;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return std::nullopt;
  }
  auto decoded = Base64Decode(id);
  if (!decoded) return std::nullopt;
  std::string_view text = *decoded;
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  if (!text.starts_with(type) || text.size() <= type.size() || text[type.size()] != '/')
    return std::nullopt;
  return std::string(text.substr(type.size() + 1));
}

}  // namespace

Uuid NewUuid() {
  std::string bytes = crypto::RandomBytes(16);
  Uuid uuid;
  std::memcpy(&uuid.hi, bytes.data(), 8);
  std::memcpy(&uuid.lo, bytes.data() + 8, 8);
  uuid.hi = (uuid.hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
  uuid.lo = (uuid.lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return uuid;
}

std::string ToString(const Uuid& uuid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  auto put = [&](uint64_t value, int from_nibble, int count) {
    for (int i = 0; i < count; ++i) {
      int shift = 60 - 4 * (from_nibble + i);
      out.push_back(kHex[(value >> shift) & 0xF]);
    }
  };
  put(uuid.hi, 0, 8);
  out.push_back('-');
  put(uuid.hi, 8, 4);
  out.push_back('-');
  put(uuid.hi, 12, 4);
  out.push_back('-');
  put(uuid.lo, 0, 4);
  out.push_back('-');
  put(uuid.lo, 4, 12);
  return out;
}

std::optional<Uuid> ParseUuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid uuid;
  int nibble = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    int v = HexValue(text[i]);
    if (v < 0) return std::nullopt;
    uint64_t& word = nibble < 16 ? uuid.hi : uuid.lo;
    word = (word << 4) | static_cast<uint64_t>(v);
    ++nibble;
  }
  return uuid;
}

std::string EncodeId(std::string_view type, const Uuid& uuid) {
  std::string raw(kPrefix);
  raw.append(type);
  raw.push_back('/');
  raw.append(ToString(uuid));
  return Base64UrlEncode(raw);
}

std::optional<Uuid> DecodeId(std::string_view type, std::string_view id) {
  auto rest = DecodedRest(type, id);
  if (!rest) return std::nullopt;
  return ParseUuid(*rest);
}

std::string EncodeMembershipId(const Uuid& person, const Uuid& room) {
  std::string raw(kPrefix);
  raw.append("MEMBERSHIP/");
  raw.append(ToString(person));
  raw.push_back(':');
  raw.append(ToString(room));
  return Base64UrlEncode(raw);
}

std::optional<std::pair<Uuid, Uuid>> DecodeMembershipId(std::string_view id) {
  auto rest = DecodedRest("MEMBERSHIP", id);
  if (!rest || rest->size() != 73 || (*rest)[36] != ':') return std::nullopt;
  auto person = ParseUuid(std::string_view(*rest).substr(0, 36));
  auto room = ParseUuid(std::string_view(*rest).substr(37));
  if (!person || !room) return std::nullopt;
  return std::make_pair(*person, *room);
}

}  // namespace gp::emulator
