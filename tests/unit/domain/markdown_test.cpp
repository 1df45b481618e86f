#include "domain/markdown.hpp"

#include <gtest/gtest.h>

#include <string>

#include "html_scan.hpp"

namespace gp::domain {
namespace {

// Nothing in `html` can run script or load a resource.
void ExpectInert(const std::string& html) {
  EXPECT_EQ(test_support::UnsafeHtml(html), "") << html;
}

TEST(Markdown, RendersCommonMark) {
  EXPECT_EQ(RenderMarkdown("**bold** and _it_"), "<p><strong>bold</strong> and <em>it</em></p>\n");
  EXPECT_EQ(RenderMarkdown("# Title"), "<h1>Title</h1>\n");
  EXPECT_EQ(RenderMarkdown("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
  EXPECT_EQ(RenderMarkdown(""), "");
  // A chat message keeps its line breaks.
  EXPECT_EQ(RenderMarkdown("one\ntwo"), "<p>one<br />\ntwo</p>\n");
}

TEST(Markdown, CodeIsEscaped) {
  EXPECT_EQ(RenderMarkdown("`a < b && <script>`"),
            "<p><code>a &lt; b &amp;&amp; &lt;script&gt;</code></p>\n");
  EXPECT_EQ(RenderMarkdown("```\n<b>x</b>\n```"),
            "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n");
  EXPECT_EQ(RenderMarkdown("1 < 2 & 3 > \"x\""), "<p>1 &lt; 2 &amp; 3 &gt; &quot;x&quot;</p>\n");
}

TEST(Markdown, RawHtmlIsDropped) {
  EXPECT_EQ(RenderMarkdown("<script>alert(1)</script>"), "");
  EXPECT_EQ(RenderMarkdown("<img src=x onerror=alert(1)>"), "");
  EXPECT_EQ(RenderMarkdown("a <img src=x onerror=alert(1)> b"), "<p>a  b</p>\n");
  EXPECT_EQ(RenderMarkdown("say <b onclick=\"x()\">hi</b>"), "<p>say hi</p>\n");
  EXPECT_EQ(RenderMarkdown("<div>\n\n*x*\n\n</div>"), "<p><em>x</em></p>\n");
  for (const char* payload : {"<svg onload=alert(1)>", "<iframe src=javascript:alert(1)>",
                              "<a href=\"javascript:x\">y</a>", "<!-- c --><script>x</script>",
                              "<style>*{}</style>", "<?php x ?>", "<![CDATA[x]]>"}) {
    std::string html = RenderMarkdown(payload);
    ExpectInert(html);
    EXPECT_EQ(html.find('<' + std::string(payload).substr(1, 3)), std::string::npos) << html;
  }
}

TEST(Markdown, LinksKeepOnlyWebAndMailTargets) {
  EXPECT_EQ(RenderMarkdown("[x](https://example.com/a?b=1&c=2)"),
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\">x</a></p>\n");
  EXPECT_EQ(RenderMarkdown("[x](http://example.com \"title\")"),
            "<p><a href=\"http://example.com\" title=\"title\">x</a></p>\n");
  EXPECT_EQ(RenderMarkdown("[mail](mailto:a@example.com)"),
            "<p><a href=\"mailto:a@example.com\">mail</a></p>\n");
  EXPECT_EQ(RenderMarkdown("[x](HTTPS://EXAMPLE.COM)"),
            "<p><a href=\"HTTPS://EXAMPLE.COM\">x</a></p>\n");
  // Every other target, however it is spelt, leaves the text alone.
  for (const char* payload : {
           "[x](javascript:alert(1))",
           "[x](JaVaScRiPt:alert(1))",
           "[x](&#106;avascript:alert(1))",
           "[x](&#x6A;avascript&colon;alert(1))",
           "[x](java&#x09;script:alert(1))",
           "[x](<java script:alert(1)>)",
           "[x](<\tjavascript:alert(1)>)",
           "[x](%6aavascript:alert(1))",
           "[x](\\javascript:alert(1))",
           "[x](vbscript:msgbox(1))",
           "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
           "[x](file:///etc/passwd)",
           "[x](/api/v1/session)",
           "[x](//evil.example/)",
           "[x](#top)",
           "[x](http:/relative)",
           "[x][ref]\n\n[ref]: javascript:alert(1)",
       }) {
    EXPECT_EQ(RenderMarkdown(payload), "<p>x</p>\n") << payload;
  }
}

TEST(Markdown, ImagesNeverLoad) {
  EXPECT_EQ(RenderMarkdown("![x](https://evil/x.png)"),
            "<p><a href=\"https://evil/x.png\">x</a></p>\n");
  EXPECT_EQ(RenderMarkdown("![a *cat*](https://evil/x.png \"t\")"),
            "<p><a href=\"https://evil/x.png\" title=\"t\">a <em>cat</em></a></p>\n");
  EXPECT_EQ(RenderMarkdown("![x](data:image/png;base64,iVBOR)"), "<p>x</p>\n");
  EXPECT_EQ(RenderMarkdown("![x](/avatar.png)"), "<p>x</p>\n");
  EXPECT_EQ(RenderMarkdown("![x](javascript:alert(1))"), "<p>x</p>\n");
  // An image inside a link keeps the link and shows its alt text: links do not nest.
  EXPECT_EQ(RenderMarkdown("[![alt](https://evil/x.png)](https://example.com)"),
            "<p><a href=\"https://example.com\">alt</a></p>\n");
  EXPECT_EQ(RenderMarkdown("![[in](https://a.example)](https://evil/x.png)"),
            "<p><a href=\"https://evil/x.png\">in</a></p>\n");
}

TEST(Markdown, Autolinks) {
  EXPECT_EQ(RenderMarkdown("<https://example.com>"),
            "<p><a href=\"https://example.com\">https://example.com</a></p>\n");
  EXPECT_EQ(RenderMarkdown("see www.example.com now"),
            "<p>see <a href=\"http://www.example.com\">www.example.com</a> now</p>\n");
  EXPECT_EQ(RenderMarkdown("mail a@example.com"),
            "<p>mail <a href=\"mailto:a@example.com\">a@example.com</a></p>\n");
  EXPECT_EQ(RenderMarkdown("<javascript:alert(1)>"), "<p>javascript:alert(1)</p>\n");
  EXPECT_EQ(RenderMarkdown("<JAVASCRIPT:alert(1)>"), "<p>JAVASCRIPT:alert(1)</p>\n");
  ExpectInert(RenderMarkdown(
      "javascript:alert(1) www.javascript:alert(1) <vbscript:x> <data:text/html,x>"));
}

TEST(Markdown, GfmExtensions) {
  EXPECT_EQ(RenderMarkdown("~~gone~~"), "<p><del>gone</del></p>\n");
  EXPECT_EQ(
      RenderMarkdown("| a | b |\n|:--|--:|\n| 1 | <b>2</b> |"),
      "<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n"
      "</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n"
      "</tbody>\n</table>\n");
  EXPECT_EQ(RenderMarkdown("- [ ] todo\n- [x] done"),
            "<ul>\n<li><input type=\"checkbox\" disabled=\"\" /> todo</li>\n"
            "<li><input type=\"checkbox\" checked=\"\" disabled=\"\" /> done</li>\n</ul>\n");
  ExpectInert(RenderMarkdown(
      "| [x](javascript:y) | ![i](https://e/i.png) |\n|---|---|\n| <script> | ~~<img>~~ |"));
}

TEST(Markdown, AnyInputIsHarmless) {
  std::string binary("a\0b\xff\xfe\x80 [x](javascript:\0y)", 24);
  std::string html = RenderMarkdown(binary);
  ExpectInert(html);
  EXPECT_NE(html.find("\xEF\xBF\xBD"), std::string::npos) << "invalid bytes become U+FFFD";
  EXPECT_EQ(html.find('\0'), std::string::npos);

  std::string nested(20000, '>');
  ExpectInert(RenderMarkdown(nested + "x"));
  std::string brackets = std::string(5000, '[') + "x" + std::string(5000, ']') + "(javascript:a)";
  ExpectInert(RenderMarkdown(brackets));
  std::string images;
  for (int i = 0; i < 500; ++i) images += "![";
  images += "x";
  for (int i = 0; i < 500; ++i) images += "](https://e/i.png)";
  ExpectInert(RenderMarkdown(images));
  // The title cannot escape its attribute.
  html = RenderMarkdown("[x](https://e \"a\\\" onmouseover=\\\"alert(1)\")");
  EXPECT_EQ(html,
            "<p><a href=\"https://e\" title=\"a&quot; onmouseover=&quot;alert(1)\">x</a></p>\n");
}

}  // namespace
}  // namespace gp::domain
