#pragma once
// Parsers for bulk guest imports: the original sample's guests.json and CSV. Pure: the input is text;
// hashing the passwords and storing the guests is the caller's job. Every entry is validated with the
// guest validators; what cannot be imported is reported in `skipped` with the reason, never silently
// dropped. A file that cannot be read as a whole (malformed JSON, no CSV header, too many rows) is an
// error. The accepted formats are described in docs/configuration.md ("Importing guests").

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gp::domain {

inline constexpr size_t kMaxImportEntries = 10000;

struct ImportGuest {
  std::string username;      // lowercased
  std::string display_name;  // trimmed
  std::string password;      // as given; hash before storing
};

struct ImportPair {
  std::string username_a;  // username_a < username_b
  std::string username_b;
};

struct SkippedEntry {
  std::string entry;     // where: "line 4" (CSV), "index 2" (JSON array), the key (JSON object), "a,b" (pair)
  std::string username;  // the entry's username when it has one (possibly abbreviated), else empty
  std::string reason;
};

struct ImportPlan {
  std::vector<ImportGuest> guests;
  std::vector<ImportPair> pairs;
  std::vector<SkippedEntry> skipped;
};

Result<ImportPlan> ParseGuestsJson(std::string_view text);
Result<ImportPlan> ParseGuestsCsv(std::string_view text);

}  // namespace gp::domain
