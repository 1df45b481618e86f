#include "service/audit.hpp"

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

boost::asio::awaitable<void> Audit::Note(std::string actor, std::string action, std::string target,
                                         std::string outcome, std::string detail) {
  auto written = co_await pool_.Run([&]() -> Result<void> {
    Record(actor, action, target, outcome, detail);
    return {};
  });
  // A full pool must not lose the trail: the write then happens here, once.
  if (!written) Record(actor, action, target, outcome, detail);
}

}  // namespace gp::service
