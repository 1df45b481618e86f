#pragma once
// Space titles.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gp::domain {

inline constexpr size_t kMaxTitleLength = 100;  // code points

// The members' names joined as "Ann", "Ann and Bob", "Ann, Bob and Cy". When that would be longer than
// kMaxTitleLength, as many names as fit followed by "and N others" ("Ann, Bob and 7 others"); a single
// name too long to fit is cut with "...". No names gives "New space".
std::string DefaultTitle(const std::vector<std::string>& names);

// An explicit title: empty means "use the default"; otherwise 1-100 code points after trimming, valid
// UTF-8, no control characters.
Result<void> ValidateTitle(std::string_view title);

}  // namespace gp::domain
