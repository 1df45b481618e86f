// A multipart/form-data upload (a message with a file): the parser never crashes, every part it
// returns lies inside the body it was given and holds no delimiter, and there are never more parts
// than the bound. Input: "CONTENT-TYPE\nBODY".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  std::string_view content_type = input.substr(0, newline);
  // A copy of its own, so that ASan sees a part that points outside it.
  std::string body(input.substr(newline + 1));
  auto parts = gp::http::ParseMultipart(content_type, body);
  if (!parts) {
    if (parts.error().code != gp::ErrorCode::kBadRequest) __builtin_trap();
    return 0;
  }
  if (parts->size() > gp::http::kMaxFormParts) __builtin_trap();
  const char* begin = body.data();
  const char* end = body.data() + body.size();
  for (const auto& part : *parts) {
    if (part.body.data() < begin || part.body.data() + part.body.size() > end) __builtin_trap();
    if (!part.has_filename && !part.filename.empty()) __builtin_trap();
    // The parser ends a part at the first delimiter after it (checked for plain boundaries,
    // whose value needs no unquoting).
    constexpr std::string_view kPlain = "multipart/form-data; boundary=";
    if (!content_type.starts_with(kPlain)) continue;
    std::string_view boundary = content_type.substr(kPlain.size());
    if (boundary.find_first_of("\"; \t") != std::string_view::npos) continue;
    if (part.body.find("\r\n--" + std::string(boundary)) != std::string_view::npos)
      __builtin_trap();
  }
  return 0;
}
