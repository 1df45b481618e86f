#pragma once
// Webex error bodies: {"message", "errors":[{"description"}], "trackingId"}; every /v1 response
// carries its tracking id in a Trackingid header too.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/message.hpp"

namespace gp::emulator {

inline constexpr std::string_view kInvalidTokenMessage =
    "The request requires a valid access token set in the Authorization request header.";
inline constexpr std::string_view kRoomNotFoundMessage = "Could not find a room with provided ID.";

// Hands out a distinct id per response: a random prefix per process and a counter, which is
// cheaper than a uuid on the hot path.
class TrackingIds {
 public:
  TrackingIds();
  std::string Next();

 private:
  std::string prefix_;
  std::atomic<uint64_t> counter_{0};
};

std::string WebexErrorBody(std::string_view message, std::string_view tracking_id);
http::Response WebexError(int status, std::string_view message, std::string_view tracking_id);
http::Response WebexError(const Error& error, std::string_view tracking_id);

}  // namespace gp::emulator
