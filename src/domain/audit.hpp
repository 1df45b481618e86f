#pragma once
// The audit log as people read it (docs/audit.md): its query parameters and its JSON entry, the
// same for the API (GET /api/v1/audit) and the CLI (`audit export`). Pure: text in, typed values
// out.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "storage/records.hpp"

namespace gp::domain {

inline constexpr int kAuditDefaultMax = 100;

// RFC 3339 in UTC with milliseconds ("2026-11-29T10:00:00.123Z") from Unix milliseconds.
std::string AuditTime(int64_t at_ms);

// Unix milliseconds from RFC 3339 ("2026-11-29T10:00:00Z", "2026-11-29T11:00:00.5+01:00") or from a
// plain date ("2026-11-29", its midnight UTC). Years 1970-9999; nullopt for anything else.
std::optional<int64_t> ParseAuditTime(std::string_view text);

// The query as it arrives; an absent or empty value means "no condition".
struct AuditQueryText {
  std::optional<std::string> action;
  std::optional<std::string> actor;
  std::optional<std::string> since;   // at >= since
  std::optional<std::string> until;   // at < until
  std::optional<std::string> max;     // 1..AuditFilter::kMaxLimit, default kAuditDefaultMax
  std::optional<std::string> before;  // the cursor a previous page gave as `next`
};

// A filter for storage::ListAudit, or a 400 that names the parameter and what it accepts.
Result<storage::AuditFilter> ParseAuditQuery(const AuditQueryText& text);

// {"id", "at", "actor", "action", "target"?, "outcome", "detail"?}: empty target and detail left
// out.
nlohmann::json AuditEntryJson(const storage::AuditRecord& record);

}  // namespace gp::domain
