#include "http/client_address.hpp"

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <array>
#include <charconv>
#include <optional>

#include <boost/asio/ip/address.hpp>

namespace gp::http {
namespace {

namespace ip = boost::asio::ip;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The address as 16 bytes (IPv4 mapped into IPv6, so "127.0.0.1" and "::ffff:127.0.0.1" are one).
std::optional<std::array<unsigned char, 16>> Bytes(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (address.is_v4()) return ip::make_address_v6(ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies proxies;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view entry = Trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    auto invalid = [&] {
      return Fail(ErrorCode::kBadRequest, "not an address or a network (address/prefix): " + std::string(entry));
    };
    size_t slash = entry.find('/');
    auto bytes = Bytes(entry.substr(0, slash));
    if (!bytes) return invalid();
    const bool v4 = entry.substr(0, slash).find(':') == std::string_view::npos;
    int prefix = 128;
    if (slash != std::string_view::npos) {
      std::string_view digits = entry.substr(slash + 1);
      auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (error != std::errc() || end != digits.data() + digits.size() || prefix < 0 || prefix > (v4 ? 32 : 128)) {
        return invalid();
      }
      if (v4) prefix += 96;
    }
    proxies.networks_.push_back(Network{*bytes, prefix});
  }
  return proxies;
}

bool TrustedProxies::Contains(std::string_view address) const {
  auto bytes = Bytes(Trim(address));
  if (!bytes) return false;
  for (const auto& network : networks_) {
    int bits = network.prefix;
    bool inside = true;
    for (size_t i = 0; i < 16 && bits > 0 && inside; ++i, bits -= 8) {
      unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
      inside = ((*bytes)[i] & mask) == (network.bytes[i] & mask);
    }
    if (inside) return true;
  }
  return false;
}

std::string TrustedProxies::ClientOf(const std::string& peer, std::string_view forwarded_for) const {
  if (!Contains(peer)) return peer;
  std::string client = peer;
  while (!forwarded_for.empty()) {
    size_t comma = forwarded_for.rfind(',');
    std::string_view hop = Trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    if (!Bytes(hop)) break;
    client = std::string(hop);
    if (!Contains(hop)) break;
  }
  return client;
}

}  // namespace gp::http
