#include "http/multipart.hpp"

#include "core/encoding.hpp"

namespace gp::http {
namespace {

constexpr size_t kMaxParts = 64;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The value of `name` among "; name=value" parameters (quoted or not).
std::optional<std::string> HeaderParam(std::string_view value, std::string_view name) {
  size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = value.substr(pos + 1);
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = Trim(rest.substr(0, eq));
    std::string_view after = Trim(rest.substr(eq + 1));
    std::string parsed;
    size_t consumed = 0;
    if (!after.empty() && after.front() == '"') {
      size_t i = 1;
      for (; i < after.size() && after[i] != '"'; ++i) {
        if (after[i] == '\\' && i + 1 < after.size()) ++i;
        parsed.push_back(after[i]);
      }
      if (i >= after.size()) return std::nullopt;
      consumed = i + 1;
    } else {
      size_t end = after.find(';');
      parsed = std::string(Trim(after.substr(0, end)));
      consumed = end == std::string_view::npos ? after.size() : end;
    }
    if (EqualsIgnoreCase(key, name)) return parsed;
    size_t offset = static_cast<size_t>(after.data() - value.data()) + consumed;
    pos = value.find(';', offset);
  }
  return std::nullopt;
}

tl::unexpected<Error> Malformed(const std::string& what) {
  return Fail(ErrorCode::kBadRequest, "Malformed multipart body: " + what);
}

}  // namespace

Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string_view body) {
  auto boundary = HeaderParam(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) return Malformed("no boundary.");
  const std::string delimiter = "--" + *boundary;
  const std::string separator = "\r\n" + delimiter;

  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return Malformed("boundary not found.");
  pos += delimiter.size();
  std::vector<FormPart> parts;
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") return Malformed("bad delimiter line.");
    pos += 2;
    size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) return Malformed("part headers not terminated.");
    FormPart part;
    bool has_disposition = false;
    std::string_view headers = body.substr(pos, headers_end - pos);
    while (!headers.empty()) {
      size_t line_end = headers.find("\r\n");
      std::string_view line = headers.substr(0, line_end);
      headers =
          line_end == std::string_view::npos ? std::string_view{} : headers.substr(line_end + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return Malformed("bad part header.");
      std::string_view name = Trim(line.substr(0, colon));
      std::string_view value = Trim(line.substr(colon + 1));
      if (EqualsIgnoreCase(name, "Content-Disposition")) {
        if (!EqualsIgnoreCase(Trim(value.substr(0, value.find(';'))), "form-data")) {
          return Malformed("part is not form-data.");
        }
        auto field = HeaderParam(value, "name");
        if (!field) return Malformed("part without a name.");
        part.name = *field;
        if (auto filename = HeaderParam(value, "filename")) {
          part.filename = *filename;
          part.has_filename = true;
        }
        has_disposition = true;
      } else if (EqualsIgnoreCase(name, "Content-Type")) {
        part.content_type = std::string(value);
      }
    }
    if (!has_disposition) return Malformed("part without Content-Disposition.");
    size_t content_start = headers_end + 4;
    size_t content_end = body.find(separator, content_start);
    if (content_end == std::string_view::npos) return Malformed("part not terminated.");
    part.body = std::string(body.substr(content_start, content_end - content_start));
    parts.push_back(std::move(part));
    if (parts.size() > kMaxParts) return Malformed("too many parts.");
    pos = content_end + separator.size();
  }
}

}  // namespace gp::http
