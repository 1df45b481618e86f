#pragma once
// Pure rules for messages: Webex's size limit, what a notification previews, the times and ids Webex
// sends, and the names files may carry.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gp::domain {

// Webex refuses text or markdown longer than this, counted in bytes.
inline constexpr size_t kMaxMessageBytes = 7439;

// kTooLarge (with `field`) when `text` passes kMaxMessageBytes, kBadRequest when it is not UTF-8.
Result<void> ValidateMessageText(std::string_view text, const std::string& field);

// The first `max_bytes` of `text` on one line: line breaks and controls become spaces, runs of spaces
// collapse, and a cut (on a code point boundary) ends with "…".
std::string Preview(std::string_view text, size_t max_bytes = 140);

// Milliseconds since the epoch of a Webex time ("2015-10-18T14:26:16.203Z", fraction optional);
// nullopt when it is not one.
std::optional<int64_t> ParseWebexTime(std::string_view text);

// Whether `text` can be a Webex id (a message, room or content id): 1 to 512 of [A-Za-z0-9_=-].
bool LooksLikeWebexId(std::string_view text);

// A file name safe to store, show and send back in Content-Disposition: the last path segment,
// controls and quotes removed, at most 255 bytes on a code point boundary; "file" when nothing is left.
std::string SafeFileName(std::string_view name);

// A media type safe to send back: `type/subtype` with optional parameters, printable ASCII only;
// application/octet-stream otherwise.
std::string SafeContentType(std::string_view content_type);

}  // namespace gp::domain
