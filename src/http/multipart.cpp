#include "http/multipart.hpp"

#include <optional>

#include "core/encoding.hpp"

namespace gp::http {
namespace {

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

// An RFC 8187 ext-value (charset'language'percent-encoded), decoded to UTF-8; nullopt when
// malformed or in a charset other than UTF-8 and ISO-8859-1.
std::optional<std::string> DecodeExtValue(std::string_view ext) {
  size_t first = ext.find('\'');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = ext.find('\'', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string_view charset = ext.substr(0, first);
  auto decoded = PercentDecode(ext.substr(second + 1));
  if (!decoded) return std::nullopt;
  if (EqualsIgnoreCase(charset, "UTF-8")) return decoded;
  if (!EqualsIgnoreCase(charset, "ISO-8859-1")) return std::nullopt;
  std::string utf8;
  for (unsigned char c : *decoded) {
    if (c < 0x80) {
      utf8.push_back(static_cast<char>(c));
    } else {
      utf8.push_back(static_cast<char>(0xC0 | (c >> 6)));
      utf8.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return utf8;
}

// After a delimiter: transport padding (RFC 2046) up to the end of the line. Returns the position
// after the CRLF, or npos.
size_t SkipDelimiterLineEnd(std::string_view body, size_t pos) {
  while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
  if (body.substr(pos, 2) != "\r\n") return std::string_view::npos;
  return pos + 2;
}

tl::unexpected<Error> Malformed(const std::string& what) {
  return Fail(ErrorCode::kBadRequest, "Malformed multipart body: " + what);
}

// Reads a part's header lines into `part`.
Result<void> ParsePartHeaders(std::string_view headers, FormPart& part) {
  bool has_disposition = false;
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
      part.filename.clear();
      part.has_filename = false;
      if (auto filename = HeaderParam(value, "filename")) {
        part.filename = *filename;
        part.has_filename = true;
      }
      // RFC 7578 asks senders not to use filename*, but some do; when it decodes it is the
      // better name (RFC 6266 §4.3).
      if (auto extended = HeaderParam(value, "filename*")) {
        if (auto decoded = DecodeExtValue(*extended)) {
          part.filename = *decoded;
          part.has_filename = true;
        }
      }
      has_disposition = true;
    } else if (EqualsIgnoreCase(name, "Content-Type")) {
      part.content_type = std::string(value);
    }
  }
  if (!has_disposition) return Malformed("part without Content-Disposition.");
  return {};
}

}  // namespace

Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string_view body) {
  auto boundary = HeaderParam(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) return Malformed("no boundary.");
  const std::string separator = "\r\n--" + *boundary;
  const std::string_view delimiter = std::string_view(separator).substr(2);

  // The first delimiter starts the body or a line of it; what comes before is a preamble.
  size_t pos = 0;
  if (body.starts_with(delimiter)) {
    pos = delimiter.size();
  } else {
    pos = body.find(separator);
    if (pos == std::string_view::npos) return Malformed("boundary not found.");
    pos += separator.size();
  }
  std::vector<FormPart> parts;
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter; an epilogue may follow
    pos = SkipDelimiterLineEnd(body, pos);
    if (pos == std::string_view::npos) return Malformed("bad delimiter line.");
    if (parts.size() == kMaxFormParts) return Malformed("too many parts.");
    FormPart part;
    if (body.substr(pos, 2) == "\r\n") return Malformed("part without Content-Disposition.");
    size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) return Malformed("part headers not terminated.");
    if (auto parsed = ParsePartHeaders(body.substr(pos, headers_end - pos), part); !parsed) {
      return tl::unexpected(parsed.error());
    }
    size_t content_start = headers_end + 4;
    size_t content_end = body.find(separator, content_start);
    if (content_end == std::string_view::npos) return Malformed("part not terminated.");
    part.body = body.substr(content_start, content_end - content_start);
    parts.push_back(std::move(part));
    pos = content_end + separator.size();
  }
}

}  // namespace gp::http
