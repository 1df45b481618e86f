#include "domain/spaces.hpp"

#include "domain/text.hpp"

namespace gp::domain {
namespace {

// "a, b and c" for the first `count` names, followed by "and N others" when some are left out.
std::string Join(const std::vector<std::string>& names, size_t count) {
  size_t others = names.size() - count;
  std::string title;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) title += (i + 1 == count && others == 0) ? " and " : ", ";
    title += names[i];
  }
  if (others > 0) {
    title += " and " + std::to_string(others) + (others == 1 ? " other" : " others");
  }
  return title;
}

// The first `max` code points of valid UTF-8 text.
std::string CutCodePoints(const std::string& text, size_t max) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (seen == max) return text.substr(0, i);
      ++seen;
    }
  }
  return text;
}

}  // namespace

std::string DefaultTitle(const std::vector<std::string>& names) {
  if (names.empty()) return "New space";
  for (size_t count = names.size(); count >= 1; --count) {
    std::string title = Join(names, count);
    if (CodePointCount(title) <= kMaxTitleLength) return title;
  }
  // Even one name does not fit: cut it, leaving room for the suffix.
  std::string suffix = Join(names, 1).substr(names[0].size());
  size_t room = kMaxTitleLength - CodePointCount(suffix) - 3;
  return CutCodePoints(names[0], room) + "..." + suffix;
}

Result<void> ValidateTitle(std::string_view title) {
  if (title.empty()) return {};
  auto invalid = [](const std::string& message) {
    return Fail(ErrorCode::kBadRequest, "invalid_field", "The title " + message, "title");
  };
  if (!IsValidUtf8(title)) return invalid("must be valid UTF-8 text.");
  auto trimmed = TrimAscii(title);
  if (trimmed.empty()) return invalid("must not be blank.");
  if (CodePointCount(trimmed) > kMaxTitleLength) return invalid("must be at most 100 characters.");
  if (HasControlCharacter(trimmed)) return invalid("must not contain control characters.");
  return {};
}

}  // namespace gp::domain
