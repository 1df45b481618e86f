#include "service/spaces.hpp"

#include <algorithm>
#include <future>
#include <set>

#include "core/log.hpp"
#include "domain/ids.hpp"
#include "domain/policy.hpp"
#include "domain/spaces.hpp"

namespace gp::service {

Spaces::Spaces(storage::Storage& storage, webex::Client& webex, AppAdmin& app_admin, GuestTokens& guest_tokens,
               Audit& audit, Clock clock)
    : storage_(storage),
      webex_(webex),
      app_admin_(app_admin),
      guest_tokens_(guest_tokens),
      audit_(audit),
      clock_(std::move(clock)) {}

Result<CreatedSpace> Spaces::Create(const CreateSpaceRequest& request) {
  std::set<std::string> others(request.member_ids.begin(), request.member_ids.end());
  others.erase(request.caller_id);
  if (others.empty()) {
    return Fail(ErrorCode::kBadRequest, "invalid_field", "memberIds: name at least one other guest.", "memberIds");
  }
  if (others.size() + 1 > kMaxMembers) {
    return Fail(ErrorCode::kBadRequest, "invalid_field",
                "memberIds: a space holds at most " + std::to_string(kMaxMembers) + " guests.", "memberIds");
  }
  if (request.title) {
    auto valid = domain::ValidateTitle(*request.title);
    if (!valid) return tl::unexpected(valid.error());
  }

  std::vector<storage::GuestRecord> members;
  auto caller = storage_.GetGuest(request.caller_id);
  if (!caller) return tl::unexpected(caller.error());
  members.push_back(*caller);
  for (const auto& id : others) {
    auto guest = storage_.GetGuest(id);
    if (!guest || guest->disabled) {
      if (guest || guest.error().code == ErrorCode::kNotFound) {
        return Fail(ErrorCode::kBadRequest, "unknown_member", "memberIds: one of the guests does not exist.",
                    "memberIds");
      }
      return tl::unexpected(guest.error());
    }
    members.push_back(*guest);
  }

  std::vector<std::string> ids;
  for (const auto& member : members) ids.push_back(member.id);
  auto pairs = storage_.ListPairs();
  if (!pairs) return tl::unexpected(pairs.error());
  domain::PairSet allowed;
  for (const auto& [a, b] : *pairs) allowed.Add(a, b);
  if (!allowed.MissingPairs(ids).empty()) {
    audit_.Record("guest:" + request.caller_id, "space.create", domain::MemberKey(ids), "refused",
                  "a pair of members is not allowed");
    return Fail(ErrorCode::kForbidden, "pair_not_allowed",
                "You are not allowed to open a space with these people.");
  }

  std::string key = domain::MemberKey(ids);
  auto existing = storage_.FindOpenSpaceByMemberKey(key);
  if (existing) return CreatedSpace{*existing, true};
  if (existing.error().code != ErrorCode::kNotFound) return tl::unexpected(existing.error());

  // Every guest needs a Webex identity before the AppAdmin can add them.
  std::vector<std::string> person_ids;
  for (const auto& member : members) {
    auto person_id = guest_tokens_.PersonIdFor(member);
    if (!person_id) return tl::unexpected(person_id.error());
    person_ids.push_back(*person_id);
  }

  auto token = app_admin_.AccessToken();
  if (!token) return tl::unexpected(token.error());

  std::vector<std::string> names;
  for (const auto& member : members) names.push_back(member.display_name);
  std::string title = request.title && !request.title->empty() ? *request.title : domain::DefaultTitle(names);

  auto room = webex_.CreateRoom(*token, title);
  if (!room) {
    audit_.Record("guest:" + request.caller_id, "space.create", key, "failure", room.error().message);
    return tl::unexpected(room.error());
  }

  // Members are added concurrently: the cost is one round trip, not one per guest.
  std::vector<std::future<Result<webex::Membership>>> adds;
  for (const auto& person_id : person_ids) {
    adds.push_back(std::async(std::launch::async, [this, &token, &room, person_id] {
      return webex_.AddMembership(*token, room->id, person_id);
    }));
  }
  std::vector<std::string> membership_ids;
  std::optional<Error> failure;
  for (auto& add : adds) {
    auto membership = add.get();
    if (membership) {
      membership_ids.push_back(membership->id);
    } else if (!failure) {
      failure = membership.error();
    }
  }
  if (failure) {
    auto deleted = webex_.DeleteRoom(*token, room->id);
    if (!deleted) log::error("could not delete half-made space: {}", deleted.error().message);
    audit_.Record("guest:" + request.caller_id, "space.create", key, "failure",
                  "a member could not be added: " + failure->message);
    Error error = *failure;
    if (error.code != ErrorCode::kUnavailable && error.code != ErrorCode::kTooManyRequests) {
      error.code = ErrorCode::kUpstream;
    }
    error.reason = "webex_failed";
    error.message = "Webex could not add every member to the space, so it was not created. Please try again.";
    return tl::unexpected(error);
  }

  int64_t now = clock_();
  storage::SpaceRecord space;
  space.id = domain::NewId();
  space.webex_room_id = room->id;
  space.title = title;
  space.member_key = key;
  space.member_ids = ids;
  space.created_by = request.caller_id;
  space.created_at = now;
  space.last_activity = now;
  auto created = storage_.CreateSpace(space);
  if (!created) {
    (void)webex_.DeleteRoom(*token, room->id);
    if (created.error().code == ErrorCode::kConflict) {
      auto winner = storage_.FindOpenSpaceByMemberKey(key);
      if (winner) return CreatedSpace{*winner, true};
    }
    return tl::unexpected(created.error());
  }
  for (size_t i = 0; i < ids.size() && i < membership_ids.size(); ++i) {
    (void)storage_.SetMembershipId(space.id, ids[i], membership_ids[i]);
  }
  audit_.Record("guest:" + request.caller_id, "space.create", space.id, "success", title);
  return CreatedSpace{space, false};
}

Result<std::vector<storage::SpaceRecord>> Spaces::ListForGuest(const std::string& guest_id) {
  return storage_.ListSpacesForGuest(guest_id, false);
}

Result<void> Spaces::Close(const storage::SpaceRecord& space, const std::string& actor, const std::string& reason) {
  auto token = app_admin_.AccessToken();
  if (!token) return tl::unexpected(token.error());
  auto memberships = webex_.ListMemberships(*token, space.webex_room_id);
  if (!memberships && memberships.error().code != ErrorCode::kNotFound) {
    audit_.Record(actor, "space.close", space.id, "failure", memberships.error().message);
    return tl::unexpected(memberships.error());
  }
  std::set<std::string> guest_person_ids;
  for (const auto& member_id : space.member_ids) {
    auto guest = storage_.GetGuest(member_id);
    if (guest && guest->webex_person_id) guest_person_ids.insert(*guest->webex_person_id);
  }
  if (memberships) {
    for (const auto& membership : *memberships) {
      if (!guest_person_ids.contains(membership.person_id)) continue;
      auto removed = webex_.DeleteMembership(*token, membership.id);
      if (!removed && removed.error().code != ErrorCode::kNotFound) {
        audit_.Record(actor, "membership.remove", space.id, "failure", removed.error().message);
        return tl::unexpected(removed.error());
      }
      audit_.Record(actor, "membership.remove", space.id, "success", membership.person_id);
    }
  }
  auto closed = storage_.CloseSpace(space.id, clock_());
  if (!closed) return tl::unexpected(closed.error());
  audit_.Record(actor, "space.close", space.id, "success", reason);
  return {};
}

Result<std::vector<std::string>> Spaces::CloseAllFor(const std::string& guest_id, const std::string& actor) {
  auto spaces = storage_.ListOpenSpacesForGuest(guest_id);
  if (!spaces) return tl::unexpected(spaces.error());
  std::vector<std::string> closed;
  for (const auto& space : *spaces) {
    auto done = Close(space, actor, "a member was removed");
    if (!done) return tl::unexpected(done.error());
    closed.push_back(space.id);
  }
  return closed;
}

Result<std::vector<std::string>> Spaces::CloseAllWithPair(const std::string& guest_a, const std::string& guest_b,
                                                          const std::string& actor) {
  auto spaces = storage_.ListOpenSpacesContaining(guest_a, guest_b);
  if (!spaces) return tl::unexpected(spaces.error());
  std::vector<std::string> closed;
  for (const auto& space : *spaces) {
    auto done = Close(space, actor, "a pair of members was revoked");
    if (!done) return tl::unexpected(done.error());
    closed.push_back(space.id);
  }
  return closed;
}

}  // namespace gp::service
