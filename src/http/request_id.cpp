#include "http/request_id.hpp"

#include <algorithm>

namespace gp::http {

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string ChooseRequestId(bool from_trusted_proxy, std::optional<std::string_view> incoming,
                            std::string generated) {
  if (from_trusted_proxy && incoming && IsAcceptableRequestId(*incoming))
    return std::string(*incoming);
  return generated;
}

}  // namespace gp::http
