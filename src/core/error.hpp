#pragma once
// Expected failures travel as values: tl::expected<T, Error>.

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace gp {

enum class ErrorCode {
  kBadRequest,      // 400
  kUnauthorized,    // 401
  kForbidden,       // 403
  kNotFound,        // 404
  kConflict,        // 409
  kTooLarge,        // 413
  kUnsupportedMediaType,  // 415
  kTooManyRequests, // 429
  kUpstream,        // 502: Webex answered with an error
  kUnavailable,     // 503: Webex or a dependency cannot be reached
  kInternal,        // 500
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  int retry_after_seconds = 0;  // for kTooManyRequests
  std::string reason;           // a specific machine-readable code, e.g. "username_taken"
  std::string field;            // the input field at fault, when there is one
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

inline tl::unexpected<Error> Fail(ErrorCode code, std::string reason, std::string message,
                                  std::string field = {}) {
  Error error{code, std::move(message)};
  error.reason = std::move(reason);
  error.field = std::move(field);
  return tl::unexpected<Error>(std::move(error));
}

// The HTTP status that represents an error code.
int HttpStatus(ErrorCode code);
// A stable lowercase name for an error code, used in JSON error bodies ("bad_request", ...).
const char* ErrorCodeName(ErrorCode code);

}  // namespace gp
