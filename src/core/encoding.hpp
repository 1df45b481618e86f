#pragma once
// Text encodings used across the project: base64 variants, hex, percent-encoding, query strings.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gp {

std::string Base64Encode(std::string_view bytes);
std::string Base64UrlEncode(std::string_view bytes);  // no padding
// Accepts standard or URL-safe alphabets, with or without padding. nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view text);
std::string HexEncode(std::string_view bytes);

// Percent-encoding for URL components (RFC 3986 unreserved characters pass through).
std::string PercentEncode(std::string_view text);
// Decodes %XX; when `plus_is_space`, '+' becomes ' ' (form encoding). nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);

using Params = std::vector<std::pair<std::string, std::string>>;
// Parses "a=1&b=two" (query strings and application/x-www-form-urlencoded bodies).
// Malformed escapes are kept verbatim rather than rejected.
Params ParseParams(std::string_view text);
std::string EncodeParams(const Params& params);
// The first value of `name`, if present.
std::optional<std::string> FindParam(const Params& params, std::string_view name);

// Case-insensitive ASCII comparison.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view text);

}  // namespace gp
