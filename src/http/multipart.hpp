#pragma once
// A multipart/form-data parser (RFC 7578) for uploads, used by the portal and the emulator. Bodies
// come from the network, so every malformation is a kBadRequest, never a crash.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gp::http {

struct FormPart {
  std::string name;
  std::string filename;  // empty when the part is not a file
  bool has_filename = false;
  std::string content_type;  // as sent; empty when absent
  std::string body;
};

// `content_type` is the whole Content-Type header value (it carries the boundary).
Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string_view body);

}  // namespace gp::http
