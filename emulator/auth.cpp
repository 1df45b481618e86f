#include "emulator/auth.hpp"

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "emulator/errors.hpp"
#include "emulator/jwt.hpp"
#include "emulator/views.hpp"

namespace gp::emulator {
namespace {

constexpr int64_t kCodeLifetimeMs = 10 * 60 * 1000;

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

http::Response Page(int status, const std::string& title, const std::string& content) {
  std::string html =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
      HtmlEscape(title) +
      "</title><style>body{font-family:sans-serif;max-width:36em;margin:3em auto}"
      "button{display:block;width:100%;margin:.4em 0;padding:.6em;font-size:1em;text-align:left}"
      "</style></head><body><h1>" +
      HtmlEscape(title) + "</h1>\n" + content + "</body></html>\n";
  return http::Response::Text(status, std::move(html), "text/html; charset=utf-8");
}

http::Response OAuthError(int status, const std::string& error, const std::string& description) {
  return http::Response::Json(status,
                              Dump(Json{{"error", error}, {"error_description", description}}));
}

Json TokenResponse(const std::string& access, int64_t expires_in, const std::string& refresh,
                   int64_t refresh_expires_in) {
  return Json{{"access_token", access},
              {"expires_in", expires_in},
              {"refresh_token", refresh},
              {"refresh_token_expires_in", refresh_expires_in},
              {"token_type", "Bearer"}};
}

constexpr const char* kAuthorizeParams[] = {
    "client_id", "response_type",  "redirect_uri",         "scope",
    "state",     "code_challenge", "code_challenge_method"};

// Checks the authorize parameters common to the page and the form submission.
std::optional<std::string> AuthorizeProblem(const Params& params, const Config& config) {
  auto client = FindParam(params, "client_id");
  if (!client || *client != config.integration_client_id) return "Unknown client_id.";
  if (FindParam(params, "response_type").value_or("") != "code")
    return "response_type must be code.";
  auto redirect = FindParam(params, "redirect_uri");
  if (!redirect || !(redirect->starts_with("http://") || redirect->starts_with("https://"))) {
    return "redirect_uri must be an http or https URL.";
  }
  auto challenge = FindParam(params, "code_challenge");
  auto method = FindParam(params, "code_challenge_method");
  if (challenge && method && *method != "S256")
    return "Only code_challenge_method=S256 is supported.";
  return std::nullopt;
}

Person* GuestPerson(State& state, std::unordered_map<std::string, Uuid>& index,
                    const std::string& key, const std::string& display_name) {
  if (auto it = index.find(key); it != index.end()) {
    if (Person* existing = state.FindPerson(it->second)) {
      if (existing->display_name != display_name) {
        existing->display_name = display_name;
        existing->json_cache.clear();
      }
      return existing;
    }
  }
  std::string email = ToString(NewUuid()) + "@appid.ciscospark.com";
  Person& person = state.AddPerson(display_name, std::move(email), false, true);
  index[key] = person.id;
  return &person;
}

}  // namespace

std::optional<std::string> BearerToken(const http::Request& request) {
  auto header = request.headers.Get("Authorization");
  if (!header || header->size() < 8 || !EqualsIgnoreCase(header->substr(0, 7), "Bearer "))
    return std::nullopt;
  std::string_view token = header->substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

http::Response AuthorizePage(Call& call) {
  const Params& params = call.request.QueryParams();
  auto lock = call.state.Lock();
  if (auto problem = AuthorizeProblem(params, call.state.config)) {
    return Page(400, "Sign-in refused", "<p>" + HtmlEscape(*problem) + "</p>\n");
  }
  std::string hidden;
  for (const char* name : kAuthorizeParams) {
    if (auto value = FindParam(params, name)) {
      hidden += "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" +
                HtmlEscape(*value) + "\">";
    }
  }
  std::string content = "<p>Webex emulator: choose who signs in.</p>\n";
  int shown = 0;
  for (const Uuid& id : call.state.people_order) {
    const Person* person = call.state.FindPerson(id);
    if (!person || person->guest) continue;
    std::string person_id = EncodeId("PEOPLE", person->id);
    content += "<form method=\"post\" action=\"/v1/authorize\">" + hidden +
               "<input type=\"hidden\" name=\"personId\" value=\"" + person_id +
               "\"><button type=\"submit\">" + HtmlEscape(person->display_name) + " &lt;" +
               HtmlEscape(person->email) + "&gt;</button></form>\n";
    ++shown;
  }
  if (shown == 0) content += "<p>No people are seeded.</p>\n";
  return Page(200, "Sign in to Webex (emulator)", content);
}

http::Response AuthorizeSubmit(Call& call) {
  if (call.request.MediaType() != "application/x-www-form-urlencoded") {
    return Page(415, "Sign-in refused", "<p>The form must be form-encoded.</p>\n");
  }
  Params params = ParseParams(call.request.body);
  auto lock = call.state.Lock();
  if (auto problem = AuthorizeProblem(params, call.state.config)) {
    return Page(400, "Sign-in refused", "<p>" + HtmlEscape(*problem) + "</p>\n");
  }
  auto person_id = DecodeId("PEOPLE", FindParam(params, "personId").value_or(""));
  const Person* person = person_id ? call.state.FindPerson(*person_id) : nullptr;
  if (!person || person->guest) return Page(400, "Sign-in refused", "<p>Unknown person.</p>\n");
  std::string code = crypto::RandomToken(32);
  std::string redirect = *FindParam(params, "redirect_uri");
  call.state.codes[code] = AuthorizationCode{person->id, *FindParam(params, "client_id"), redirect,
                                             FindParam(params, "code_challenge").value_or(""),
                                             call.state.Now() + kCodeLifetimeMs};
  Params back = {{"code", code}};
  if (auto state = FindParam(params, "state")) back.emplace_back("state", *state);
  redirect += (redirect.find('?') == std::string::npos ? "?" : "&") + EncodeParams(back);
  return http::Response::Redirect(redirect, 302);
}

http::Response AccessTokenGrant(Call& call) {
  if (call.request.MediaType() != "application/x-www-form-urlencoded") {
    return call.Fail(ErrorCode::kUnsupportedMediaType,
                     "Content type must be application/x-www-form-urlencoded.");
  }
  Params params = ParseParams(call.request.body);
  std::string grant = FindParam(params, "grant_type").value_or("");
  std::string client_id = FindParam(params, "client_id").value_or("");
  std::string client_secret = FindParam(params, "client_secret").value_or("");
  auto lock = call.state.Lock();
  State& state = call.state;
  const Config& config = state.config;
  bool integration = client_id == config.integration_client_id &&
                     crypto::ConstantTimeEquals(client_secret, config.integration_client_secret);
  bool service_app = client_id == config.service_app_client_id &&
                     crypto::ConstantTimeEquals(client_secret, config.service_app_client_secret);
  if (!integration && !service_app)
    return OAuthError(401, "invalid_client", "Unknown client or wrong secret.");
  int64_t now = state.Now();

  if (grant == "authorization_code") {
    std::string code = FindParam(params, "code").value_or("");
    auto it = state.codes.find(code);
    if (it == state.codes.end())
      return OAuthError(400, "invalid_grant", "Unknown or used authorization code.");
    AuthorizationCode grant_code = it->second;
    state.codes.erase(it);  // single use, even when the exchange fails
    if (grant_code.expires <= now)
      return OAuthError(400, "invalid_grant", "The authorization code has expired.");
    if (grant_code.client_id != client_id)
      return OAuthError(400, "invalid_grant", "The code was issued to another client.");
    if (FindParam(params, "redirect_uri").value_or("") != grant_code.redirect_uri) {
      return OAuthError(400, "invalid_grant",
                        "redirect_uri does not match the authorization request.");
    }
    if (!grant_code.code_challenge.empty()) {
      auto verifier = FindParam(params, "code_verifier");
      if (!verifier || !crypto::ConstantTimeEquals(crypto::PkceChallengeS256(*verifier),
                                                   grant_code.code_challenge)) {
        return OAuthError(400, "invalid_grant", "code_verifier does not match the code challenge.");
      }
    }
    if (!state.FindPerson(grant_code.person))
      return OAuthError(400, "invalid_grant", "The person no longer exists.");
    std::string access =
        state.IssueAccessToken(TokenKind::kPerson, grant_code.person, config.access_token_lifetime);
    std::string refresh = crypto::RandomToken(48);
    state.refresh_tokens[refresh] = RefreshToken{TokenKind::kPerson, grant_code.person, client_id,
                                                 now + config.refresh_token_lifetime * 1000};
    return call.Ok(TokenResponse(access, config.access_token_lifetime, refresh,
                                 config.refresh_token_lifetime));
  }
  if (grant == "refresh_token") {
    std::string refresh = FindParam(params, "refresh_token").value_or("");
    auto it = state.refresh_tokens.find(refresh);
    if (it == state.refresh_tokens.end() || it->second.expires <= now) {
      return OAuthError(400, "invalid_grant", "Unknown or expired refresh token.");
    }
    const RefreshToken& token = it->second;
    if (token.client_id != client_id)
      return OAuthError(400, "invalid_grant", "The refresh token belongs to another client.");
    int64_t lifetime = token.kind == TokenKind::kServiceApp ? config.service_app_token_lifetime
                                                            : config.access_token_lifetime;
    std::string access = state.IssueAccessToken(token.kind, token.person, lifetime);
    return call.Ok(TokenResponse(access, lifetime, refresh, (token.expires - now) / 1000));
  }
  return OAuthError(400, "unsupported_grant_type",
                    "grant_type must be authorization_code or refresh_token.");
}

http::Response JwtLogin(Call& call) {
  auto jwt = BearerToken(call.request);
  if (!jwt) return call.Fail(ErrorCode::kUnauthorized, std::string(kInvalidTokenMessage));
  auto lock = call.state.Lock();
  State& state = call.state;
  auto key = Base64Decode(state.config.guest_issuer_secret);
  auto claims = VerifyGuestJwt(*jwt, key ? *key : state.config.guest_issuer_secret,
                               state.config.guest_issuer_id, state.Now() / 1000);
  if (!claims) return call.Fail(claims.error());
  Person* guest =
      GuestPerson(state, state.guests_by_jwt, claims->iss + "\n" + claims->sub, claims->name);
  std::string token =
      state.IssueAccessToken(TokenKind::kPerson, guest->id, state.config.jwt_token_lifetime);
  return call.Ok(Json{{"token", token}, {"expiresIn", state.config.jwt_token_lifetime}});
}

http::Response ApplicationToken(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto client_id = OptString(*body, "clientId");
  auto client_secret = OptString(*body, "clientSecret");
  auto org = OptString(*body, "targetOrgId");
  if (!client_id || !client_secret || !org)
    return call.Fail(ErrorCode::kBadRequest, "Invalid request body.");
  if (!*client_id || !*client_secret) {
    return call.Fail(ErrorCode::kBadRequest, "clientId and clientSecret are required.");
  }
  std::string app_id = call.request.PathParam("applicationId").value_or("");
  auto lock = call.state.Lock();
  State& state = call.state;
  const Config& config = state.config;
  if (app_id != config.service_app_id && app_id != EncodeId("APPLICATION", state.app())) {
    return call.Fail(ErrorCode::kNotFound, "Application not found.");
  }
  if (**client_id != config.service_app_client_id ||
      !crypto::ConstantTimeEquals(**client_secret, config.service_app_client_secret)) {
    return call.Fail(ErrorCode::kUnauthorized, "Invalid clientId or clientSecret.");
  }
  std::string access =
      state.IssueAccessToken(TokenKind::kServiceApp, Uuid{}, config.service_app_token_lifetime);
  std::string refresh = crypto::RandomToken(48);
  state.refresh_tokens[refresh] =
      RefreshToken{TokenKind::kServiceApp, Uuid{}, config.service_app_client_id,
                   state.Now() + config.refresh_token_lifetime * 1000};
  return call.Ok(TokenResponse(access, config.service_app_token_lifetime, refresh,
                               config.refresh_token_lifetime));
}

http::Response GuestToken(Call& call) {
  if (call.caller.kind != TokenKind::kServiceApp) {
    return call.Fail(ErrorCode::kForbidden, "Only a Service App token may manage guests.");
  }
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto subject = ReqString(*body, "subject");
  if (!subject) return call.Fail(subject.error());
  auto display_name = ReqString(*body, "displayName");
  if (!display_name) return call.Fail(display_name.error());
  if (subject->size() > 256 || display_name->size() > 256) {
    return call.Fail(ErrorCode::kBadRequest,
                     "subject and displayName are limited to 256 characters.");
  }
  auto lock = call.state.Lock();
  State& state = call.state;
  Person* guest = GuestPerson(state, state.guests_by_subject,
                              state.config.service_app_id + "\n" + *subject, *display_name);
  std::string token =
      state.IssueAccessToken(TokenKind::kPerson, guest->id, state.config.guest_token_lifetime);
  return call.Ok(Json{{"id", EncodeId("PEOPLE", guest->id)},
                      {"subject", *subject},
                      {"displayName", guest->display_name},
                      {"email", guest->email},
                      {"accessToken", token},
                      {"expiresIn", state.config.guest_token_lifetime}});
}

http::Response GuestCount(Call& call) {
  if (call.caller.kind != TokenKind::kServiceApp) {
    return call.Fail(ErrorCode::kForbidden, "Only a Service App token may read guests.");
  }
  auto lock = call.state.Lock();
  std::string prefix = call.state.config.service_app_id + "\n";
  int64_t count = 0;
  for (const auto& [key, id] : call.state.guests_by_subject) {
    if (key.starts_with(prefix) && call.state.FindPerson(id)) ++count;
  }
  return call.Ok(Json{{"count", count}});
}

}  // namespace gp::emulator
