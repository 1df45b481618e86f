#include "http/multipart.hpp"

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

TEST(Multipart, ParsesFieldsAndFiles) {
  std::string bytes("\x89PNG\r\n\x00\xff--", 10);
  auto parts = ParseMultipart(kType, Body(bytes));
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
  auto parts = ParseMultipart("multipart/form-data; boundary=\"----b0undary\"", Body("x"));
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

}  // namespace
}  // namespace gp::http
