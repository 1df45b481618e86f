#include "domain/imports.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "domain/guests.hpp"
#include "domain/text.hpp"

namespace gp::domain {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxJsonDepth = 32;

std::string NormalizeUsername(std::string_view raw) { return ToLower(TrimAscii(raw)); }

// The validator's message without its "field: " prefix, for "reason" texts that already name the field.
std::string ReasonOf(const Error& error) { return error.message; }

// Collects guests and their allowed connections, then resolves the connections into pairs once every
// guest of the file is known.
class PlanBuilder {
 public:
  struct Candidate {
    std::string entry;
    std::optional<std::string> username;
    std::optional<std::string> display_name;
    std::optional<std::string> password;
    std::vector<std::string> allowed;  // raw usernames
    std::string problem;               // set when the entry is malformed before field validation
  };

  void Add(Candidate candidate) {
    auto skip = [&](const std::string& username, const std::string& reason) {
      plan_.skipped.push_back({candidate.entry, Abbreviate(username), reason});
    };
    std::string username = candidate.username ? NormalizeUsername(*candidate.username) : std::string();
    if (!candidate.problem.empty()) return skip(username, candidate.problem);
    if (!candidate.username || username.empty()) return skip("", "username is missing");
    if (auto valid = ValidateUsername(username); !valid) return skip(username, ReasonOf(valid.error()));
    auto [first, inserted] = entries_.emplace(username, candidate.entry);
    if (!inserted) return skip(username, "username appears more than once; the first entry (" + first->second + ") is used");
    if (!candidate.display_name) return skip(username, "displayName is missing");
    if (auto valid = ValidateDisplayName(*candidate.display_name); !valid) {
      return skip(username, ReasonOf(valid.error()));
    }
    if (!candidate.password) return skip(username, "password is missing");
    if (auto valid = ValidatePassword(*candidate.password); !valid) return skip(username, ReasonOf(valid.error()));
    plan_.guests.push_back({username, TrimDisplayName(*candidate.display_name), *candidate.password});
    accepted_.insert(username);
    for (const auto& other : candidate.allowed) connections_.emplace_back(username, NormalizeUsername(other));
  }

  ImportPlan Finish() {
    std::set<std::pair<std::string, std::string>> pairs;
    std::set<std::pair<std::string, std::string>> reported;
    for (const auto& [from, to] : connections_) {
      auto key = from < to ? std::make_pair(from, to) : std::make_pair(to, from);
      std::string entry = from + "," + Abbreviate(to);
      std::string reason;
      if (from == to) {
        reason = "a guest cannot be paired with themself";
      } else if (accepted_.contains(to)) {
        pairs.insert(key);
        continue;
      } else if (entries_.contains(to)) {
        reason = "allowed_conn names '" + to + "', whose entry was skipped";
      } else {
        reason = "allowed_conn names '" + Abbreviate(to) + "', who is not in this file";
      }
      if (reported.insert(key).second) plan_.skipped.push_back({entry, from, reason});
    }
    for (const auto& [a, b] : pairs) plan_.pairs.push_back({a, b});
    return std::move(plan_);
  }

 private:
  ImportPlan plan_;
  std::map<std::string, std::string> entries_;  // username -> entry of its first appearance
  std::set<std::string> accepted_;
  std::vector<std::pair<std::string, std::string>> connections_;
};

// Nesting deeper than any guests.json needs is refused before parsing.
bool TooDeep(std::string_view text) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// Reads an optional string member; a present member of another type sets `problem`.
std::optional<std::string> StringMember(const Json& object, std::initializer_list<const char*> names,
                                        std::string& problem) {
  for (const char* name : names) {
    auto found = object.find(name);
    if (found == object.end() || found->is_null()) continue;
    if (!found->is_string()) {
      if (problem.empty()) problem = std::string(name) + " must be a string";
      return std::nullopt;
    }
    return found->get<std::string>();
  }
  return std::nullopt;
}

PlanBuilder::Candidate CandidateFromJson(const std::string& entry, const Json& value,
                                         const std::optional<std::string>& key_username) {
  PlanBuilder::Candidate candidate;
  candidate.entry = entry;
  if (!value.is_object()) {
    candidate.username = key_username;
    candidate.problem = "the entry is not a JSON object";
    return candidate;
  }
  std::string problem;
  auto inner_username = StringMember(value, {"username"}, problem);
  candidate.username = key_username ? key_username : inner_username;
  if (key_username && inner_username && NormalizeUsername(*inner_username) != NormalizeUsername(*key_username)) {
    problem = "username differs from the entry's key";
  }
  candidate.display_name = StringMember(value, {"displayName", "display_name", "name"}, problem);
  candidate.password = StringMember(value, {"password"}, problem);
  for (const char* name : {"allowed_conn", "allowedConn"}) {
    auto found = value.find(name);
    if (found == value.end() || found->is_null()) continue;
    if (found->is_string()) {
      // "bob, carol" is read as a list.
      std::string list = found->get<std::string>();
      size_t start = 0;
      while (start <= list.size()) {
        size_t comma = std::min(list.find(',', start), list.size());
        auto item = TrimAscii(std::string_view(list).substr(start, comma - start));
        if (!item.empty()) candidate.allowed.emplace_back(item);
        start = comma + 1;
      }
    } else if (found->is_array()) {
      for (const auto& item : *found) {
        if (!item.is_string()) {
          if (problem.empty()) problem = std::string(name) + " must be a list of usernames";
          break;
        }
        candidate.allowed.push_back(item.get<std::string>());
      }
    } else if (problem.empty()) {
      problem = std::string(name) + " must be a list of usernames";
    }
    break;
  }
  candidate.problem = problem;
  return candidate;
}

Result<ImportPlan> FileError(const std::string& message) {
  return Fail(ErrorCode::kBadRequest, "invalid_import", message);
}

// ---- CSV ----------------------------------------------------------------------------------------

struct CsvRecord {
  size_t line = 0;
  std::vector<std::string> fields;
  bool blank = false;
};

// RFC 4180: fields separated by ',', optionally quoted with '"' ('""' inside quotes is a quote); records
// end with CRLF, LF or CR; quoted fields may span lines. A leading UTF-8 BOM is ignored.
Result<std::vector<CsvRecord>> ReadCsv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  bool in_quotes = false;
  bool quoted = false;      // the current field was quoted
  bool after_quote = false; // a closing quote was just read
  size_t line = 1;
  record.line = 1;
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    quoted = false;
    after_quote = false;
  };
  auto end_record = [&] {
    bool was_quoted = quoted;
    end_field();
    record.blank = record.fields.size() == 1 && record.fields[0].empty() && !was_quoted;
    records.push_back(std::move(record));
    record = CsvRecord{};
    record.line = line;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
          after_quote = true;
        }
      } else {
        if (c == '\n' || (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) ++line;
        field += c;
      }
      continue;
    }
    if (c == ',') {
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      end_record();
    } else if (after_quote) {
      return Fail(ErrorCode::kBadRequest, "invalid_import",
                  "CSV line " + std::to_string(line) + ": unexpected text after a closing quote");
    } else if (c == '"' && field.empty() && !quoted) {
      in_quotes = true;
      quoted = true;
    } else {
      field += c;
    }
    if (records.size() > kMaxImportEntries + 1) {
      return Fail(ErrorCode::kBadRequest, "invalid_import",
                  "CSV: at most " + std::to_string(kMaxImportEntries) + " rows can be imported at once");
    }
  }
  if (in_quotes) {
    return Fail(ErrorCode::kBadRequest, "invalid_import",
                "CSV line " + std::to_string(record.line) + ": a quoted field is not closed");
  }
  if (!field.empty() || quoted || !record.fields.empty()) end_record();
  if (records.size() > kMaxImportEntries + 1) {
    return Fail(ErrorCode::kBadRequest, "invalid_import",
                "CSV: at most " + std::to_string(kMaxImportEntries) + " rows can be imported at once");
  }
  return records;
}

std::string HeaderName(std::string_view raw) {
  std::string name;
  for (char c : TrimAscii(raw)) {
    if (c != '_' && c != ' ' && c != '-') name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

}  // namespace

Result<ImportPlan> ParseGuestsJson(std::string_view text) {
  if (TooDeep(text)) return FileError("guests.json: the JSON is nested too deeply");
  Json document = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return FileError("guests.json: not valid JSON");
  // {"guests": [...]} or {"guests": {...}} wraps the list.
  if (document.is_object() && document.size() == 1 && document.contains("guests") &&
      (document["guests"].is_array() || document["guests"].is_object())) {
    Json inner = std::move(document["guests"]);
    document = std::move(inner);
  }
  if (!document.is_array() && !document.is_object()) {
    return FileError("guests.json: expected an object keyed by username or an array of guests");
  }
  if (document.size() > kMaxImportEntries) {
    return FileError("guests.json: at most " + std::to_string(kMaxImportEntries) + " guests can be imported at once");
  }
  PlanBuilder builder;
  if (document.is_array()) {
    for (size_t i = 0; i < document.size(); ++i) {
      builder.Add(CandidateFromJson("index " + std::to_string(i), document[i], std::nullopt));
    }
  } else {
    for (const auto& [key, value] : document.items()) {
      builder.Add(CandidateFromJson(Abbreviate(key), value, key));
    }
  }
  return builder.Finish();
}

Result<ImportPlan> ParseGuestsCsv(std::string_view text) {
  auto records = ReadCsv(text);
  if (!records) return tl::unexpected(records.error());
  auto header = std::find_if(records->begin(), records->end(), [](const CsvRecord& r) { return !r.blank; });
  if (header == records->end()) return FileError("CSV: the file is empty; the first line must be username,displayName,password");
  std::optional<size_t> username_column, display_name_column, password_column, allowed_column;
  for (size_t i = 0; i < header->fields.size(); ++i) {
    std::string name = HeaderName(header->fields[i]);
    if (name == "username" && !username_column) username_column = i;
    if ((name == "displayname" || name == "name") && !display_name_column) display_name_column = i;
    if (name == "password" && !password_column) password_column = i;
    if ((name == "allowedconn" || name == "allowed") && !allowed_column) allowed_column = i;
  }
  if (!username_column || !display_name_column || !password_column) {
    return FileError("CSV line " + std::to_string(header->line) +
                     ": the header must name the columns username,displayName,password");
  }
  PlanBuilder builder;
  for (auto row = header + 1; row != records->end(); ++row) {
    if (row->blank) continue;
    std::string entry = "line " + std::to_string(row->line);
    if (row->fields.size() != header->fields.size()) {
      PlanBuilder::Candidate candidate;
      candidate.entry = entry;
      if (*username_column < row->fields.size()) candidate.username = row->fields[*username_column];
      candidate.problem = "expected " + std::to_string(header->fields.size()) + " fields, found " +
                          std::to_string(row->fields.size());
      builder.Add(std::move(candidate));
      continue;
    }
    PlanBuilder::Candidate candidate;
    candidate.entry = entry;
    candidate.username = row->fields[*username_column];
    candidate.display_name = row->fields[*display_name_column];
    candidate.password = row->fields[*password_column];
    if (candidate.display_name->empty()) candidate.display_name.reset();
    if (candidate.password->empty()) candidate.password.reset();
    if (allowed_column) {
      // Usernames separated by ';' or spaces.
      std::string list = row->fields[*allowed_column];
      std::replace(list.begin(), list.end(), ';', ' ');
      size_t start = 0;
      while (start < list.size()) {
        size_t space = std::min(list.find(' ', start), list.size());
        if (space > start) candidate.allowed.push_back(list.substr(start, space - start));
        start = space + 1;
      }
    }
    builder.Add(std::move(candidate));
  }
  return builder.Finish();
}

}  // namespace gp::domain
