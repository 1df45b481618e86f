#pragma once
// Markdown to HTML that is safe to put into a page (cmark-gfm: CommonMark with GitHub's autolink,
// strikethrough, table and task-list extensions). Raw HTML is dropped; a link keeps its target only
// when that is an absolute http, https or mailto URL, and otherwise becomes its text; an image
// never loads (the CSP allows same-origin images only, and a remote one would tell its owner who
// read the message): it becomes a link to its http(s) URL, or its alt text. Line breaks are kept,
// as a chat client shows them. Invalid UTF-8 becomes U+FFFD, so the result can go into JSON.

#include <string>
#include <string_view>

namespace gp::domain {

// Any input is rendered without harm; its size is the caller's to bound (a message's is 7439
// bytes).
std::string RenderMarkdown(std::string_view markdown);

}  // namespace gp::domain
