#include "http/multipart.hpp"

#include <deque>

#include <gtest/gtest.h>

namespace gp::http {
namespace {

const std::string kType = "multipart/form-data; boundary=----b0undary";

std::string Body(const std::string& file_bytes) {
  return "------b0undary\r\n"
         "Content-Disposition: form-data; name=\"roomId\"\r\n\r\n"
         "ROOM\r\n"
         "------b0undary\r\n"
         "Content-Disposition: form-data; name=\"files\"; filename=\"photo.png\"\r\n"
         "Content-Type: image/png\r\n\r\n" +
         file_bytes +
         "\r\n"
         "------b0undary--\r\n";
}

// ParseMultipart's parts view the body: the bodies the tests build are kept for the whole run.
Result<std::vector<FormPart>> Parse(std::string_view type, std::string body) {
  static std::deque<std::string> kept;
  kept.push_back(std::move(body));
  return ParseMultipart(type, kept.back());
}

TEST(Multipart, ParsesFieldsAndFiles) {
  std::string bytes("\x89PNG\r\n\x00\xff--", 10);
  auto parts = Parse(kType, Body(bytes));
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "roomId");
  EXPECT_EQ((*parts)[0].body, "ROOM");
  EXPECT_FALSE((*parts)[0].has_filename);
  EXPECT_EQ((*parts)[1].name, "files");
  EXPECT_EQ((*parts)[1].filename, "photo.png");
  EXPECT_EQ((*parts)[1].content_type, "image/png");
  EXPECT_EQ((*parts)[1].body, bytes);
}

TEST(Multipart, AcceptsAQuotedBoundary) {
  auto parts = Parse("multipart/form-data; boundary=\"----b0undary\"", Body("x"));
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->size(), 2u);
}

TEST(Multipart, MalformedBodiesAreBadRequests) {
  std::string good = Body("data");
  std::vector<std::pair<std::string, std::string>> cases = {
      {"multipart/form-data", good},
      {"multipart/form-data; boundary=", good},
      {"multipart/form-data; boundary=\"unterminated", good},
      {kType, ""},
      {kType, "------b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"},
      {kType, "------b0undary\r\nno headers end"},
      {kType, "------b0undary\r\nX: y\r\n\r\nbody\r\n------b0undary--"},
      {kType,
       "------b0undary\r\nContent-Disposition: attachment; "
       "name=\"a\"\r\n\r\nb\r\n------b0undary--"},
      {kType, "------b0undaryXX"},
      {kType, good.substr(0, good.size() / 2)},
  };
  for (const auto& [type, body] : cases) {
    auto parts = ParseMultipart(type, body);
    ASSERT_FALSE(parts) << type << " | " << body;
    EXPECT_EQ(parts.error().code, ErrorCode::kBadRequest);
  }
}

// One part's bytes between delimiters, with its Content-Disposition parameters.
std::string Part(const std::string& disposition, const std::string& bytes,
                 const std::string& type = "") {
  return "------b0undary\r\nContent-Disposition: form-data; " + disposition + "\r\n" +
         (type.empty() ? "" : "Content-Type: " + type + "\r\n") + "\r\n" + bytes + "\r\n";
}
const std::string kClose = "------b0undary--\r\n";

TEST(Multipart, FileNamesAreUnquotedAndKeptAsSent) {
  auto parts =
      Parse(kType, Part(R"(name="file"; filename="a \"quoted\" na)"
                                 "\xC3\xAF"
                                 R"(ve; x.txt")",
                                 "x") +
                                Part(R"(name="file"; filename="browser%22style.txt")", "y") +
                                Part("name=file; filename=plain.txt", "z") + kClose);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].filename, "a \"quoted\" na\xC3\xAFve; x.txt");
  EXPECT_EQ((*parts)[1].filename, "browser%22style.txt");  // not decoded: that is the caller's call
  EXPECT_EQ((*parts)[2].name, "file");
  EXPECT_EQ((*parts)[2].filename, "plain.txt");
}

TEST(Multipart, AnExtendedFileNameWinsWhenItDecodes) {
  auto parse = [](const std::string& disposition) {
    auto parts = Parse(kType, Part(disposition, "x") + kClose);
    EXPECT_TRUE(parts) << disposition;
    return parts && parts->size() == 1 ? (*parts)[0] : FormPart{};
  };
  FormPart part =
      parse(R"(name="f"; filename="fallback.txt"; filename*=UTF-8''na%C3%AFve%20%E2%82%AC.txt)");
  EXPECT_TRUE(part.has_filename);
  EXPECT_EQ(part.filename, "na\xC3\xAFve \xE2\x82\xAC.txt");
  EXPECT_EQ(parse(R"(name="f"; filename*=iso-8859-1'fr'caf%E9.txt)").filename, "caf\xC3\xA9.txt");
  EXPECT_TRUE(parse(R"(name="f"; filename*=UTF-8''only.txt)").has_filename);
  // Malformed or in another charset: the plain name stands.
  for (const char* bad : {"UTF-8''bad%zz", "UTF-8'no-second-quote", "koi8-r''%C1", "nothing"}) {
    part = parse(std::string(R"(name="f"; filename="fallback.txt"; filename*=)") + bad);
    EXPECT_EQ(part.filename, "fallback.txt") << bad;
  }
  EXPECT_FALSE(parse(R"(name="f"; filename*=UTF-8''bad%zz)").has_filename);
}

TEST(Multipart, TheCallerSeesEveryFilePart) {
  auto parts = Parse(kType, Part(R"(name="file"; filename="a.txt")", "a") +
                                         Part(R"(name="file"; filename="b.txt")", "b") +
                                         Part(R"(name="text")", "hello") + kClose);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  int files = 0;
  for (const auto& part : *parts) files += part.has_filename ? 1 : 0;
  EXPECT_EQ(files, 2);
  EXPECT_EQ((*parts)[1].body, "b");
}

TEST(Multipart, FileBytesAreKeptExactly) {
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  // Line breaks, blank lines and things that look like delimiters but are not one.
  std::string tricky = "\r\n\r\nline\r\n--not-the-boundary\r\n------b0undar\r\n--\r\n\r\n";
  std::string body = Part(R"(name="a"; filename="bin")", every_byte, "application/octet-stream") +
                     Part(R"(name="b"; filename="crlf")", tricky) + Part(R"(name="empty")", "") +
                     kClose;
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].body, every_byte);
  EXPECT_EQ((*parts)[0].content_type, "application/octet-stream");
  EXPECT_EQ((*parts)[1].body, tricky);
  EXPECT_EQ((*parts)[2].body, "");
  // The bytes are not copied: each part is a view into the body.
  for (const auto& part : *parts) {
    EXPECT_GE(part.body.data(), body.data());
    EXPECT_LE(part.body.data() + part.body.size(), body.data() + body.size());
  }
}

TEST(Multipart, PreambleEpilogueAndPaddingAreSkipped) {
  auto parts = Parse(kType, "This is the preamble.\r\n" + Part(R"(name="a")", "1") +
                                         "------b0undary-- \r\nThis is the epilogue.");
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].body, "1");
  // Transport padding after a delimiter (RFC 2046).
  parts = Parse(
      kType, "------b0undary \t\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n" + kClose);
  ASSERT_TRUE(parts) << parts.error().message;
  EXPECT_EQ((*parts)[0].body, "1");
  // No parts at all is a well-formed (empty) form; the caller decides what it needs.
  parts = Parse(kType, "preamble\r\n" + kClose);
  ASSERT_TRUE(parts) << parts.error().message;
  EXPECT_TRUE(parts->empty());
  // A delimiter that does not start a line is part of the preamble.
  parts = Parse(kType, "preamble" + Part(R"(name="a")", "x") + kClose);
  ASSERT_TRUE(parts) << parts.error().message;
  EXPECT_TRUE(parts->empty());
}

TEST(Multipart, IncompleteOrNamelessBodiesAreRefused) {
  const std::string file = Part(R"(name="file"; filename="a.txt")", "bytes");
  std::vector<std::string> bodies = {
      // Only a preamble.
      "just some text\r\n",
      // The closing delimiter is missing or cut short.
      file,
      file + "------b0undary",
      file + "------b0undary-",
      file.substr(0, file.size() - 2),
      // A part without a name, without Content-Disposition, or without any header.
      Part("filename=\"a.txt\"", "x") + kClose,
      Part("name", "x") + kClose,
      "------b0undary\r\nContent-Type: text/plain\r\n\r\nx\r\n" + kClose,
      "------b0undary\r\n\r\nx\r\n" + kClose,
  };
  for (const auto& body : bodies) {
    auto parts = ParseMultipart(kType, body);
    ASSERT_FALSE(parts) << body;
    EXPECT_EQ(parts.error().code, ErrorCode::kBadRequest);
  }
}

TEST(Multipart, ThePartCountIsBounded) {
  std::string body;
  for (std::size_t i = 0; i < kMaxFormParts; ++i) body += Part("name=p", "x");
  EXPECT_TRUE(Parse(kType, body + kClose));
  auto parts = Parse(kType, body + Part("name=p", "x") + kClose);
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().code, ErrorCode::kBadRequest);
}

}  // namespace
}  // namespace gp::http
