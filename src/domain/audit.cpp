#include "domain/audit.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace gp::domain {
namespace {

constexpr int64_t kMsPerDay = 86400 * 1000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int DaysInMonth(int64_t year, int64_t month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// `count` decimal digits at `at`, or nullopt.
std::optional<int64_t> Digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int64_t value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<int64_t> ParsePositive(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value <= 0) return std::nullopt;
  return value;
}

// The value when present and not empty.
const std::string* Given(const std::optional<std::string>& value) {
  return value && !value->empty() ? &*value : nullptr;
}

tl::unexpected<Error> Invalid(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kBadRequest, "invalid_field", field + ": " + message, field);
}

}  // namespace

std::string AuditTime(int64_t at_ms) {
  const int64_t seconds = at_ms >= 0 ? at_ms / 1000 : (at_ms - 999) / 1000;
  const int64_t millis = at_ms - seconds * 1000;
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  return std::string(buffer) + fraction;
}

std::optional<int64_t> ParseAuditTime(std::string_view text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  if (!year || !month || !day || *year < 1970 || *month < 1 || *month > 12 || *day < 1 ||
      *day > DaysInMonth(*year, *month)) {
    return std::nullopt;
  }
  int64_t ms = DaysFromCivil(*year, *month, *day) * kMsPerDay;
  if (text.size() == 10) return ms;

  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  auto hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  // A leap second (:60) is read as the last moment of its minute.
  if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 60)
    return std::nullopt;
  ms += ((*hour * 60 + *minute) * 60 + std::min<int64_t>(*second, 59)) * 1000;
  size_t at = 19;
  if (text[at] == '.') {
    ++at;
    const size_t first = at;
    int64_t scale = 100;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      ms += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == first || at - first > 9) return std::nullopt;
  }
  if (at >= text.size()) return std::nullopt;  // RFC 3339 requires the offset
  if ((text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) return ms;
  if ((text[at] != '+' && text[at] != '-') || at + 6 != text.size() || text[at + 3] != ':')
    return std::nullopt;
  auto offset_hours = Digits(text, at + 1, 2), offset_minutes = Digits(text, at + 4, 2);
  if (!offset_hours || !offset_minutes || *offset_hours > 23 || *offset_minutes > 59)
    return std::nullopt;
  const int64_t offset_ms = (*offset_hours * 60 + *offset_minutes) * 60 * 1000;
  return text[at] == '+' ? ms - offset_ms : ms + offset_ms;
}

Result<storage::AuditFilter> ParseAuditQuery(const AuditQueryText& text) {
  storage::AuditFilter filter;
  filter.limit = kAuditDefaultMax;
  if (const auto* action = Given(text.action)) filter.action = *action;
  if (const auto* actor = Given(text.actor)) filter.actor = *actor;
  const char* kTimeForm = "must be an RFC 3339 time (2026-11-29T10:00:00Z) or a date (2026-11-29).";
  if (const auto* since = Given(text.since)) {
    filter.since_ms = ParseAuditTime(*since);
    if (!filter.since_ms) return Invalid("since", kTimeForm);
  }
  if (const auto* until = Given(text.until)) {
    filter.until_ms = ParseAuditTime(*until);
    if (!filter.until_ms) return Invalid("until", kTimeForm);
  }
  if (filter.since_ms && filter.until_ms && *filter.since_ms >= *filter.until_ms) {
    return Invalid("until", "must be later than since.");
  }
  if (const auto* max = Given(text.max)) {
    auto value = ParsePositive(*max);
    if (!value || *value > storage::AuditFilter::kMaxLimit) {
      return Invalid("max", "must be a whole number from 1 to " +
                                std::to_string(storage::AuditFilter::kMaxLimit) + ".");
    }
    filter.limit = static_cast<int>(*value);
  }
  if (const auto* before = Given(text.before)) {
    filter.before_seq = ParsePositive(*before);
    if (!filter.before_seq)
      return Invalid("before", "must be the `next` value of a previous page.");
  }
  return filter;
}

nlohmann::json AuditEntryJson(const storage::AuditRecord& record) {
  nlohmann::json entry = {{"id", std::to_string(record.seq)},
                          {"at", AuditTime(record.at_ms)},
                          {"actor", record.actor},
                          {"action", record.action}};
  if (!record.target.empty()) entry["target"] = record.target;
  entry["outcome"] = record.outcome;
  if (!record.detail.empty()) entry["detail"] = record.detail;
  return entry;
}

}  // namespace gp::domain
