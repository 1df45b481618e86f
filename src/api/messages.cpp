// Messages, files and read marks of a guest's space, live events, and the Webex webhook receiver:
// /api/v1/rooms/{id}/messages, /api/v1/rooms/{id}/files/{fileId}, /api/v1/rooms/{id}/read,
// /api/v1/events, /webhooks/webex.
#include <utility>  // Asio 1.74 needs it before its own headers.

#include <charconv>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"
#include "core/log.hpp"
#include "http/multipart.hpp"

namespace gp::api {

namespace asio = boost::asio;

namespace {

using Awaitable = asio::awaitable<Result<http::Response>>;

tl::unexpected<Error> BadField(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kBadRequest, "invalid_field", message, field);
}

// The body of POST .../messages: JSON {"text"} or {"markdown"}, or multipart/form-data with a `text`
// or `markdown` part and at most one `file` part.
Result<service::SendRequest> ParseSend(const http::Request& request) {
  service::SendRequest send;
  if (request.MediaType() == "multipart/form-data") {
    auto content_type = request.headers.Get("Content-Type");
    auto parts = http::ParseMultipart(content_type.value_or(""), request.body);
    if (!parts) return tl::unexpected(parts.error());
    for (auto& part : *parts) {
      if (part.name == "file") {
        if (send.file) return BadField("file", "Send one file at a time.");
        send.file = service::OutgoingFile{part.filename, part.content_type, std::string(part.body)};
      } else if (part.name == "text" && !part.has_filename) {
        send.text = std::string(part.body);
      } else if (part.name == "markdown" && !part.has_filename) {
        send.markdown = std::string(part.body);
      } else {
        return BadField(part.name.empty() ? "multipart" : part.name,
                        "A message has only text, markdown and a file.");
      }
    }
    return send;
  }
  auto body = ParseJsonObject(request);
  if (!body) return tl::unexpected(body.error());
  for (const auto& [key, value] : body->items()) {
    if (key != "text" && key != "markdown") return BadField(key, "A message has only text or markdown.");
  }
  auto text = OptionalString(*body, "text");
  if (!text) return tl::unexpected(text.error());
  auto markdown = OptionalString(*body, "markdown");
  if (!markdown) return tl::unexpected(markdown.error());
  send.text = text->value_or("");
  send.markdown = markdown->value_or("");
  return send;
}

Result<int> ParseMax(const http::Request& request) {
  auto max = request.Query("max");
  if (!max) return service::Messages::kDefaultPage;
  int value = 0;
  auto [end, ec] = std::from_chars(max->data(), max->data() + max->size(), value);
  if (ec != std::errc() || end != max->data() + max->size()) {
    return BadField("max", "The page size (max) must be a whole number.");
  }
  return value;
}

// Content-Disposition: attachment, with an ASCII fallback name and the exact name in RFC 5987 form.
std::string Attachment(const std::string& name) {
  std::string ascii;
  for (unsigned char c : name) ascii += (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + PercentEncode(name);
}

// The Last-Event-ID a reconnecting EventSource sends, when it is one of ours.
std::optional<int64_t> LastEventId(const http::Request& request) {
  auto header = request.headers.Get("Last-Event-ID");
  if (!header || header->empty() || header->size() > 19) return std::nullopt;
  int64_t id = 0;
  auto [end, ec] = std::from_chars(header->data(), header->data() + header->size(), id);
  if (ec != std::errc() || end != header->data() + header->size() || id < 0) return std::nullopt;
  return id;
}

}  // namespace

void AddMessageRoutes(Routes& routes, Deps& deps) {
  routes.AddAsync("GET", "/api/v1/rooms/{id}/messages", Access::kGuest,
                  [&deps](http::Request& request, const Caller& caller) -> Awaitable {
                    auto max = ParseMax(request);
                    if (!max) co_return tl::unexpected(max.error());
                    auto page = co_await deps.messages.List(caller.session.guest_id.value_or(""),
                                                            request.PathParam("id").value_or(""), *max,
                                                            request.Query("before").value_or(""));
                    if (!page) co_return tl::unexpected(page.error());
                    Json items = Json::array();
                    for (const auto& message : page->items) items.push_back(MessageJson(message));
                    Json body = Json::object();
                    body["items"] = std::move(items);
                    body["next"] = page->next ? Json(*page->next) : Json(nullptr);
                    co_return JsonResponse(200, body);
                  });

  routes.AddAsync("POST", "/api/v1/rooms/{id}/messages", Access::kGuest,
                  [&deps](http::Request& request, const Caller& caller) -> Awaitable {
                    auto send = ParseSend(request);
                    if (!send) co_return tl::unexpected(send.error());
                    send->guest_id = caller.session.guest_id.value_or("");
                    send->space_id = request.PathParam("id").value_or("");
                    auto sent = co_await deps.messages.Send(std::move(*send));
                    if (!sent) co_return tl::unexpected(sent.error());
                    co_return JsonResponse(201, MessageJson(*sent));
                  });

  routes.AddAsync("GET", "/api/v1/rooms/{id}/files/{fileId}", Access::kGuest,
                  [&deps](http::Request& request, const Caller& caller) -> Awaitable {
                    auto file = co_await deps.messages.File(caller.session.guest_id.value_or(""),
                                                            request.PathParam("id").value_or(""),
                                                            request.PathParam("fileId").value_or(""));
                    if (!file) co_return tl::unexpected(file.error());
                    http::Response response;
                    response.status = 200;
                    response.headers.Set("Content-Type", file->content_type);
                    response.headers.Set("Content-Disposition", Attachment(file->name));
                    response.headers.Set("X-Content-Type-Options", "nosniff");
                    response.headers.Set("Cache-Control", "private, no-store");
                    // Opened directly, the file is still not a page of this origin.
                    response.headers.Set("Content-Security-Policy", "sandbox; default-src 'none'");
                    response.body = std::move(file->bytes);
                    co_return response;
                  });

  routes.AddAsync("POST", "/api/v1/rooms/{id}/read", Access::kGuest,
                  [&deps](http::Request& request, const Caller& caller) -> Awaitable {
                    auto body = ParseJsonObject(request);
                    if (!body) co_return tl::unexpected(body.error());
                    auto message_id = RequireString(*body, "messageId");
                    if (!message_id) co_return tl::unexpected(message_id.error());
                    auto marked = co_await deps.messages.MarkRead(caller.session.guest_id.value_or(""),
                                                                  request.PathParam("id").value_or(""), *message_id);
                    if (!marked) co_return tl::unexpected(marked.error());
                    co_return http::Response::Empty(204);
                  });

  routes.Add("GET", "/api/v1/events", Access::kGuest, Exec::kInline,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               service::Events::Subscriber subscriber{caller.session.guest_id.value_or(""),
                                                      caller.session.csrf_token, caller.cookie_value,
                                                      caller.session.expires_at};
               http::Response response;
               response.status = 200;
               response.headers.Set("Content-Type", "text/event-stream");
               response.headers.Set("Cache-Control", "no-store");
               // nginx and other proxies: pass each event on at once.
               response.headers.Set("X-Accel-Buffering", "no");
               response.stream = deps.notices.events().Open(std::move(subscriber), LastEventId(request));
               return response;
             });

  routes.AddAsync("POST", "/webhooks/webex", Access::kPublic,
                  [&deps](http::Request& request, const Caller&) -> Awaitable {
                    auto verified = co_await deps.notifier.Verify(
                        request.body, std::string(request.headers.Get("X-Spark-Signature").value_or("")));
                    if (!verified) co_return tl::unexpected(verified.error());
                    // Answered at once: Webex counts slow answers as failed deliveries.
                    auto executor = co_await asio::this_coro::executor;
                    asio::co_spawn(
                        executor,
                        [&deps, body = std::move(request.body)]() -> asio::awaitable<void> {
                          auto done = co_await deps.notifier.Deliver(body);
                          if (!done) log::warn("webhook delivery not acted on: {}", log::Safe(done.error().message));
                        },
                        asio::detached);
                    co_return http::Response::Empty(204);
                  });
}

}  // namespace gp::api
