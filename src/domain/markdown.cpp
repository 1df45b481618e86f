#include "domain/markdown.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <memory>
#include <vector>

#include "core/encoding.hpp"

namespace gp::domain {
namespace {

constexpr int kOptions = CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_HARDBREAKS;
constexpr const char* kExtensions[] = {"autolink", "strikethrough", "table", "tasklist"};

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// The URL as cmark holds it: entities and backslash escapes already resolved, so "&#106;avascript:"
// is "javascript:" here. Only a literal scheme at the very start passes, which leaves no room for
// what a browser would strip or fold (whitespace, control characters, case).
bool IsWebUrl(std::string_view url) {
  return StartsWithIgnoreCase(url, "http://") || StartsWithIgnoreCase(url, "https://");
}
bool IsLinkUrl(std::string_view url) {
  return IsWebUrl(url) || StartsWithIgnoreCase(url, "mailto:");
}

std::string_view UrlOf(cmark_node* node) {
  const char* url = cmark_node_get_url(node);
  return url ? std::string_view(url) : std::string_view();
}

// Moves `node`'s children before it and frees it. Should the tree refuse a move (it does not: a
// link's children are inlines and so are its siblings), the node goes with what is left.
void Unwrap(cmark_node* node) {
  while (cmark_node* child = cmark_node_first_child(node)) {
    if (!cmark_node_insert_before(node, child)) break;
  }
  cmark_node_free(node);
}

// An image becomes a link to the same URL whose text is the image's alt text.
void ImageToLink(cmark_node* image) {
  cmark_node* link = cmark_node_new(CMARK_NODE_LINK);
  cmark_node_set_url(link, cmark_node_get_url(image));
  cmark_node_set_title(link, cmark_node_get_title(image));
  if (!cmark_node_insert_before(image, link)) {
    cmark_node_free(link);
    cmark_node_free(image);
    return;
  }
  while (cmark_node* child = cmark_node_first_child(image)) {
    if (!cmark_node_append_child(link, child)) break;
  }
  cmark_node_free(image);
}

enum class Edit { kRemove, kUnwrap, kImageToLink };

// Finds what must change first and changes it afterwards: the iterator must not see a tree that
// changes under it. A link or image inside another one (an image's alt text may hold a link) is
// unwrapped, so that no <a> ever nests in another.
void Sanitise(cmark_node* root) {
  std::vector<std::pair<cmark_node*, Edit>> edits;
  std::unique_ptr<cmark_iter, decltype(&cmark_iter_free)> iter(cmark_iter_new(root),
                                                               cmark_iter_free);
  int link_depth = 0;
  for (cmark_event_type event; (event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE;) {
    cmark_node* node = cmark_iter_get_node(iter.get());
    cmark_node_type type = cmark_node_get_type(node);
    if (type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE) {
      edits.emplace_back(node, Edit::kRemove);
    } else if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE) {
      if (event == CMARK_EVENT_EXIT) {
        --link_depth;
        continue;
      }
      if (type == CMARK_NODE_LINK) {
        if (link_depth > 0 || !IsLinkUrl(UrlOf(node))) edits.emplace_back(node, Edit::kUnwrap);
      } else {
        bool linkable = link_depth == 0 && IsWebUrl(UrlOf(node));
        edits.emplace_back(node, linkable ? Edit::kImageToLink : Edit::kUnwrap);
      }
      ++link_depth;
    }
  }
  iter.reset();
  // Last first: a node's descendants are done before it is freed.
  for (auto it = edits.rbegin(); it != edits.rend(); ++it) {
    auto [node, edit] = *it;
    switch (edit) {
      case Edit::kRemove:
        cmark_node_free(node);  // unlinks it too
        break;
      case Edit::kUnwrap:
        Unwrap(node);
        break;
      case Edit::kImageToLink:
        ImageToLink(node);
        break;
    }
  }
}

}  // namespace

std::string RenderMarkdown(std::string_view markdown) {
  static const bool registered = [] {
    cmark_gfm_core_extensions_ensure_registered();
    return true;
  }();
  (void)registered;

  std::unique_ptr<cmark_parser, decltype(&cmark_parser_free)> parser(cmark_parser_new(kOptions),
                                                                     cmark_parser_free);
  for (const char* name : kExtensions) {
    if (cmark_syntax_extension* extension = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser.get(), extension);
    }
  }
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  std::unique_ptr<cmark_node, decltype(&cmark_node_free)> root(cmark_parser_finish(parser.get()),
                                                               cmark_node_free);
  if (!root) return {};
  Sanitise(root.get());
  char* html =
      cmark_render_html(root.get(), kOptions, cmark_parser_get_syntax_extensions(parser.get()));
  if (!html) return {};
  std::string result(html);
  cmark_get_default_mem_allocator()->free(html);
  return result;
}

}  // namespace gp::domain
