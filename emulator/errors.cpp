#include "emulator/errors.hpp"

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace gp::emulator {

TrackingIds::TrackingIds() : prefix_("EMULATOR_" + HexEncode(crypto::RandomBytes(6)) + "_") {}

std::string TrackingIds::Next() {
  return prefix_ + std::to_string(counter_.fetch_add(1, std::memory_order_relaxed) + 1);
}

std::string WebexErrorBody(std::string_view message, std::string_view tracking_id) {
  nlohmann::json body = {{"message", message},
                         {"errors", nlohmann::json::array({{{"description", message}}})},
                         {"trackingId", tracking_id}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http::Response WebexError(int status, std::string_view message, std::string_view tracking_id) {
  return http::Response::Json(status, WebexErrorBody(message, tracking_id));
}

http::Response WebexError(const Error& error, std::string_view tracking_id) {
  auto response = WebexError(HttpStatus(error.code), error.message, tracking_id);
  if (error.code == ErrorCode::kTooManyRequests) {
    response.headers.Set("Retry-After", std::to_string(error.retry_after_seconds));
  }
  return response;
}

}  // namespace gp::emulator
