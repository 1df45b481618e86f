#pragma once
// Reads HTML the way a browser's tokenizer splits it into tags and attributes (start and end tags,
// quoted and unquoted values, comments), so that tests can assert on what the markdown renderer
// lets through: which elements, which attributes, which link targets. Values are left as written
// (entities not decoded), which makes an assertion on them stricter, not looser.

#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gp::test_support {

struct HtmlTag {
  std::string name;                                             // lower case; "/p" for an end tag
  std::vector<std::pair<std::string, std::string>> attributes;  // names in lower case
};

inline std::vector<HtmlTag> ScanHtmlTags(std::string_view html) {
  auto lower = [](std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  std::vector<HtmlTag> tags;
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    ++i;
    if (html.substr(i, 3) == "!--") {
      size_t end = html.find("-->", i + 3);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    bool closing = i < html.size() && html[i] == '/';
    size_t start = closing ? i + 1 : i;
    if (start >= html.size() || !std::isalpha(static_cast<unsigned char>(html[start]))) continue;
    size_t name_end = start;
    while (name_end < html.size() && !space(html[name_end]) && html[name_end] != '/' &&
           html[name_end] != '>') {
      ++name_end;
    }
    HtmlTag tag;
    tag.name = (closing ? "/" : "") + lower(html.substr(start, name_end - start));
    i = name_end;
    while (i < html.size() && html[i] != '>') {
      if (space(html[i]) || html[i] == '/') {
        ++i;
        continue;
      }
      size_t attr_start = i;
      ++i;  // a name may start with '='
      while (i < html.size() && !space(html[i]) && html[i] != '/' && html[i] != '>' &&
             html[i] != '=')
        ++i;
      std::string name = lower(html.substr(attr_start, i - attr_start));
      while (i < html.size() && space(html[i])) ++i;
      std::string value;
      if (i < html.size() && html[i] == '=') {
        ++i;
        while (i < html.size() && space(html[i])) ++i;
        if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
          char quote = html[i++];
          size_t end = html.find(quote, i);
          if (end == std::string_view::npos) end = html.size();
          value = std::string(html.substr(i, end - i));
          i = end == html.size() ? end : end + 1;
        } else {
          size_t value_start = i;
          while (i < html.size() && !space(html[i]) && html[i] != '>') ++i;
          value = std::string(html.substr(value_start, i - value_start));
        }
      }
      tag.attributes.emplace_back(std::move(name), std::move(value));
    }
    tags.push_back(std::move(tag));
  }
  return tags;
}

// The first thing wrong with `html` as the output of the safe markdown renderer, or "" when none:
// an element outside what cmark-gfm produces, an attribute outside its set (so none named on...),
// or a link target that is not an absolute http(s) or mailto URL.
inline std::string UnsafeHtml(std::string_view html) {
  static const std::vector<std::string_view> kElements = {
      "p",   "h1",    "h2",    "h3",         "h4", "h5", "h6", "em",   "strong",
      "del", "code",  "pre",   "blockquote", "ul", "ol", "li", "a",    "br",
      "hr",  "table", "thead", "tbody",      "tr", "th", "td", "input"};
  static const std::vector<std::string_view> kAttributes = {
      "href", "title", "align", "start", "class", "type", "checked", "disabled"};
  auto known = [](const std::vector<std::string_view>& set, std::string_view name) {
    for (auto item : set) {
      if (item == name) return true;
    }
    return false;
  };
  for (const auto& tag : ScanHtmlTags(html)) {
    std::string_view name = tag.name;
    if (name.starts_with('/')) name.remove_prefix(1);
    if (!known(kElements, name)) return "element <" + tag.name + ">";
    for (const auto& [attribute, value] : tag.attributes) {
      if (!known(kAttributes, attribute))
        return "attribute " + attribute + " on <" + tag.name + ">";
      if (attribute == "type" && value != "checkbox") return "input of type " + value;
      if (attribute == "href") {
        std::string lower = value;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!lower.starts_with("http://") && !lower.starts_with("https://") &&
            !lower.starts_with("mailto:")) {
          return "link to " + value;
        }
      }
    }
  }
  return {};
}

}  // namespace gp::test_support
