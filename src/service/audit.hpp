#pragma once
// Records who did what, when, and how it ended (SPEC §4.7). Recording never fails a user action:
// a storage error is logged instead.

#include <string>

#include "service/clock.hpp"
#include "storage/storage.hpp"

namespace gp::service {

class Audit {
 public:
  Audit(storage::Storage& storage, Clock clock) : storage_(storage), clock_(std::move(clock)) {}

  void Record(const std::string& actor, const std::string& action, const std::string& target,
              const std::string& outcome, const std::string& detail = {});

 private:
  storage::Storage& storage_;
  Clock clock_;
};

}  // namespace gp::service
