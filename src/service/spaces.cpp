#include "service/spaces.hpp"

#include <algorithm>
#include <set>

#include "core/log.hpp"
#include "core/when_all.hpp"
#include "domain/policy.hpp"
#include "domain/spaces.hpp"

namespace gp::service {

namespace asio = boost::asio;

Spaces::Spaces(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, GuestTokens& guest_tokens,
               WorkPool& pool, Audit& audit, InFlightIntents& intents, Clock clock, domain::RandomSource random)
    : storage_(storage),
      webex_(webex),
      app_admin_(app_admin),
      guest_tokens_(guest_tokens),
      pool_(pool),
      audit_(audit),
      intents_(intents),
      clock_(std::move(clock)),
      random_(std::move(random)) {}

asio::awaitable<void> Spaces::Abandon(std::string intent_id, std::string room_id, std::string token) {
  auto deleted = co_await webex_.DeleteRoom(token, room_id, webex::DeadlineIn(std::chrono::seconds(5)));
  if (deleted || deleted.error().code == ErrorCode::kNotFound) {
    auto removed = co_await pool_.Run([&] { return storage_.DeleteSpaceIntent(intent_id); });
    // Left behind, the intent is swept later and its room's deletion finds a 404.
    if (!removed) log::warn("space intent could not be removed: {}", log::Safe(removed.error().message));
    co_return;
  }
  log::warn("a room whose space was not created could not be deleted yet; the reconciler will retry");
  auto queued = co_await pool_.Run([&] { return storage_.AbandonSpaceIntent(intent_id, clock_()); });
  if (!queued) log::error("space intent could not be abandoned: {}", log::Safe(queued.error().message));
  if (on_queued_) on_queued_();
}

webex::Task<CreatedSpace> Spaces::Create(CreateSpaceRequest request) {
  const auto deadline = webex::DeadlineIn(kCreateBudget);
  const std::string actor = "guest:" + request.caller_id;
  std::set<std::string> others(request.member_ids.begin(), request.member_ids.end());
  others.erase(request.caller_id);
  if (others.empty()) {
    co_return Fail(ErrorCode::kBadRequest, "invalid_field", "memberIds: name at least one other guest.", "memberIds");
  }
  if (others.size() + 1 > kMaxMembers) {
    co_return Fail(ErrorCode::kBadRequest, "invalid_field",
                   "memberIds: a space holds at most " + std::to_string(kMaxMembers) + " guests.", "memberIds");
  }
  if (request.title) {
    auto valid = domain::ValidateTitle(*request.title);
    if (!valid) co_return tl::unexpected(valid.error());
  }

  // The members, whether every pair of them is allowed (one indexed look-up per pair, not the whole
  // policy) and the space they may already have, read together off the event loop.
  struct Checked {
    std::vector<storage::GuestRecord> members;
    std::string key;
    bool all_allowed = true;
    std::optional<storage::SpaceRecord> existing;
  };
  auto checked = co_await pool_.Read([&]() -> Result<Checked> {
    Checked out;
    auto caller = storage_.GetGuest(request.caller_id);
    if (!caller) return tl::unexpected(caller.error());
    out.members.push_back(*caller);
    for (const auto& id : others) {
      auto guest = storage_.GetGuest(id);
      if (!guest || guest->disabled) {
        if (guest || guest.error().code == ErrorCode::kNotFound) {
          return Fail(ErrorCode::kBadRequest, "unknown_member", "memberIds: one of the guests does not exist.",
                      "memberIds");
        }
        return tl::unexpected(guest.error());
      }
      out.members.push_back(*guest);
    }
    std::vector<std::string> ids;
    for (const auto& member : out.members) ids.push_back(member.id);
    out.key = domain::MemberKey(ids);
    for (size_t i = 0; i < ids.size() && out.all_allowed; ++i) {
      for (size_t j = i + 1; j < ids.size() && out.all_allowed; ++j) {
        auto allowed = storage_.IsPairAllowed(ids[i], ids[j]);
        if (!allowed) return tl::unexpected(allowed.error());
        out.all_allowed = *allowed;
      }
    }
    if (!out.all_allowed) return out;
    auto existing = storage_.FindOpenSpaceByMemberKey(out.key);
    if (existing) {
      out.existing = std::move(*existing);
    } else if (existing.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(existing.error());
    }
    return out;
  });
  if (!checked) co_return tl::unexpected(checked.error());
  if (!checked->all_allowed) {
    co_await audit_.Note(actor, "space.create", checked->key, "refused", "a pair of members is not allowed");
    co_return Fail(ErrorCode::kForbidden, "pair_not_allowed", "You are not allowed to open a space with these people.");
  }
  if (checked->existing) co_return CreatedSpace{*checked->existing, true};
  const std::vector<storage::GuestRecord> members = std::move(checked->members);
  const std::string key = std::move(checked->key);
  std::vector<std::string> ids;
  for (const auto& member : members) ids.push_back(member.id);

  // Every guest needs a Webex identity before the AppAdmin can add them; new ones are made at once.
  std::vector<std::function<webex::Task<std::string>()>> identities;
  for (const auto& member : members) {
    identities.emplace_back([this, member, deadline] { return guest_tokens_.PersonIdFor(member, deadline); });
  }
  std::vector<std::string> person_ids;
  for (auto& person_id : co_await WhenAll(std::move(identities))) {
    if (!person_id) co_return tl::unexpected(person_id.error());
    person_ids.push_back(std::move(*person_id));
  }

  auto token = co_await app_admin_.AccessToken(deadline);
  if (!token) co_return tl::unexpected(token.error());

  std::vector<std::string> names;
  for (const auto& member : members) names.push_back(member.display_name);
  const std::string title =
      request.title && !request.title->empty() ? *request.title : domain::DefaultTitle(names);

  storage::SpaceIntent intent;
  intent.id = domain::NewId(random_);
  intent.member_key = key;
  intent.title = title;
  intent.created_by = request.caller_id;
  intent.created_at = clock_();
  auto saved = co_await pool_.Run([&] { return storage_.SaveSpaceIntent(intent); });
  if (!saved) co_return tl::unexpected(saved.error());
  intents_.Add(intent.id);
  struct Release {
    InFlightIntents intents;  // a copy: it shares the set and outlives the service
    std::string id;
    ~Release() { intents.Remove(id); }
  } release{intents_, intent.id};

  auto room = co_await webex_.CreateRoom(*token, title, deadline);
  if (!room) {
    // Webex may still have made the room (an answer lost on the way): the intent stays for the
    // Reconciler, which looks for a room of this title and removes it.
    co_await audit_.Note(actor, "space.create", key, "failure", room.error().message);
    co_return tl::unexpected(room.error());
  }
  auto recorded = co_await pool_.Run([&] { return storage_.SetSpaceIntentRoom(intent.id, room->id); });
  if (!recorded) log::warn("the room of a space being created could not be recorded: {}",
                              log::Safe(recorded.error().message));

  // Members are added concurrently: the cost is one round trip, not one per guest.
  std::vector<std::function<webex::Task<webex::Membership>()>> adds;
  for (const auto& person_id : person_ids) {
    adds.emplace_back([this, token = *token, room_id = room->id, person_id, deadline] {
      return webex_.AddMembership(token, room_id, person_id, deadline);
    });
  }
  auto added = co_await WhenAll(std::move(adds));
  std::optional<Error> failure;
  storage::SpaceRecord space;
  for (size_t i = 0; i < added.size(); ++i) {
    if (added[i]) {
      space.membership_ids[ids[i]] = added[i]->id;
    } else if (!failure) {
      failure = added[i].error();
    }
  }
  if (failure) {
    co_await Abandon(intent.id, room->id, *token);
    for (size_t i = 0; i < added.size(); ++i) {
      if (!added[i]) co_await audit_.Note(actor, "membership.add", key, "failure", ids[i] + ": " + added[i].error().message);
    }
    co_await audit_.Note(actor, "space.create", key, "failure", "a member could not be added: " + failure->message);
    Error error = *failure;
    if (error.code != ErrorCode::kUnavailable && error.code != ErrorCode::kTooManyRequests) {
      error.code = ErrorCode::kUpstream;
    }
    error.reason = "webex_failed";
    error.message = "Webex could not add every member to the space, so it was not created. Please try again.";
    co_return tl::unexpected(error);
  }

  const int64_t now = clock_();
  space.id = domain::NewId(random_);
  space.webex_room_id = room->id;
  space.title = title;
  space.member_key = key;
  space.member_ids = ids;
  space.created_by = request.caller_id;
  space.created_at = now;
  space.last_activity = now;
  auto committed = co_await pool_.Run([&] { return storage_.CommitSpace(space, intent.id, now); });
  if (!committed) {
    // The transaction turned the room into pending deletion; it can usually go at once.
    if (on_queued_) on_queued_();
    const Error& error = committed.error();
    if (error.code == ErrorCode::kConflict) {
      auto winner = co_await pool_.Read([&] { return storage_.FindOpenSpaceByMemberKey(key); });
      if (winner) co_return CreatedSpace{*winner, true};
    }
    co_await audit_.Note(actor, "space.create", key, "refused", error.message);
    if (error.code == ErrorCode::kForbidden) {
      co_return Fail(ErrorCode::kForbidden, error.reason.empty() ? "pair_not_allowed" : error.reason,
                     "You are not allowed to open a space with these people.");
    }
    co_return tl::unexpected(error);
  }
  co_await audit_.Note(actor, "space.create", space.id, "success", title);
  for (const auto& id : ids) co_await audit_.Note(actor, "membership.add", space.id, "success", id);
  if (on_created_) on_created_(space);
  co_return CreatedSpace{space, false};
}

Result<std::vector<storage::SpaceRecord>> Spaces::ListForGuest(const std::string& guest_id) {
  // Closed spaces stay listed (read-only), so a guest sees what the organisation closed.
  return storage_.ListSpacesForGuest(guest_id, true);
}

Result<std::vector<storage::SpaceRecord>> Spaces::ListAll() { return storage_.ListSpaces(); }

Result<std::string> Spaces::RenderedListFor(
    const std::string& guest_id, const std::function<std::string(const std::vector<storage::SpaceRecord>&)>& render) {
  // Read before the list, so that a change made meanwhile only costs a recomputation.
  auto version = storage_.Version();
  if (version) {
    if (auto body = list_cache_.Get(guest_id, *version)) return std::move(*body);
  }
  auto spaces = ListForGuest(guest_id);
  if (!spaces) return tl::unexpected(spaces.error());
  std::string body = render(*spaces);
  if (version) list_cache_.Put(guest_id, *version, body);
  return body;
}

Result<storage::SpaceRecord> OpenSpaceOfMember(storage::Storage& storage, const std::string& guest_id,
                                               const std::string& space_id) {
  auto no_such_room = [] { return Fail(ErrorCode::kNotFound, "not_found", "No such room."); };
  auto space = storage.GetSpace(space_id);
  if (!space) {
    if (space.error().code == ErrorCode::kNotFound) return no_such_room();
    return tl::unexpected(space.error());
  }
  if (space->closed_at || std::find(space->member_ids.begin(), space->member_ids.end(), guest_id) ==
                              space->member_ids.end()) {
    return no_such_room();
  }
  return space;
}

}  // namespace gp::service
