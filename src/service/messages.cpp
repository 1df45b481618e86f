#include "service/messages.hpp"

#include <algorithm>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "domain/markdown.hpp"
#include "domain/messages.hpp"

namespace gp::service {

namespace asio = boost::asio;

namespace {


// The text a notification previews: the plain text, else the markdown, else that a file came.
std::string PreviewOf(const webex::Message& message) {
  std::string preview = domain::Preview(!message.text.empty() ? message.text : message.markdown);
  if (preview.empty() && !message.files.empty()) preview = "Sent a file";
  return preview;
}

// What the audit log keeps of a failed send: the kind of failure and Webex's message, never the
// message itself (Webex's message is left out should it quote the text).
std::string SendFailure(const Error& error, const SendRequest& request) {
  auto quotes = [&](const std::string& sent) { return !sent.empty() && error.message.find(sent) != std::string::npos; };
  std::string detail = ErrorCodeName(error.code);
  if (!quotes(request.text) && !quotes(request.markdown)) detail += ": " + error.message;
  if (request.file) detail += " (with a file)";
  return detail;
}

}  // namespace

Messages::Messages(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, GuestTokens& guest_tokens,
                   WorkPool& pool, Notices& notices, Audit& audit, Clock clock, int64_t max_file_bytes)
    : storage_(storage),
      webex_(webex),
      app_admin_(app_admin),
      guest_tokens_(guest_tokens),
      pool_(pool),
      notices_(notices),
      audit_(audit),
      clock_(std::move(clock)),
      max_file_bytes_(max_file_bytes) {}

webex::Task<storage::SpaceRecord> Messages::SpaceFor(const std::string& guest_id, const std::string& space_id) {
  co_return co_await pool_.Read([&] { return OpenSpaceOfMember(storage_, guest_id, space_id); });
}

webex::Task<std::string> Messages::GuestToken(const std::string& guest_id, webex::Deadline deadline) {
  auto guest = co_await pool_.Read([&] { return storage_.GetGuest(guest_id); });
  if (!guest) co_return tl::unexpected(guest.error());
  co_return co_await guest_tokens_.TokenFor(std::move(*guest), deadline);
}

webex::Task<Messages::Sender> Messages::SenderOf(std::string person_id, std::string token, webex::Deadline deadline) {
  auto guest = co_await pool_.Read([&] { return storage_.FindGuestByPersonId(person_id); });
  if (guest) co_return Sender{guest->id, guest->display_name};
  if (guest.error().code != ErrorCode::kNotFound) co_return tl::unexpected(guest.error());
  if (auto known = people_.find(person_id); known != people_.end()) co_return Sender{std::nullopt, known->second};
  auto person = co_await webex_.GetPerson(token, person_id, deadline);
  if (!person) {
    // A name is not worth failing a page for.
    log::warn("the name of a message's sender could not be read: {}", log::Safe(person.error().message));
    co_return Sender{std::nullopt, "Webex user"};
  }
  std::string name = person->display_name.empty() ? "Webex user" : person->display_name;
  if (people_.size() >= kMaxPeople) people_.clear();
  people_.emplace(person_id, name);
  co_return Sender{std::nullopt, name};
}

webex::Task<std::vector<MessageFile>> Messages::FilesOf(const storage::SpaceRecord& space,
                                                        const webex::Message& message, std::string token,
                                                        webex::Deadline deadline) {
  std::vector<MessageFile> files;
  for (const auto& url : message.files) {
    std::string id = webex::ContentIdFromUrl(url);
    if (id.empty()) continue;
    auto known = co_await pool_.Read([&] { return storage_.GetSpaceFile(space.id, id); });
    if (known) {
      files.push_back({id, known->name, known->content_type, known->size});
      continue;
    }
    if (known.error().code != ErrorCode::kNotFound) co_return tl::unexpected(known.error());
    auto info = co_await webex_.HeadContent(token, id, deadline);
    if (!info) co_return tl::unexpected(info.error());
    storage::SpaceFile file{space.id, id, domain::SafeFileName(info->name), domain::SafeContentType(info->content_type),
                            info->size};
    auto saved = co_await pool_.Run([&] { return storage_.SaveSpaceFile(file); });
    if (!saved) co_return tl::unexpected(saved.error());
    files.push_back({id, file.name, file.content_type, file.size});
  }
  co_return files;
}

webex::Task<MessageView> Messages::View(const storage::SpaceRecord& space, const webex::Message& message,
                                        std::string token, std::string people_token, webex::Deadline deadline) {
  MessageView view;
  view.id = message.id;
  view.space_id = space.id;
  view.created = message.created;
  view.text = !message.text.empty() ? message.text : message.markdown;
  if (!message.markdown.empty()) view.html = domain::RenderMarkdown(message.markdown);
  auto sender = co_await SenderOf(message.person_id, people_token, deadline);
  if (!sender) co_return tl::unexpected(sender.error());
  view.sender_guest_id = sender->guest_id;
  view.sender_name = sender->name;
  auto files = co_await FilesOf(space, message, token, deadline);
  if (!files) co_return tl::unexpected(files.error());
  view.files = std::move(*files);
  co_return view;
}

webex::Task<bool> Messages::Record(const storage::SpaceRecord& space, const webex::Message& message,
                                   const Sender& sender) {
  storage::SpaceMessage record{message.id, space.id, domain::ParseWebexTime(message.created).value_or(clock_() * 1000),
                               clock_()};
  auto recorded = co_await pool_.Run([&]() -> Result<bool> {
    auto added = storage_.RecordSpaceMessage(record);
    if (!added) return added;
    // The sender has read what they wrote.
    if (sender.guest_id) {
      auto marked = storage_.SetReadMark(*sender.guest_id, space.id, record.message_id, record.created_ms);
      if (!marked) return tl::unexpected(marked.error());
    }
    return added;
  });
  if (!recorded) co_return tl::unexpected(recorded.error());
  if (*recorded) notices_.MessageCreated(space, message.id, sender.guest_id, sender.name, PreviewOf(message));
  co_return *recorded;
}

webex::Task<MessagePage> Messages::List(std::string guest_id, std::string space_id, int max, std::string before) {
  const auto deadline = webex::DeadlineIn(kBudget);
  if (max < 1 || max > kMaxPage) {
    co_return Fail(ErrorCode::kBadRequest, "invalid_field", "max: from 1 to " + std::to_string(kMaxPage) + ".", "max");
  }
  if (!before.empty() && !domain::LooksLikeWebexId(before)) {
    co_return Fail(ErrorCode::kBadRequest, "invalid_field", "before: not a cursor this API gave.", "before");
  }
  auto space = co_await SpaceFor(guest_id, space_id);
  if (!space) co_return tl::unexpected(space.error());
  auto token = co_await GuestToken(guest_id, deadline);
  if (!token) co_return tl::unexpected(token.error());
  auto page = co_await webex_.ListMessages(*token, space->webex_room_id, max, before, deadline);
  if (!page) co_return tl::unexpected(page.error());
  // People who are not guests are looked up as the AppAdmin, who can see everyone in its rooms.
  auto admin_token = co_await app_admin_.AccessToken(deadline);
  std::string people_token = admin_token ? *admin_token : *token;
  MessagePage out;
  for (const auto& message : page->items) {
    auto view = co_await View(*space, message, *token, people_token, deadline);
    if (!view) co_return tl::unexpected(view.error());
    out.items.push_back(std::move(*view));
  }
  if (page->next_url && !page->items.empty()) {
    out.next = page->next_before_message.value_or(page->items.back().id);
  }
  co_return out;
}

webex::Task<MessageView> Messages::Send(SendRequest request) {
  const bool with_file = request.file.has_value();
  const auto deadline = webex::DeadlineIn(with_file ? kFileBudget : kBudget);
  if (auto valid = domain::ValidateMessageText(request.text, "text"); !valid) co_return tl::unexpected(valid.error());
  if (auto valid = domain::ValidateMessageText(request.markdown, "markdown"); !valid) {
    co_return tl::unexpected(valid.error());
  }
  if (!request.text.empty() && !request.markdown.empty()) {
    co_return Fail(ErrorCode::kBadRequest, "invalid_field", "Send text or markdown, not both.", "markdown");
  }
  if (request.text.empty() && request.markdown.empty() && !with_file) {
    co_return Fail(ErrorCode::kBadRequest, "invalid_field", "text: write something or attach a file.", "text");
  }
  if (with_file && static_cast<int64_t>(request.file->bytes.size()) > max_file_bytes_) {
    co_return Fail(ErrorCode::kTooLarge, "too_large",
                   "file: larger than the " + std::to_string(max_file_bytes_) + " bytes this portal accepts.", "file");
  }
  auto space = co_await SpaceFor(request.guest_id, request.space_id);
  if (!space) co_return tl::unexpected(space.error());
  auto guest = co_await pool_.Read([&] { return storage_.GetGuest(request.guest_id); });
  if (!guest) co_return tl::unexpected(guest.error());
  auto token = co_await guest_tokens_.TokenFor(*guest, deadline);
  if (!token) {
    co_await audit_.Note("guest:" + guest->id, "message.send", space->id, "failure", SendFailure(token.error(), request));
    co_return tl::unexpected(token.error());
  }

  webex::OutgoingMessage outgoing;
  outgoing.text = request.text;
  outgoing.markdown = request.markdown;
  std::optional<MessageFile> file;
  if (with_file) {
    outgoing.upload = webex::FileUpload{domain::SafeFileName(request.file->name),
                                        domain::SafeContentType(request.file->content_type),
                                        std::move(request.file->bytes)};
    file = MessageFile{"", outgoing.upload->name, outgoing.upload->content_type,
                       static_cast<int64_t>(outgoing.upload->bytes.size())};
  }
  const std::string room_id = space->webex_room_id;
  ++(*sending_)[room_id];
  // Holds the map by a shared copy: a frame still suspended at shutdown is destroyed with the event
  // loop, after the services.
  struct Done {
    std::shared_ptr<std::unordered_map<std::string, int>> sending;
    std::string room;
    ~Done() {
      if (--(*sending)[room] == 0) sending->erase(room);
    }
  } done{sending_, room_id};
  auto sent = co_await webex_.SendMessage(*token, room_id, std::move(outgoing), deadline);
  if (!sent) {
    co_await audit_.Note("guest:" + guest->id, "message.send", space->id, "failure", SendFailure(sent.error(), request));
    co_return tl::unexpected(sent.error());
  }

  if (file && !sent->files.empty()) {
    file->id = webex::ContentIdFromUrl(sent->files.front());
    storage::SpaceFile record{space->id, file->id, file->name, file->content_type, file->size};
    auto saved = co_await pool_.Run([&] { return storage_.SaveSpaceFile(record); });
    if (!saved) log::warn("a sent file could not be recorded: {}", log::Safe(saved.error().message));
  }
  Sender sender{guest->id, guest->display_name};
  // Sent is sent: a failure to record it costs an announcement, not the answer.
  auto recorded = co_await Record(*space, *sent, sender);
  if (!recorded) log::warn("a sent message could not be recorded: {}", log::Safe(recorded.error().message));

  MessageView view;
  view.id = sent->id;
  view.space_id = space->id;
  view.sender_guest_id = guest->id;
  view.sender_name = guest->display_name;
  view.created = sent->created;
  view.text = !sent->text.empty() ? sent->text : request.markdown.empty() ? request.text : request.markdown;
  if (!request.markdown.empty()) view.html = domain::RenderMarkdown(request.markdown);
  if (file && !file->id.empty()) view.files.push_back(*file);
  co_return view;
}

webex::Task<Download> Messages::File(std::string guest_id, std::string space_id, std::string file_id) {
  const auto deadline = webex::DeadlineIn(kFileBudget);
  auto space = co_await SpaceFor(guest_id, space_id);
  if (!space) co_return tl::unexpected(space.error());
  if (!domain::LooksLikeWebexId(file_id)) co_return Fail(ErrorCode::kNotFound, "not_found", "No such file.");
  auto file = co_await pool_.Read([&] { return storage_.GetSpaceFile(space->id, file_id); });
  if (!file) {
    if (file.error().code == ErrorCode::kNotFound) co_return Fail(ErrorCode::kNotFound, "not_found", "No such file.");
    co_return tl::unexpected(file.error());
  }
  auto token = co_await GuestToken(guest_id, deadline);
  if (!token) co_return tl::unexpected(token.error());
  auto content = co_await webex_.GetContent(*token, file_id, max_file_bytes_, deadline);
  if (!content) co_return tl::unexpected(content.error());
  std::string type = content->info.content_type.empty() ? file->content_type : content->info.content_type;
  co_return Download{file->name, domain::SafeContentType(type), std::move(content->bytes)};
}

webex::Task<void> Messages::MarkRead(std::string guest_id, std::string space_id, std::string message_id) {
  auto space = co_await SpaceFor(guest_id, space_id);
  if (!space) co_return tl::unexpected(space.error());
  auto no_such_message = [] { return Fail(ErrorCode::kNotFound, "not_found", "No such message in this room."); };
  if (!domain::LooksLikeWebexId(message_id)) co_return no_such_message();
  auto created = co_await pool_.Read([&] { return storage_.GetSpaceMessageTime(space->id, message_id); });
  if (!created) {
    if (created.error().code != ErrorCode::kNotFound) co_return tl::unexpected(created.error());
    // Listed before the portal recorded it (a send still being recorded, a message the webhook or
    // the poller has not brought yet): Webex says when it was made. Not recorded here, so that its
    // announcement still happens.
    const auto deadline = webex::DeadlineIn(kBudget);
    auto token = co_await GuestToken(guest_id, deadline);
    if (!token) co_return tl::unexpected(token.error());
    auto message = co_await webex_.GetMessage(*token, message_id, deadline);
    if (!message) {
      if (message.error().code == ErrorCode::kNotFound || message.error().code == ErrorCode::kBadRequest) {
        co_return no_such_message();
      }
      co_return tl::unexpected(message.error());
    }
    auto at = domain::ParseWebexTime(message->created);
    if (message->room_id != space->webex_room_id || !at) co_return no_such_message();
    created = *at;
  }
  co_return co_await pool_.Run([&] { return storage_.SetReadMark(guest_id, space->id, message_id, *created); });
}

webex::Task<bool> Messages::Learn(std::string webex_room_id, std::string message_id,
                                  std::optional<webex::Message> message) {
  const auto deadline = webex::DeadlineIn(kBudget);
  auto space = co_await pool_.Read([&] { return storage_.FindSpaceByRoom(webex_room_id); });
  if (!space) {
    if (space.error().code == ErrorCode::kNotFound) co_return false;
    co_return tl::unexpected(space.error());
  }
  if (space->closed_at) co_return false;
  if (sending_->contains(webex_room_id)) {
    // Perhaps the echo of a message being sent through the portal right now: once the send is
    // recorded, the message is known and needs no Webex call.
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto give_up = std::chrono::steady_clock::now() + kEchoWait;
    while (sending_->contains(webex_room_id) && std::chrono::steady_clock::now() < give_up) {
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(asio::use_awaitable);
    }
  }
  auto known = co_await pool_.Read([&] { return storage_.GetSpaceMessageTime(space->id, message_id); });
  if (known) co_return false;
  if (known.error().code != ErrorCode::kNotFound) co_return tl::unexpected(known.error());
  auto token = co_await app_admin_.AccessToken(deadline);
  if (!token) co_return tl::unexpected(token.error());
  if (!message) {
    auto fetched = co_await webex_.GetMessage(*token, message_id, deadline);
    if (!fetched) {
      // Deleted before it could be read: nothing to announce.
      if (fetched.error().code == ErrorCode::kNotFound) co_return false;
      co_return tl::unexpected(fetched.error());
    }
    message = std::move(*fetched);
  }
  auto sender = co_await SenderOf(message->person_id, *token, deadline);
  if (!sender) co_return tl::unexpected(sender.error());
  co_return co_await Record(*space, *message, *sender);
}

}  // namespace gp::service
