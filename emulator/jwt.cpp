#include "emulator/jwt.hpp"

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace gp::emulator {
namespace {

std::optional<nlohmann::json> DecodeSegment(std::string_view segment) {
  auto bytes = Base64Decode(segment);
  if (!bytes) return std::nullopt;
  auto json = nlohmann::json::parse(*bytes, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  return json;
}

std::optional<int64_t> ExpSeconds(const nlohmann::json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty() || text.size() > 18) return std::nullopt;
    int64_t result = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      result = result * 10 + (c - '0');
    }
    return result;
  }
  return std::nullopt;
}

tl::unexpected<Error> Refuse(const std::string& reason) {
  return Fail(ErrorCode::kUnauthorized, "JWT is not valid: " + reason);
}

}  // namespace

Result<GuestClaims> VerifyGuestJwt(std::string_view jwt, std::string_view key,
                                   std::string_view expected_issuer, int64_t now_seconds) {
  size_t first = jwt.find('.');
  if (first == std::string_view::npos) return Refuse("malformed token.");
  size_t second = jwt.find('.', first + 1);
  if (second == std::string_view::npos || jwt.find('.', second + 1) != std::string_view::npos) {
    return Refuse("malformed token.");
  }
  auto header = DecodeSegment(jwt.substr(0, first));
  auto claims = DecodeSegment(jwt.substr(first + 1, second - first - 1));
  auto signature = Base64Decode(jwt.substr(second + 1));
  if (!header || !claims || !signature) return Refuse("malformed token.");
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get<std::string>() != "HS256") {
    return Refuse("unsupported algorithm.");
  }
  std::string expected = crypto::HmacSha256(key, jwt.substr(0, second));
  if (!crypto::ConstantTimeEquals(expected, *signature)) return Refuse("bad signature.");

  GuestClaims result;
  auto text_claim = [&](const char* name, std::string& out) {
    auto it = claims->find(name);
    if (it == claims->end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      return false;
    out = it->get<std::string>();
    return true;
  };
  if (!text_claim("iss", result.iss) || result.iss != expected_issuer)
    return Refuse("unknown issuer.");
  if (!text_claim("sub", result.sub)) return Refuse("missing sub.");
  if (!text_claim("name", result.name)) return Refuse("missing name.");
  auto exp_it = claims->find("exp");
  std::optional<int64_t> exp = exp_it == claims->end() ? std::nullopt : ExpSeconds(*exp_it);
  if (!exp) return Refuse("missing or malformed exp.");
  if (*exp <= now_seconds) return Refuse("expired.");
  result.exp = *exp;
  return result;
}

}  // namespace gp::emulator
