#include "emulator/people.hpp"

#include "core/encoding.hpp"
#include "emulator/views.hpp"

namespace gp::emulator {
namespace {

constexpr std::size_t kMaxIds = 85;

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

}  // namespace

http::Response GetMe(Call& call) {
  std::string body;
  {
    auto lock = call.state.Lock();
    Person* me = call.state.FindPerson(call.caller.person);
    if (!me) return call.Fail(ErrorCode::kNotFound, "Person not found.");
    if (me->json_cache.empty()) me->json_cache = Dump(PersonJson(call.state, *me));
    body = me->json_cache;
  }
  return http::Response::Json(200, std::move(body));
}

http::Response GetPerson(Call& call) {
  auto id = DecodeId("PEOPLE", call.request.PathParam("personId").value_or(""));
  auto lock = call.state.Lock();
  const Person* person = id ? call.state.FindPerson(*id) : nullptr;
  if (!person) return call.Fail(ErrorCode::kNotFound, "Person not found.");
  return call.Ok(PersonJson(call.state, *person));
}

http::Response ListPeople(Call& call) {
  auto page = ParsePage(call.request, 100, 1000);
  if (!page) return call.Fail(page.error());
  auto ids = call.request.Query("id");
  auto email = call.request.Query("email");
  auto name = call.request.Query("displayName");
  if (!ids && !email && !name) {
    return call.Fail(ErrorCode::kBadRequest, "One of id, email or displayName is required.");
  }
  std::vector<std::string> wanted;
  if (ids) {
    wanted = SplitComma(*ids);
    if (wanted.size() > kMaxIds)
      return call.Fail(ErrorCode::kBadRequest, "At most 85 ids may be given.");
  }
  std::vector<Json> items;
  Json not_found = Json::array();
  auto lock = call.state.Lock();
  auto matches = [&](const Person& person) {
    if (email && !EqualsIgnoreCase(person.email, *email)) return false;
    if (name && !StartsWithIgnoreCase(person.display_name, *name)) return false;
    return true;
  };
  if (ids) {
    for (const auto& text : wanted) {
      auto id = DecodeId("PEOPLE", text);
      const Person* person = id ? call.state.FindPerson(*id) : nullptr;
      if (!person) {
        not_found.push_back(text);
      } else if (matches(*person)) {
        items.push_back(PersonJson(call.state, *person));
      }
    }
  } else if (email && !name) {
    if (const Person* person = call.state.FindPersonByEmail(*email))
      items.push_back(PersonJson(call.state, *person));
  } else {
    for (const Uuid& id : call.state.people_order) {
      const Person* person = call.state.FindPerson(id);
      if (person && matches(*person)) items.push_back(PersonJson(call.state, *person));
    }
  }
  Json list = Json::array();
  std::size_t end = std::min(items.size(), page->offset + page->max);
  for (std::size_t i = std::min(page->offset, items.size()); i < end; ++i)
    list.push_back(std::move(items[i]));
  Json body = {{"items", std::move(list)}};
  if (ids) body["notFoundIds"] = std::move(not_found);
  auto response = call.Ok(body);
  if (end < items.size()) SetNextLink(response, NextUrl(call, "cursor", std::to_string(end)));
  return response;
}

}  // namespace gp::emulator
