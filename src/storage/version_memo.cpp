#include "storage/version_memo.hpp"

namespace gp::storage {
namespace {

thread_local std::optional<DataVersion>* current = nullptr;

}  // namespace

VersionMemo::VersionMemo() : outer_(current) { current = &version_; }

VersionMemo::~VersionMemo() { current = outer_; }

std::optional<DataVersion>* VersionMemo::Current() { return current; }

}  // namespace gp::storage
