#include "storage/version_memo.hpp"

#include <utility>

namespace gp::storage {
namespace {

thread_local std::optional<DataVersion>* current = nullptr;
thread_local NoWaiting* no_waiting = nullptr;

}  // namespace

VersionMemo::VersionMemo() : outer_(current) { current = &version_; }

VersionMemo::VersionMemo(DataVersion version) : version_(std::move(version)), outer_(current) { current = &version_; }

VersionMemo::~VersionMemo() { current = outer_; }

NoWaiting::NoWaiting() : outer_(no_waiting) { no_waiting = this; }

NoWaiting::~NoWaiting() { no_waiting = outer_; }

bool NoWaiting::Refuse() {
  if (no_waiting == nullptr) return false;
  no_waiting->refused_ = true;
  return true;
}

std::optional<DataVersion>* VersionMemo::Current() { return current; }

}  // namespace gp::storage
