#include "domain/messages.hpp"

#include <ctime>

#include "domain/text.hpp"

namespace gp::domain {

namespace {

// The length of the longest prefix of `text` of at most `max_bytes` that ends on a code point boundary.
size_t CutOnCodePoint(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

}  // namespace

Result<void> ValidateMessageText(std::string_view text, const std::string& field) {
  if (text.size() > kMaxMessageBytes) {
    return Fail(ErrorCode::kTooLarge, "too_large",
                "The message is " + std::to_string(text.size()) + " bytes long; Webex accepts at most " +
                    std::to_string(kMaxMessageBytes) + " bytes.",
                field);
  }
  if (!IsValidUtf8(text)) return Fail(ErrorCode::kBadRequest, "invalid_field", "The message is not valid UTF-8 text.", field);
  return {};
}

std::string Preview(std::string_view text, size_t max_bytes) {
  std::string line;
  bool space = false;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F || c == ' ') {
      space = !line.empty();
      continue;
    }
    if (space) line += ' ';
    space = false;
    line += static_cast<char>(c);
  }
  if (line.size() <= max_bytes) return line;
  return line.substr(0, CutOnCodePoint(line, max_bytes)) + "…";
}

std::optional<int64_t> ParseWebexTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff...]Z
  if (text.size() < 20 || text.back() != 'Z') return std::nullopt;
  auto digits = [&](size_t at, size_t count) -> std::optional<int> {
    int value = 0;
    for (size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') return std::nullopt;
  auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  int64_t millis = 0;
  size_t end = text.size() - 1;
  if (end > 19) {
    if (text[19] != '.' || end == 20) return std::nullopt;
    int64_t scale = 100;
    for (size_t i = 20; i < end; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      millis += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + millis;
}

bool LooksLikeWebexId(std::string_view text) {
  if (text.empty() || text.size() > 512) return false;
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '=';
    if (!ok) return false;
  }
  return true;
}

std::string SafeFileName(std::string_view name) {
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name = name.substr(slash + 1);
  std::string safe;
  if (IsValidUtf8(name)) {
    for (unsigned char c : name) {
      if (c < 0x20 || c == 0x7F || c == '"') continue;
      safe += static_cast<char>(c);
    }
  } else {
    for (unsigned char c : name) {
      if (c >= 0x20 && c < 0x7F && c != '"') safe += static_cast<char>(c);
    }
  }
  std::string_view trimmed = TrimAscii(safe);
  while (!trimmed.empty() && trimmed.front() == '.') trimmed.remove_prefix(1);
  if (trimmed.empty()) return "file";
  return std::string(trimmed.substr(0, CutOnCodePoint(trimmed, 255)));
}

std::string SafeContentType(std::string_view content_type) {
  content_type = TrimAscii(content_type);
  auto slash = content_type.find('/');
  bool ok = !content_type.empty() && content_type.size() <= 200 && slash != std::string_view::npos && slash > 0 &&
            slash + 1 < content_type.size();
  for (char c : content_type) {
    if (c < 0x20 || c >= 0x7F) ok = false;
  }
  return ok ? std::string(content_type) : "application/octet-stream";
}

}  // namespace gp::domain
