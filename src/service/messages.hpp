#pragma once
// Messages and files of portal spaces. The portal is the control point: a guest reads and writes only
// the open spaces they are a member of (anything else is kNotFound, so a non-member learns nothing),
// and speaks to Webex with their own guest token, so Webex shows the guest as the sender.
//
// Each message the portal learns of — sent through it, delivered by the webhook, found by polling —
// is recorded once (storage RecordSpaceMessage), and only the first record announces it
// (`message.created` to the space's members), however many ways it arrived.
//
// Runs on the event loop; writes go to the pool.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/work_pool.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/guest_tokens.hpp"
#include "service/notices.hpp"
#include "service/spaces.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"

namespace gp::service {

struct MessageFile {
  std::string id;
  std::string name;
  std::string content_type;
  int64_t size = 0;
};

// A message as guests see it: `text` is always plain; `html` is the safe rendering of markdown.
struct MessageView {
  std::string id;
  std::string space_id;
  std::optional<std::string> sender_guest_id;
  std::string sender_name;
  std::string text;
  std::optional<std::string> html;
  std::vector<MessageFile> files;
  std::string created;
};

struct MessagePage {
  std::vector<MessageView> items;
  std::optional<std::string> next;  // the cursor of the next (older) page
};

struct OutgoingFile {
  std::string name;
  std::string content_type;
  std::string bytes;
};

struct SendRequest {
  std::string guest_id;
  std::string space_id;
  std::string text;
  std::string markdown;
  std::optional<OutgoingFile> file;
};

struct Download {
  std::string name;
  std::string content_type;
  std::string bytes;
};

class Messages {
 public:
  static constexpr int kDefaultPage = 50;
  static constexpr int kMaxPage = 100;
  // How long one guest action may take, Webex calls and retries included.
  static constexpr std::chrono::seconds kBudget{15};
  // A file upload or download may take longer.
  static constexpr std::chrono::seconds kFileBudget{120};

  Messages(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, GuestTokens& guest_tokens,
           WorkPool& pool, Notices& notices, Audit& audit, Clock clock, int64_t max_file_bytes);

  // Newest first; `before` is the `next` of the previous page (empty: the newest).
  webex::Task<MessagePage> List(std::string guest_id, std::string space_id, int max, std::string before);
  // One Webex call. kTooLarge for text or markdown over Webex's limit or a file over max_file_bytes,
  // with nothing sent.
  webex::Task<MessageView> Send(SendRequest request);
  webex::Task<Download> File(std::string guest_id, std::string space_id, std::string file_id);
  webex::Task<void> MarkRead(std::string guest_id, std::string space_id, std::string message_id);

  // The portal learned that a message was posted in a Webex room (webhook or poll). Announces it to
  // the members of the room's open space unless it was announced before; `message` saves a Webex call
  // when the caller has it already. Returns whether it was new. Rooms that are not portal spaces are
  // ignored.
  webex::Task<bool> Learn(std::string webex_room_id, std::string message_id,
                          std::optional<webex::Message> message);

  int64_t max_file_bytes() const { return max_file_bytes_; }

 private:
  // The open space when the guest is one of its members; kNotFound otherwise.
  webex::Task<storage::SpaceRecord> SpaceFor(const std::string& guest_id, const std::string& space_id);
  // The guest's Webex token.
  webex::Task<std::string> GuestToken(const std::string& guest_id, webex::Deadline deadline);
  // The display name (and guest id, for guests) of a Webex person.
  struct Sender {
    std::optional<std::string> guest_id;
    std::string name;
  };
  webex::Task<Sender> SenderOf(std::string person_id, std::string token, webex::Deadline deadline);
  // What a message's files are, asking Webex (with `token`) about the ones the space has not seen.
  webex::Task<std::vector<MessageFile>> FilesOf(const storage::SpaceRecord& space, const webex::Message& message,
                                                std::string token, webex::Deadline deadline);
  // `token` reads files; `people_token` looks up senders who are not guests.
  webex::Task<MessageView> View(const storage::SpaceRecord& space, const webex::Message& message, std::string token,
                                std::string people_token, webex::Deadline deadline);
  // Records the message; announces it when it is new. Returns whether it was.
  webex::Task<bool> Record(const storage::SpaceRecord& space, const webex::Message& message, const Sender& sender);

  storage::Storage& storage_;
  webex::Api& webex_;
  AppAdmin& app_admin_;
  GuestTokens& guest_tokens_;
  WorkPool& pool_;
  Notices& notices_;
  Audit& audit_;
  Clock clock_;
  int64_t max_file_bytes_;
  // Sends in flight per Webex room (loop only): Learn waits for them, so that the webhook echo of a
  // message the portal is sending costs no Webex call.
  std::shared_ptr<std::unordered_map<std::string, int>> sending_ =
      std::make_shared<std::unordered_map<std::string, int>>();
  static constexpr std::chrono::seconds kEchoWait{5};
  // Names of Webex people who are not guests (staff, the AppAdmin); loop only, bounded.
  std::unordered_map<std::string, std::string> people_;
  static constexpr size_t kMaxPeople = 10000;
};

}  // namespace gp::service
