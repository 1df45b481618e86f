#include "app/cli_audit.hpp"

#include "domain/audit.hpp"

namespace gp::app {

CLI::App* AddAuditCommands(CLI::App& app, AuditExportArgs& args) {
  auto* audit = app.add_subcommand("audit", "Read the audit log.");
  audit->require_subcommand(1);
  auto* export_command = audit->add_subcommand(
      "export", "Write audit records as JSON lines, newest first (filters combine).");
  export_command->add_option("--since", args.since,
                             "records at or after this RFC 3339 time or date (UTC)");
  export_command->add_option("--until", args.until,
                             "records before this RFC 3339 time or date (UTC)");
  export_command->add_option("--action", args.action, "only this action, e.g. session.sign_in");
  export_command->add_option("--actor", args.actor,
                             "only this actor, e.g. admin:ops@example.com or cli");
  return export_command;
}

int ExportAudit(service::Audit& audit, const AuditExportArgs& args, std::ostream& out,
                std::ostream& err) {
  auto filter = domain::ParseAuditQuery(
      {args.action, args.actor, args.since, args.until, std::nullopt, std::nullopt});
  if (!filter) {
    err << "guest-portal: --" << filter.error().message << "\n";
    return 2;
  }
  filter->limit = storage::AuditFilter::kMaxLimit;
  while (true) {
    auto page = audit.List(*filter);
    if (!page) {
      out.flush();
      err << "guest-portal: audit export: " << page.error().message << "\n";
      return 1;
    }
    for (const auto& record : page->items) {
      out << domain::AuditEntryJson(record).dump(-1, ' ', false,
                                                 nlohmann::json::error_handler_t::replace)
          << "\n";
    }
    out.flush();
    if (!page->next_before) return 0;
    filter->before_seq = page->next_before;
  }
}

}  // namespace gp::app
