#include "service/audit.hpp"

#include <chrono>

#include "core/log.hpp"

namespace gp::service {

void Audit::Record(const std::string& actor, const std::string& action, const std::string& target,
                   const std::string& outcome, const std::string& detail) {
  storage::AuditRecord record;
  record.at_ms = clock_() * 1000;
  record.actor = actor;
  record.action = action;
  record.target = target;
  record.outcome = outcome;
  record.detail = detail;
  auto appended = storage_.AppendAudit(record);
  if (!appended) log::error("audit record for {} could not be stored: {}", action, appended.error().message);
}

}  // namespace gp::service
