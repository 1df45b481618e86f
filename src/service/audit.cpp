#include "service/audit.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "domain/audit.hpp"

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

std::string RefreshFailure(const Error& error) {
  return std::string(ErrorCodeName(error.code)) + ": " + error.message;
}

Result<AuditPage> Audit::List(const storage::AuditFilter& filter) {
  auto items = storage_.ListAudit(filter);
  if (!items) return tl::unexpected(items.error());
  AuditPage page;
  page.items = std::move(*items);
  const auto limit = static_cast<std::size_t>(std::clamp(filter.limit, 1, storage::AuditFilter::kMaxLimit));
  if (page.items.size() < limit) return page;
  // A full page: one more matching record (the index makes this one row's read) decides whether
  // there is a next page, so that the last page says so rather than leading to an empty one.
  storage::AuditFilter probe = filter;
  probe.before_seq = page.items.back().seq;
  probe.limit = 1;
  auto older = storage_.ListAudit(probe);
  if (!older) return tl::unexpected(older.error());
  if (!older->empty()) page.next_before = page.items.back().seq;
  return page;
}

Result<int64_t> Audit::Purge(int retention_days) {
  if (retention_days <= 0) return 0;
  const int64_t cutoff_ms = (clock_() - static_cast<int64_t>(retention_days) * 86400) * 1000;
  int64_t deleted = 0;
  while (true) {
    auto batch = storage_.DeleteAuditBefore(cutoff_ms, kPurgeBatch);
    if (!batch) {
      if (deleted > 0) break;  // what was deleted is still recorded below
      return tl::unexpected(batch.error());
    }
    deleted += *batch;
    if (*batch < kPurgeBatch) break;
  }
  if (deleted > 0) {
    Record("portal", "audit.purge", "", "success",
           std::to_string(deleted) + " records older than " + domain::AuditTime(cutoff_ms) + " (" +
               std::to_string(retention_days) + " days)");
  }
  return deleted;
}

}  // namespace gp::service
