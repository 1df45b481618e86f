#pragma once
// Small UTF-8 and whitespace helpers shared by the validators.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gp::domain {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);
// The number of code points in valid UTF-8 text.
size_t CodePointCount(std::string_view text);
// True when valid UTF-8 `text` holds a C0 control, DEL or a C1 control (U+0080..U+009F).
bool HasControlCharacter(std::string_view text);
// Removes leading and trailing ASCII whitespace (space, tab, CR, LF, VT, FF).
std::string_view TrimAscii(std::string_view text);
// At most `max_bytes` of `text`, cut on a code point boundary, with "..." when it was cut and ASCII
// control characters replaced by '?'; keeps hostile values short and on one line in messages.
std::string Abbreviate(std::string_view text, size_t max_bytes = 64);
// A JSON field's name in words for messages people read: "displayName" -> "Display name",
// "currentPassword" -> "Current password". Messages name the field this way; the API's error body
// carries the name itself in `field`.
std::string FieldLabel(std::string_view field);

}  // namespace gp::domain
