#include "service/hosts.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "core/log.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/tokens.hpp"

namespace gp::service {
namespace {

constexpr std::size_t kMaxEmailBytes = 254;
constexpr std::size_t kMaxTitleBytes = 200;

tl::unexpected<Error> NotConnected() {
  return Fail(ErrorCode::kUnavailable, "host_not_connected",
              "A meeting host has no working Webex sign-in. Please ask your administrator to reconnect it.");
}

bool LooksLikeEmail(const std::string& email) {
  if (email.empty() || email.size() > kMaxEmailBytes) return false;
  auto at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) return false;
  std::string domain = email.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.')
    return false;
  return std::none_of(email.begin(), email.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '"'; });
}

std::string NewHostId() { return "host_" + crypto::RandomToken(12); }

}  // namespace

Result<std::vector<PoolSpace>> ParseLargeSpaces(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return Fail(ErrorCode::kBadRequest, "invalid_json", "The file is not JSON.");
  const nlohmann::json* items = &json;
  if (json.is_object()) {
    items = nullptr;
    for (const char* key : {"spaces", "largeSpaces"}) {
      if (auto it = json.find(key); it != json.end()) items = &*it;
    }
    if (!items) {
      return Fail(ErrorCode::kBadRequest, "invalid_field",
                  "Expected a list of spaces, or an object with a \"spaces\" list.");
    }
  }
  if (!items->is_array()) return Fail(ErrorCode::kBadRequest, "invalid_field", "The spaces are not a list.");
  std::vector<PoolSpace> spaces;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& item = (*items)[i];
    PoolSpace space;
    if (item.is_string()) {
      space.space_id = item.get<std::string>();
    } else if (item.is_object()) {
      for (const char* key : {"spaceId", "roomId", "id"}) {
        if (auto it = item.find(key); it != item.end() && it->is_string()) {
          space.space_id = it->get<std::string>();
          break;
        }
      }
      if (auto it = item.find("title"); it != item.end() && it->is_string()) space.title = it->get<std::string>();
    }
    if (!domain::LooksLikeWebexId(space.space_id)) {
      return Fail(ErrorCode::kBadRequest, "invalid_field",
                  "Item " + std::to_string(i + 1) + " names no Webex space id.");
    }
    if (space.title.size() > kMaxTitleBytes) space.title.resize(kMaxTitleBytes);
    spaces.push_back(std::move(space));
  }
  return spaces;
}

Hosts::Hosts(storage::Storage& storage, webex::Api& webex, WorkPool& pool, const crypto::SecretBox& box, Audit& audit,
             Clock clock, HostsOptions options)
    : storage_(storage),
      webex_(webex),
      pool_(pool),
      box_(box),
      audit_(audit),
      clock_(std::move(clock)),
      options_(std::move(options)) {}

Result<storage::HostRecord> Hosts::AddPerson(const std::string& email_in, const std::string& actor) {
  std::string email = ToLower(domain::TrimAscii(email_in));
  if (!LooksLikeEmail(email)) {
    return Fail(ErrorCode::kBadRequest, "invalid_field", "email: not an email address.", "email");
  }
  storage::HostRecord host;
  host.id = NewHostId();
  host.kind = storage::HostKind::kPerson;
  host.email = email;
  host.display_name = email;
  host.connect_key = crypto::RandomToken(24);
  host.created_at = host.updated_at = clock_();
  auto created = storage_.CreateHost(host);
  if (!created) {
    if (created.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kConflict, "host_exists", "A host with this email is in the pool already.");
    }
    return tl::unexpected(created.error());
  }
  audit_.Record(actor, "host.add", host.id, "success", email);
  return host;
}

Result<storage::HostRecord> Hosts::AddSpace(const std::string& space_id, const std::string& title,
                                            const std::string& actor) {
  if (!domain::LooksLikeWebexId(space_id)) {
    return Fail(ErrorCode::kBadRequest, "invalid_field", "spaceId: not a Webex space id.", "spaceId");
  }
  storage::HostRecord host;
  host.id = NewHostId();
  host.kind = storage::HostKind::kSpace;
  host.webex_room_id = space_id;
  host.display_name = title.empty() ? "Pool space" : title.substr(0, kMaxTitleBytes);
  host.created_at = host.updated_at = clock_();
  auto created = storage_.CreateHost(host);
  if (!created) {
    if (created.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kConflict, "host_exists", "This space is in the pool already.");
    }
    return tl::unexpected(created.error());
  }
  audit_.Record(actor, "host.add", host.id, "success", "space");
  return host;
}

Result<void> Hosts::Remove(const std::string& id, const std::string& actor) {
  auto removed = storage_.DeleteHost(id);
  if (!removed) {
    if (removed.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kConflict, "host_leased",
                  "This host is lent to a meeting right now. Remove it once the meeting has ended.");
    }
    if (removed.error().code == ErrorCode::kNotFound) return Fail(ErrorCode::kNotFound, "not_found", "No such host.");
    return tl::unexpected(removed.error());
  }
  audit_.Record(actor, "host.remove", id, "success");
  return {};
}

Result<int64_t> Hosts::ImportSpaces(const std::vector<PoolSpace>& spaces, const std::string& actor,
                                    const ProgressCallback& progress) {
  int64_t added = 0;
  int64_t done = 0;
  for (const auto& space : spaces) {
    if (progress) progress(done++, static_cast<int64_t>(spaces.size()));
    auto host = AddSpace(space.space_id, space.title, actor);
    if (host) {
      ++added;
    } else if (host.error().code != ErrorCode::kConflict) {
      return tl::unexpected(host.error());
    }
  }
  return added;
}

Result<std::vector<storage::HostRecord>> Hosts::List() { return storage_.ListHosts(); }

std::string Hosts::ConnectUrl(const storage::HostRecord& host) const {
  return options_.public_url + "/auth/webex/host/" + PercentEncode(host.id) + "?key=" + PercentEncode(host.connect_key);
}

Result<storage::HostRecord> Hosts::CheckConnectLink(const std::string& id, const std::string& key) {
  auto not_found = [] {
    return Fail(ErrorCode::kNotFound, "not_found", "This host link is not valid. Ask your administrator for a new one.");
  };
  if (id.size() > 64 || key.empty() || key.size() > 128) return not_found();
  auto host = storage_.GetHost(id);
  if (!host) {
    if (host.error().code == ErrorCode::kNotFound) return not_found();
    return tl::unexpected(host.error());
  }
  if (host->kind != storage::HostKind::kPerson || host->connect_key.empty() ||
      !crypto::ConstantTimeEquals(host->connect_key, key)) {
    return not_found();
  }
  return host;
}

Result<storage::HostRecord> Hosts::Connect(const std::string& host_id, const webex::OAuthTokens& tokens,
                                           const webex::Person& person) {
  auto host = storage_.GetHost(host_id);
  if (!host) {
    if (host.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kNotFound, "not_found", "This host was removed from the pool meanwhile.");
    }
    return tl::unexpected(host.error());
  }
  bool same = std::any_of(person.emails.begin(), person.emails.end(),
                          [&](const std::string& email) { return ToLower(email) == host->email; });
  std::string who = person.emails.empty() ? person.id : ToLower(person.emails.front());
  if (!same) {
    audit_.Record("host:" + who, "host.connect", host->id, "refused", "signed in as another person");
    return Fail(ErrorCode::kForbidden, "wrong_person",
                "This host link is for " + host->email + ", but you signed in to Webex as " + who +
                    ". Nothing was stored. Sign out of Webex and open the link again as " + host->email + ".");
  }
  int64_t now = clock_();
  host->webex_person_id = person.id;
  if (!person.display_name.empty()) host->display_name = person.display_name;
  host->access_token_enc = box_.Encrypt(tokens.access_token);
  host->access_expires_at = now + tokens.expires_in;
  host->refresh_token_enc = box_.Encrypt(tokens.refresh_token);
  host->refresh_expires_at = now + tokens.refresh_token_expires_in;
  host->updated_at = now;
  auto saved = storage_.SaveHostTokens(*host);
  if (!saved) return tl::unexpected(saved.error());
  audit_.Record("host:" + who, "host.connect", host->id, "success");
  return host;
}

webex::Task<std::string> Hosts::AccessToken(std::string host_id, webex::Deadline deadline) {
  auto host = co_await pool_.Read([&] { return storage_.GetHost(host_id); });
  if (!host) {
    if (host.error().code == ErrorCode::kNotFound) co_return NotConnected();
    co_return tl::unexpected(host.error());
  }
  if (!host->connected() || host->kind != storage::HostKind::kPerson) co_return NotConnected();
  if (!domain::RefreshDue(host->access_expires_at, host->access_expires_at - host->updated_at, clock_())) {
    if (auto token = box_.Decrypt(host->access_token_enc)) co_return *token;
  }
  auto& flight = refreshes_[host_id];
  if (!flight) flight = std::make_shared<SingleFlight<Result<std::string>>>();
  auto keep = flight;  // the map entry may go while this waits
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  std::function<webex::Task<std::string>()> refresh = [this, host_id, deadline] { return Refresh(host_id, deadline); };
  auto token = co_await keep->Run(std::move(refresh));
  if (!keep->in_flight()) refreshes_.erase(host_id);
  co_return token;
}

webex::Task<std::string> Hosts::Refresh(std::string host_id, webex::Deadline deadline) {
  auto host = co_await pool_.Read([&] { return storage_.GetHost(host_id); });
  if (!host) co_return NotConnected();
  int64_t now = clock_();
  if (!domain::RefreshDue(host->access_expires_at, host->access_expires_at - host->updated_at, now)) {
    if (auto token = box_.Decrypt(host->access_token_enc)) co_return *token;
  }
  if (host->refresh_expires_at <= now) co_return NotConnected();
  auto refresh_token = box_.Decrypt(host->refresh_token_enc);
  if (!refresh_token) co_return NotConnected();
  auto tokens = co_await webex_.RefreshToken(options_.client_id, options_.client_secret, *refresh_token, deadline);
  refresh_counts_.Count(tokens.has_value());
  if (!tokens) {
    log::warn("meeting host token refresh failed ({})", ErrorCodeName(tokens.error().code));
    co_await audit_.Note("portal", "token.refresh", "host:" + host_id, "failure", RefreshFailure(tokens.error()));
    if (host->access_expires_at > clock_()) {
      if (auto token = box_.Decrypt(host->access_token_enc)) co_return *token;
    }
    if (tokens.error().code == ErrorCode::kUnauthorized || tokens.error().code == ErrorCode::kBadRequest) {
      co_return NotConnected();
    }
    co_return tl::unexpected(tokens.error());
  }
  storage::HostRecord updated = *host;
  now = clock_();
  updated.access_token_enc = box_.Encrypt(tokens->access_token);
  updated.access_expires_at = now + tokens->expires_in;
  if (!tokens->refresh_token.empty()) {
    updated.refresh_token_enc = box_.Encrypt(tokens->refresh_token);
    updated.refresh_expires_at = now + tokens->refresh_token_expires_in;
  }
  updated.updated_at = now;
  auto saved = co_await pool_.Run([&] { return storage_.SaveHostTokens(updated); });
  if (!saved) co_return tl::unexpected(saved.error());
  co_return tokens->access_token;
}

boost::asio::awaitable<void> Hosts::RefreshDue() {
  auto hosts = co_await pool_.Read([&] { return storage_.ListHosts(); });
  if (!hosts) co_return;
  for (const auto& host : *hosts) {
    if (host.kind != storage::HostKind::kPerson || !host.connected()) continue;
    if (!domain::RefreshDue(host.access_expires_at, host.access_expires_at - host.updated_at, clock_())) continue;
    auto token = co_await AccessToken(host.id, webex::DeadlineIn(std::chrono::seconds(20)));
    if (!token) log::warn("meeting host {} could not refresh its token", host.id);
  }
}

std::string Hosts::TokenWarning(const storage::HostRecord& host) const {
  if (host.kind != storage::HostKind::kPerson || !host.connected()) return "none";
  return domain::RefreshTokenWarningName(domain::RefreshTokenWarning(host.refresh_expires_at, clock_()));
}

}  // namespace gp::service
