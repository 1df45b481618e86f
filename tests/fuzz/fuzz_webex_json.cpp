// Webex API responses as the portal's client reads them: any JSON the network delivers either
// becomes a typed value or an error, never a crash.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "webex/types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  (void)gp::webex::ParsePerson(json);
  (void)gp::webex::ParseRoom(json);
  (void)gp::webex::ParseMembership(json);
  (void)gp::webex::ParseMessage(json);
  (void)gp::webex::ParseOAuthTokens(json);
  (void)gp::webex::ParseGuestToken(json);
  (void)gp::webex::ParseJwtLogin(json);
  (void)gp::webex::ParseMeeting(json);
  (void)gp::webex::ParseMeetingJoin(json);
  (void)gp::webex::ParseWebhook(json);
  return 0;
}
