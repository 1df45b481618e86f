#include "service/audit.hpp"

#include "core/log.hpp"

namespace gp::service {
namespace {

// The first kMaxFieldBytes bytes of `value`, not ending inside a UTF-8 sequence.
std::string Bounded(const std::string& value) {
  if (value.size() <= Audit::kMaxFieldBytes) return value;
  std::size_t end = Audit::kMaxFieldBytes;
  // Back off over continuation bytes (10xxxxxx) to the lead byte, which the cut would orphan; a
  // character has at most three of them.
  for (int i = 0; i < 3 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80; ++i) --end;
  return value.substr(0, end);
}

}  // namespace

void Audit::Record(const std::string& actor, const std::string& action, const std::string& target,
                   const std::string& outcome, const std::string& detail) {
  storage::AuditRecord record;
  record.at_ms = clock_() * 1000;
  record.actor = Bounded(actor);
  record.action = Bounded(action);
  record.target = Bounded(target);
  record.outcome = Bounded(outcome);
  record.detail = Bounded(detail);
  if (observer_) observer_(action, outcome);
  auto appended = storage_.AppendAudit(record);
  if (!appended) {
    log::error("audit record for {} could not be stored: {}", log::Safe(record.action), appended.error().message);
  }
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
