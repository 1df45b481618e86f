// The text encodings behind cookies, query strings, OAuth parameters and tokens: decoders never
// crash, and every encoder round-trips through its decoder.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/encoding.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto decoded = gp::Base64Decode(text)) {
    if (gp::Base64Decode(gp::Base64Encode(*decoded)) != decoded) __builtin_trap();
  }
  if (gp::Base64Decode(gp::Base64UrlEncode(text)) != std::string(text)) __builtin_trap();
  if (gp::PercentDecode(gp::PercentEncode(text)) != std::string(text)) __builtin_trap();
  (void)gp::PercentDecode(text, true);
  gp::Params params = gp::ParseParams(text);
  if (gp::ParseParams(gp::EncodeParams(params)) != params) __builtin_trap();
  if (gp::ToLower(text).size() != text.size()) __builtin_trap();
  return 0;
}
