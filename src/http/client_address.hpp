#pragma once
// Who the client is when proxies stand in front of the portal (nginx, a load balancer). The TCP peer
// is then the proxy, and the client's address is in X-Forwarded-For, which each proxy extends with the
// address it got the request from. Only proxies named in TRUSTED_PROXIES are believed: the client is
// the right-most address of X-Forwarded-For that is not a trusted proxy, so whatever a client writes
// into the header itself, further left, is never taken. A peer that is not a trusted proxy is the
// client, whatever its header says.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gp::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;

  // A comma-separated list of addresses and networks ("127.0.0.1, 10.0.0.0/8, ::1, fd00::/8"). Empty
  // trusts nobody. kBadRequest names the entry that is not an address or a network.
  static Result<TrustedProxies> Parse(std::string_view list);

  bool empty() const { return networks_.empty(); }
  bool Contains(std::string_view address) const;

  // The client's address for a request from `peer` carrying `forwarded_for` (the X-Forwarded-For
  // header's value, "" when absent). An entry that is not an address ends the walk: the client is
  // the last trusted hop's, as nothing further left can be believed.
  std::string ClientOf(const std::string& peer, std::string_view forwarded_for) const;

 private:
  struct Network {
    std::array<unsigned char, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefix = 0;                         // in bits, over the 16 bytes
  };
  std::vector<Network> networks_;
};

}  // namespace gp::http
