#pragma once
// A multipart/form-data parser (RFC 7578) for uploads, used by the portal and the emulator. Bodies
// come from the network, so every malformation is a kBadRequest, never a crash. Names and file
// names are returned as sent (unquoted, still untrusted bytes): the caller validates and cleans
// them before they go anywhere else.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gp::http {

struct FormPart {
  std::string name;
  // From `filename*` (RFC 8187, UTF-8 or ISO-8859-1, decoded to UTF-8) when present and
  // well-formed, else from `filename`; empty when the part is not a file.
  std::string filename;
  bool has_filename = false;
  std::string content_type;  // as sent; empty when absent
  // The part's bytes: a view into the body given to ParseMultipart, valid while that body lives.
  std::string_view body;
};

// At most this many parts; a body with more is refused.
inline constexpr std::size_t kMaxFormParts = 64;

// `content_type` is the whole Content-Type header value (it carries the boundary). The body must
// end with the closing delimiter; a truncated body is refused rather than read as fewer parts.
Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string_view body);
// The parts view the body: a temporary one would be gone before they are read.
Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string&& body) = delete;

}  // namespace gp::http
