#pragma once
// How long operations (imports, copies) report how far they are: `done` of `total` items, total 0
// when unknown. Empty: nobody listens. The command line draws it (app/progress.hpp).

#include <cstdint>
#include <functional>

namespace gp {

using ProgressCallback = std::function<void(int64_t done, int64_t total)>;

}  // namespace gp
