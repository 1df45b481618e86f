#include "webex/transport.hpp"

#include "core/encoding.hpp"

namespace gp::webex {

std::optional<std::string> HttpResult::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResult::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) out.push_back(value);
  }
  return out;
}

std::optional<int64_t> ParseContentLength(std::string_view value) {
  if (value.empty() || value.size() > 18) return std::nullopt;
  int64_t length = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    length = length * 10 + (c - '0');
  }
  return length;
}

}  // namespace gp::webex
