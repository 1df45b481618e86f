#pragma once
// `guest-portal audit export`: the audit log as JSON lines (docs/audit.md).

#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

#include "service/audit.hpp"

namespace gp::app {

struct AuditExportArgs {
  std::string since;
  std::string until;
  std::string action;
  std::string actor;
};

// Adds `audit` with its `export` subcommand to `app`; returns `export`, whose parsed() says to run
// it.
CLI::App* AddAuditCommands(CLI::App& app, AuditExportArgs& args);

// Writes every record that matches, newest first, one JSON object a line in the API's shape,
// reading the log a page at a time so that memory stays bounded whatever its size. Returns the exit
// code: 0, 1 when the database fails, 2 for a bad option (one line on `err`, nothing on `out`).
int ExportAudit(service::Audit& audit, const AuditExportArgs& args, std::ostream& out,
                std::ostream& err);

}  // namespace gp::app
