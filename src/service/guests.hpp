#pragma once
// Guest accounts: create, edit, disable, delete, import. Passwords are stored only as Argon2id
// hashes. Disabling or deleting a guest ends their sessions at once and closes their spaces.

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "domain/imports.hpp"
#include "service/audit.hpp"
#include "service/clock.hpp"
#include "service/guest_tokens.hpp"
#include "service/sessions.hpp"
#include "service/spaces.hpp"
#include "storage/storage.hpp"

namespace gp::service {

struct NewGuest {
  std::string display_name;
  std::string username;
  std::string password;
};

struct GuestChanges {
  std::optional<std::string> display_name;
  std::optional<std::string> password;
  std::optional<bool> disabled;
};

struct ImportReport {
  std::vector<std::string> created;
  int pairs_added = 0;
  std::vector<domain::SkippedEntry> skipped;
};

class Guests {
 public:
  Guests(storage::Storage& storage, Sessions& sessions, Spaces& spaces, GuestTokens& guest_tokens, Audit& audit,
         Clock clock);

  Result<std::vector<storage::GuestRecord>> List();
  Result<storage::GuestRecord> Get(const std::string& id);
  Result<storage::GuestRecord> Create(const NewGuest& guest, const std::string& actor);
  Result<storage::GuestRecord> Update(const std::string& id, const GuestChanges& changes, const std::string& actor);
  Result<void> Delete(const std::string& id, const std::string& actor);
  Result<ImportReport> Import(const domain::ImportPlan& plan, const std::string& actor);

 private:
  Result<void> Cut(const std::string& id, const std::string& actor);

  storage::Storage& storage_;
  Sessions& sessions_;
  Spaces& spaces_;
  GuestTokens& guest_tokens_;
  Audit& audit_;
  Clock clock_;
};

}  // namespace gp::service
