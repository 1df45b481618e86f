#pragma once
// The pool of meeting hosts (SPEC §4.6): licensed people whose tokens create ad hoc meetings, or, in
// space-pool mode, spaces owned by licensed users. An administrator adds a person by email; that
// person connects by completing Webex sign-in through the host link the console shows, and only a
// sign-in with that email is stored. Their tokens are kept encrypted and refreshed ahead of expiry,
// one refresh per host at a time, like the AppAdmin's.
// Runs on the event loop; the blocking calls (marked) go to the pool.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/progress_callback.hpp"
#include "core/single_flight.hpp"
#include "core/work_pool.hpp"
#include "service/audit.hpp"
#include "service/refresh_counts.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"

namespace gp::service {

struct HostsOptions {
  std::string client_id;  // the Integration a host signs in with (the administrators' one)
  std::string client_secret;
  std::string public_url;  // PUBLIC_URL, for the connect links
};

// A pool space of a largespaces.json (the original sample's format, see docs/meetings.md).
struct PoolSpace {
  std::string space_id;
  std::string title;
};

// Reads a largespaces.json: a JSON array whose items are space ids, or objects naming one in
// "spaceId", "roomId" or "id" (with an optional "title"), or an object holding such an array under
// "spaces" or "largeSpaces". Anything else is kBadRequest naming what is wrong.
Result<std::vector<PoolSpace>> ParseLargeSpaces(const std::string& text);

class Hosts {
 public:
  static constexpr const char* kPurposePrefix = "host:";

  Hosts(storage::Storage& storage, webex::Api& webex, WorkPool& pool, const crypto::SecretBox& box, Audit& audit,
        Clock clock, HostsOptions options);

  // Blocking (pool). AddPerson: kBadRequest for an address that is not one, kConflict when present.
  Result<storage::HostRecord> AddPerson(const std::string& email, const std::string& actor);
  // A space of a licensed user, lent whole in space-pool mode. kBadRequest unless it looks like a
  // Webex room id; kConflict when present.
  Result<storage::HostRecord> AddSpace(const std::string& space_id, const std::string& title,
                                       const std::string& actor);
  // kConflict (reason "host_leased") while a lease holds it.
  Result<void> Remove(const std::string& id, const std::string& actor);
  // Adds the spaces not in the pool yet; returns how many were added.
  Result<int64_t> ImportSpaces(const std::vector<PoolSpace>& spaces, const std::string& actor,
                               const ProgressCallback& progress = {});
  Result<std::vector<storage::HostRecord>> List();

  // The link on the portal that sends the host's person through Webex sign-in.
  std::string ConnectUrl(const storage::HostRecord& host) const;
  // The host a connect link names, when `key` is its connect key (compared in constant time) and it
  // is a person. kNotFound otherwise, whatever was wrong.
  Result<storage::HostRecord> CheckConnectLink(const std::string& id, const std::string& key);
  // After Webex sign-in for host `host_id`: stores the tokens when one of the person's emails is the
  // host's (kForbidden, reason "wrong_person", and nothing stored otherwise). Blocking (pool).
  Result<storage::HostRecord> Connect(const std::string& host_id, const webex::OAuthTokens& tokens,
                                      const webex::Person& person);

  // An access token of a connected person host that is valid now, refreshed first when due.
  // kUnavailable (reason "host_not_connected") when it has none that works.
  webex::Task<std::string> AccessToken(std::string host_id, webex::Deadline deadline);
  // Refreshes every host whose token is due (for the periodic refresher).
  boost::asio::awaitable<void> RefreshDue();

  // "none", "warn", "critical" or "expired": how near the host's refresh token is to its end.
  std::string TokenWarning(const storage::HostRecord& host) const;
  // Refreshes of meeting hosts' access tokens that worked and that failed.
  const RefreshCounts& refresh_counts() const { return refresh_counts_; }

 private:
  webex::Task<std::string> Refresh(std::string host_id, webex::Deadline deadline);

  storage::Storage& storage_;
  webex::Api& webex_;
  WorkPool& pool_;
  const crypto::SecretBox& box_;
  Audit& audit_;
  Clock clock_;
  HostsOptions options_;
  // One refresh per host at a time (loop only).
  std::map<std::string, std::shared_ptr<SingleFlight<Result<std::string>>>> refreshes_;
  RefreshCounts refresh_counts_;
};

}  // namespace gp::service
