#include "emulator/control.hpp"

#include <cmath>

#include "core/encoding.hpp"
#include "emulator/meetings.hpp"
#include "emulator/views.hpp"

namespace gp::emulator {
namespace {

constexpr int64_t kMaxLatencyMs = 600000;

tl::unexpected<Error> Bad(std::string message) {
  return Fail(ErrorCode::kBadRequest, std::move(message));
}

Result<void> OnlyKeys(const Json& object, std::initializer_list<const char*> keys,
                      const std::string& where) {
  if (!object.is_object()) return Bad(where + " must be an object.");
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* k : keys) known = known || key == k;
    if (!known) return Bad("Unknown configuration key " + where + "." + key + ".");
  }
  return {};
}

Result<int64_t> NonNegativeInteger(const Json& value, const std::string& name, int64_t max) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > max) {
    return Bad(name + " must be an integer from 0 to " + std::to_string(max) + ".");
  }
  return value.get<int64_t>();
}

Result<double> Rate(const Json& value, const std::string& name) {
  if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1 ||
      std::isnan(value.get<double>())) {
    return Bad(name + " must be a number from 0 to 1.");
  }
  return value.get<double>();
}

Result<void> Text(const Json& object, const char* key, std::string& out, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Bad(where + "." + key + " must be a non-empty string.");
  }
  out = it->get<std::string>();
  return {};
}

// A fault that names no route would silently never fire, so only the routes' own keys pass; the
// refusal lists them, since "GET /v1/rooms/{id}" and "GET /v1/rooms/{roomId}" look alike.
Result<std::string> Endpoint(const Json& value, const Endpoints& endpoints) {
  auto listed = [&endpoints] {
    std::string list;
    for (const auto& key : endpoints) list += (list.empty() ? "\"" : ", \"") + key + "\"";
    return list;
  };
  if (!value.is_string()) {
    return Bad("faults.endpoint must be a string, the stats key of one /v1 route: " + listed() +
               ".");
  }
  const auto& endpoint = value.get_ref<const std::string&>();
  for (const auto& key : endpoints) {
    if (key == endpoint) return endpoint;
  }
  return Bad("faults.endpoint \"" + endpoint + "\" names no /v1 route; use its stats key, one of " +
             listed() + ".");
}

}  // namespace

Json ConfigJson(const Config& config) {
  Json faults = {{"rate429", config.faults.rate429},
                 {"retryAfter", config.faults.retry_after},
                 {"rate5xx", config.faults.rate5xx}};
  if (!config.faults.endpoint.empty()) faults["endpoint"] = config.faults.endpoint;
  if (config.faults.limit) faults["limit"] = *config.faults.limit;
  return Json{
      {"latencyMs", config.latency_ms},
      {"faults", faults},
      {"guestIssuer", {{"id", config.guest_issuer_id}, {"secret", config.guest_issuer_secret}}},
      {"serviceApp",
       {{"id", config.service_app_id},
        {"clientId", config.service_app_client_id},
        {"clientSecret", config.service_app_client_secret}}},
      {"integration",
       {{"clientId", config.integration_client_id},
        {"clientSecret", config.integration_client_secret}}},
      {"g2g", config.g2g},
      {"tokenLifetimes",
       {{"accessToken", config.access_token_lifetime},
        {"refreshToken", config.refresh_token_lifetime},
        {"serviceApp", config.service_app_token_lifetime},
        {"guest", config.guest_token_lifetime},
        {"jwt", config.jwt_token_lifetime}}}};
}

Result<void> ApplyConfig(const Json& changes, const Endpoints& endpoints, Config& config) {
  Config next = config;
  if (auto ok = OnlyKeys(changes,
                         {"latencyMs", "faults", "guestIssuer", "serviceApp", "integration", "g2g",
                          "tokenLifetimes"},
                         "config");
      !ok) {
    return ok;
  }
  if (auto it = changes.find("latencyMs"); it != changes.end()) {
    auto value = NonNegativeInteger(*it, "latencyMs", kMaxLatencyMs);
    if (!value) return tl::unexpected(value.error());
    next.latency_ms = *value;
  }
  if (auto it = changes.find("faults"); it != changes.end()) {
    // The fault settings are replaced as a whole, so an old endpoint or limit never lingers.
    if (auto ok =
            OnlyKeys(*it, {"rate429", "retryAfter", "rate5xx", "endpoint", "limit"}, "faults");
        !ok)
      return ok;
    FaultConfig faults;
    if (auto f = it->find("rate429"); f != it->end()) {
      auto value = Rate(*f, "faults.rate429");
      if (!value) return tl::unexpected(value.error());
      faults.rate429 = *value;
    }
    if (auto f = it->find("rate5xx"); f != it->end()) {
      auto value = Rate(*f, "faults.rate5xx");
      if (!value) return tl::unexpected(value.error());
      faults.rate5xx = *value;
    }
    if (faults.rate429 + faults.rate5xx > 1)
      return Bad("faults.rate429 + faults.rate5xx must not exceed 1.");
    if (auto f = it->find("retryAfter"); f != it->end()) {
      auto value = NonNegativeInteger(*f, "faults.retryAfter", 86400);
      if (!value) return tl::unexpected(value.error());
      faults.retry_after = *value;
    }
    if (auto f = it->find("endpoint"); f != it->end() && !f->is_null()) {
      auto endpoint = Endpoint(*f, endpoints);
      if (!endpoint) return tl::unexpected(endpoint.error());
      faults.endpoint = std::move(*endpoint);
    }
    if (auto f = it->find("limit"); f != it->end() && !f->is_null()) {
      auto value = NonNegativeInteger(*f, "faults.limit", INT64_MAX);
      if (!value) return tl::unexpected(value.error());
      faults.limit = *value;
    }
    next.faults = faults;
  }
  if (auto it = changes.find("guestIssuer"); it != changes.end()) {
    if (auto ok = OnlyKeys(*it, {"id", "secret"}, "guestIssuer"); !ok) return ok;
    if (auto ok = Text(*it, "id", next.guest_issuer_id, "guestIssuer"); !ok) return ok;
    if (auto ok = Text(*it, "secret", next.guest_issuer_secret, "guestIssuer"); !ok) return ok;
    if (!Base64Decode(next.guest_issuer_secret)) return Bad("guestIssuer.secret must be base64.");
  }
  if (auto it = changes.find("serviceApp"); it != changes.end()) {
    if (auto ok = OnlyKeys(*it, {"id", "clientId", "clientSecret"}, "serviceApp"); !ok) return ok;
    if (auto ok = Text(*it, "id", next.service_app_id, "serviceApp"); !ok) return ok;
    if (auto ok = Text(*it, "clientId", next.service_app_client_id, "serviceApp"); !ok) return ok;
    if (auto ok = Text(*it, "clientSecret", next.service_app_client_secret, "serviceApp"); !ok)
      return ok;
  }
  if (auto it = changes.find("integration"); it != changes.end()) {
    if (auto ok = OnlyKeys(*it, {"clientId", "clientSecret"}, "integration"); !ok) return ok;
    if (auto ok = Text(*it, "clientId", next.integration_client_id, "integration"); !ok) return ok;
    if (auto ok = Text(*it, "clientSecret", next.integration_client_secret, "integration"); !ok)
      return ok;
  }
  if (auto it = changes.find("g2g"); it != changes.end()) {
    if (!it->is_boolean()) return Bad("g2g must be true or false.");
    next.g2g = it->get<bool>();
  }
  if (auto it = changes.find("tokenLifetimes"); it != changes.end()) {
    if (auto ok = OnlyKeys(*it, {"accessToken", "refreshToken", "serviceApp", "guest", "jwt"},
                           "tokenLifetimes");
        !ok) {
      return ok;
    }
    std::pair<const char*, int64_t*> fields[] = {{"accessToken", &next.access_token_lifetime},
                                                 {"refreshToken", &next.refresh_token_lifetime},
                                                 {"serviceApp", &next.service_app_token_lifetime},
                                                 {"guest", &next.guest_token_lifetime},
                                                 {"jwt", &next.jwt_token_lifetime}};
    for (auto [key, target] : fields) {
      auto f = it->find(key);
      if (f == it->end()) continue;
      auto value = NonNegativeInteger(*f, std::string("tokenLifetimes.") + key, 10LL * 365 * 86400);
      if (!value || *value == 0)
        return Bad(std::string("tokenLifetimes.") + key + " must be a positive integer.");
      *target = *value;
    }
  }
  config = next;
  return {};
}

Result<Json> AddPersonFromJson(State& state, const Json& body) {
  if (!body.is_object()) return Bad("A person must be a JSON object.");
  if (auto ok = OnlyKeys(body, {"displayName", "email", "licensed", "accessToken"}, "person");
      !ok) {
    return tl::unexpected(ok.error());
  }
  auto name = ReqString(body, "displayName");
  if (!name) return tl::unexpected(name.error());
  auto email = ReqString(body, "email");
  if (!email) return tl::unexpected(email.error());
  if (email->find('@') == std::string::npos) return Bad("email must be an email address.");
  auto licensed = OptBool(body, "licensed");
  if (!licensed) return tl::unexpected(licensed.error());
  auto token = OptString(body, "accessToken");
  if (!token) return tl::unexpected(token.error());
  if (*token && (*token)->empty()) return Bad("accessToken must not be empty.");
  if (state.FindPersonByEmail(*email))
    return Fail(ErrorCode::kConflict, "A person with that email exists.");
  if (*token && state.tokens.contains(**token))
    return Fail(ErrorCode::kConflict, "That access token is taken.");
  Person& person = state.AddPerson(*name, *email, licensed->value_or(true), false);
  std::string access;
  if (*token) {
    access = **token;
    state.tokens[access] = AccessToken{TokenKind::kPerson, person.id, 0};
  } else {
    access = state.IssueAccessToken(TokenKind::kPerson, person.id, 0);
  }
  Json json = PersonJson(state, person);
  json["licensed"] = person.licensed;
  json["accessToken"] = access;
  return json;
}

Result<void> ApplySeed(State& state, const Json& seed, const Endpoints& endpoints) {
  if (auto ok = OnlyKeys(seed, {"config", "people"}, "seed"); !ok) return ok;
  if (auto it = seed.find("config"); it != seed.end()) {
    if (auto ok = ApplyConfig(*it, endpoints, state.config); !ok) return ok;
  }
  if (auto it = seed.find("people"); it != seed.end()) {
    if (!it->is_array()) return Bad("seed.people must be an array.");
    for (const auto& person : *it) {
      auto added = AddPersonFromJson(state, person);
      if (!added) return tl::unexpected(added.error());
    }
  }
  return {};
}

http::Response ControlAddPerson(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto lock = call.state.Lock();
  auto person = AddPersonFromJson(call.state, *body);
  if (!person) return call.Fail(person.error());
  return call.Ok(*person);
}

http::Response ControlGetConfig(Call& call) {
  auto lock = call.state.Lock();
  return call.Ok(ConfigJson(call.state.config));
}

http::Response ControlPutConfig(Call& call, const Endpoints& endpoints) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto lock = call.state.Lock();
  if (auto ok = ApplyConfig(*body, endpoints, call.state.config); !ok) return call.Fail(ok.error());
  if (body->contains("faults")) call.state.faults_injected = 0;
  return call.Ok(ConfigJson(call.state.config));
}

http::Response ControlClock(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto it = body->find("advanceSeconds");
  if (it == body->end() || !it->is_number() || it->get<double>() < 0 ||
      it->get<double>() > 100.0 * 365 * 86400) {
    return call.Fail(ErrorCode::kBadRequest, "advanceSeconds must be a non-negative number.");
  }
  call.state.clock().Advance(static_cast<int64_t>(std::llround(it->get<double>() * 1000)));
  return call.Ok(Json{{"now", FormatIso(call.state.Now())}});
}

http::Response ControlEndMeeting(Call& call) {
  auto id = ParseMeetingId(call.request.PathParam("meetingId").value_or(""));
  auto lock = call.state.Lock();
  auto it = id ? call.state.meetings.find(*id) : call.state.meetings.end();
  if (it == call.state.meetings.end()) return call.Fail(ErrorCode::kNotFound, "Meeting not found.");
  EndMeeting(call, *id);  // ending an ended meeting changes nothing
  return call.NoContent();
}

http::Response ControlState(Call& call) {
  auto lock = call.state.Lock();
  State& state = call.state;
  std::string origin = call.Origin();
  Json people = Json::array(), rooms = Json::array(), memberships = Json::array(),
       messages = Json::array(), webhooks = Json::array(), meetings = Json::array(),
       deliveries = Json::array();
  for (const Uuid& id : state.people_order) {
    if (const Person* person = state.FindPerson(id)) {
      Json json = PersonJson(state, *person);
      json["licensed"] = person->licensed;
      people.push_back(std::move(json));
    }
  }
  for (const Uuid& id : state.rooms_order) {
    const Room* room = state.FindRoom(id);
    if (!room) continue;
    Json member_ids = Json::array();
    for (const auto& member : room->members) {
      member_ids.push_back(EncodeId("PEOPLE", member.person));
      memberships.push_back(MembershipJson(state, *room, member));
    }
    rooms.push_back(Json{{"id", EncodeId("ROOM", room->id)},
                         {"title", room->title},
                         {"type", room->direct ? "direct" : "group"},
                         {"creatorId", EncodeId("PEOPLE", room->creator)},
                         {"isLocked", room->locked},
                         {"created", FormatIso(room->created)},
                         {"lastActivity", FormatIso(room->last_activity)},
                         {"memberIds", std::move(member_ids)}});
    for (const auto& message : room->messages) {
      if (!message.deleted) messages.push_back(MessageJson(state, *room, message, origin));
    }
  }
  for (const Uuid& id : state.webhooks_order) {
    auto it = state.webhooks.find(id);
    if (it != state.webhooks.end()) webhooks.push_back(WebhookJson(state, it->second));
  }
  for (const Uuid& id : state.meetings_order)
    meetings.push_back(MeetingJson(state, state.meetings.at(id)));
  for (const auto& record : state.deliveries) {
    deliveries.push_back(Json{{"webhookId", EncodeId("WEBHOOK", record.webhook)},
                              {"targetUrl", record.target_url},
                              {"status", record.status},
                              {"resource", record.resource},
                              {"event", record.event}});
  }
  return call.Ok(Json{{"now", FormatIso(state.Now())},
                      {"people", people},
                      {"rooms", rooms},
                      {"memberships", memberships},
                      {"messages", messages},
                      {"webhooks", webhooks},
                      {"meetings", meetings},
                      {"deliveries", deliveries}});
}

}  // namespace gp::emulator
