// Markdown from a message: whatever the input, the HTML holds only the elements and attributes
// cmark-gfm makes from markdown (no <script>, <img> or on... attribute), links only to http(s) and
// mailto URLs, and valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "../unit/domain/html_scan.hpp"
#include "domain/markdown.hpp"
#include "domain/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view markdown(reinterpret_cast<const char*>(data), size);
  std::string html = gp::domain::RenderMarkdown(markdown);
  std::string lower = html;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("<script") != std::string::npos) __builtin_trap();
  if (std::string problem = gp::test_support::UnsafeHtml(html); !problem.empty()) {
    std::fprintf(stderr, "unsafe output: %s\n", problem.c_str());
    __builtin_trap();
  }
  if (!gp::domain::IsValidUtf8(html)) __builtin_trap();
  return 0;
}
